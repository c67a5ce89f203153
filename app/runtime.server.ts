import db, { type Database } from "./db.server";
import { type Clock, systemClock } from "./lib/clock";
import { logger as rootLogger, type Logger } from "./lib/logger.server";
import { type CapStore, databaseCapStore } from "./services/ledger/cap.server";
import { createRedisCapStore } from "./services/ledger/redis-cap.server";
import { adminClientFor, type AdminClientFactory } from "./services/shopify/admin.server";

// The one place that builds the process's dependencies. Routes, workers and the CLI take them
// from here and hand them to services; services never look up process state themselves.

export interface AppDeps {
  db: Database;
  clock: Clock;
  logger: Logger;
  /** Redis when REDIS_URL is set; the ledger's own count otherwise. */
  capStore: CapStore;
  /** The Admin API client for an installed shop (its offline token). */
  adminFor: AdminClientFactory;
}

declare global {
  var __roostDeps: AppDeps | undefined;
}

/** Builds the dependencies from the environment: what `appDeps()` returns in a server process. */
export function buildDeps(env: Record<string, string | undefined> = process.env, overrides: Partial<AppDeps> = {}): AppDeps {
  const logger = overrides.logger ?? rootLogger;
  const capStore = overrides.capStore ?? (env.REDIS_URL ? createRedisCapStore({ url: env.REDIS_URL, logger: logger.child({ component: "cap" }) }) : databaseCapStore);
  return { db: overrides.db ?? db, clock: overrides.clock ?? systemClock, logger, capStore, adminFor: overrides.adminFor ?? adminClientFor };
}

/** The process's dependencies (built once, kept across Vite reloads). */
export function appDeps(): AppDeps {
  globalThis.__roostDeps ??= buildDeps();
  return globalThis.__roostDeps;
}

/** Tests and start-up replace the process's dependencies here (e.g. a Redis cap store for a fault test). */
export function setAppDeps(deps: AppDeps | undefined): void {
  globalThis.__roostDeps = deps;
}
