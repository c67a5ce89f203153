import { randomUUID } from "node:crypto";
import type { Database } from "../../db.server";
import { currencyExponent } from "../../lib/money";
import { memberTimeline } from "../identity/visitors.server";
import { memberSummary } from "../ledger/verify.server";
import { describeReward, listRewards } from "../rewards/catalogue.server";
import { describeRedemption, listRedemptions } from "../rewards/redeem.server";
import { ADJUSTED_EVENT } from "./format";
import { memberName } from "./search.server";

export type MemberDetail = NonNullable<Awaited<ReturnType<typeof loadMemberDetail>>>;

/**
 * A member of this shop as the admin shows them: balance, tier, held and capped points, the
 * ledger, the timeline, their storefront browsing (the linked visitors' recent events, in
 * sentences), and the names (#1001) of the orders the ledger is anchored to. The timeline holds
 * the journey events and the staff's adjustments (from the ledger), oldest first. Null for a
 * member of another shop, exactly as for one that does not exist.
 */
export async function loadMemberDetail(db: Database, shop: { id: string; currency: string; timezone: string }, memberId: string) {
  const summary = await memberSummary(db, shop.id, memberId);
  if (!summary) return null;
  const orderGids = new Set<string>();
  for (const entry of summary.entries) if (entry.orderGid) orderGids.add(entry.orderGid);
  for (const event of summary.timeline) if (typeof event.data.order === "string") orderGids.add(event.data.order);
  const orders = orderGids.size
    ? await db.order.findMany({ where: { shopId: shop.id, gid: { in: [...orderGids] } }, select: { gid: true, name: true } })
    : [];
  const browsing = await memberTimeline(db, shop, summary.customerGid);
  const adjustments = summary.entries
    .filter((entry) => entry.kind === "adjustment")
    .map((entry) => ({ type: ADJUSTED_EVENT, occurredAt: entry.occurredAt, data: { points: entry.points, balance: entry.balanceAfter, reason: entry.reason } as Record<string, unknown> }));
  // A stable sort: events at the same moment keep their order, adjustments after them.
  const timeline = [...summary.timeline, ...adjustments].sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
  return {
    member: { ...summary, timeline, name: memberName(summary) },
    browsing,
    orderNames: Object.fromEntries(orders.filter((order) => order.name).map((order) => [order.gid, order.name as string])),
    currency: shop.currency,
    exponent: currencyExponent(shop.currency),
    timezone: shop.timezone,
  };
}

/**
 * The member's side of the rewards: the enabled rewards with what each still needs (0: they can
 * afford it), their redemptions, newest first (a code shows only once Shopify has made it), and
 * a fresh idempotency key for the page's redeem form: one per render, so the same form submitted
 * twice spends the points once.
 */
export async function loadMemberRewards(db: Database, shop: { id: string; currency: string }, member: { id: string; balance: number }) {
  const rewards = await listRewards(db, shop.id, { enabledOnly: true });
  const redemptions = await listRedemptions(db, shop.id, { memberId: member.id, take: 50 });
  return {
    rewards: rewards.map((reward) => ({
      id: reward.id,
      name: reward.name,
      gives: describeReward(reward, shop.currency),
      pointsCost: reward.pointsCost,
      shortfall: Math.max(0, reward.pointsCost - member.balance),
    })),
    redemptions: redemptions.map((redemption) => ({
      id: redemption.id,
      rewardName: redemption.rewardName,
      gives: describeRedemption(redemption),
      points: redemption.points,
      status: redemption.status as "pending" | "issued" | "failed",
      code: redemption.status === "issued" ? redemption.code : null,
      storeCredit: redemption.rewardType === "store_credit",
      failureReason: redemption.status === "failed" ? redemption.failureReason : null,
      createdAt: redemption.createdAt.toISOString(),
    })),
    redeemKey: `admin:${randomUUID()}`,
  };
}
