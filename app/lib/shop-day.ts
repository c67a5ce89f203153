// One formatter per timezone: building an Intl.DateTimeFormat costs far more than formatting.
const dayFormats = new Map<string, Intl.DateTimeFormat | null>();

/** The shop-local calendar day of an instant, YYYY-MM-DD (UTC for a timezone the runtime does not know). */
export function shopDay(at: Date, timezone: string): string {
  let format = dayFormats.get(timezone);
  if (format === undefined) {
    try {
      format = new Intl.DateTimeFormat("en-CA", { timeZone: timezone, year: "numeric", month: "2-digit", day: "2-digit" });
    } catch {
      format = null;
    }
    dayFormats.set(timezone, format);
  }
  return format ? format.format(at) : at.toISOString().slice(0, 10);
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** The first instant of a shop-local day (YYYY-MM-DD): 23 or 25 hours from the next across a clock change. */
export function shopDayStart(day: string, timezone: string): Date {
  const utcMidnight = Date.parse(`${day}T00:00:00.000Z`);
  // The first minute whose local day is `day`: a binary search over the possible offsets (±14 h).
  let low = (utcMidnight - 14 * HOUR_MS) / MINUTE_MS;
  let high = (utcMidnight + 14 * HOUR_MS) / MINUTE_MS;
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (shopDay(new Date(middle * MINUTE_MS), timezone) >= day) high = middle;
    else low = middle + 1;
  }
  return new Date(low * MINUTE_MS);
}

/** The first instant of the shop-local day `at` falls in. */
export function startOfShopDay(at: Date, timezone: string): Date {
  return shopDayStart(shopDay(at, timezone), timezone);
}

/** A calendar day `count` days after (or before, when negative) `day`, both YYYY-MM-DD. */
export function addDays(day: string, count: number): string {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) + count * DAY_MS).toISOString().slice(0, 10);
}
