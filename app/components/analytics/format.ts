import { formatDay } from "../../lib/dates";
import type { Preset } from "../../services/analytics/range";
import type { AnalyticsRange } from "../../services/analytics/types";

// Labels the Dashboard's analytics share between the charts, their tables and the tests, so the
// server and the browser render the same text.

const DAY = new Intl.DateTimeFormat("en-US", { timeZone: "UTC", month: "short", day: "numeric" });

const utcDate = (day: string) => new Date(`${day}T00:00:00Z`);

/** "2026-12-04" (a shop-local day) → "Dec 4". */
export function dayLabel(day: string): string {
  return DAY.format(utcDate(day));
}

const hourFormats = new Map<string, Intl.DateTimeFormat>();

/** An hour's start as the shop's clock shows it, short for an axis: "Dec 4, 3 PM". */
export function hourLabel(iso: string, timezone: string): string {
  let format = hourFormats.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", { timeZone: timezone, month: "short", day: "numeric", hour: "numeric" });
    hourFormats.set(timezone, format);
  }
  return format.format(new Date(iso));
}

export const PRESET_LABELS: Record<Preset, string> = { "7d": "Last 7 days", "30d": "Last 30 days", "90d": "Last 90 days" };

/** "Last 30 days", or "Nov 1 – Nov 20, 2026" for a custom range ("Dec 20, 2025 – Jan 5, 2026" across years). */
export function rangeLabel(range: Pick<AnalyticsRange, "from" | "to" | "preset">): string {
  if (range.preset !== "custom") return PRESET_LABELS[range.preset];
  return rangeDates(range);
}

/** "Nov 1 – Nov 20, 2026": the days a range covers. */
export function rangeDates(range: Pick<AnalyticsRange, "from" | "to">): string {
  const sameYear = range.from.slice(0, 4) === range.to.slice(0, 4);
  if (range.from === range.to) return formatDay(range.to, "UTC");
  return `${sameYear ? dayLabel(range.from) : formatDay(range.from, "UTC")} – ${formatDay(range.to, "UTC")}`;
}

/** 1234 → "1,234". */
export function countText(value: number): string {
  return value.toLocaleString("en-US");
}

/** Repeat customers as a share of customers, one decimal: "37.5%"; "–" when there are none. */
export function rateText(part: number, whole: number): string {
  return whole === 0 ? "–" : `${((part / whole) * 100).toFixed(1)}%`;
}

/** The same share as a number for a chart (0 when there are no customers). */
export function ratePercent(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((part / whole) * 1000) / 10;
}
