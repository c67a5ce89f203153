import type { CapStore } from "./cap.server";
import { useCapStore } from "./runtime.server";

/**
 * The ledger's process wiring: services that still look the cap store up get the process's
 * (Redis when REDIS_URL is set). Metafield write-back, held-award releases, the tier sweep and
 * the program catch-up run on the job queue (app/runtime.server.ts, `queueDefinitions`).
 */
export function startLedgerRuntime(deps: { capStore: CapStore }): void {
  useCapStore(deps.capStore);
}
