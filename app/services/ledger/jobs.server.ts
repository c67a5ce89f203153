import type { Database } from "../../db.server";
import type { Clock } from "../../lib/clock";
import type { Logger } from "../../lib/logger.server";
import { catchUpIntervalMs, startCatchUpWorker } from "../program/catch-up.server";
import type { CapStore } from "./cap.server";
import { useCapStore } from "./runtime.server";

declare global {
  var __roostLedgerJobs: { stop(): void } | undefined;
}

/**
 * The program catch-up's worker in this process (one per process, kept across Vite reloads).
 * Metafield write-back, held-award releases and the tier sweep run on the job queue
 * (app/runtime.server.ts, `queueDefinitions`).
 */
export function startLedgerRuntime(deps: { db: Database; clock: Clock; logger: Logger; capStore: CapStore }): void {
  if (globalThis.__roostLedgerJobs) return;
  // Services that still look the cap store up get the process's (Redis when REDIS_URL is set).
  useCapStore(deps.capStore);
  // Program changes that reach into stored orders (count shipping, retroactive, an earlier start)
  // are caught up here, in batches, with the process's cap store as live awards use it.
  const catchUpLog = deps.logger.child({ component: "catch-up" });
  const catchUp = startCatchUpWorker(() => ({ db: deps.db, clock: deps.clock, logger: catchUpLog, capStore: deps.capStore }), catchUpLog, catchUpIntervalMs());
  globalThis.__roostLedgerJobs = { stop: () => void catchUp.stop() };
}
