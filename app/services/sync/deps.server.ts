import type { Database } from "../../db.server";
import type { Clock } from "../../lib/clock";
import type { Logger } from "../../lib/logger.server";
import { enqueue } from "../jobs/queue.server";
import type { CapStore } from "../ledger/cap.server";
import type { Tx } from "../ledger/types";
import { type AdminBudget, pacedAdminClient, realSleep } from "../shopify/admin-budget.server";
import type { AdminClient } from "../shopify/admin-client.server";
import { adminClientFor, type AdminClientFactory } from "../shopify/admin.server";

/** What backfill and reconciliation need. Services never build their own clients. */
export interface SyncDeps {
  db: Database;
  clock: Clock;
  logger: Logger;
  /** The process's daily-cap store: orders a backfill or a repair settles count against it. */
  capStore: CapStore;
  /** A fixed Admin API client (one shop), or … */
  admin?: AdminClient;
  /** … a factory per shop; defaults to `adminClientFor` (the shop's offline token). */
  adminFor?: AdminClientFactory;
  /** The shops' bucket estimates the process's Admin callers share: the factory's clients wait their turn in them. */
  adminBudget?: AdminBudget;
  /** Downloads bulk results; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Test hook: called for each JSONL line an import reads, before its object is applied. */
  onLine?: (event: { resource: string; line: number }) => void | Promise<void>;
}

export async function adminFor(deps: SyncDeps, shopDomain: string): Promise<AdminClient> {
  if (deps.admin) return deps.admin;
  const admin = await (deps.adminFor ?? adminClientFor)(deps.db, shopDomain);
  return deps.adminBudget ? pacedAdminClient(admin, { shop: shopDomain, budget: deps.adminBudget, clock: deps.clock, sleep: realSleep }) : admin;
}

/** The queue of per-shop sync jobs (scheduler.server.ts runs them). */
export const SYNC_QUEUE = "sync";

/** What a shop's sync job is asked to do besides advancing its backfill and reconciling when due. */
export interface ShopSyncRequest {
  /** Start a backfill (install): skipped while one runs, or when one completed within this long. */
  startBackfill?: { unlessCompletedWithinMs?: number };
}

/**
 * Makes the shop's sync job due now (install, a finished bulk operation, the CLI). One row per
 * shop, so one sync at a time per shop across processes; queued while it runs, it runs again
 * at once after.
 */
export async function queueShopSync(db: Database | Tx, shopId: string, now: Date, request: ShopSyncRequest = {}): Promise<void> {
  await enqueue(db, { queue: SYNC_QUEUE, key: shopId, shopId, payload: request }, now);
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
