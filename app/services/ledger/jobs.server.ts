import type { Database } from "../../db.server";
import { systemClock } from "../../lib/clock";
import { logger } from "../../lib/logger.server";
import { catchUpIntervalMs, startCatchUpWorker } from "../program/catch-up.server";
import { sweepTiers } from "./tiers.server";
import { startCapRuntime } from "./release-worker.server";
import { currentCapStore } from "./runtime.server";

declare global {
  var __roostLedgerJobs: { stop(): void } | undefined;
}

/** The ledger's background work in this process (one set per process, kept across Vite reloads). */
export function startLedgerRuntime(db: Database): void {
  if (globalThis.__roostLedgerJobs) return;
  const log = logger.child({ component: "ledger" });
  // The Redis cap store when REDIS_URL is set, and the worker that releases held awards.
  const cap = startCapRuntime(db, log);
  // Demotion happens once a day: members whose trailing 365 days fell below their tier move down.
  const sweep = setInterval(() => void sweepAllTiers(db).catch((error: unknown) => log.error({ err: error }, "tier sweep failed")), 24 * 3600_000);
  sweep.unref();
  // Program changes that reach into stored orders (count shipping, retroactive, an earlier start)
  // are caught up here, in batches, with the process's cap store as live awards use it.
  const catchUpLog = logger.child({ component: "catch-up" });
  const catchUp = startCatchUpWorker(() => ({ db, clock: systemClock, logger: catchUpLog, capStore: currentCapStore() }), catchUpLog, catchUpIntervalMs());
  globalThis.__roostLedgerJobs = {
    stop: () => {
      clearInterval(sweep);
      void catchUp.stop();
      void cap.stop();
    },
  };
}

export async function sweepAllTiers(db: Database): Promise<number> {
  const shops = await db.shop.findMany({ where: { installed: true } });
  let changed = 0;
  for (const shop of shops) {
    changed += await sweepTiers({ db, clock: systemClock, logger: logger.child({ component: "tiers", shop: shop.domain }) }, shop);
  }
  return changed;
}
