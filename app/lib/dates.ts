// The one way a merchant sees a date: in the shop's time zone, "Dec 6, 2026, 11:34 PM" for a
// moment and "Dec 6, 2026" for a day, identical wherever it is rendered (server or browser).

const formats = new Map<string, Intl.DateTimeFormat>();

function formatter(timezone: string, withTime: boolean): Intl.DateTimeFormat {
  const key = `${withTime ? "when" : "day"}:${timezone}`;
  let format = formats.get(key);
  if (!format) {
    const options: Intl.DateTimeFormatOptions = withTime ? { dateStyle: "medium", timeStyle: "short" } : { dateStyle: "medium" };
    try {
      format = new Intl.DateTimeFormat("en-US", { ...options, timeZone: timezone });
    } catch {
      // A time zone the runtime does not know: UTC rather than the server's or browser's own.
      format = new Intl.DateTimeFormat("en-US", { ...options, timeZone: "UTC" });
    }
    formats.set(key, format);
  }
  return format;
}

/** A date and time in the shop's time zone: "Dec 6, 2026, 11:34 PM". */
export function formatWhen(at: string | Date, timezone: string): string {
  return formatter(timezone, true).format(new Date(at));
}

/** A day in the shop's time zone: "Dec 6, 2026". A YYYY-MM-DD day is shown as that calendar day. */
export function formatDay(at: string | Date, timezone: string): string {
  if (typeof at === "string" && /^\d{4}-\d{2}-\d{2}$/.test(at)) return formatter("UTC", false).format(new Date(`${at}T12:00:00Z`));
  return formatter(timezone, false).format(new Date(at));
}
