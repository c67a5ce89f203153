import type { PixelEvent } from "@prisma/client";
import type { Db } from "../../db.server";
import type { Clock } from "../../lib/clock";
import type { ClawbackResult } from "../ledger/clawback.server";
import type { AwardResult } from "../ledger/earn.server";
import type { Member } from "../ledger/types";
import type { InventoryLevelRecord } from "../mirror/records";
import type { MirroredCustomer, OrderRow, RefundRow } from "../mirror/mirror.server";
import type { UpsertOutcome } from "../mirror/records";
import type { CohortScope } from "./evaluate.server";
import { type CohortSignalShop, PIXEL_SETTLE_MS, queueCohortEvaluation } from "./queue.server";

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
 * signal's transaction (`deps.db`) with what it wrote: the members and visitors it touched are
 * queued for cohort evaluation (queue.server.ts), in that transaction, and evaluated off the
 * signal's path. A shop with no enabled rule queues nothing. Catalogue signals touch no one: no
 * template reads the stock a variant has now (cohorts read the stock stored with each event).
 */
export async function afterSignal(deps: { db: Db; clock?: Clock }, shop: CohortSignalShop, written: SignalWritten): Promise<void> {
  const subjects = touched(written);
  if (!subjects) return;
  const now = deps.clock?.now() ?? new Date();
  await queueCohortEvaluation(deps.db, shop, subjects, now, written.kind === "pixel-batch" ? PIXEL_SETTLE_MS : 0);
}

/** The members and visitors whose cohorts a signal may change, or null for none. */
function touched(written: SignalWritten): CohortScope | null {
  switch (written.kind) {
    case "order":
      return written.member ? { memberIds: [written.member.id] } : null;
    case "customer":
      return written.member ? { memberIds: [written.member.id] } : null;
    case "checkout":
      return written.linkedClientIds.length > 0 ? { clientIds: [...written.linkedClientIds] } : null;
    case "pixel-batch": {
      const clientIds = [...new Set(written.events.map((event) => event.clientId))];
      return { clientIds };
    }
    case "external-order":
      return "memberId" in written.award ? { memberIds: [written.award.memberId] } : null;
    case "external-refund":
      return written.clawback.status === "clawed" ? { memberIds: [written.clawback.memberId] } : null;
    default:
      return null;
  }
}
