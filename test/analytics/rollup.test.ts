import { describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { systemClock } from "../../app/lib/clock";
import { loadAnalytics } from "../../app/services/analytics/analytics.server";
import { ANALYTICS_ROLLUP_QUEUE } from "../../app/services/analytics/job.server";
import { catchUpLedgerRollup, refreshLedgerRollup } from "../../app/services/analytics/rollup.server";
import { buildDeps, queueDefinitions } from "../../app/runtime.server";
import { redactShop } from "../../app/services/privacy/privacy.server";
import { analyticsShop, entry, fixedClock, member, range, type TestShop } from "./support";

// The ledger's day roll-ups (app/services/analytics/rollup.server.ts): the watermark refresher
// adds each entry once, and the Dashboard reads roll-ups plus the live tail with the same result
// as counting the whole ledger.

const clock = fixedClock("2026-12-06T15:00:00Z");
const points = async (shop: TestShop, from = "2026-12-03", to = "2026-12-06", liveTailCap?: number) => {
  const analytics = await loadAnalytics(db, shop, range(from, to), clock, { liveTailCap });
  return { points: analytics.points, asOf: analytics.pointsAsOf };
};
const refresh = (shop: TestShop, options: { batch?: number } = {}) => refreshLedgerRollup(db, shop, systemClock, { lagMs: 0, ...options });
const rollups = (shop: TestShop) =>
  db.ledgerDayRollup.findMany({ where: { shopId: shop.id }, orderBy: [{ day: "asc" }, { kind: "asc" }], select: { day: true, kind: true, credit: true, debit: true } });

async function history(shop: TestShop) {
  const a = await member(shop);
  const b = await member(shop);
  await entry(shop, a.id, "earn", 120, "2026-12-03T23:30:00Z"); // the 4th in Kolkata, the 3rd in UTC
  await entry(shop, a.id, "adjustment", -20, "2026-12-04T10:00:00Z");
  await entry(shop, b.id, "redemption", -300, "2026-12-04T18:20:00Z", `redemption:${shop.id}:1`); // 23:50 in Kolkata
  await entry(shop, b.id, "bonus", 40, "2026-12-05T08:00:00Z");
  await entry(shop, b.id, "expiry", -7, "2026-12-06T08:00:00Z");
  return { a, b };
}

describe("the ledger's day roll-ups", () => {
  it("give the figures of the whole ledger, read with the entries recorded since counted live", async () => {
    const shop = await analyticsShop({ timezone: "Asia/Kolkata" });
    const other = await analyticsShop({ timezone: "Asia/Kolkata" });
    const { a, b } = await history(shop);
    await history(other);
    const live = await points(shop);
    expect(live.asOf).toBeNull();
    expect(live.points.map((day) => [day.day, day.issued, day.redeemed, day.expired, day.clawedBack])).toEqual([
      ["2026-12-03", 0, 0, 0, 0],
      ["2026-12-04", 120, 300, 0, 20],
      ["2026-12-05", 40, 0, 0, 0],
      ["2026-12-06", 0, 0, 7, 0],
    ]);

    expect(await refresh(shop)).toMatchObject({ added: 5, caughtUp: true });
    expect(await rollups(shop)).toEqual([
      { day: "2026-12-04", kind: "adjustment", credit: 0, debit: 20 },
      { day: "2026-12-04", kind: "earn", credit: 120, debit: 0 },
      { day: "2026-12-04", kind: "redemption", credit: 0, debit: 300 },
      { day: "2026-12-05", kind: "bonus", credit: 40, debit: 0 },
      { day: "2026-12-06", kind: "expiry", credit: 0, debit: 7 },
    ]);
    expect(await points(shop)).toEqual(live);

    // Recorded after the watermark: counted live, then added by the next pass; the return of a
    // redemption already rolled up nets off that redemption's day.
    await entry(shop, b.id, "returned", 300, "2026-12-05T02:00:00Z", `redemption:${shop.id}:1:returned`);
    await entry(shop, a.id, "earn", 5, "2026-12-06T09:00:00Z");
    const withTail = await points(shop);
    expect(withTail.points.map((day) => [day.day, day.issued, day.redeemed])).toEqual([
      ["2026-12-03", 0, 0],
      ["2026-12-04", 120, 0],
      ["2026-12-05", 40, 0],
      ["2026-12-06", 5, 0],
    ]);
    expect(await refresh(shop)).toMatchObject({ added: 2, caughtUp: true });
    expect(await refresh(shop)).toMatchObject({ added: 0, caughtUp: true });
    expect(await points(shop)).toEqual(withTail);
    expect((await rollups(other)).length).toBe(0);
  });

  it("adds a long backlog in batches, each entry once, even with two passes at the same time", async () => {
    const shop = await analyticsShop();
    const { a } = await history(shop);
    for (let n = 0; n < 6; n += 1) await entry(shop, a.id, "earn", 1, "2026-12-05T12:00:00Z");
    const live = await points(shop);
    const passes = await Promise.all([refresh(shop, { batch: 4 }), refresh(shop, { batch: 4 })]);
    // Side by side the second pass adds nothing (the watermark moved); one after the other it adds the next batch.
    for (const pass of passes) expect([0, 4]).toContain(pass.added);
    let pass = await refresh(shop, { batch: 4 });
    while (!pass.caughtUp) pass = await refresh(shop, { batch: 4 });
    expect(await points(shop)).toEqual(live);
    expect((await rollups(shop)).find((row) => row.day === "2026-12-05" && row.kind === "earn")).toEqual({ day: "2026-12-05", kind: "earn", credit: 6, debit: 0 });
  });

  it("leaves the newest entries to a later pass (the safety lag) and counts them live meanwhile", async () => {
    const shop = await analyticsShop();
    await history(shop);
    const pass = await refreshLedgerRollup(db, shop, systemClock);
    expect(pass).toMatchObject({ added: 0, caughtUp: true });
    expect((await points(shop)).points.reduce((sum, day) => sum + day.issued, 0)).toBe(160);
  });

  it("counts a shop again when its time zone changes", async () => {
    const shop = await analyticsShop({ timezone: "Asia/Kolkata" });
    await history(shop);
    await refresh(shop);
    const utc = { ...shop, timezone: "UTC" };
    await db.shop.update({ where: { id: shop.id }, data: { timezone: "UTC" } });
    // Until the job recounts, the old zone's roll-ups are not read: the ledger is counted live.
    const live = await points(utc);
    expect(live.points.map((day) => day.issued)).toEqual([120, 0, 40, 0]);
    expect(await refresh(utc)).toMatchObject({ added: 5, caughtUp: true });
    expect(await points(utc)).toEqual(live);
    expect(await db.ledgerRollupState.findUnique({ where: { shopId: shop.id } })).toMatchObject({ timezone: "UTC" });
  });

  it("shows the roll-ups alone, with their time, while the tail is longer than the loader counts live", async () => {
    const shop = await analyticsShop();
    const { a } = await history(shop);
    await refresh(shop);
    await db.ledgerEntry.createMany({
      data: Array.from({ length: 4 }, (_, n) => ({ shopId: shop.id, memberId: a.id, seq: 100 + n, kind: "earn", points: 1, balanceAfter: 0, idempotencyKey: `tail:${n}`, occurredAt: new Date("2026-12-06T12:00:00Z") })),
    });
    const behind = await points(shop, "2026-12-03", "2026-12-06", 3);
    expect(behind.asOf).toEqual((await db.ledgerRollupState.findUniqueOrThrow({ where: { shopId: shop.id } })).through.toISOString());
    expect(behind.points.at(-1)?.issued).toBe(0);

    // The job catches up (past the safety lag); then every entry counts.
    expect(await catchUpLedgerRollup(db, shop, { now: () => new Date(Date.now() + 600_000) }, 60_000)).toMatchObject({ added: 4, caughtUp: true });
    const caughtUp = await points(shop, "2026-12-03", "2026-12-06", 3);
    expect(caughtUp.asOf).toBeNull();
    expect(caughtUp.points.at(-1)?.issued).toBe(4);
  });

  it("is a recurring job of the process's runner", () => {
    expect(queueDefinitions(buildDeps({}), {}).find((definition) => definition.queue === ANALYTICS_ROLLUP_QUEUE)?.recurring).toEqual({ key: "all" });
  });

  it("goes with the shop's other data when the shop is redacted", async () => {
    const shop = await analyticsShop();
    await history(shop);
    await refresh(shop);
    await redactShop(db, shop.domain, "none");
    expect(await db.ledgerDayRollup.count({ where: { shopId: shop.id } })).toBe(0);
    expect(await db.ledgerRollupState.count({ where: { shopId: shop.id } })).toBe(0);
  });
});
