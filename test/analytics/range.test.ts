import { describe, expect, it } from "vitest";
import { parseAnalyticsRange } from "../../app/services/analytics/analytics.server";
import { pointValueOf, valueOfPoints } from "../../app/services/analytics/point-value";

// The Dashboard's date range and the value of a point: pure, no database.

const parse = (query: string, timezone = "UTC", now = "2026-12-06T15:00:00Z") => parseAnalyticsRange(new URLSearchParams(query), timezone, new Date(now));
const DEFAULT = { from: "2026-11-07", to: "2026-12-06", days: 30, preset: "30d" };

describe("parseAnalyticsRange", () => {
  it("reads the presets, the last 30 shop-local days by default", () => {
    expect(parse("")).toEqual({ ok: true, range: DEFAULT });
    expect(parse("range=30d")).toEqual({ ok: true, range: DEFAULT });
    expect(parse("range=7d")).toEqual({ ok: true, range: { from: "2026-11-30", to: "2026-12-06", days: 7, preset: "7d" } });
    expect(parse("range=90d")).toEqual({ ok: true, range: { from: "2026-09-08", to: "2026-12-06", days: 90, preset: "90d" } });
  });

  it("ends today in the shop's time zone, not UTC's", () => {
    // 02:00 UTC on the 6th is still the 5th in Los Angeles and already the 6th in Tokyo.
    expect(parse("range=7d", "America/Los_Angeles", "2026-12-06T02:00:00Z").range).toMatchObject({ from: "2026-11-29", to: "2026-12-05" });
    expect(parse("range=7d", "Asia/Tokyo", "2026-12-05T16:00:00Z").range).toMatchObject({ from: "2026-11-30", to: "2026-12-06" });
    expect(parse("from=2026-12-06&to=2026-12-06", "America/Los_Angeles", "2026-12-06T02:00:00Z")).toMatchObject({ ok: false, error: "The end date can't be after today (2026-12-05)." });
  });

  it("reads a custom pair of days, from ≤ to ≤ today, at most 366 days", () => {
    expect(parse("from=2026-12-01&to=2026-12-06")).toEqual({ ok: true, range: { from: "2026-12-01", to: "2026-12-06", days: 6, preset: "custom" } });
    expect(parse("from=2026-12-06&to=2026-12-06")).toEqual({ ok: true, range: { from: "2026-12-06", to: "2026-12-06", days: 1, preset: "custom" } });
    expect(parse("from=2025-12-06&to=2026-12-06")).toEqual({ ok: true, range: { from: "2025-12-06", to: "2026-12-06", days: 366, preset: "custom" } });
    // The pair wins over a preset beside it.
    expect(parse("range=7d&from=2026-12-01&to=2026-12-02").range.preset).toBe("custom");
  });

  it("answers what is wrong in words, with the default range", () => {
    const errors: [string, string][] = [
      ["range=14d", "Choose the last 7, 30 or 90 days, or a start and an end date."],
      ["from=2026-12-01", "Choose both a start date and an end date."],
      ["to=2026-12-01", "Choose both a start date and an end date."],
      ["from=12/01/2026&to=2026-12-02", "Enter dates as YYYY-MM-DD, such as 2026-01-31."],
      ["from=2026-02-30&to=2026-03-02", "Enter dates as YYYY-MM-DD, such as 2026-01-31."],
      ["from=2026-13-40&to=2026-12-01", "Enter dates as YYYY-MM-DD, such as 2026-01-31."],
      ["from=2026-00-10&to=2026-12-01", "Enter dates as YYYY-MM-DD, such as 2026-01-31."],
      ["from=2026-12-05&to=2026-12-01", "The start date must be on or before the end date."],
      ["from=2026-12-01&to=2026-12-07", "The end date can't be after today (2026-12-06)."],
      ["from=2025-12-05&to=2026-12-06", "Choose at most 366 days."],
    ];
    for (const [query, error] of errors) expect(parse(query), query).toEqual({ ok: false, error, range: DEFAULT });
  });
});

describe("the value of a point", () => {
  const reward = (type: string, pointsCost: number, value: number | null, name = `${type} ${pointsCost}`, enabled = true) => ({ type, name, pointsCost, value, enabled });

  it("takes the merchant's setting first", () => {
    const { pointValue, ratio } = pointValueOf("1.25", [reward("fixed_amount", 100, 1000)]);
    expect(pointValue).toEqual({ source: "setting", minorUnitsPerPoint: "1.25" });
    expect(valueOfPoints(1001, ratio!)).toBe(1251); // 1251.25
    expect(valueOfPoints(1002, ratio!)).toBe(1253); // 1252.5, half up
  });

  it("else the enabled reward with the most money per point; percentage and free shipping have no fixed value", () => {
    const rewards = [
      reward("percentage", 10, 50),
      reward("free_shipping", 1, null),
      reward("fixed_amount", 500, 500, "$5 off"),
      reward("store_credit", 300, 500, "$5 credit"),
      reward("fixed_amount", 100, 5000, "Disabled", false),
    ];
    const { pointValue, ratio } = pointValueOf(null, rewards);
    expect(pointValue).toEqual({ source: "reward", minorUnitsPerPoint: "1.666667", rewardName: "$5 credit" });
    expect(valueOfPoints(1000, ratio!)).toBe(1667); // 1666.67, exactly 5000/3
    expect(valueOfPoints(3, ratio!)).toBe(5);
  });

  it("has none without a setting or a money reward", () => {
    expect(pointValueOf(null, [reward("percentage", 10, 50), reward("free_shipping", 1, null)])).toEqual({ pointValue: { source: "none" }, ratio: null });
    expect(pointValueOf(null, [])).toEqual({ pointValue: { source: "none" }, ratio: null });
  });
});
