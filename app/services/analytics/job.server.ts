import { throttledLog } from "../../lib/log-throttle.server";
import type { QueueDefinition } from "../jobs/runner.server";
import { catchUpLedgerRollup } from "./rollup.server";
import { REPEAT_REFRESH_MS, refreshAnalyticsSnapshot } from "./snapshot.server";

// The analytics job (docs/analytics.md): every installed shop's ledger roll-ups caught up, then
// its snapshot (cohort days, repeat purchases) refreshed where stale.

export const ANALYTICS_ROLLUP_QUEUE = "analytics-rollup";
/** How often the job runs (ROOST_ANALYTICS_ROLLUP_MS). */
export const ANALYTICS_ROLLUP_INTERVAL_MS = 60_000;

/** `ROOST_ANALYTICS_ROLLUP_MS`: how often the roll-up job runs (default every minute). */
export function analyticsRollupIntervalMs(env: Record<string, string | undefined>): number {
  const value = Number(env.ROOST_ANALYTICS_ROLLUP_MS);
  return Number.isFinite(value) && value > 0 ? value : ANALYTICS_ROLLUP_INTERVAL_MS;
}

/** `ROOST_ANALYTICS_REPEAT_MS`: how old the snapshot's repeat purchases may grow before they are counted again (default 5 minutes). */
export function analyticsRepeatRefreshMs(env: Record<string, string | undefined>): number {
  const value = Number(env.ROOST_ANALYTICS_REPEAT_MS);
  return Number.isFinite(value) && value > 0 ? value : REPEAT_REFRESH_MS;
}

/** The roll-ups and snapshots of every installed shop, as a recurring job; sooner again while a shop's roll-ups are behind. */
export function analyticsRollupQueue(intervalMs = ANALYTICS_ROLLUP_INTERVAL_MS, repeatRefreshMs = REPEAT_REFRESH_MS): QueueDefinition {
  return {
    queue: ANALYTICS_ROLLUP_QUEUE,
    recurring: { key: "all" },
    async run(_jobs, { db, clock, logger, signal }) {
      let behind = false;
      const shops = await db.shop.findMany({ where: { installed: true }, orderBy: { domain: "asc" }, select: { id: true, domain: true, timezone: true } });
      for (const shop of shops) {
        if (signal.aborted) break;
        try {
          const pass = await catchUpLedgerRollup(db, shop, clock, 5_000);
          if (!pass.caughtUp) behind = true;
          await refreshAnalyticsSnapshot(db, shop, clock, repeatRefreshMs);
        } catch (error) {
          throttledLog(logger.child({ shop: shop.domain }), "analytics-rollup").error({ err: error }, "the analytics roll-up failed for the shop; tried again at the next pass");
        }
      }
      return { again: new Date(clock.now().getTime() + (behind ? 1_000 : intervalMs)) };
    },
  };
}
