import type { Database } from "../../db.server";
import { systemClock } from "../../lib/clock";
import { logger } from "../../lib/logger.server";
import { bulkOperationsFinishHandler, startBackfill } from "./backfill.server";
import { type SyncJobs, startSyncJobs, syncIntervalMs } from "./scheduler.server";

// Process wiring for sync: the periodic job, the topic handler and the install hook. Kept
// apart from the services so they stay free of process globals.

declare global {
  var __roostSyncJobs: SyncJobs | undefined;
}

/** The process's periodic backfill + reconciliation job (one per process, kept across Vite reloads). */
export function startSyncRuntime(db: Database): SyncJobs {
  globalThis.__roostSyncJobs ??= startSyncJobs({ db, logger: logger.child({ component: "sync" }), intervalMs: syncIntervalMs() });
  return globalThis.__roostSyncJobs;
}

/** Topic handlers this feature adds to the inbox (register with `registerTopicHandlers`). */
export const syncTopicHandlers = { "bulk_operations/finish": bulkOperationsFinishHandler };

/** A backfill newer than this is not repeated on (re)install; reconciliation covers the gap. */
export const INSTALL_BACKFILL_FRESHNESS_MS = 30 * 24 * 60 * 60 * 1000;

/**
 * afterAuth: queue the shop's backfill and start its first bulk operation. Never throws (an
 * install must not fail because Shopify was briefly unreachable): the periodic job starts
 * queued runs later, and `npm run roost -- backfill` starts one by hand.
 */
export async function startBackfillOnInstall(db: Database, shopDomain: string): Promise<void> {
  const log = logger.child({ component: "sync", shop: shopDomain });
  try {
    await startBackfill({ db, clock: systemClock, logger: log }, shopDomain, { unlessCompletedWithinMs: INSTALL_BACKFILL_FRESHNESS_MS });
  } catch (error) {
    log.warn({ err: error }, "backfill could not start on install; the periodic job retries");
  }
}
