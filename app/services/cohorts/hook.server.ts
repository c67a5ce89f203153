import type { PixelEvent } from "@prisma/client";
import type { Db } from "../../db.server";
import type { ClawbackResult } from "../ledger/clawback.server";
import type { AwardResult } from "../ledger/earn.server";
import type { Member } from "../ledger/types";
import type { InventoryLevelRecord } from "../mirror/records";
import type { MirroredCustomer, OrderRow, RefundRow } from "../mirror/mirror.server";
import type { UpsertOutcome } from "../mirror/records";

/**
 * What a store signal wrote, as app/services/signals hands it on: the rows the mirror wrote (or
 * kept, when a delivery was older than what it holds), the member enrolment found or made, and
 * what the ledger did. Cohort rules read these instead of reading the rows back.
 */
export type SignalWritten =
  | { kind: "order"; order: OrderRow; refunds: readonly RefundRow[]; member: Member | null; award: AwardResult | null }
  | { kind: "customer"; outcome: UpsertOutcome; customer: MirroredCustomer | null; member: Member | null }
  | { kind: "customer-deleted"; customerGid: string; at: Date }
  | { kind: "customers-merged"; keptGid: string; deletedGid: string; at: Date }
  | { kind: "purchasing-summary"; outcome: UpsertOutcome; customerGid: string; ordersCount: number; totalSpent: number }
  | { kind: "product"; outcome: UpsertOutcome; productGid: string }
  | { kind: "inventory-level"; outcome: UpsertOutcome; level: InventoryLevelRecord }
  | { kind: "product-deleted"; productGid: string; at: Date }
  | { kind: "low-stock-threshold"; lowStockThreshold: number }
  | { kind: "pixel-batch"; events: readonly PixelEvent[] }
  | { kind: "checkout"; token: string; customerGid: string | null; linkedClientIds: readonly string[] }
  | { kind: "external-order"; key: string; award: AwardResult }
  | { kind: "external-refund"; key: string; clawback: ClawbackResult };

/**
 * The last step of every store signal (mirror → identity → ledger → cohorts), run in the
 * signal's transaction (`db`) with what it wrote. It does nothing yet: behavioural cohorts (the
 * next issue) evaluate their rules here, and write their transitions and tag operations as
 * outbox rows in the same transaction as their cause.
 */
export async function afterSignal(_db: Db, _shop: { id: string }, _written: SignalWritten): Promise<void> {}
