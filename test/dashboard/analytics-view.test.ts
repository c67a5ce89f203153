import { AppProvider } from "@shopify/polaris";
import en from "@shopify/polaris/locales/en.json" with { type: "json" };
import { createElement } from "react";
import { renderToString } from "react-dom/server";
import { StaticRouter } from "react-router-dom/server";
import { describe, expect, it } from "vitest";
import { AnalyticsSection, analyticsTables } from "../../app/components/analytics/AnalyticsSection";
import { countText, dayLabel, hourLabel, rangeDates, rangeLabel, rateText } from "../../app/components/analytics/format";
import { rangeSearch } from "../../app/components/analytics/RangePicker";
import type { Analytics } from "../../app/services/analytics/types";
import { type DashboardAnalytics, pointValueMoney, pointValueSentence } from "../../app/services/dashboard.server";

// The Dashboard's analytics as the server renders them: every chart's table in the HTML (what
// screen readers and the browser test read), no chart until the browser draws it, the range's
// error, and the empty states.

const analytics = (overrides: Partial<Analytics> = {}): Analytics => ({
  range: { from: "2026-12-04", to: "2026-12-06", days: 3, preset: "custom" },
  timezone: "America/New_York",
  currency: "USD",
  points: [
    { day: "2026-12-04", issued: 1200, redeemed: 0, expired: 0, clawedBack: 0 },
    { day: "2026-12-05", issued: 0, redeemed: 500, expired: 30, clawedBack: 0 },
    { day: "2026-12-06", issued: 57, redeemed: 0, expired: 0, clawedBack: 29 },
  ],
  totals: { issued: 1257, redeemed: 500, expired: 30, clawedBack: 29 },
  outstanding: { points: 698, value: 698, pointValue: { source: "setting", minorUnitsPerPoint: "1" } },
  tiers: [
    { tier: "Bronze", members: 2 },
    { tier: "Silver", members: 1 },
    { tier: "Gold", members: 0 },
  ],
  repeatPurchase: { members: { customers: 3, repeat: 1 }, nonMembers: { customers: 8, repeat: 0 } },
  cohorts: [
    { key: "vip", name: "High value", sizes: [{ day: "2026-12-04", size: 0 }, { day: "2026-12-05", size: 2 }, { day: "2026-12-06", size: 1 }] },
    { key: "first", name: "First purchase", sizes: [{ day: "2026-12-04", size: 4 }, { day: "2026-12-05", size: 4 }, { day: "2026-12-06", size: 5 }] },
  ],
  events: [
    { hour: "2026-12-06T14:00:00.000Z", webhooks: 3, pixel: 0 },
    { hour: "2026-12-06T15:00:00.000Z", webhooks: 0, pixel: 1234 },
  ],
  ...overrides,
});

const view = (data: Analytics, extra: Partial<DashboardAnalytics> = {}): DashboardAnalytics => ({
  data,
  rangeError: null,
  today: "2026-12-06",
  liability: "$6.98",
  pointValue: pointValueSentence(data.outstanding.pointValue, data.currency),
  ...extra,
});

const render = (value: DashboardAnalytics) =>
  renderToString(createElement(StaticRouter, { location: "/app" }, createElement(AppProvider, { i18n: en }, createElement(AnalyticsSection, { analytics: value }))));

/** The rows of the table with this data-testid, each a list of cell texts. */
function tableRows(html: string, id: string): string[][] {
  const table = new RegExp(`<table [^>]*data-testid="analytics-${id}-table"[\\s\\S]*?</table>`).exec(html)?.[0];
  if (!table) throw new Error(`no ${id} table`);
  return [...table.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((row) => [...row[1].matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((cell) => cell[1].replaceAll("&amp;", "&")));
}

describe("the Dashboard's analytics labels", () => {
  it("labels days, hours in the shop's zone, ranges, counts and rates", () => {
    expect(dayLabel("2026-12-04")).toBe("Dec 4");
    expect(dayLabel("2027-01-01")).toBe("Jan 1");
    expect(hourLabel("2026-12-06T15:00:00.000Z", "America/New_York")).toBe("Dec 6, 10 AM");
    expect(rangeLabel({ from: "2026-11-07", to: "2026-12-06", preset: "30d" })).toBe("Last 30 days");
    expect(rangeLabel({ from: "2026-11-01", to: "2026-11-20", preset: "custom" })).toBe("Nov 1 – Nov 20, 2026");
    expect(rangeDates({ from: "2025-12-20", to: "2026-01-05" })).toBe("Dec 20, 2025 – Jan 5, 2026");
    expect(rangeDates({ from: "2026-12-06", to: "2026-12-06" })).toBe("Dec 6, 2026");
    expect(countText(1234567)).toBe("1,234,567");
    expect(rateText(1, 3)).toBe("33.3%");
    expect(rateText(0, 0)).toBe("–");
    expect(rangeSearch("7d", "2026-11-30", "2026-12-06")).toBe("?range=7d");
    expect(rangeSearch("custom", "2026-11-01", "2026-11-20")).toBe("?from=2026-11-01&to=2026-11-20");
  });

  it("says what a point is worth in the shop's currency, every digit kept, and where the value came from", () => {
    expect(pointValueMoney("1", "USD")).toBe("$0.01");
    expect(pointValueMoney("5", "USD")).toBe("$0.05");
    expect(pointValueMoney("1.666667", "USD")).toBe("$0.01666667");
    expect(pointValueMoney("1250", "USD")).toBe("$12.50");
    expect(pointValueMoney("2", "JPY")).toBe("¥2");
    expect(pointValueMoney("0.5", "JPY")).toBe("¥0.5");
    expect(pointValueSentence({ source: "setting", minorUnitsPerPoint: "1" }, "USD")).toBe("A point is worth $0.01, as set in Settings.");
    expect(pointValueSentence({ source: "reward", minorUnitsPerPoint: "1", rewardName: "$5 off" }, "USD")).toBe(
      'A point is worth $0.01, from the reward "$5 off" (the best value per point of your enabled rewards). Set a value per point in Settings to use your own.',
    );
    expect(pointValueSentence({ source: "none" }, "USD")).toBe("Set a value per point in Settings to see what outstanding points are worth.");
  });
});

describe("the Dashboard's analytics, rendered on the server", () => {
  it("puts every chart's figures in a captioned table, and draws no chart before the browser", () => {
    const data = analytics();
    const html = render(view(data));
    expect(tableRows(html, "points")).toEqual([
      ["Day", "Issued", "Redeemed", "Expired", "Clawed back"],
      ["Dec 4", "1,200", "0", "0", "0"],
      ["Dec 5", "0", "500", "30", "0"],
      ["Dec 6", "57", "0", "0", "29"],
    ]);
    expect(tableRows(html, "tiers")).toEqual([["Tier", "Members"], ["Bronze", "2"], ["Silver", "1"], ["Gold", "0"]]);
    expect(tableRows(html, "repeat")).toEqual([
      ["Customers", "With an order", "With two or more", "Repeat rate"],
      ["Members", "3", "1", "33.3%"],
      ["Non-members", "8", "0", "0.0%"],
    ]);
    expect(tableRows(html, "cohorts")).toEqual([["Day", "High value", "First purchase"], ["Dec 4", "0", "4"], ["Dec 5", "2", "4"], ["Dec 6", "1", "5"]]);
    // Hours as the shop's clock shows them, with the date.
    expect(tableRows(html, "events")).toEqual([["Hour", "Webhooks", "Pixel events"], ["Dec 6, 2026, 9:00 AM", "3", "0"], ["Dec 6, 2026, 10:00 AM", "0", "1,234"]]);
    expect(html).toContain("<caption");
    expect(html).toContain("Points per day, Dec 4 – Dec 6, 2026");
    // The summary figures.
    for (const [id, value] of [["total-issued", "1,257"], ["total-redeemed", "500"], ["total-expired", "30"], ["total-clawed-back", "29"], ["outstanding-points", "698"], ["liability", "$6.98"]]) {
      expect(html).toContain(`data-testid="analytics-${id}">${value}<`);
    }
    expect(html).toContain("A point is worth $0.01, as set in Settings.");
    // The range control shows the range; no error banner for a good one.
    expect(html).toContain('data-testid="analytics-range">Dec 4 – Dec 6, 2026<');
    expect(html).not.toContain("analytics-range-error");
    expect(html).not.toContain("analytics-points-as-of");
    // No chart is drawn on the server: each waits in an empty box for the browser.
    expect(html.match(/<div class="roost-chart"><\/div>/g)).toHaveLength(5);
    expect(html).not.toMatch(/gid:\/\//);
    // One builder feeds the tables and the tests.
    expect(analyticsTables(data).points.rows).toHaveLength(3);
  });

  it("shows the parser's error above the default range's figures", () => {
    const html = render(view(analytics({ range: { from: "2026-11-07", to: "2026-12-06", days: 30, preset: "30d" } }), { rangeError: "Enter dates as YYYY-MM-DD, such as 2026-01-31." }));
    expect(html).toContain("That date range can&#x27;t be shown");
    expect(html).toContain("Enter dates as YYYY-MM-DD, such as 2026-01-31.<!-- --> Showing <!-- -->last 30 days<!-- --> instead.");
    expect(html).toContain("Last 30 days");
  });

  it("says the points figures are still being added up while the roll-ups catch up", () => {
    const html = render(view(analytics({ pointsAsOf: "2026-12-06T15:04:00.000Z" })));
    expect(html).toContain("Roost is still adding up recent points: the figures for the range count entries recorded up to <!-- -->Dec 6, 2026, 10:04 AM<!-- -->.");
  });

  it("says so when there is nothing to chart, and asks for a value per point when none is known", () => {
    const empty = analytics({
      points: analytics().points.map((day) => ({ day: day.day, issued: 0, redeemed: 0, expired: 0, clawedBack: 0 })),
      totals: { issued: 0, redeemed: 0, expired: 0, clawedBack: 0 },
      outstanding: { points: 0, value: null, pointValue: { source: "none" } },
      tiers: [{ tier: "Bronze", members: 0 }],
      repeatPurchase: { members: { customers: 0, repeat: 0 }, nonMembers: { customers: 0, repeat: 0 } },
      cohorts: [],
      events: [{ hour: "2026-12-06T14:00:00.000Z", webhooks: 0, pixel: 0 }],
    });
    const html = render(view(empty, { liability: null }));
    for (const id of ["points", "tiers", "repeat", "cohorts", "events"]) {
      expect(html).toContain(`data-testid="analytics-${id}-empty"`);
      expect(html).not.toContain(`data-testid="analytics-${id}-table"`);
    }
    expect(html).toContain("No cohort is enabled. Enable one in Cohorts to follow its size here.");
    expect(html).toContain('data-testid="analytics-liability">–<');
    expect(html).toContain("Set a value per point in Settings to see what outstanding points are worth.");
  });
});
