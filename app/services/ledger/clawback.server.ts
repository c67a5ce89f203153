import { type Db, inTransaction } from "../../db.server";
import { journey } from "../journeys/journeys.server";
import { queueMetafieldWrite } from "../outbox/metafields.server";
import { lockMember } from "./grant.server";
import { HELD_REFUND_REASON, heldReductions } from "./held";
import { clawbackFor } from "./points";
import type { LedgerDeps, LedgerShop } from "./types";

export interface RefundInput {
  /** The award's key (the order's). */
  awardKey: string;
  /** shopify-refund:<gid> or external-refund:<channel>:<id>. */
  key: string;
  refundGid?: string | null;
  refundedEligible: number;
  at: Date;
}

export type ClawbackResult =
  | { status: "clawed"; memberId: string; points: number; shortfall: number }
  | { status: "duplicate" }
  | { status: "no-award" };

/** DESIGN, "Refunds claw back": proportional, cumulative, capped at what the award granted. */
export async function clawBackRefund(deps: LedgerDeps<Db>, shop: LedgerShop, input: RefundInput): Promise<ClawbackResult> {
  return settleClawback(deps, shop, input.awardKey, input);
}

/** A full cancellation claws back whatever the award still holds. */
export async function clawBackCancellation(deps: LedgerDeps<Db>, shop: LedgerShop, awardKey: string, at: Date): Promise<ClawbackResult> {
  return settleClawback(deps, shop, awardKey, { key: `${awardKey}:cancelled`, refundGid: null, refundedEligible: 0, at, cancel: true });
}

async function settleClawback(
  deps: LedgerDeps<Db>,
  shop: LedgerShop,
  awardKey: string,
  input: { key: string; refundGid?: string | null; refundedEligible: number; at: Date; cancel?: boolean },
): Promise<ClawbackResult> {
  const { db } = deps;
  const existing = await db.ledgerEntry.findUnique({ where: { shopId_idempotencyKey: { shopId: shop.id, idempotencyKey: input.key } } });
  if (existing) return { status: "duplicate" };
  const award = await db.ledgerEntry.findFirst({ where: { shopId: shop.id, awardKey, kind: { in: ["earn", "held"] } } });
  if (!award) return { status: "no-award" };

  return inTransaction(db, async (tx): Promise<ClawbackResult> => {
    const member = await lockMember(tx, award.memberId);
    const entries = await tx.ledgerEntry.findMany({ where: { shopId: shop.id, awardKey } });
    const granted = entries.filter((entry) => entry.kind === "earn" || entry.kind === "released").reduce((sum, entry) => sum + entry.points, 0);
    const release = entries.find((entry) => entry.kind === "released");
    // Refunds recorded while the award was held reduced it before release; the released award
    // stands for what the order had left then, and later refunds are proportioned to that.
    const previous = entries.filter((entry) => entry.kind === "clawback" && entry.reason !== HELD_REFUND_REASON);
    // Each claw-back keeps its refund's eligible amount (0 for a cancellation).
    const refundedBefore = previous.reduce((sum, entry) => sum + (entry.eligibleAmount ?? 0), 0);
    const alreadyClawed = -previous.reduce((sum, entry) => sum + entry.points, 0) + previous.reduce((sum, entry) => sum + entry.shortfall, 0);
    const orderEligible = release ? release.eligibleAmount ?? 0 : award.eligibleAmount ?? 0;
    const refundedTotal = input.cancel ? orderEligible : refundedBefore + input.refundedEligible;
    const common = {
      shopId: shop.id,
      memberId: member.id,
      seq: member.ledgerSeq,
      kind: "clawback",
      idempotencyKey: input.key,
      awardKey,
      orderGid: award.orderGid,
      refundGid: input.refundGid ?? null,
      eligibleAmount: input.cancel ? 0 : input.refundedEligible,
      rate: award.rate,
      tier: award.tier,
      multiplier: award.multiplier,
      occurredAt: input.at,
    };
    if (award.kind === "held" && !release) {
      // Nothing granted yet: the held award is reduced (cumulatively, like a claw-back), and the
      // release grants what remains. The entry's `withheld` is this refund's reduction.
      const before = heldReductions(entries, awardKey, award.withheld, orderEligible);
      const reduction = clawbackFor({
        granted: award.withheld,
        orderEligible,
        refundedEligibleTotal: input.cancel ? orderEligible : before.refunded + input.refundedEligible,
        alreadyClawed: before.reduced,
      });
      await tx.ledgerEntry.create({ data: { ...common, points: 0, withheld: reduction, balanceAfter: member.balance, reason: HELD_REFUND_REASON } });
      return { status: "clawed", memberId: member.id, points: 0, shortfall: 0 };
    }
    const due = clawbackFor({ granted, orderEligible, refundedEligibleTotal: refundedTotal, alreadyClawed });
    // By default a balance never goes below zero: the rest is a recorded shortfall.
    const taken = Math.min(due, Math.max(0, member.balance));
    const shortfall = due - taken;
    const balance = member.balance - taken;
    await tx.ledgerEntry.create({
      data: { ...common, points: -taken, shortfall, balanceAfter: balance, reason: input.cancel ? "order cancelled" : null },
    });
    if (due > 0) {
      await journey(tx, shop.id, member.id, "points_clawed_back", `points_clawed_back:${input.key}`, input.at, { points: taken, shortfall, balance, order: award.orderGid });
    }
    await tx.member.update({ where: { id: member.id }, data: { balance } });
    await queueMetafieldWrite(tx, shop.id, member.customerGid, balance, member.tier, deps.clock.now());
    return { status: "clawed", memberId: member.id, points: taken, shortfall };
  });
}
