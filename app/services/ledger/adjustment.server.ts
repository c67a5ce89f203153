import { safeAmount } from "../../lib/money";
import { recordAudit } from "../audit.server";
import { queueMetafieldWrite } from "../outbox/metafields.server";
import { lockMember } from "./grant.server";
import type { LedgerDeps, LedgerEntry, LedgerShop } from "./types";
import { queueCohortEvaluation } from "../cohorts/queue.server";

/** A manual adjustment by the merchant: a reason is required, and it is audited. */
export async function adjustPoints(
  deps: LedgerDeps,
  shop: LedgerShop,
  input: { memberId: string; points: number; reason: string; actor: string },
): Promise<LedgerEntry> {
  if (!Number.isInteger(input.points) || input.points === 0) throw new RangeError("an adjustment is a non-zero whole number of points");
  if (!input.reason.trim()) throw new RangeError("an adjustment needs a reason");
  return deps.db.$transaction(async (tx) => {
    const member = await lockMember(tx, input.memberId);
    if (member.shopId !== shop.id) throw new RangeError("no such member");
    const balance = safeAmount(member.balance + input.points, "the member's balance");
    if (balance < 0) throw new RangeError(`the balance is ${member.balance}: it cannot go below zero`);
    const now = deps.clock.now();
    const entry = await tx.ledgerEntry.create({
      data: {
        shopId: shop.id,
        memberId: member.id,
        seq: member.ledgerSeq,
        kind: "adjustment",
        points: input.points,
        balanceAfter: balance,
        idempotencyKey: `adjustment:${crypto.randomUUID()}`,
        reason: input.reason.trim(),
        actor: input.actor,
        occurredAt: now,
      },
    });
    await tx.member.update({ where: { id: member.id }, data: { balance } });
    await recordAudit(tx, { shopId: shop.id, actor: input.actor, action: "points.adjusted", details: { memberId: member.id, points: input.points, reason: input.reason.trim(), balance } });
    await queueMetafieldWrite(tx, shop.id, member.customerGid, balance, member.tier, now);
    await queueCohortEvaluation(tx, shop, { memberIds: [member.id] }, now);
    return entry;
  });
}
