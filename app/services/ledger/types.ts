import type { Database, Db } from "../../db.server";
import type { Clock } from "../../lib/clock";
import type { Logger } from "../../lib/logger.server";
import type { CapStore } from "./cap.server";

export interface LedgerShop {
  id: string;
  currency: string;
  timezone: string;
  settings: string;
  installedAt: Date;
}

/**
 * What ledger operations take. `D` is `Db` for those that may run inside a transaction their
 * caller opened (the signal seam applies a whole delivery in one): they join it instead of
 * opening their own (`inTransaction`).
 */
export interface LedgerDeps<D extends Db = Database> {
  db: D;
  clock: Clock;
  logger: Logger;
  /** Redis when REDIS_URL is set; the database otherwise. */
  capStore?: CapStore;
}

export type { Tx } from "../../db.server";
export type Member = Awaited<ReturnType<Database["member"]["findUniqueOrThrow"]>>;
export type LedgerEntry = Awaited<ReturnType<Database["ledgerEntry"]["findUniqueOrThrow"]>>;

/** A paid order, as the earning rule reads financial status. */
export const PAID_STATES = new Set(["paid", "partially_refunded", "refunded"]);
