import { beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import type { Clock } from "../../app/lib/clock";
import { logger } from "../../app/lib/logger.server";
import { CATCH_UP, type CatchUpOptions, catchUpQueue, catchUpStatus, INACTIVE_RECHECK_MS, latestCatchUp, retryCatchUp, type SettleOrder } from "../../app/services/program/catch-up.server";
import { claimJobs, enqueue, LEASE_MS } from "../../app/services/jobs/queue.server";
import { JobRunner } from "../../app/services/jobs/runner.server";
import { buildDeps, queueDefinitions } from "../../app/runtime.server";
import { settleStoredOrder as settleShopifyOrder } from "../../app/services/signals/orders.server";
import { memberSummary, verifyLedger } from "../../app/services/ledger/verify.server";
import { updateProgramSettings } from "../../app/services/program/program.server";
import { redactShop } from "../../app/services/privacy/privacy.server";
import { upsertOrder } from "../../app/services/mirror/mirror.server";
import { orderFromRest, restOrder } from "../../app/services/mirror/rest";
import { parseShopSettings, type Program, programSchema } from "../../app/services/program/settings";
import { markShopInstalled, markShopUninstalled, updateShopSettings } from "../../app/services/shops/shops.server";
import { customerPayload, orderPayload, refundPayload } from "../fixtures/rest-payloads";
import { deliver } from "../support/deliver";
import { installTestShop, uniqueShop } from "../support/shopify";

let shop: string;
let shopId: string;
const ANA = 115310627;
const at = (iso: string): Clock => ({ now: () => new Date(iso) });
const clock = at("2026-11-22T15:00:00Z");
const deps = (time: Clock = clock) => ({ db, clock: time, logger });

beforeEach(async () => {
  // Each test has the queue to itself (the worker's database outlives tests and files).
  await db.job.deleteMany({ where: { queue: CATCH_UP } });
  shop = uniqueShop();
  await installTestShop(shop);
  shopId = (await db.shop.findUniqueOrThrow({ where: { domain: shop } })).id;
  await updateShopSettings(db, shop, { program: programSchema.parse({ startDate: "2026-01-01" }) });
  await deliver({ topic: "customers/create", shop, payload: customerPayload({ id: ANA, email: "ana.lima@example.com" }) });
});

const gid = (id: number) => `gid://shopify/Order/${id}`;
const order = (id: number, price: string, extra: Partial<Parameters<typeof orderPayload>[0]> = {}) =>
  orderPayload({ id, customerId: ANA, lines: [{ id: id * 10, price, quantity: 1 }], ...extra });

/** An order imported by the install backfill, settled as the backfill settles it. */
async function backfilled(payload: ReturnType<typeof orderPayload>) {
  const row = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
  await upsertOrder(db, row, orderFromRest(restOrder.parse(payload)), { backfilled: true });
  await settleShopifyOrder(deps(), row, gid(payload.id));
}

/** Saves the program as the Settings page does, with some fields changed. */
async function change(patch: Partial<Program> & { countShipping?: boolean }) {
  const current = parseShopSettings((await db.shop.findUniqueOrThrow({ where: { id: shopId } })).settings);
  const { countShipping = current.countShipping, ...program } = patch;
  return updateProgramSettings(db, shop, { program: { ...current.program, ...program }, countShipping }, "staff user 1 via admin", clock);
}

const job = async () => (await latestCatchUp(db, shopId))!;
const jobs = () => db.programJob.count({ where: { shopId } });
/** The ProgramJob's row on the queue. */
const queued = async (id: string) => db.job.findUniqueOrThrow({ where: { queue_key: { queue: CATCH_UP, key: id } } });
const later = (ms: number, from: Clock = clock) => at(new Date(from.now().getTime() + ms).toISOString());

/** The server's runner working the catch-up queue until nothing is due; resolves with how many runs it made. */
function work(options: CatchUpOptions = {}, time: Clock = clock): Promise<number> {
  return new JobRunner({ db, clock: time, logger, queues: [catchUpQueue({}, options)] }).drain(CATCH_UP);
}

/** Runs what is due and resolves with the shop's latest catch-up. */
async function drained(options: CatchUpOptions = {}, time: Clock = clock) {
  await work(options, time);
  return job();
}

async function ana() {
  const row = await db.member.findFirstOrThrow({ where: { shopId, customerGid: `gid://shopify/Customer/${ANA}` } });
  return (await memberSummary(db, shopId, row.id))!;
}

const stored = async (id: number) => db.order.findUniqueOrThrow({ where: { shopId_gid: { shopId, gid: gid(id) } } });

async function expectLedgerOk() {
  expect((await verifyLedger(db, shopId)).violations).toEqual([]);
}

describe("count shipping changed", () => {
  it("recomputes every stored order's eligible amount; awards keep their terms; later awards and claw-backs use the right amount", async () => {
    await deliver({ topic: "orders/paid", shop, payload: order(101, "50.00", { shipping: "7.50" }) });
    await deliver({ topic: "orders/create", shop, payload: order(102, "30.00", { shipping: "5.00", financialStatus: "pending" }) });
    expect((await ana()).entries.map((entry) => [entry.kind, entry.points, entry.eligibleAmount])).toEqual([["earn", 50, 5000]]);

    const saved = await change({ countShipping: true });
    expect(saved.catchUp).toEqual({ recompute: true, awardBackfilled: false, awardBeforeDay: null });
    expect(await job()).toMatchObject({ status: "pending", phase: "recompute", startedAt: null });

    expect(await drained({ batchSize: 1 })).toMatchObject({ status: "done", phase: "recompute", total: 2, processed: 2, recomputed: 2, awarded: 0, attempts: 1, lastError: null });
    expect(await queued((await job()).id)).toMatchObject({ status: "done", attempts: 1 });
    expect(await stored(101)).toMatchObject({ linesAmount: 5000, shippingAmount: 750, eligibleAmount: 5750, updatedAt: clock.now() });
    expect(await stored(102)).toMatchObject({ linesAmount: 3000, shippingAmount: 500, eligibleAmount: 3500 });

    // The award made before the change keeps its terms: no re-award, no correction.
    const after = await ana();
    expect(after.entries.map((entry) => [entry.kind, entry.points, entry.eligibleAmount])).toEqual([["earn", 50, 5000]]);

    // Paid later, the stored order earns on the amount with shipping.
    await deliver({ topic: "orders/paid", shop, payload: order(102, "30.00", { shipping: "5.00", updatedAt: "2026-11-21T09:00:00-05:00" }) });
    // A refund of 10.00 on the first order claws back against its own terms: 50 × 10/50 = 10 (not 50 × 10/57.50 ≈ 9).
    await deliver({ topic: "refunds/create", shop, payload: refundPayload({ id: 1011, orderId: 101, lines: [{ lineItemId: 1010, quantity: 1, subtotal: "10.00", tax: "0.00" }] }) });
    expect((await ana()).entries.map((entry) => [entry.kind, entry.points, entry.eligibleAmount])).toEqual([
      ["earn", 50, 5000],
      ["earn", 35, 3500],
      ["clawback", -10, 1000],
    ]);

    // Switching back restores the lines-only amounts; the awards stand as they were made.
    expect((await change({ countShipping: false })).catchUp).toEqual({ recompute: true, awardBackfilled: false, awardBeforeDay: null });
    expect(await jobs()).toBe(2);
    expect(await drained()).toMatchObject({ status: "done", total: 2, processed: 2, recomputed: 2 });
    expect((await stored(101)).eligibleAmount).toBe(5000);
    expect((await stored(102)).eligibleAmount).toBe(3000);
    expect((await ana()).entries.map((entry) => [entry.kind, entry.points, entry.eligibleAmount])).toEqual([
      ["earn", 50, 5000],
      ["earn", 35, 3500],
      ["clawback", -10, 1000],
    ]);
    expect((await ana()).balance).toBe(75);
    await expectLedgerOk();
  });

  it("settles on the rule in force even before the catch-up has recomputed the stored amount", async () => {
    await updateShopSettings(db, shop, { program: programSchema.parse({ startDate: "2026-01-01", enabled: false }) });
    await deliver({ topic: "orders/paid", shop, payload: order(121, "40.00", { shipping: "6.00" }) });
    expect((await stored(121)).eligibleAmount).toBe(4000);
    // Settings saved, the job not yet run: the stored amount is still the old rule's.
    await updateShopSettings(db, shop, { program: programSchema.parse({ startDate: "2026-01-01" }), countShipping: true });
    expect((await stored(121)).eligibleAmount).toBe(4000);
    const row = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
    expect(await settleShopifyOrder(deps(), row, gid(121))).toMatchObject({ status: "awarded", points: 46 });
    expect((await ana()).entries.map((entry) => [entry.kind, entry.points, entry.eligibleAmount])).toEqual([["earn", 46, 4600]]);
    await expectLedgerOk();
  });

  it("changes only the shop whose setting changed", async () => {
    const other = uniqueShop();
    await installTestShop(other);
    await deliver({ topic: "orders/paid", shop: other, payload: order(111, "20.00", { shipping: "4.00" }) });
    await deliver({ topic: "orders/paid", shop, payload: order(112, "20.00", { shipping: "4.00" }) });
    await change({ countShipping: true });
    expect(await drained()).toMatchObject({ total: 1, recomputed: 1 });
    expect((await stored(112)).eligibleAmount).toBe(2400);
    const otherId = (await db.shop.findUniqueOrThrow({ where: { domain: other } })).id;
    expect((await db.order.findUniqueOrThrow({ where: { shopId_gid: { shopId: otherId, gid: gid(111) } } })).eligibleAmount).toBe(2000);
  });
});

describe("retroactive turned on", () => {
  /**
   * A live award (15), then six paid backfilled orders oldest first: 40.00 (earns), an order nobody
   * owns (unmatched), a test order, a draft order (channel off), 25.50 with a 10.00 refund already
   * mirrored (earns 25, claws back 10), 60.00 (earns); and an unpaid one that is no candidate.
   */
  async function history() {
    await deliver({ topic: "orders/paid", shop, payload: order(201, "15.00") });
    await backfilled(order(211, "40.00", { processedAt: "2025-03-10T10:00:00-05:00" }));
    await backfilled(orderPayload({ id: 217, customerId: null, email: "nobody@example.com", processedAt: "2025-04-01T10:00:00-04:00", lines: [{ id: 2170, price: "18.00", quantity: 1 }] }));
    await backfilled(order(214, "30.00", { processedAt: "2025-05-01T10:00:00-04:00", test: true }));
    await backfilled(order(215, "20.00", { processedAt: "2025-06-01T10:00:00-04:00", sourceName: "shopify_draft_order" }));
    await backfilled(order(212, "25.50", { processedAt: "2025-08-01T10:00:00-04:00", financialStatus: "partially_refunded" }));
    await deliver({ topic: "refunds/create", shop, payload: refundPayload({ id: 2121, orderId: 212, createdAt: "2025-08-05T10:00:00-04:00", lines: [{ lineItemId: 2120, quantity: 1, subtotal: "10.00", tax: "0.00" }] }) });
    await backfilled(order(213, "60.00", { processedAt: "2026-02-01T10:00:00-05:00" }));
    await backfilled(order(216, "12.00", { processedAt: "2025-07-01T10:00:00-04:00", financialStatus: "pending" }));
    expect((await ana()).entries.map((entry) => entry.orderGid)).toEqual([gid(201)]);
  }

  const earned = async () => (await ana()).entries.map((entry) => [entry.kind, entry.points, entry.orderGid]);

  it("awards each backfilled paid order exactly once, claws back its mirrored refund, and survives a failure mid-way", async () => {
    await history();
    expect((await change({ retroactive: true })).catchUp).toEqual({ recompute: false, awardBackfilled: true, awardBeforeDay: null });
    const { id } = await job();
    expect(await job()).toMatchObject({ status: "pending", phase: "award" });

    // Batches of 2; the third order settled fails (after the first batch was saved).
    let calls = 0;
    const failing: SettleOrder = async (...args) => {
      calls += 1;
      if (calls === 3) throw new Error("injected failure");
      return settleShopifyOrder(...args);
    };
    expect(await drained({ batchSize: 2, settle: failing })).toMatchObject({ status: "pending", total: 6, processed: 2, awarded: 1, attempts: 1, lastError: "injected failure" });
    // Retried by the queue after its first back-off, 10 s.
    expect(await queued(id)).toMatchObject({ status: "pending", attempts: 1, lastError: "injected failure", runAt: new Date(clock.now().getTime() + 10_000) });
    expect(await catchUpStatus(db, { id: shopId, timezone: "America/New_York" })).toMatchObject({
      message: "Updating stored orders, awarding backfilled orders: 2 of 6 processed, 1 awarded. The last attempt failed (injected failure); it is retried.",
    });
    expect(await earned()).toEqual([["earn", 15, gid(201)], ["earn", 40, gid(211)]]);
    // Not due yet; once it is, it resumes from its cursor.
    expect(await work()).toBe(0);
    const retryAt = later(10_000);
    expect(await drained({ batchSize: 2 }, retryAt)).toMatchObject({ status: "done", total: 6, processed: 6, awarded: 3, attempts: 2, lastError: null, finishedAt: retryAt.now().toISOString() });
    expect(await earned()).toEqual([
      ["earn", 15, gid(201)],
      ["earn", 40, gid(211)],
      ["earn", 25, gid(212)],
      // round_half_up(25 × 10.00 / 25.50) = 10
      ["clawback", -10, gid(212)],
      ["earn", 60, gid(213)],
    ]);
    expect((await ana()).balance).toBe(130);
    expect((await ana()).timeline.filter((event) => event.type === "points_earned")).toHaveLength(4);
    // The test order, the draft order and the unpaid one stay unawarded; the stranger's is counted unmatched.
    expect(await db.ledgerEntry.count({ where: { shopId, orderGid: { in: [gid(214), gid(215), gid(216), gid(217)] } } })).toBe(0);
    expect(await db.unmatchedOrder.findMany({ where: { shopId }, select: { orderKey: true } })).toEqual([{ orderKey: `shopify-order:${gid(217)}` }]);
    expect(await catchUpStatus(db, { id: shopId, timezone: "America/New_York" })).toMatchObject({
      message: "Stored orders updated Nov 22, 2026, 10:00 AM: 6 backfilled orders checked, 3 awarded.",
    });
    await expectLedgerOk();

    // Running it again does nothing (nothing is due); turning retroactive off and on again walks them again and awards none.
    expect(await work({}, retryAt)).toBe(0);
    expect(await queued(id)).toMatchObject({ status: "done" });
    expect((await change({ retroactive: false })).catchUp).toBeNull();
    expect((await change({ retroactive: true })).catchUp).toMatchObject({ awardBackfilled: true });
    expect(await drained({ batchSize: 4 })).toMatchObject({ status: "done", total: 6, processed: 6, awarded: 0 });
    expect(await db.ledgerEntry.count({ where: { shopId } })).toBe(5);
    await expectLedgerOk();
  });

  it("takes over a job whose worker died, only once its lease has run out", async () => {
    await history();
    await change({ retroactive: true });
    const { id } = await job();
    // Another worker claimed it and died without a word. Of two claims, one wins.
    expect((await claimJobs(db, CATCH_UP, { owner: "dead worker", now: clock.now() })).map((claimed) => claimed.key)).toEqual([id]);
    expect(await claimJobs(db, CATCH_UP, { owner: "other worker", now: clock.now() })).toEqual([]);
    expect(await work()).toBe(0);
    expect(await job()).toMatchObject({ status: "pending", processed: 0 });

    expect(await drained({}, later(LEASE_MS + 1000))).toMatchObject({ status: "done", awarded: 3, attempts: 2 });
    expect((await ana()).balance).toBe(130);
    await expectLedgerOk();
  });

  it("stops a worker that outlived its lease once another took the job over, and says so for an unknown job", async () => {
    await backfilled(order(251, "40.00", { processedAt: "2025-03-10T10:00:00-05:00" }));
    await backfilled(order(252, "30.00", { processedAt: "2025-04-10T10:00:00-04:00" }));
    await change({ retroactive: true });
    const { id } = await job();
    const takeover = later(LEASE_MS + 1000);
    let takenOver = false;
    const slow: SettleOrder = async (...args) => {
      if (!takenOver) {
        // This worker stalls past its lease; another one claims the job meanwhile.
        takenOver = (await claimJobs(db, CATCH_UP, { owner: "new holder", now: takeover.now() })).length === 1;
      }
      return settleShopifyOrder(...args);
    };
    // The stalled run writes nothing more once the lease is another's: no progress saved.
    expect(await drained({ batchSize: 1, settle: slow })).toMatchObject({ status: "running", processed: 0, attempts: 2 });
    expect(takenOver).toBe(true);
    expect(await queued(id)).toMatchObject({ status: "running", lockedBy: "new holder" });
    // The job is finished once the new holder's lease runs out too; the order the stalled worker awarded is not awarded again.
    expect(await drained({}, later(LEASE_MS + 1000, takeover))).toMatchObject({ status: "done", processed: 2, awarded: 1 });
    expect((await ana()).entries.map((entry) => [entry.points, entry.orderGid])).toEqual([[40, gid(251)], [30, gid(252)]]);

    // A queue job whose ProgramJob is gone (erased with its shop) finishes doing nothing.
    await enqueue(db, { queue: CATCH_UP, key: "no-such-job" }, clock.now());
    expect(await work()).toBe(1);
    expect(await queued("no-such-job")).toMatchObject({ status: "done" });
  });

  it("settles again when a live delivery won the race for an order's award", async () => {
    await backfilled(order(221, "40.00", { processedAt: "2025-03-10T10:00:00-05:00" }));
    await change({ retroactive: true });
    let raced = false;
    const racing: SettleOrder = async (...args) => {
      if (raced) return settleShopifyOrder(...args);
      raced = true;
      // The live delivery awards the order first; this attempt then hits the ledger's unique key.
      await settleShopifyOrder(...args);
      throw Object.assign(new Error("Unique constraint failed on the fields: (`shopId`,`idempotencyKey`)"), { code: "P2002" });
    };
    expect(await drained({ settle: racing })).toMatchObject({ status: "done", processed: 1, awarded: 0 });
    expect((await ana()).entries.map((entry) => [entry.kind, entry.points])).toEqual([["earn", 40]]);
  });

  it("keeps a job whose attempts ran out as failed, with its reason, until it is retried", async () => {
    await backfilled(order(231, "40.00", { processedAt: "2025-03-10T10:00:00-05:00" }));
    await change({ retroactive: true });
    const { id } = await job();
    const broken: SettleOrder = async () => {
      throw new Error("database is locked");
    };
    // Its last attempt: the queue keeps it as failed (the dead letter), and the ProgramJob says why.
    await db.job.update({ where: { queue_key: { queue: CATCH_UP, key: id } }, data: { maxAttempts: 1 } });
    expect(await drained({ settle: broken })).toMatchObject({ status: "failed", lastError: "database is locked", finishedAt: clock.now().toISOString() });
    expect(await queued(id)).toMatchObject({ status: "failed", lastError: "database is locked" });
    expect(await catchUpStatus(db, { id: shopId, timezone: "America/New_York" })).toMatchObject({
      message: "Updating stored orders failed: database is locked. Stopped while awarding backfilled orders: 0 of 1 processed, 0 awarded.",
    });
    expect(await work({}, at("2026-11-23T00:00:00Z"))).toBe(0);

    expect(await retryCatchUp(db, shopId, clock)).toMatchObject({ status: "pending", attempts: 0 });
    expect(await retryCatchUp(db, shopId, clock)).toBeNull();
    expect(await drained()).toMatchObject({ status: "done", awarded: 1 });
    expect((await ana()).balance).toBe(40);
  });

  it("waits while the shop is uninstalled and runs after it reinstalls", async () => {
    await backfilled(order(241, "40.00", { processedAt: "2025-03-10T10:00:00-05:00" }));
    await change({ retroactive: true });
    const { id } = await job();
    await markShopUninstalled(db, shop);
    // It waits (attempts untouched) and looks again a few minutes later.
    expect(await work()).toBe(1);
    expect(await job()).toMatchObject({ status: "pending", attempts: 0 });
    expect(await queued(id)).toMatchObject({ status: "pending", attempts: 0, runAt: new Date(clock.now().getTime() + INACTIVE_RECHECK_MS) });
    expect(await work()).toBe(0);
    expect((await ana()).balance).toBe(0);

    await markShopInstalled(db, { domain: shop, scopes: null });
    expect(await drained({}, later(INACTIVE_RECHECK_MS))).toMatchObject({ status: "done", awarded: 1 });
    expect((await ana()).balance).toBe(40);
  });

  it("is erased with the shop (shop/redact)", async () => {
    await change({ retroactive: true });
    expect(await jobs()).toBe(1);
    await redactShop(db, shop, "no-delivery");
    expect(await jobs()).toBe(0);
  });

  it("puts the job back when the shop uninstalls while it runs", async () => {
    await backfilled(order(242, "40.00", { processedAt: "2025-03-10T10:00:00-05:00" }));
    await backfilled(order(243, "30.00", { processedAt: "2025-04-10T10:00:00-04:00" }));
    await change({ retroactive: true });
    const { id } = await job();
    const uninstalling: SettleOrder = async (...args) => {
      const result = await settleShopifyOrder(...args);
      await markShopUninstalled(db, shop);
      return result;
    };
    expect(await drained({ batchSize: 1, settle: uninstalling })).toMatchObject({ status: "pending", processed: 1, awarded: 1 });
    expect(await queued(id)).toMatchObject({ status: "pending", runAt: new Date(clock.now().getTime() + INACTIVE_RECHECK_MS) });
    expect((await ana()).balance).toBe(40);
    await markShopInstalled(db, { domain: shop, scopes: null });
    expect(await drained({}, later(INACTIVE_RECHECK_MS))).toMatchObject({ status: "done", processed: 2, awarded: 2 });
    expect((await ana()).balance).toBe(70);
  });
});

describe("the server's runner", () => {
  it("runs due catch-ups on its own, as one of the process's queues (left out with ROOST_SYNC_JOBS=off)", async () => {
    await backfilled(order(261, "40.00", { processedAt: "2025-03-10T10:00:00-05:00" }));
    await change({ retroactive: true });
    const processDeps = buildDeps({}, { db, clock, logger });
    expect(queueDefinitions(processDeps, { ROOST_SYNC_JOBS: "off" }).map((definition) => definition.queue)).not.toContain(CATCH_UP);
    const queues = queueDefinitions(processDeps, {}).filter((definition) => definition.queue === CATCH_UP);
    expect(queues).toHaveLength(1);
    const runner = new JobRunner({ db, clock, logger, queues, pollMs: 20 });
    runner.start();
    try {
      await expect.poll(async () => (await job()).status, { timeout: 5000, interval: 20 }).toBe("done");
    } finally {
      await runner.stop();
    }
    expect(await job()).toMatchObject({ status: "done", processed: 1, awarded: 1, attempts: 1 });
    expect((await ana()).balance).toBe(40);
  });
});

describe("start date moved earlier", () => {
  it("awards the live orders between the new start and the old, and none before the new start", async () => {
    await change({ startDate: "2026-06-01" });
    await deliver({ topic: "orders/paid", shop, payload: order(301, "20.00", { processedAt: "2026-03-15T10:00:00-04:00" }) });
    await deliver({ topic: "orders/paid", shop, payload: order(302, "35.00", { processedAt: "2026-01-20T10:00:00-05:00" }) });
    // 04:00 UTC on Jan 1 is still Dec 31 in New York: before the new start.
    await deliver({ topic: "orders/paid", shop, payload: order(303, "10.00", { processedAt: "2025-12-31T23:00:00-05:00" }) });
    await deliver({ topic: "orders/paid", shop, payload: order(304, "11.00", { processedAt: "2025-12-15T10:00:00-05:00" }) });
    await deliver({ topic: "orders/paid", shop, payload: order(305, "50.00", { processedAt: "2026-07-01T10:00:00-04:00" }) });
    // Backfilled orders follow the retroactive setting (off), not the start date.
    await backfilled(order(306, "70.00", { processedAt: "2026-03-01T10:00:00-05:00" }));
    expect((await ana()).entries.map((entry) => entry.orderGid)).toEqual([gid(305)]);

    expect((await change({ startDate: "2026-01-01" })).catchUp).toEqual({ recompute: false, awardBackfilled: false, awardBeforeDay: "2026-06-01" });
    expect(await drained()).toMatchObject({ status: "done", phase: "award", total: 3, processed: 3, awarded: 2 });
    expect((await ana()).entries.map((entry) => [entry.kind, entry.points, entry.orderGid])).toEqual([
      ["earn", 50, gid(305)],
      ["earn", 35, gid(302)],
      ["earn", 20, gid(301)],
    ]);
    expect(await catchUpStatus(db, { id: shopId, timezone: "America/New_York" })).toMatchObject({
      message: "Stored orders updated Nov 22, 2026, 10:00 AM: 3 orders processed before 2026-06-01 checked, 2 awarded.",
    });
    await expectLedgerOk();

    // Moving it later again takes nothing back and queues nothing.
    expect((await change({ startDate: "2026-05-01" })).catchUp).toBeNull();
    expect((await ana()).balance).toBe(105);
  });

  it("counts an unset start as the install day", async () => {
    await db.shop.update({ where: { id: shopId }, data: { installedAt: new Date("2026-09-01T16:00:00Z") } });
    await change({ startDate: null });
    await deliver({ topic: "orders/paid", shop, payload: order(311, "22.00", { processedAt: "2026-08-15T10:00:00-04:00" }) });
    await deliver({ topic: "orders/paid", shop, payload: order(312, "9.00", { processedAt: "2026-07-15T10:00:00-04:00" }) });
    expect((await ana()).entries).toEqual([]);

    expect((await change({ startDate: "2026-08-01" })).catchUp).toEqual({ recompute: false, awardBackfilled: false, awardBeforeDay: "2026-09-01" });
    expect(await drained()).toMatchObject({ total: 1, processed: 1, awarded: 1 });
    expect((await ana()).entries.map((entry) => [entry.points, entry.orderGid])).toEqual([[22, gid(311)]]);
  });
});

describe("one job per shop", () => {
  it("widens a pending job instead of queuing another, and a worker mid-walk starts over with the wider job", async () => {
    await change({ startDate: "2026-06-01" });
    await deliver({ topic: "orders/paid", shop, payload: order(401, "20.00", { processedAt: "2026-03-15T10:00:00-04:00", shipping: "5.00" }) });
    await backfilled(order(402, "40.00", { processedAt: "2025-03-10T10:00:00-05:00", shipping: "6.00" }));
    await backfilled(order(403, "30.00", { processedAt: "2025-04-10T10:00:00-04:00" }));
    expect((await ana()).entries).toEqual([]);

    await change({ countShipping: true });
    const { id, createdAt } = await job();
    await change({ retroactive: true });
    expect(await jobs()).toBe(1);
    expect(await job()).toMatchObject({ id, createdAt, status: "pending", phase: "recompute", recompute: true, awardBackfilled: true, awardBeforeDay: null });
    // One queue row too, queued again (latest wins).
    expect(await db.job.count({ where: { queue: CATCH_UP, shopId } })).toBe(1);
    expect(await queued(id)).toMatchObject({ status: "pending", version: 1 });

    // While the worker awards the first backfilled order, the merchant moves the start earlier.
    let moved = false;
    const meanwhile: SettleOrder = async (...args) => {
      if (!moved) {
        moved = true;
        await change({ startDate: "2026-03-01" });
      }
      return settleShopifyOrder(...args);
    };
    const done = await drained({ batchSize: 1, settle: meanwhile });
    expect(moved).toBe(true);
    expect(await jobs()).toBe(1);
    expect(await queued(id)).toMatchObject({ status: "done" });
    expect(done).toMatchObject({ id, status: "done", phase: "award", recompute: true, awardBackfilled: true, awardBeforeDay: "2026-06-01", total: 3, processed: 3, recomputed: 2, awarded: 3 });
    // Backfilled orders earn with shipping counted (46 and 30), oldest first; the live March order, now after
    // the start, earns on 25.00.
    expect((await ana()).entries.map((entry) => [entry.points, entry.eligibleAmount, entry.orderGid])).toEqual([
      [46, 4600, gid(402)],
      [30, 3000, gid(403)],
      [25, 2500, gid(401)],
    ]);
    await expectLedgerOk();
  });
});
