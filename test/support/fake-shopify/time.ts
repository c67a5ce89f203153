/** Time helpers shared by the fake: Shopify serialises DateTime without fractional seconds. */

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to, for deterministic throttle and timestamp tests. */
export class ManualClock implements Clock {
  private current: number;

  constructor(start: Date | string | number = Date.now()) {
    this.current = toEpochMs(start);
  }

  now(): number {
    return this.current;
  }

  advance(ms: number): number {
    this.current += ms;
    return this.current;
  }

  set(at: Date | string | number): void {
    this.current = toEpochMs(at);
  }
}

export type TimeInput = Date | string | number;

export function toEpochMs(input: TimeInput): number {
  const ms = input instanceof Date ? input.getTime() : typeof input === 'number' ? input : Date.parse(input);
  if (!Number.isFinite(ms)) {
    throw new TypeError(`Invalid time value: ${String(input)}`);
  }
  return ms;
}

/** Shopify stores and filters on whole seconds, so the fake does too. */
export function truncateToSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

export function isoSeconds(ms: number): string {
  return new Date(truncateToSecond(ms)).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = offsetFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    offsetFormatters.set(timeZone, formatter);
  }
  return formatter;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Offset of `timeZone` from UTC at instant `ms`, in minutes (e.g. -300 for New York in winter). */
export function zoneOffsetMinutes(ms: number, timeZone: string): number {
  const parts = formatterFor(timeZone).formatToParts(new Date(truncateToSecond(ms)));
  const get = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - truncateToSecond(ms)) / 60_000);
}

/** ISO-8601 in the shop's local offset, the format Shopify uses in webhook payloads. */
export function isoWithOffset(ms: number, timeZone: string): string {
  const offset = zoneOffsetMinutes(ms, timeZone);
  const local = new Date(truncateToSecond(ms) + offset * 60_000).toISOString().replace(/\.\d{3}Z$/, '');
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${local}${sign}${hh}:${mm}`;
}

/** The UTC instant at which the given calendar day starts in `timeZone`. */
export function zonedDayStart(year: number, month: number, day: number, timeZone: string): number {
  const guess = Date.UTC(year, month - 1, day);
  let result = guess - zoneOffsetMinutes(guess, timeZone) * 60_000;
  // A second pass corrects guesses that straddle a DST transition.
  result = guess - zoneOffsetMinutes(result, timeZone) * 60_000;
  return result;
}
