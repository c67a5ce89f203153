import { describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { loadAnalytics } from "../../app/services/analytics/analytics.server";
import { analyticsShop, entry, fixedClock, member, range, type TestShop } from "./support";

// The Dashboard's analytics (docs/analytics.md) against hand-built ledgers, on SQLite and PostgreSQL.

const NOW = "2026-12-06T15:00:00Z";
const clock = fixedClock(NOW);
const load = (shop: TestShop, from: string, to: string) => loadAnalytics(db, shop, range(from, to), clock);

describe("points per day", () => {
  it("counts each kind where docs/analytics.md puts it, every day of the range included", async () => {
    const shop = await analyticsShop();
    const a = await member(shop, { balance: 100 });
    await entry(shop, a.id, "earn", 120, "2026-12-04T10:00:00Z");
    await entry(shop, a.id, "capped", 0, "2026-12-04T10:00:00Z");
    await entry(shop, a.id, "held", 0, "2026-12-04T11:00:00Z");
    await entry(shop, a.id, "released", 30, "2026-12-05T09:00:00Z");
    await entry(shop, a.id, "bonus", 50, "2026-12-05T09:00:00Z");
    await entry(shop, a.id, "adjustment", 25, "2026-12-05T12:00:00Z");
    await entry(shop, a.id, "adjustment", -15, "2026-12-05T13:00:00Z");
    await entry(shop, a.id, "clawback", -40, "2026-12-06T08:00:00Z");
    await entry(shop, a.id, "redemption", -70, "2026-12-06T09:00:00Z");
    await entry(shop, a.id, "expiry", -5, "2026-12-06T10:00:00Z");
    // Outside the range on both sides.
    await entry(shop, a.id, "earn", 999, "2026-12-02T23:59:59.999Z");
    await entry(shop, a.id, "earn", 999, "2026-12-07T00:00:00Z");

    const analytics = await load(shop, "2026-12-03", "2026-12-06");
    expect(analytics.points).toEqual([
      { day: "2026-12-03", issued: 0, redeemed: 0, expired: 0, clawedBack: 0 },
      { day: "2026-12-04", issued: 120, redeemed: 0, expired: 0, clawedBack: 0 },
      { day: "2026-12-05", issued: 105, redeemed: 0, expired: 0, clawedBack: 15 },
      { day: "2026-12-06", issued: 0, redeemed: 70, expired: 5, clawedBack: 40 },
    ]);
    expect(analytics.totals).toEqual({ issued: 225, redeemed: 70, expired: 5, clawedBack: 55 });
    expect(analytics).toMatchObject({ timezone: "UTC", currency: "USD", range: { from: "2026-12-03", to: "2026-12-06", days: 4 } });
  });

  it("puts an entry on its shop-local day, not its UTC day", async () => {
    const shop = await analyticsShop({ timezone: "America/New_York" });
    const a = await member(shop);
    // 2026-12-05 04:59 UTC is 23:59 on the 4th in New York; 05:00 UTC is midnight of the 5th.
    await entry(shop, a.id, "earn", 1, "2026-12-05T04:59:59.999Z");
    await entry(shop, a.id, "earn", 10, "2026-12-05T05:00:00Z");
    await entry(shop, a.id, "earn", 100, "2026-12-06T04:59:59.999Z");
    await entry(shop, a.id, "earn", 1000, "2026-12-06T05:00:00Z");
    const analytics = await load(shop, "2026-12-05", "2026-12-06");
    expect(analytics.points.map((row) => [row.day, row.issued])).toEqual([
      ["2026-12-05", 110],
      ["2026-12-06", 1000],
    ]);
    expect(analytics.timezone).toBe("America/New_York");
  });

  it("follows a day of 23 hours across the spring clock change", async () => {
    const shop = await analyticsShop({ timezone: "Europe/Berlin" });
    const a = await member(shop);
    // 2026-03-29 in Berlin runs from 2026-03-28T23:00Z to 2026-03-29T22:00Z.
    await entry(shop, a.id, "earn", 1, "2026-03-28T22:59:59Z");
    await entry(shop, a.id, "earn", 10, "2026-03-28T23:00:00Z");
    await entry(shop, a.id, "earn", 100, "2026-03-29T21:59:59Z");
    await entry(shop, a.id, "earn", 1000, "2026-03-29T22:00:00Z");
    const analytics = await load(shop, "2026-03-28", "2026-03-30");
    expect(analytics.points.map((row) => row.issued)).toEqual([1, 110, 1000]);
  });

  it("nets returned points off their redemption's day, even when returned the next day", async () => {
    const shop = await analyticsShop({ timezone: "Asia/Kolkata" });
    const a = await member(shop);
    await entry(shop, a.id, "redemption", -500, "2026-12-04T18:00:00Z", "redemption:r1"); // 23:30 on the 4th in Kolkata
    await entry(shop, a.id, "returned", 500, "2026-12-04T19:00:00Z", "redemption:r1:returned"); // 00:30 on the 5th
    await entry(shop, a.id, "redemption", -300, "2026-12-05T06:00:00Z", "redemption:r2");
    await entry(shop, a.id, "redemption", -200, "2026-12-05T07:00:00Z", "redemption:r3");
    await entry(shop, a.id, "returned", 200, "2026-12-05T08:00:00Z", "redemption:r3:returned");
    // A redemption before the range returned inside it counts on neither side.
    await entry(shop, a.id, "redemption", -80, "2026-12-01T06:00:00Z", "redemption:r0");
    await entry(shop, a.id, "returned", 80, "2026-12-04T06:00:00Z", "redemption:r0:returned");

    const analytics = await load(shop, "2026-12-04", "2026-12-05");
    expect(analytics.points.map((row) => [row.day, row.redeemed])).toEqual([
      ["2026-12-04", 0],
      ["2026-12-05", 300],
    ]);
    expect(analytics.totals.redeemed).toBe(300);
  });

  it("never counts another shop's entries", async () => {
    const shop = await analyticsShop();
    const other = await analyticsShop();
    const a = await member(shop, { balance: 10 });
    const b = await member(other, { balance: 5000 });
    await entry(shop, a.id, "earn", 10, "2026-12-06T10:00:00Z");
    await entry(other, b.id, "earn", 5000, "2026-12-06T10:00:00Z");
    await entry(other, b.id, "redemption", -700, "2026-12-06T10:00:00Z", "redemption:other");
    const analytics = await load(shop, "2026-12-06", "2026-12-06");
    expect(analytics.totals).toEqual({ issued: 10, redeemed: 0, expired: 0, clawedBack: 0 });
    expect(analytics.outstanding.points).toBe(10);
    expect(analytics.tiers).toEqual([
      { tier: "Bronze", members: 1 },
      { tier: "Silver", members: 0 },
      { tier: "Gold", members: 0 },
    ]);
  });
});

describe("members now", () => {
  it("sums balances and counts members per tier in the program's order, an unknown tier last", async () => {
    const shop = await analyticsShop({ program: { tiers: [{ name: "Egg", threshold: 0, multiplier: "1" }, { name: "Hen", threshold: 100, multiplier: "2" }, { name: "Rooster", threshold: 900, multiplier: "3" }] } });
    await member(shop, { tier: "Rooster", balance: 1000 });
    await member(shop, { tier: "Egg", balance: 5 });
    await member(shop, { tier: "Egg", balance: 0 });
    await member(shop, { tier: "Bronze", balance: 7 });
    const analytics = await load(shop, "2026-12-06", "2026-12-06");
    expect(analytics.outstanding.points).toBe(1012);
    expect(analytics.tiers).toEqual([
      { tier: "Egg", members: 2 },
      { tier: "Hen", members: 0 },
      { tier: "Rooster", members: 1 },
      { tier: "Bronze", members: 1 },
    ]);
  });

  it("splits customers with orders by membership, this shop's only, deleted customers left out", async () => {
    const shop = await analyticsShop();
    const other = await analyticsShop();
    const customer = (at: TestShop, gid: string, ordersCount: number, deleted = false) =>
      db.customer.create({ data: { shopId: at.id, gid, ordersCount, shopifyUpdatedAt: new Date(NOW), deletedAt: deleted ? new Date(NOW) : null } });
    const gid = (n: number) => `gid://shopify/Customer/${8_800_000 + n}`;
    await customer(shop, gid(1), 1);
    await customer(shop, gid(2), 2);
    await customer(shop, gid(3), 5);
    await customer(shop, gid(4), 0);
    await customer(shop, gid(5), 3);
    await customer(shop, gid(6), 1);
    await customer(shop, gid(7), 4, true);
    await member(shop, { customerGid: gid(1) });
    await member(shop, { customerGid: gid(2) });
    await member(shop, { customerGid: gid(4) });
    await member(shop, { customerGid: gid(7) });
    await customer(other, gid(1), 9);
    await customer(other, gid(20), 9);
    await member(other, { customerGid: gid(20) });

    const analytics = await load(shop, "2026-12-06", "2026-12-06");
    expect(analytics.repeatPurchase).toEqual({ members: { customers: 2, repeat: 1 }, nonMembers: { customers: 3, repeat: 2 } });
  });
});

describe("the liability", () => {
  it("values outstanding points at the setting, else the best enabled money reward, else not at all", async () => {
    const shop = await analyticsShop();
    await member(shop, { balance: 1234 });
    const reward = (type: string, pointsCost: number, value: number | null, name: string, enabled = true) => db.reward.create({ data: { shopId: shop.id, type, name, pointsCost, value, enabled } });
    await reward("percentage", 100, 20, "20% off");
    await reward("free_shipping", 50, null, "Free shipping");
    expect((await load(shop, "2026-12-06", "2026-12-06")).outstanding).toEqual({ points: 1234, value: null, pointValue: { source: "none" } });

    await reward("fixed_amount", 500, 500, "$5 off");
    await reward("store_credit", 1000, 2000, "$20 credit", false);
    expect((await load(shop, "2026-12-06", "2026-12-06")).outstanding).toEqual({ points: 1234, value: 1234, pointValue: { source: "reward", minorUnitsPerPoint: "1", rewardName: "$5 off" } });

    const withSetting = { ...shop, settings: JSON.stringify({ ...JSON.parse(shop.settings), program: { ...JSON.parse(shop.settings).program, pointValue: "0.5" } }) };
    expect((await load(withSetting, "2026-12-06", "2026-12-06")).outstanding).toEqual({ points: 1234, value: 617, pointValue: { source: "setting", minorUnitsPerPoint: "0.5" } });
  });
});

describe("cohort sizes", () => {
  it("counts each enabled cohort's ins less outs up to the end of every shop-local day", async () => {
    const shop = await analyticsShop({ timezone: "America/New_York" });
    const other = await analyticsShop({ timezone: "America/New_York" });
    const vip = await db.cohortRule.create({ data: { shopId: shop.id, key: "vip", template: "high-value", enabled: true, createdAt: new Date("2026-01-01T00:00:00Z") } });
    const off = await db.cohortRule.create({ data: { shopId: shop.id, key: "off", template: "lapsed", enabled: false } });
    const first = await db.cohortRule.create({ data: { shopId: shop.id, key: "first", template: "first-purchase", enabled: true, createdAt: new Date("2026-02-01T00:00:00Z") } });
    const elsewhere = await db.cohortRule.create({ data: { shopId: other.id, key: "vip", template: "high-value", enabled: true } });
    let n = 0;
    const transition = (at: TestShop, rule: { id: string; key: string }, direction: "in" | "out", occurredAt: string) => {
      n += 1;
      return db.cohortTransition.create({ data: { shopId: at.id, ruleId: rule.id, ruleKey: rule.key, evaluationId: `e${n}`, subjectKey: `m:${n}`, direction, cause: "matched", occurredAt: new Date(occurredAt) } });
    };
    await transition(shop, vip, "in", "2026-11-01T00:00:00Z");
    await transition(shop, vip, "in", "2026-11-01T00:00:00Z");
    await transition(shop, vip, "in", "2026-12-05T04:59:00Z"); // the 4th in New York
    await transition(shop, vip, "out", "2026-12-05T05:00:00Z"); // the 5th
    await transition(shop, vip, "in", "2026-12-06T12:00:00Z");
    await transition(shop, vip, "in", "2026-12-07T12:00:00Z"); // after the range
    await transition(shop, off, "in", "2026-12-05T12:00:00Z");
    await transition(shop, first, "in", "2026-12-06T12:00:00Z");
    await transition(other, elsewhere, "in", "2026-12-04T12:00:00Z");

    const analytics = await load(shop, "2026-12-04", "2026-12-06");
    expect(analytics.cohorts).toEqual([
      { key: "vip", name: expect.any(String), sizes: [{ day: "2026-12-04", size: 3 }, { day: "2026-12-05", size: 2 }, { day: "2026-12-06", size: 3 }] },
      { key: "first", name: "First purchase", sizes: [{ day: "2026-12-04", size: 0 }, { day: "2026-12-05", size: 0 }, { day: "2026-12-06", size: 1 }] },
    ]);
  });
});

describe("events per hour", () => {
  it("counts webhook deliveries and pixel roll-ups per UTC hour over the range's last 7 days", async () => {
    const shop = await analyticsShop();
    const other = await analyticsShop();
    let n = 0;
    const delivery = (domain: string, receivedAt: string) => {
      n += 1;
      return db.webhookDelivery.create({ data: { shopDomain: domain, topic: "orders/paid", webhookId: `analytics-${shop.id}-${n}`, apiVersion: "2026-07", receivedAt: new Date(receivedAt) } });
    };
    await delivery(shop.domain, "2026-12-06T14:00:00Z");
    await delivery(shop.domain, "2026-12-06T14:59:59.999Z");
    await delivery(shop.domain, "2026-12-06T13:30:00Z");
    await delivery(shop.domain, "2026-11-29T15:59:00Z"); // before the first hour shown
    await delivery(shop.domain, "2026-11-29T16:00:00Z"); // the first hour shown
    await delivery(other.domain, "2026-12-06T14:10:00Z");
    await db.pixelEventRollup.createMany({
      data: [
        { shopId: shop.id, hour: new Date("2026-12-06T14:00:00Z"), name: "page_viewed", count: 40 },
        { shopId: shop.id, hour: new Date("2026-12-06T14:00:00Z"), name: "product_viewed", count: 2 },
        { shopId: shop.id, hour: new Date("2026-12-01T00:00:00Z"), name: "page_viewed", count: 7 },
        { shopId: other.id, hour: new Date("2026-12-06T14:00:00Z"), name: "page_viewed", count: 1000 },
      ],
    });

    const analytics = await load(shop, "2026-11-01", "2026-12-06");
    expect(analytics.events).toHaveLength(168);
    expect(analytics.events[0]).toEqual({ hour: "2026-11-29T16:00:00.000Z", webhooks: 1, pixel: 0 });
    expect(analytics.events.at(-1)).toEqual({ hour: "2026-12-06T15:00:00.000Z", webhooks: 0, pixel: 0 });
    const byHour = new Map(analytics.events.map((row) => [row.hour, row]));
    expect(byHour.get("2026-12-06T14:00:00.000Z")).toEqual({ hour: "2026-12-06T14:00:00.000Z", webhooks: 2, pixel: 42 });
    expect(byHour.get("2026-12-06T13:00:00.000Z")).toMatchObject({ webhooks: 1, pixel: 0 });
    expect(byHour.get("2026-12-01T00:00:00.000Z")).toMatchObject({ webhooks: 0, pixel: 7 });
    expect(analytics.events.reduce((sum, row) => sum + row.webhooks, 0)).toBe(4);

    // A range in the past ends at its last day's end; a one-day range shows its own hours.
    const past = await load(shop, "2026-11-29", "2026-11-29");
    expect(past.events).toHaveLength(24);
    expect(past.events.reduce((sum, row) => sum + row.webhooks, 0)).toBe(2);
  });
});
