import type { Database } from "../../db.server";
import type { Clock } from "../../lib/clock";
import type { Logger } from "../../lib/logger.server";
import type { AdminClient } from "../shopify/admin-client.server";
import { adminClientFor, type AdminClientFactory } from "../shopify/admin.server";

/** What backfill and reconciliation need. Services never build their own clients. */
export interface SyncDeps {
  db: Database;
  clock: Clock;
  logger: Logger;
  /** A fixed Admin API client (one shop), or … */
  admin?: AdminClient;
  /** … a factory per shop; defaults to `adminClientFor` (the shop's offline token). */
  adminFor?: AdminClientFactory;
  /** Downloads bulk results; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Test hook: called for each JSONL line an import reads, before its object is applied. */
  onLine?: (event: { resource: string; line: number }) => void | Promise<void>;
}

export function adminFor(deps: SyncDeps, shopDomain: string): Promise<AdminClient> {
  if (deps.admin) return Promise.resolve(deps.admin);
  return (deps.adminFor ?? adminClientFor)(deps.db, shopDomain);
}

const locks = new Map<string, Promise<unknown>>();

/**
 * Runs `task` after every earlier task with the same key in this process, so the scheduler, the
 * CLI and the bulk_operations/finish handler never work on one shop's sync at the same time.
 * (Across processes, conditional updates keep the state consistent; see backfill.server.ts.)
 */
export function withLock<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = locks.get(key) ?? Promise.resolve();
  const run = previous.then(task, task);
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  locks.set(key, settled);
  void settled.then(() => {
    if (locks.get(key) === settled) locks.delete(key);
  });
  return run;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
