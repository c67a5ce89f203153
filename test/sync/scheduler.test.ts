import { afterAll, describe, expect, it } from "vitest";
import type { Clock } from "../../app/lib/clock";
import { buildDeps, queueDefinitions } from "../../app/runtime.server";
import { claimJobs, LEASE_MS } from "../../app/services/jobs/queue.server";
import { adminClientFor } from "../../app/services/shopify/admin.server";
import { markShopUninstalled } from "../../app/services/shops/shops.server";
import { backfillProgress, startBackfill, waitForBackfill } from "../../app/services/sync/backfill.server";
import { queueShopSync, SYNC_QUEUE } from "../../app/services/sync/deps.server";
import { DEFAULT_SYNC_INTERVAL_MS, INSTALLED_SHOPS_KEY, installedShops, startBackfillOnInstall, SYNC_RETRY_DELAYS_MS, syncIntervalMs } from "../../app/services/sync/scheduler.server";
import { db, forgetShops, newShop, seedStore, syncDeps, syncRunner } from "./helpers";

afterAll(forgetShops);

const syncJob = (shopId: string) => db.job.findUnique({ where: { queue_key: { queue: SYNC_QUEUE, key: shopId } } });
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("sync jobs", () => {
  it("reads its interval from ROOST_RECONCILE_INTERVAL_MS (15 minutes by default), and is one of the process's queues unless ROOST_SYNC_JOBS=off", () => {
    expect(syncIntervalMs({})).toBe(DEFAULT_SYNC_INTERVAL_MS);
    expect(DEFAULT_SYNC_INTERVAL_MS).toBe(900_000);
    expect(syncIntervalMs({ ROOST_RECONCILE_INTERVAL_MS: "60000" })).toBe(60_000);
    expect(syncIntervalMs({ ROOST_RECONCILE_INTERVAL_MS: "soon" })).toBe(DEFAULT_SYNC_INTERVAL_MS);

    const deps = buildDeps({}, { db });
    expect(queueDefinitions(deps, {}).find((definition) => definition.queue === SYNC_QUEUE)).toMatchObject({ recurring: { key: INSTALLED_SHOPS_KEY } });
    expect(queueDefinitions(deps, { ROOST_SYNC_JOBS: "off" }).map((definition) => definition.queue)).not.toContain(SYNC_QUEUE);
  });

  it("backfills and reconciles every installed shop, one pass at a time, until stopped", async () => {
    const active = await newShop();
    seedStore(active.domain, { customers: 2, products: 1, variantsPerProduct: 1, orders: 1 });
    const gone = await newShop();
    seedStore(gone.domain, { customers: 2, products: 0, variantsPerProduct: 0, orders: 0 });
    await markShopUninstalled(db, gone.domain);

    // The worker's database also holds other files' shops (their fake stores are gone): the
    // runner covers only this file's, still through the default selection of installed shops.
    expect(await installedShops(db)).toEqual(expect.arrayContaining([{ id: active.id, domain: active.domain }]));
    expect((await installedShops(db)).map((shop) => shop.id)).not.toContain(gone.id);
    const runner = syncRunner({}, { intervalMs: 10, pollMs: 20 });
    runner.start();
    try {
      // Passes keep coming; wait for the backfill to finish and two reconciliations.
      for (let attempt = 0; attempt < 100; attempt += 1) {
        const done = (await backfillProgress(db, active.id)).status === "completed";
        if (done && (await db.reconcileRun.count({ where: { shopId: active.id } })) >= 2) break;
        await pause(50);
      }
    } finally {
      await runner.stop();
      await db.job.deleteMany({ where: { queue: SYNC_QUEUE, key: INSTALLED_SHOPS_KEY } });
    }
    const progress = await backfillProgress(db, active.id);
    expect(progress.runs.map((run) => [run.resource, run.status, run.linesDone])).toEqual([
      ["products", "completed", 2],
      ["inventory", "completed", 3],
      ["customers", "completed", 2],
      ["orders", "completed", 3],
    ]);
    expect(await db.customer.count({ where: { shopId: active.id } })).toBe(2);

    const runs = await db.reconcileRun.findMany({ where: { shopId: active.id }, orderBy: { startedAt: "asc" } });
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.every((run) => run.status === "completed")).toBe(true);
    // Never overlapping: each pass starts after the previous one finished.
    for (let index = 1; index < runs.length; index += 1) {
      expect(runs[index].startedAt.getTime()).toBeGreaterThanOrEqual(runs[index - 1].finishedAt!.getTime());
    }
    // One job row for the shop, waiting for its next pass; the uninstalled shop is left alone.
    expect(await syncJob(active.id)).toMatchObject({ shopId: active.id, status: "pending", attempts: 0 });
    expect(await syncJob(gone.id)).toBeNull();
    expect(await db.backfillRun.count({ where: { shopId: gone.id } })).toBe(0);
    expect(await db.reconcileRun.count({ where: { shopId: gone.id } })).toBe(0);

    // Stopped means stopped.
    const count = await db.reconcileRun.count({ where: { shopId: active.id } });
    await pause(100);
    expect(await db.reconcileRun.count({ where: { shopId: active.id } })).toBe(count);
  });

  it("keeps one shop's failure to that shop: retried after a back-off while the others carry on", async () => {
    const healthy = await newShop();
    seedStore(healthy.domain, { customers: 1, products: 1, variantsPerProduct: 1, orders: 0 });
    const broken = await newShop();
    const failing = syncDeps({
      adminFor: (database, domain) => (domain === broken.domain ? Promise.reject(new Error("Shopify unreachable")) : adminClientFor(database, domain)),
    });
    const now = failing.clock.now();
    for (const shop of [broken, healthy]) await queueShopSync(db, shop.id, now);

    await syncRunner(failing).drain(SYNC_QUEUE);
    expect(await syncJob(broken.id)).toMatchObject({ status: "pending", attempts: 1, lastError: "Shopify unreachable" });
    expect((await syncJob(broken.id))!.runAt.getTime()).toBeGreaterThanOrEqual(now.getTime() + SYNC_RETRY_DELAYS_MS[0]);
    // The healthy shop's pass ran: its backfill started and its reconciliation completed.
    expect(await syncJob(healthy.id)).toMatchObject({ status: "pending", attempts: 0, lastError: null });
    expect((await backfillProgress(db, healthy.id)).runs).toHaveLength(4);
    expect(await db.reconcileRun.findMany({ where: { shopId: healthy.id }, select: { status: true } })).toEqual([{ status: "completed" }]);
  });

  it("resumes a crashed import once the dead worker's lease lapses, and the install hook queues the shop's backfill", async () => {
    const shop = await newShop();
    seedStore(shop.domain, { customers: 3, products: 2, variantsPerProduct: 2, orders: 4 });
    // Installed: the shop's sync job is due now, asking for a backfill.
    await startBackfillOnInstall(syncDeps(), shop.domain);
    expect(await syncJob(shop.id)).toMatchObject({ status: "pending", payload: JSON.stringify({ startBackfill: { unlessCompletedWithinMs: 30 * 24 * 3600_000 } }) });

    // A worker claims it and dies in the middle of an import (the run is left importing).
    const [claimed] = await claimJobs(db, SYNC_QUEUE, { owner: "dead worker", now: new Date() });
    expect(claimed.key).toBe(shop.id);
    const crashing = syncDeps({
      onLine: ({ resource, line }) => {
        if (resource === "customers" && line === 2) throw new Error("killed");
      },
    });
    await startBackfill(crashing, shop.domain);
    await expect(waitForBackfill(crashing, shop.domain, { pollMs: 5 })).rejects.toThrow("killed");
    expect((await backfillProgress(db, shop.id)).runs.find((run) => run.resource === "customers")).toMatchObject({ status: "importing", linesDone: 0 });

    // A restarted process: nothing to claim while the lease holds, the job once it has lapsed.
    expect(await syncRunner().drain(SYNC_QUEUE)).toBe(0);
    const afterLease: Clock = { now: () => new Date(Date.now() + LEASE_MS + 1000) };
    const restarted = syncRunner({ clock: afterLease });
    for (let pass = 0; pass < 50 && (await backfillProgress(db, shop.id)).status === "running"; pass += 1) {
      await restarted.drain(SYNC_QUEUE);
      // The next bulk operation runs at Shopify's; its finish webhook (or the next poll) makes the job due.
      await queueShopSync(db, shop.id, afterLease.now());
      await pause(20);
    }
    const progress = await backfillProgress(db, shop.id);
    expect(progress.runs.map((run) => [run.resource, run.status, run.linesDone])).toEqual([
      ["products", "completed", 6],
      ["inventory", "completed", 12],
      ["customers", "completed", 3],
      ["orders", "completed", 12],
    ]);
    expect(await db.customer.count({ where: { shopId: shop.id } })).toBe(3);
  });
  it("imports a new install's resources back to back in one pass, and reconciles only once the backfill is done (nothing to repair)", async () => {
    const shop = await newShop();
    seedStore(shop.domain, { customers: 4, products: 2, variantsPerProduct: 2, orders: 5 });
    await startBackfillOnInstall(syncDeps(), shop.domain);

    // One pass: every bulk operation started, polled and imported in turn, not one per pass.
    const before = Date.now();
    expect(await syncRunner().drain(SYNC_QUEUE)).toBe(1);
    const progress = await backfillProgress(db, shop.id);
    expect(progress.runs.map((run) => [run.resource, run.status])).toEqual([
      ["products", "completed"],
      ["inventory", "completed"],
      ["customers", "completed"],
      ["orders", "completed"],
    ]);
    expect(await db.order.count({ where: { shopId: shop.id } })).toBe(5);
    // The reconciliation ran after the import, so it found nothing webhooks missed (the Dashboard
    // would say "Degraded: the last reconciliation repaired …" for an interval otherwise).
    const runs = await db.reconcileRun.findMany({ where: { shopId: shop.id } });
    expect(runs.map((run) => [run.status, JSON.parse(run.repaired)])).toEqual([["completed", { orders: 0, customers: 0, products: 0, refunds: 0 }]]);
    // Next due at the next reconciliation, not at a bulk poll.
    expect((await syncJob(shop.id))!.runAt.getTime()).toBeGreaterThanOrEqual(before + DEFAULT_SYNC_INTERVAL_MS);
  });
});
