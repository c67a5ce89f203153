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
