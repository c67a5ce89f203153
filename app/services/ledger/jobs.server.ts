import type { Database } from "../../db.server";
import { systemClock } from "../../lib/clock";
import { logger } from "../../lib/logger.server";
import { adminClientFor } from "../shopify/admin.server";
import { startCapRuntime } from "./release-worker.server";
import { startWriteBackWorker } from "./writeback.server";

declare global {
  var __roostLedgerJobs: { stop(): void } | undefined;
}

/** The ledger's background work in this process (one set per process, kept across Vite reloads). */
export function startLedgerRuntime(db: Database): void {
  if (globalThis.__roostLedgerJobs) return;
  const log = logger.child({ component: "ledger" });
  const writeBack = startWriteBackWorker({ db, clock: systemClock, logger: log, adminFor: adminClientFor }, Number(process.env.ROOST_WRITEBACK_INTERVAL_MS ?? 5000));
  // The Redis cap store when REDIS_URL is set, and the worker that releases held awards.
  const cap = startCapRuntime(db, log);
  globalThis.__roostLedgerJobs = {
    stop: () => {
      writeBack.stop();
      void cap.stop();
    },
  };
}
