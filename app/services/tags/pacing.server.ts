import type { Clock } from "../../lib/clock";
import type { AdminClient, ObservedThrottle } from "../shopify/admin-client.server";

/** What Shopify charges for one tagsAdd or tagsRemove: a mutation's 10 points. */
export const TAG_MUTATION_COST = 10;

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Points in the bucket now, from what the last response said and the restore rate since. */
export function availableNow(seen: ObservedThrottle, nowMs: number): number {
  const refilled = seen.currentlyAvailable + (Math.max(0, nowMs - seen.at) / 1000) * seen.restoreRate;
  return Math.min(seen.maximumAvailable, refilled);
}

/** Milliseconds to wait before a call of `cost` points fits in the bucket (0 when it fits now). */
export function paceWait(seen: ObservedThrottle | null, nowMs: number, cost: number): number {
  if (!seen) return 0;
  const missing = cost - availableNow(seen, nowMs);
  return missing > 0 ? Math.ceil((missing / Math.max(1, seen.restoreRate)) * 1000) : 0;
}

/**
 * An Admin client that waits for the bucket before each call instead of running into THROTTLED:
 * it reads `extensions.cost.throttleStatus` from every answer (the client keeps it) and sleeps
 * until the next mutation's cost has refilled. The last status seen is kept per shop across
 * runs, so a run that starts right after another paces from its first call. THROTTLED and 5xx
 * are still ridden out by the client below (another app may share the bucket).
 */
export function pacedAdminClient(admin: AdminClient, options: { clock: Clock; sleep: Sleep; memory: { seen: ObservedThrottle | null }; cost?: number }): AdminClient {
  const cost = options.cost ?? TAG_MUTATION_COST;
  return {
    throttleStatus: () => options.memory.seen,
    async request<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
      const wait = paceWait(options.memory.seen, options.clock.now().getTime(), cost);
      if (wait > 0) await options.sleep(wait);
      try {
        return await admin.request<T>(query, variables);
      } finally {
        options.memory.seen = admin.throttleStatus?.() ?? options.memory.seen;
      }
    },
  };
}
