import { describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { loadAnalytics } from "../../app/services/analytics/analytics.server";
import { analyticsRepeatRefreshMs } from "../../app/services/analytics/job.server";
import { REPEAT_REFRESH_MS, refreshAnalyticsSnapshot } from "../../app/services/analytics/snapshot.server";
import { redactCustomer } from "../../app/services/privacy/privacy.server";
import { analyticsShop, fixedClock, member, range, type TestShop } from "./support";

// The analytics snapshot (app/services/analytics/snapshot.server.ts): cohort transitions per
// closed day and the repeat purchases, counted by the job; the Dashboard reads the same sizes as
// counting every transition, and counts live again when a transition it holds was deleted.

const NOW = "2026-12-06T15:00:00Z"; // 10:00 on the 6th in New York
const clock = fixedClock(NOW);
const cohorts = async (shop: TestShop, from = "2026-12-02", to = "2026-12-06") => (await loadAnalytics(db, shop, range(from, to), clock)).cohorts.map((cohort) => [cohort.key, cohort.sizes.map((day) => day.size)]);

let n = 0;
async function transition(shop: TestShop, rule: { id: string; key: string }, direction: "in" | "out", occurredAt: string) {
  n += 1;
  return db.cohortTransition.create({ data: { shopId: shop.id, ruleId: rule.id, ruleKey: rule.key, evaluationId: `s${n}`, subjectKey: `m:s${n}`, direction, cause: "matched", occurredAt: new Date(occurredAt) } });
}

async function cohortShop() {
  const shop = await analyticsShop({ timezone: "America/New_York" });
  const vip = await db.cohortRule.create({ data: { shopId: shop.id, key: "vip", template: "high-value", enabled: true } });
  await transition(shop, vip, "in", "2025-06-01T12:00:00Z"); // before the snapshot's window
  await transition(shop, vip, "in", "2026-12-01T12:00:00Z");
  await transition(shop, vip, "in", "2026-12-03T04:59:00Z"); // the 2nd in New York
  const leaving = await transition(shop, vip, "out", "2026-12-04T12:00:00Z");
  await transition(shop, vip, "in", "2026-12-06T12:00:00Z"); // today: after the snapshot's days
  return { shop, vip, leaving };
}

describe("the analytics snapshot", () => {
  it("gives the cohort sizes of counting every transition, with today's transitions counted live", async () => {
    const { shop, vip } = await cohortShop();
    const live = await cohorts(shop);
    expect(live).toEqual([["vip", [3, 3, 2, 2, 3]]]);
    expect(await refreshAnalyticsSnapshot(db, shop, clock)).toEqual({ cohorts: true, repeat: true });
    expect(await refreshAnalyticsSnapshot(db, shop, clock)).toEqual({ cohorts: false, repeat: false });
    expect(await cohorts(shop)).toEqual(live);
    await transition(shop, vip, "in", "2026-12-06T14:00:00Z");
    expect(await cohorts(shop)).toEqual([["vip", [3, 3, 2, 2, 4]]]);
    // A range older than the snapshot's window is counted live.
    expect(await cohorts(shop, "2025-05-31", "2025-06-02")).toEqual([["vip", [0, 1, 1]]]);
  });

  it("is dropped when a redaction deletes transitions it counted, and the job counts again when the count changed", async () => {
    const { shop, vip } = await cohortShop();
    const gid = "gid://shopify/Customer/9911001";
    const redacted = await member(shop, { customerGid: gid });
    const counted = await transition(shop, vip, "in", "2026-12-05T12:00:00Z");
    await db.cohortTransition.update({ where: { id: counted.id }, data: { memberId: redacted.id, subjectKey: `m:${redacted.id}` } });
    await refreshAnalyticsSnapshot(db, shop, clock);
    expect(await cohorts(shop)).toEqual([["vip", [3, 3, 2, 3, 4]]]);
    await redactCustomer(db, shop, { customerGid: gid, email: null, orderGids: [] }, clock);
    expect(await db.analyticsSnapshot.count({ where: { shopId: shop.id } })).toBe(0);
    expect(await cohorts(shop)).toEqual([["vip", [3, 3, 2, 2, 3]]]);
    expect(await refreshAnalyticsSnapshot(db, shop, clock)).toEqual({ cohorts: true, repeat: true });
    expect(await cohorts(shop)).toEqual([["vip", [3, 3, 2, 2, 3]]]);

    // A transition before the snapshot's day that appeared some other way: the job's count sees it.
    await transition(shop, vip, "out", "2026-12-02T12:00:00Z");
    expect(await refreshAnalyticsSnapshot(db, shop, clock)).toEqual({ cohorts: true, repeat: false });
    expect(await cohorts(shop)).toEqual([["vip", [2, 2, 1, 1, 2]]]);
  });

  it("keeps the repeat purchases for a few minutes, then counts them again", async () => {
    const shop = await analyticsShop();
    const customer = (gid: string, ordersCount: number) => db.customer.create({ data: { shopId: shop.id, gid, ordersCount, shopifyUpdatedAt: new Date(NOW) } });
    await customer("gid://shopify/Customer/9900001", 3);
    await member(shop, { customerGid: "gid://shopify/Customer/9900001" });
    await refreshAnalyticsSnapshot(db, shop, clock);
    await customer("gid://shopify/Customer/9900002", 2);
    const repeat = async () => (await loadAnalytics(db, shop, range("2026-12-06", "2026-12-06"), clock)).repeatPurchase;
    expect(await repeat()).toEqual({ members: { customers: 1, repeat: 1 }, nonMembers: { customers: 0, repeat: 0 } });
    expect(await refreshAnalyticsSnapshot(db, shop, fixedClock(new Date(Date.parse(NOW) + REPEAT_REFRESH_MS - 1).toISOString()))).toEqual({ cohorts: false, repeat: false });
    expect(await refreshAnalyticsSnapshot(db, shop, fixedClock(new Date(Date.parse(NOW) + REPEAT_REFRESH_MS).toISOString()))).toEqual({ cohorts: false, repeat: true });
    expect(await repeat()).toEqual({ members: { customers: 1, repeat: 1 }, nonMembers: { customers: 1, repeat: 1 } });
    // A shorter refresh (ROOST_ANALYTICS_REPEAT_MS) counts again sooner.
    const later = (ms: number) => fixedClock(new Date(Date.parse(NOW) + REPEAT_REFRESH_MS + ms).toISOString());
    expect(await refreshAnalyticsSnapshot(db, shop, later(4_999), 5_000)).toEqual({ cohorts: false, repeat: false });
    expect(await refreshAnalyticsSnapshot(db, shop, later(5_000), 5_000)).toEqual({ cohorts: false, repeat: true });
  });

  it("reads the repeat purchases' refresh from ROOST_ANALYTICS_REPEAT_MS, five minutes when unset or not a positive number", () => {
    expect(analyticsRepeatRefreshMs({ ROOST_ANALYTICS_REPEAT_MS: "5000" })).toBe(5_000);
    expect(analyticsRepeatRefreshMs({})).toBe(REPEAT_REFRESH_MS);
    expect(analyticsRepeatRefreshMs({ ROOST_ANALYTICS_REPEAT_MS: "-1" })).toBe(REPEAT_REFRESH_MS);
    expect(analyticsRepeatRefreshMs({ ROOST_ANALYTICS_REPEAT_MS: "soon" })).toBe(REPEAT_REFRESH_MS);
  });
});
