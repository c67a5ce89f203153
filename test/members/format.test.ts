import { describe, expect, it } from "vitest";
import { adminUrl, formatDay, formatWhen, ledgerSentence, timelineSentence } from "../../app/services/members/format";

// What a merchant reads on a member's page: sentences with order names, never a GID; one date format.

const ORDER = "gid://shopify/Order/5550001";
const labels = { variant: () => undefined, order: (gid: string) => (gid === ORDER ? "#1001" : "an order"), timezone: "America/New_York" };
const sentence = (type: string, data: Record<string, unknown>) => timelineSentence({ type, data }, labels);

describe("timeline sentences", () => {
  it("reads every order and points event as a sentence naming the order", () => {
    expect(sentence("first_purchase", { order: ORDER, orderCount: 1 })).toBe("Placed their first order, #1001.");
    expect(sentence("repeat_purchase", { order: ORDER, orderCount: 3 })).toBe("Placed #1001: 3 orders so far.");
    expect(sentence("order_fulfilled", { order: ORDER })).toBe("#1001 was fulfilled.");
    expect(sentence("points_earned", { points: 154, balance: 754, order: ORDER })).toBe("Earned 154 points on #1001; balance 754.");
    expect(sentence("points_earned", { points: 100, balance: 100, bonus: "sign-up bonus" })).toBe("Earned 100 points (sign-up bonus); balance 100.");
    expect(sentence("points_held", { points: 57, order: ORDER })).toBe("Held 57 points on #1001: recorded, not granted until the daily cap is checked.");
    expect(sentence("points_released", { points: 50, balance: 80, order: ORDER, reducedBy: 7 })).toBe("Released 50 points on #1001 (7 points fewer after refunds); balance 80.");
    expect(sentence("points_clawed_back", { points: 29, shortfall: 0, balance: 28, order: ORDER })).toBe("Clawed back 29 points for a refund on #1001; balance 28.");
    expect(sentence("points_clawed_back", { points: 10, shortfall: 4, balance: 0, order: ORDER })).toBe(
      "Clawed back 10 points for a refund on #1001; balance 0 (4 points short: the balance cannot go below zero).",
    );
    expect(sentence("tier_changed", { from: "Bronze", to: "Silver", earned365: 612 })).toBe("Moved from Bronze to Silver (612 points earned in the last 365 days).");
    expect(sentence("points_expiring", { points: 56, expiresOn: "2026-12-20", lastOrderOn: "2025-12-20" })).toBe("56 points expire on Dec 20, 2026 (no order since Dec 20, 2025).");
  });

  it("includes the staff's adjustments", () => {
    expect(sentence("points_adjusted", { points: 20, balance: 48, reason: "goodwill" })).toBe("Adjusted by +20 points: goodwill; balance 48.");
    expect(sentence("points_adjusted", { points: -1, balance: 47, reason: "typo" })).toBe("Adjusted by -1 point: typo; balance 47.");
    expect(ledgerSentence({ kind: "adjustment", points: 20, reason: "goodwill" })).toBe("Adjusted by +20 points: goodwill");
  });

  it("names an order the mirror has no name for in words, never by its id", () => {
    const other = "gid://shopify/Order/999";
    expect(sentence("points_earned", { points: 5, balance: 5, order: other })).toBe("Earned 5 points on an order; balance 5.");
    expect(timelineSentence({ type: "order_fulfilled", data: { order: other } }, { variant: () => undefined, timezone: "UTC" })).toBe("An order was fulfilled.");
    for (const type of ["first_purchase", "points_earned", "points_held", "points_clawed_back"]) {
      expect(sentence(type, { points: 1, order: other })).not.toMatch(/gid:|Order\/|999/);
    }
  });
});

describe("links to Shopify admin", () => {
  it("opens an order, a customer or a product in admin by its numeric id; nothing else", () => {
    expect(adminUrl("gid://shopify/Order/5550001")).toBe("shopify://admin/orders/5550001");
    expect(adminUrl("gid://shopify/Customer/42")).toBe("shopify://admin/customers/42");
    expect(adminUrl("gid://shopify/Product/7")).toBe("shopify://admin/products/7");
    expect(adminUrl("gid://shopify/Refund/1")).toBeNull();
    expect(adminUrl("gid://shopify/Order/abc")).toBeNull();
    expect(adminUrl("not a gid")).toBeNull();
  });
});

describe("one date format", () => {
  it("shows a moment and a day in the shop's time zone, the same on any machine", () => {
    expect(formatWhen("2026-12-06T23:34:00Z", "America/New_York")).toBe("Dec 6, 2026, 6:34 PM");
    expect(formatWhen(new Date("2026-12-06T23:34:00Z"), "Asia/Tokyo")).toBe("Dec 7, 2026, 8:34 AM");
    expect(formatDay("2026-12-06T23:34:00Z", "Asia/Tokyo")).toBe("Dec 7, 2026");
    // A calendar day stays that day whatever the time zone.
    expect(formatDay("2026-12-06", "Pacific/Honolulu")).toBe("Dec 6, 2026");
    // A time zone the runtime does not know falls back to UTC.
    expect(formatWhen("2026-12-06T23:34:00Z", "Mars/Olympus")).toBe("Dec 6, 2026, 11:34 PM");
  });
});
