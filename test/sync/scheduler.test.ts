import { afterAll, describe, expect, it } from "vitest";
import { logger } from "../../app/lib/logger.server";
import { markShopUninstalled } from "../../app/services/shops/shops.server";
import { backfillProgress } from "../../app/services/sync/backfill.server";
import { DEFAULT_SYNC_INTERVAL_MS, installedShopDomains, startSyncJobs, syncIntervalMs } from "../../app/services/sync/scheduler.server";
import { db, forgetShops, newShop, seedStore } from "./helpers";

afterAll(forgetShops);

describe("periodic sync job", () => {
  it("reads its interval from ROOST_RECONCILE_INTERVAL_MS (15 minutes by default)", () => {
    const env = (value?: string) => ({ ROOST_RECONCILE_INTERVAL_MS: value }) as unknown as NodeJS.ProcessEnv;
    expect(syncIntervalMs(env())).toBe(DEFAULT_SYNC_INTERVAL_MS);
    expect(DEFAULT_SYNC_INTERVAL_MS).toBe(900_000);
    expect(syncIntervalMs(env("60000"))).toBe(60_000);
    expect(syncIntervalMs(env("soon"))).toBe(DEFAULT_SYNC_INTERVAL_MS);
  });

  it("backfills and reconciles every installed shop, one pass at a time, until stopped", async () => {
    const active = await newShop();
    seedStore(active.domain, { customers: 2, products: 1, variantsPerProduct: 1, orders: 1 });
    const gone = await newShop();
    seedStore(gone.domain, { customers: 2, products: 0, variantsPerProduct: 0, orders: 0 });
    await markShopUninstalled(db, gone.domain);

    // The worker's database also holds other files' shops (their fake stores are gone): cover
    // only this test's two, still through the default selection of installed shops.
    expect(await installedShopDomains(db)).toEqual(expect.arrayContaining([active.domain]));
    expect(await installedShopDomains(db)).not.toContain(gone.domain);
    const mine = [active.domain, gone.domain];
    const shops = async () => (await installedShopDomains(db)).filter((domain) => mine.includes(domain));
    const jobs = startSyncJobs({ db, logger, intervalMs: 10, initialDelayMs: 0, shops });
    try {
      // Passes keep coming; wait for the backfill to finish and two reconciliations.
      for (let attempt = 0; attempt < 100; attempt += 1) {
        const done = (await backfillProgress(db, active.id)).status === "completed";
        if (done && (await db.reconcileRun.count({ where: { shopId: active.id } })) >= 2) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await jobs.stop();
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
    // The uninstalled shop is left alone.
    expect(await db.backfillRun.count({ where: { shopId: gone.id } })).toBe(0);
    expect(await db.reconcileRun.count({ where: { shopId: gone.id } })).toBe(0);

    // Stopped means stopped.
    const count = await db.reconcileRun.count({ where: { shopId: active.id } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await db.reconcileRun.count({ where: { shopId: active.id } })).toBe(count);
  });
});
