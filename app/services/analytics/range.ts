import { addDays, shopDay } from "../../lib/shop-day";
import type { AnalyticsRange } from "./types";

// The Dashboard's date range (docs/analytics.md): a preset (?range=7d|30d|90d) or a custom pair of
// shop-local days (?from=YYYY-MM-DD&to=YYYY-MM-DD).

export const PRESETS = { "7d": 7, "30d": 30, "90d": 90 } as const;
export type Preset = keyof typeof PRESETS;
export const DEFAULT_PRESET: Preset = "30d";
export const MAX_RANGE_DAYS = 366;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Days from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
}

/** The last `days` shop-local days, ending today. */
export function presetRange(preset: Preset, timezone: string, now: Date): AnalyticsRange {
  const to = shopDay(now, timezone);
  const days = PRESETS[preset];
  return { from: addDays(to, 1 - days), to, days, preset };
}

// Date.parse gives NaN for a month or day no calendar has (2026-13-40), and normalises none of
// the rest: a day that comes back as itself exists (2026-02-30 does not).
const isCalendarDay = (value: string) => DAY.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && addDays(value, 0) === value;

export type ParsedRange = { ok: true; range: AnalyticsRange } | { ok: false; error: string; range: AnalyticsRange };

/** The range a Dashboard URL asks for, or a merchant-readable error and the default range (the last 30 days). */
export function parseAnalyticsRange(params: URLSearchParams, timezone: string, now: Date): ParsedRange {
  const fallback = presetRange(DEFAULT_PRESET, timezone, now);
  const fail = (error: string): ParsedRange => ({ ok: false, error, range: fallback });
  const from = params.get("from")?.trim() ?? "";
  const to = params.get("to")?.trim() ?? "";

  if (from || to) {
    if (!from || !to) return fail("Choose both a start date and an end date.");
    if (!isCalendarDay(from) || !isCalendarDay(to)) return fail("Enter dates as YYYY-MM-DD, such as 2026-01-31.");
    if (from > to) return fail("The start date must be on or before the end date.");
    const today = shopDay(now, timezone);
    if (to > today) return fail(`The end date can't be after today (${today}).`);
    const days = daysBetween(from, to);
    if (days > MAX_RANGE_DAYS) return fail(`Choose at most ${MAX_RANGE_DAYS} days.`);
    return { ok: true, range: { from, to, days, preset: "custom" } };
  }

  const preset = params.get("range")?.trim() ?? "";
  if (!preset) return { ok: true, range: fallback };
  if (!Object.hasOwn(PRESETS, preset)) return fail("Choose the last 7, 30 or 90 days, or a start and an end date.");
  return { ok: true, range: presetRange(preset as Preset, timezone, now) };
}

/** Every day of the range, oldest first. */
export function rangeDays(range: Pick<AnalyticsRange, "from" | "to">): string[] {
  const days: string[] = [];
  for (let day = range.from; day <= range.to; day = addDays(day, 1)) days.push(day);
  return days;
}
