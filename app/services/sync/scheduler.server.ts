import type { Database } from "../../db.server";
import { type Clock, systemClock } from "../../lib/clock";
import { throttledLog } from "../../lib/log-throttle.server";
import type { Logger } from "../../lib/logger.server";
import type { AdminClientFactory } from "../shopify/admin.server";
import { advanceBackfill, backfillProgress, startBackfill } from "./backfill.server";
import type { SyncDeps } from "./deps.server";
import { reconcile } from "./reconcile.server";

export const DEFAULT_SYNC_INTERVAL_MS = 15 * 60 * 1000;

/** `ROOST_RECONCILE_INTERVAL_MS`, default 15 minutes. */
export function syncIntervalMs(env: NodeJS.ProcessEnv = process.env): number {
  const value = Number(env.ROOST_RECONCILE_INTERVAL_MS);
  return Number.isFinite(value) && value > 0 ? value : DEFAULT_SYNC_INTERVAL_MS;
}

export interface SyncJobsOptions {
  db: Database;
  logger: Logger;
  intervalMs: number;
  clock?: Clock;
  adminFor?: AdminClientFactory;
  /** Delay before the first pass (default: min(intervalMs, 30 s)), so a restart resumes backfills soon. */
  initialDelayMs?: number;
  /** The shops a pass covers, in order; default every installed shop. */
  shops?: () => Promise<string[]>;
}

/** Every installed shop's domain: uninstalled shops get no Admin API calls. */
export async function installedShopDomains(db: Database): Promise<string[]> {
  const shops = await db.shop.findMany({ where: { installed: true }, select: { domain: true }, orderBy: { domain: "asc" } });
  return shops.map((shop) => shop.domain);
}

export interface SyncJobs {
  /** Runs one pass now (after the current one, if any); resolves when it is done. */
  runOnce(): Promise<void>;
  /** No more passes; resolves when the current one has finished. */
  stop(): Promise<void>;
}

/**
 * The periodic job: every interval, for each installed shop in turn, advance its backfill
 * (poll, import, start the next resource; this is also how a crashed import resumes) and run
 * a reconciliation pass. Passes never overlap: the next is scheduled when one ends. Failures
 * are logged and recorded on the run; one shop's failure does not stop the others.
 */
export function startSyncJobs(options: SyncJobsOptions): SyncJobs {
  const deps: SyncDeps = { db: options.db, logger: options.logger, clock: options.clock ?? systemClock, adminFor: options.adminFor };
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let current: Promise<void> = Promise.resolve();

  const pass = async () => {
    const domains = await (options.shops ?? (() => installedShopDomains(options.db)))();
    for (const domain of domains) {
      if (stopped) return;
      const logger = options.logger.child({ shop: domain });
      try {
        // A shop whose install hook could not queue a backfill gets one here.
        const shop = await options.db.shop.findUnique({ where: { domain }, select: { id: true, installed: true } });
        if (!shop?.installed) continue;
        if ((await backfillProgress(options.db, shop.id)).status === "idle") await startBackfill(deps, domain);
        await advanceBackfill(deps, domain);
      } catch (error) {
        throttledLog(logger, "sync").warn({ err: error }, "backfill step failed; retried next pass");
      }
      if (stopped) return;
      try {
        await reconcile(deps, domain);
      } catch (error) {
        throttledLog(logger, "sync").warn({ err: error }, "reconciliation failed; retried next pass");
      }
    }
  };

  const runOnce = (): Promise<void> => {
    current = current.then(pass).catch((error: unknown) => throttledLog(options.logger, "sync").error({ err: error }, "sync pass failed"));
    return current;
  };

  const schedule = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      void runOnce().finally(() => schedule(options.intervalMs));
    }, delay);
    timer.unref();
  };
  schedule(options.initialDelayMs ?? Math.min(options.intervalMs, 30_000));

  return {
    runOnce,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
