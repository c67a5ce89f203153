import type { Db } from "../../db.server";
import type { LedgerDeps, LedgerShop } from "../ledger/types";
import type { MirrorShop } from "../mirror/mirror.server";

/**
 * What a signal takes: the ledger's dependencies, with `db` the root client or a transaction
 * its caller opened (the webhook topic handlers apply an order or a refund in one; a batch may
 * later share one), which every step joins. The cap store is the process's, handed down by the
 * caller (the inbox worker, sync, the API route, the catch-up job), never looked up; as in the
 * ledger, none means the ledger's own count.
 */
export type SignalDeps = LedgerDeps<Db>;

/** The shop as the mirror and the ledger read it (a `Shop` row). */
export type SignalShop = MirrorShop & LedgerShop;
