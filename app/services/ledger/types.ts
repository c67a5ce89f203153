import type { Database } from "../../db.server";
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

export interface LedgerDeps {
  db: Database;
  clock: Clock;
  logger: Logger;
  /** Redis when REDIS_URL is set; the database otherwise. */
  capStore?: CapStore;
}

export type Tx = Parameters<Parameters<Database["$transaction"]>[0]>[0];
export type Member = Awaited<ReturnType<Database["member"]["findUniqueOrThrow"]>>;
export type LedgerEntry = Awaited<ReturnType<Database["ledgerEntry"]["findUniqueOrThrow"]>>;

/** A paid order, as the earning rule reads financial status. */
export const PAID_STATES = new Set(["paid", "partially_refunded", "refunded"]);
