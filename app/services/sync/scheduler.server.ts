import { z } from "zod";
import type { Database } from "../../db.server";
import type { Clock } from "../../lib/clock";
import { throttledLog } from "../../lib/log-throttle.server";
import type { Logger } from "../../lib/logger.server";
import { ensureRecurring, type Job, LeaseLostError } from "../jobs/queue.server";
import type { JobOutcome, QueueDefinition } from "../jobs/runner.server";
import { backfillProgress, startBackfill, waitForBackfill } from "./backfill.server";
import { queueShopSync, SYNC_QUEUE, type SyncDeps } from "./deps.server";
import { reconcile } from "./reconcile.server";

// Backfill and reconciliation run as jobs of the `sync` queue: one row per installed shop
// (key: the shop's id), so one shop's sync runs at a time across processes and one shop's
// failure never holds up another's. A run drives the shop's backfill (poll, import, start the
// next resource, back to back, for up to BACKFILL_PASS_MS: also how an import a crash
// interrupted resumes, once the dead worker's lease lapses), then reconciles when the backfill
// is done and the last pass is older than the interval, and asks to run again when the next
// thing is due. A finished bulk operation, an install or the CLI makes
// the row due now (`queueShopSync`). One more row, `installed-shops`, makes sure every installed
// shop has its row, every interval.

export const DEFAULT_SYNC_INTERVAL_MS = 15 * 60 * 1000;
/**
 * How long one pass keeps driving a backfill: a small store's four bulk operations finish within
 * it, so an install is imported in one pass; a larger one continues in the next pass (the lane is
 * shared with the other shops' passes, so one shop does not hold it for long).
 */
export const BACKFILL_PASS_MS = 60_000;
/** While a bulk operation runs at Shopify's after a pass's budget, the job polls it this often (its finish webhook usually comes first). */
export const BULK_POLL_MS = 30_000;
/** Wait after the Nth failed attempt: 10 s, 1 min, 5 min, then 15 min (the interval) each time. */
export const SYNC_RETRY_DELAYS_MS = [10_000, 60_000, 300_000, 900_000] as const;
/** The row that gives every installed shop its own. */
export const INSTALLED_SHOPS_KEY = "installed-shops";
/** A backfill newer than this is not repeated on (re)install; reconciliation covers the gap. */
export const INSTALL_BACKFILL_FRESHNESS_MS = 30 * 24 * 60 * 60 * 1000;

/** `ROOST_RECONCILE_INTERVAL_MS`, default 15 minutes. */
export function syncIntervalMs(env: Record<string, string | undefined> = process.env): number {
  const value = Number(env.ROOST_RECONCILE_INTERVAL_MS);
  return Number.isFinite(value) && value > 0 ? value : DEFAULT_SYNC_INTERVAL_MS;
}

/** Every installed shop: uninstalled shops get no Admin API calls. */
export async function installedShops(db: Database): Promise<{ id: string; domain: string }[]> {
  return db.shop.findMany({ where: { installed: true }, select: { id: true, domain: true }, orderBy: { domain: "asc" } });
}

export interface SyncQueueOptions {
  /** How often each shop is reconciled (`syncIntervalMs`). */
  intervalMs: number;
  /** The shops that get a sync job; default every installed shop. */
  shops?: (db: Database) => Promise<{ id: string }[]>;
}

const syncRequest = z.object({ startBackfill: z.object({ unlessCompletedWithinMs: z.number().optional() }).optional() });

/** The job's payload (a `ShopSyncRequest`); one Roost cannot read asks for nothing more. */
function requested(payload: string): z.output<typeof syncRequest> {
  try {
    return syncRequest.parse(JSON.parse(payload));
  } catch {
    return {};
  }
}

/** The `sync` queue, with the process's cap store (orders a backfill or a repair settles count against it) and Admin API clients. */
export function syncQueue(deps: Omit<SyncDeps, "db" | "clock" | "logger">, options: SyncQueueOptions): QueueDefinition {
  return {
    queue: SYNC_QUEUE,
    recurring: { key: INSTALLED_SHOPS_KEY },
    retryDelaysMs: SYNC_RETRY_DELAYS_MS,
    async run([job], context) {
      if (job.key === INSTALLED_SHOPS_KEY) {
        const now = context.clock.now();
        // A shop's row revived when its attempts ran out: it is tried again each interval.
        for (const shop of await (options.shops ?? installedShops)(context.db)) await ensureRecurring(context.db, { queue: SYNC_QUEUE, key: shop.id, shopId: shop.id }, now);
        return { again: new Date(now.getTime() + options.intervalMs) };
      }
      return syncShop({ ...deps, db: context.db, clock: context.clock, logger: context.logger }, job, context.signal, options.intervalMs);
    },
  };
}

/**
 * One shop's pass: backfill, then reconciliation when due. A failure of either is logged and the
 * other still runs; then the first is thrown, so the queue retries the pass after its back-off
 * (a terminal one, such as a revoked token, waits for the next interval's revival).
 */
async function syncShop(deps: SyncDeps, job: Job, signal: AbortSignal, intervalMs: number): Promise<JobOutcome> {
  const { db, clock } = deps;
  const shop = await db.shop.findUnique({ where: { id: job.key }, select: { id: true, domain: true, installed: true } });
  // Uninstalled: done. A reinstall queues it again.
  if (!shop?.installed) return;
  const logger = deps.logger.child({ shop: shop.domain });
  const shopDeps = { ...deps, logger };
  const asked = requested(job.payload);
  const failures: unknown[] = [];

  let backfilling = false;
  let waitingOnShopify = false;
  try {
    // A shop whose install could not start a backfill gets one here.
    if (asked.startBackfill || (await backfillProgress(db, shop.id)).status === "idle") await startBackfill(shopDeps, shop.domain, asked.startBackfill ?? {});
    // Resources back to back: polling the running bulk operation quickly, not once a pass.
    const progress = await waitForBackfill(shopDeps, shop.domain, { pollMs: 250, maxPollMs: 2_000, timeoutMs: BACKFILL_PASS_MS, signal });
    backfilling = progress.status === "running";
    waitingOnShopify = progress.runs.some((run) => run.status === "running");
  } catch (error) {
    failures.push(error);
    throttledLog(logger, "sync").warn({ err: error }, "backfill step failed; retried");
  }
  stopIfLost(signal);

  const last = await db.reconcileRun.findFirst({ where: { shopId: shop.id, status: "completed" }, orderBy: { startedAt: "desc" }, select: { startedAt: true } });
  let reconciledAt = last?.startedAt ?? null;
  // Not while a backfill runs: it is importing those records, and a reconciliation would count
  // each one it reaches first as "repaired" (what webhooks missed), which the Dashboard reports.
  if (!backfilling && (!reconciledAt || reconciledAt.getTime() + intervalMs <= clock.now().getTime())) {
    try {
      const startedAt = clock.now();
      await reconcile(shopDeps, shop.domain);
      reconciledAt = startedAt;
    } catch (error) {
      failures.push(error);
      throttledLog(logger, "sync").warn({ err: error }, "reconciliation failed; retried");
    }
  }
  if (failures.length > 0) throw failures[0];

  const now = clock.now().getTime();
  const nextReconcile = (reconciledAt?.getTime() ?? now) + intervalMs;
  // Queued again while this pass ran (a bulk operation finished meanwhile): again at once.
  if (await queuedMeanwhile(db, job)) return { again: new Date(now) };
  // A pass that ran out of time importing continues at once (behind the other shops' due passes).
  if (backfilling && !waitingOnShopify) return { again: new Date(now) };
  return { again: new Date(backfilling ? Math.min(now + BULK_POLL_MS, nextReconcile) : nextReconcile) };
}

/** A lost lease ends the pass here: the new holder does the rest. */
function stopIfLost(signal: AbortSignal): void {
  if (signal.aborted && signal.reason instanceof LeaseLostError) throw signal.reason;
}

async function queuedMeanwhile(db: Database, job: Job): Promise<boolean> {
  const row = await db.job.findUnique({ where: { id: job.id }, select: { version: true } });
  return row !== null && row.version !== Number(job.version);
}

/**
 * afterAuth: makes the shop's sync job due now, asking it to start a backfill unless one ran in
 * the last 30 days. Never throws (an install must not fail because the database was briefly
 * busy): the `installed-shops` pass gives the shop its job within an interval anyway.
 */
export async function startBackfillOnInstall(deps: { db: Database; clock: Clock; logger: Logger }, shopDomain: string, kick?: () => void): Promise<void> {
  try {
    const shop = await deps.db.shop.findUnique({ where: { domain: shopDomain }, select: { id: true } });
    if (!shop) return;
    await queueShopSync(deps.db, shop.id, deps.clock.now(), { startBackfill: { unlessCompletedWithinMs: INSTALL_BACKFILL_FRESHNESS_MS } });
    kick?.();
  } catch (error) {
    deps.logger.warn({ err: error, shop: shopDomain }, "backfill could not be queued on install; the next sync pass queues it");
  }
}
