import { type Database, pingDatabase } from "../../db.server";
import type { CapStore } from "../ledger/cap.server";

export type Dependency = "up" | "down";

export interface Readiness {
  /** Whether this process can take traffic: every dependency it persists through answers. */
  ready: boolean;
  database: Dependency;
  /** Only when Redis is configured (REDIS_URL): the daily cap's counters. */
  redis?: Dependency;
}

/** A cap store that can say whether it answers (Redis); the ledger's own count has nothing else to ask. */
function pingable(store: CapStore): store is CapStore & { ping(): Promise<boolean> } {
  return typeof (store as Partial<{ ping: unknown }>).ping === "function";
}

/**
 * Whether the process is ready: the database answers a trivial query and, when the daily cap is
 * counted in Redis, Redis answers a PING, each within `timeoutMs`. Both are asked at once.
 */
export async function checkReadiness(deps: { db: Database; capStore: CapStore }, timeoutMs = 2000): Promise<Readiness> {
  const store = deps.capStore;
  const [database, redis] = await Promise.all([
    pingDatabase(deps.db, timeoutMs),
    pingable(store) ? withTimeout(store.ping().catch(() => false), timeoutMs) : Promise.resolve(undefined),
  ]);
  const state = (up: boolean): Dependency => (up ? "up" : "down");
  return {
    ready: database && redis !== false,
    database: state(database),
    ...(redis === undefined ? {} : { redis: state(redis) }),
  };
}

async function withTimeout(check: Promise<boolean>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([check, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
