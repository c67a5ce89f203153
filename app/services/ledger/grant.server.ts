import type { Clock } from "../../lib/clock";
import { journey } from "../journeys/journeys.server";
import { queueMetafieldWrite } from "../outbox/metafields.server";
import type { Program } from "../program/settings";
import { tierByName, tierForPoints, trailingSince } from "./tiers.server";
import type { Db } from "../../db.server";
import type { LedgerDeps, LedgerShop, Member, Tx } from "./types";

/**
 * Locks the member for this transaction and reserves the next ledger position: the returned
 * `ledgerSeq` is the `seq` of the first entry the transaction writes. A transaction that writes
 * a second entry (an award's capped sibling) uses `ledgerSeq + 1` and stores it with the member's
 * new balance. A rolled-back transaction reserved nothing; one that writes no entry after all
 * leaves a gap, which keeps the order monotonic.
 */
export async function lockMember(tx: Tx, memberId: string): Promise<Member> {
  // An update takes the row lock on PostgreSQL (and the write lock on SQLite), so awards and
  // claw-backs for one member run one after the other.
  return tx.member.update({ where: { id: memberId }, data: { ledgerSeq: { increment: 1 }, updatedAt: new Date() } });
}

/**
 * The member's `lastOrderAt` (the Members list sorts by it) once a paid order is awarded:
 * max(existing, processedAt), so an older order arriving late, or a replay, changes nothing.
 * Null when it stays as it is. Read on the locked member, in the award's transaction.
 */
export function laterOrderTime(member: Member, processedAt: Date): Date | null {
  return member.lastOrderAt && member.lastOrderAt >= processedAt ? null : processedAt;
}

/** Keeps `lastOrderAt` for an award that writes no other change to the member (a held award). */
export async function noteOrderTime(tx: Tx, member: Member, processedAt: Date): Promise<void> {
  const lastOrderAt = laterOrderTime(member, processedAt);
  if (lastOrderAt) await tx.member.update({ where: { id: member.id }, data: { lastOrderAt } });
}

/** After points are granted: balance, journey, tier promotion, metafield write-back. */
export async function finishGrant(
  tx: Tx,
  deps: LedgerDeps<Db>,
  shop: LedgerShop,
  program: Program,
  member: Member,
  grant: { balance: number; granted: number; key: string; orderGid: string | null; at: Date; clock: Clock; seq: number; lastOrderAt?: Date | null },
): Promise<number> {
  const { purchases, earned } = await purchasesAndEarned(tx, shop.id, member.id, deps.clock.now());
  await journey(tx, shop.id, member.id, purchases <= 1 ? "first_purchase" : "repeat_purchase", `purchase:${grant.key}`, grant.at, {
    order: grant.orderGid,
    orderCount: purchases,
  });
  await journey(tx, shop.id, member.id, "points_earned", `points_earned:${grant.key}`, grant.at, { points: grant.granted, balance: grant.balance, order: grant.orderGid });
  const reached = tierForPoints(program.tiers, earned);
  const current = tierByName(program.tiers, member.tier);
  // Promotion happens on earn; demotion only in the daily sweep.
  const tier = reached.threshold > current.threshold ? reached.name : member.tier;
  if (tier !== member.tier) {
    await journey(tx, shop.id, member.id, "tier_changed", `tier_changed:${grant.key}`, grant.at, { from: member.tier, to: tier, earned365: earned });
  }
  // One write of the member: the order's time rides along (the award path's statement budget).
  await tx.member.update({ where: { id: member.id }, data: { balance: grant.balance, tier, ledgerSeq: grant.seq, ...(grant.lastOrderAt ? { lastOrderAt: grant.lastOrderAt } : {}) } });
  await queueMetafieldWrite(tx, shop.id, member.customerGid, grant.balance, tier, deps.clock.now());
  return grant.balance;
}

/**
 * The member's purchases (awards, held or not, this one included) and `trailingEarned` (points
 * earned net of claw-backs over the trailing 365 days): one pass over the member's entries
 * instead of a count and an aggregate.
 */
async function purchasesAndEarned(tx: Tx, shopId: string, memberId: string, now: Date): Promise<{ purchases: number; earned: number }> {
  const [row] = await tx.$queryRaw<{ purchases: number | bigint; earned: number | bigint | null }[]>`
    SELECT
      COUNT(CASE WHEN "kind" IN ('earn', 'held') THEN 1 END) AS "purchases",
      SUM(CASE WHEN "kind" IN ('earn', 'released', 'clawback') AND "occurredAt" >= ${trailingSince(now)} THEN "points" ELSE 0 END) AS "earned"
    FROM "LedgerEntry"
    WHERE "shopId" = ${shopId} AND "memberId" = ${memberId}`;
  return { purchases: Number(row.purchases), earned: Number(row.earned ?? 0) };
}
