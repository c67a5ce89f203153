import type { Database } from "../../db.server";
import { currencyExponent } from "../../lib/money";
import { tierByName, trailingEarned } from "../ledger/tiers.server";
import { parseShopSettings, type Tier } from "../program/settings";
import { listRewards } from "../rewards/catalogue.server";
import { listRedemptions, type Redemption } from "../rewards/redeem.server";
import { recordFirstShopperVisit } from "./first-visit.server";
import { type Shopper, shopperMember } from "./shopper.server";

// What a signed-in shopper sees of the loyalty program (GET /account/loyalty, docs/shopper.md):
// the program's terms, their balance, tier and progress, their latest ledger lines, the rewards
// they can spend on and their latest redemptions. Only what is about them, in words a shopper may
// read: no GIDs, no idempotency keys, no actors, no merchant notes (an adjustment's reason).

/** Latest ledger lines and redemptions shown. */
export const LEDGER_LINES = 10;
export const REDEMPTIONS_SHOWN = 5;

/** A redemption's entry and its return carry the redemption's id in their keys (redemptionEntryKey, returnedEntryKey). */
const REDEMPTION_KEY = /^redemption:([^:]+)(?::returned)?$/;
/** A bonus entry's key says which bonus it is (signupBonusKey, birthdayBonusKey in ledger/bonus.server.ts). */
const BONUS_KEY = /^bonus:(signup|birthday):/;

const redemptionIdOf = (entry: { kind: string; idempotencyKey: string }): string | null =>
  entry.kind === "redemption" || entry.kind === "returned" ? (REDEMPTION_KEY.exec(entry.idempotencyKey)?.[1] ?? null) : null;

export type ShopperLedgerLine = {
  id: string;
  kind: string;
  points: number;
  createdAt: string;
  orderName: string | null;
  rewardName: string | null;
  bonus: "signup" | "birthday" | null;
};

/** A redemption as the shopper surfaces print it; `code` only once Shopify has made it. */
export function shopperRedemptionJson(redemption: Redemption) {
  return {
    id: redemption.id,
    status: redemption.status as "pending" | "issued" | "failed",
    ...(redemption.status === "issued" && redemption.code ? { code: redemption.code } : {}),
    points: redemption.points,
    rewardName: redemption.rewardName,
    createdAt: redemption.createdAt.toISOString(),
  };
}

export async function loadShopperLoyalty(db: Database, shopper: Shopper, now: Date) {
  const { shop } = shopper;
  const { program } = parseShopSettings(shop.settings);
  await recordFirstShopperVisit(db, shop, now);
  const member = await shopperMember(db, shopper);
  // A redacted member keeps no link to a customer (privacy.server.ts); one still linked shows nothing either.
  const shown = member && !member.redactedAt ? member : null;
  const balance = shown?.balance ?? 0;
  const rewards = await listRewards(db, shop.id, { enabledOnly: true });
  return {
    program: { enabled: program.enabled, earnRate: program.earnRate, currency: shop.currency, currencyExponent: currencyExponent(shop.currency) },
    member: shown ? await memberView(db, shop.id, shown, program.tiers, now) : null,
    rewards: rewards.map((reward) => ({
      id: reward.id,
      name: reward.name,
      type: reward.type,
      value: reward.value,
      minimumSubtotal: reward.minimumSubtotal,
      pointsCost: reward.pointsCost,
      affordable: balance >= reward.pointsCost,
      pointsNeeded: Math.max(0, reward.pointsCost - balance),
    })),
    redemptions: shown
      ? // In the list a code not made yet reads null rather than being left out.
        (await listRedemptions(db, shop.id, { memberId: shown.id, take: REDEMPTIONS_SHOWN })).map((redemption) => ({ code: null, ...shopperRedemptionJson(redemption) }))
      : [],
  };
}

async function memberView(db: Database, shopId: string, member: { id: string; balance: number; tier: string }, tiers: Tier[], now: Date) {
  const tierPoints = await trailingEarned(db, shopId, member.id, now);
  // The tier whose terms apply to the next order (earn.server.ts reads it the same way).
  const tier = tierByName(tiers, member.tier);
  const next = tiers[tiers.indexOf(tier) + 1] ?? null;
  return {
    balance: member.balance,
    tier: tier.name,
    tierPoints,
    nextTier: next ? { name: next.name, pointsNeeded: Math.max(0, next.threshold - tierPoints) } : null,
    ledger: await ledgerLines(db, shopId, member.id),
  };
}

async function ledgerLines(db: Database, shopId: string, memberId: string): Promise<ShopperLedgerLine[]> {
  const entries = await db.ledgerEntry.findMany({
    where: { shopId, memberId },
    orderBy: { seq: "desc" },
    take: LEDGER_LINES,
    select: { id: true, kind: true, points: true, occurredAt: true, orderGid: true, idempotencyKey: true },
  });
  const orderGids = [...new Set(entries.flatMap((entry) => (entry.orderGid ? [entry.orderGid] : [])))];
  const redemptionIds = [...new Set(entries.map(redemptionIdOf).filter((id): id is string => id !== null))];
  const [orders, redemptions] = await Promise.all([
    orderGids.length ? db.order.findMany({ where: { shopId, gid: { in: orderGids } }, select: { gid: true, name: true } }) : [],
    redemptionIds.length ? db.redemption.findMany({ where: { shopId, memberId, id: { in: redemptionIds } }, select: { id: true, rewardName: true } }) : [],
  ]);
  const orderNames = new Map(orders.map((order) => [order.gid, order.name]));
  const rewardNames = new Map(redemptions.map((redemption) => [redemption.id, redemption.rewardName]));
  return entries.map((entry) => {
    const redemptionId = redemptionIdOf(entry);
    const bonus = entry.kind === "bonus" ? BONUS_KEY.exec(entry.idempotencyKey)?.[1] : undefined;
    return {
      id: entry.id,
      kind: entry.kind,
      points: entry.points,
      // When it happened (an order's processed_at), which is what a shopper dates it by.
      createdAt: entry.occurredAt.toISOString(),
      orderName: (entry.orderGid && orderNames.get(entry.orderGid)) || null,
      rewardName: (redemptionId && rewardNames.get(redemptionId)) || null,
      bonus: bonus === "signup" || bonus === "birthday" ? bonus : null,
    };
  });
}
