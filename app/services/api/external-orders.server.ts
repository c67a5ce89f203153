import { isUniqueViolation } from "../../db.server";
import type { ClawbackResult } from "../ledger/clawback.server";
import type { AwardResult } from "../ledger/earn.server";
import { type LedgerDeps, type LedgerShop } from "../ledger/types";
import { parseShopSettings } from "../program/settings";
import { applyExternalOrder, applyExternalRefund } from "../signals/external.server";
import type { ExternalOrderBody, ExternalRefundBody } from "./validators";

/**
 * Orders and refunds from the merchant's other channels (a legacy POS, a marketplace) go
 * through the same ledger as Shopify's: one formula, one cap, one member (DESIGN, "Earning").
 */

export const externalOrderKey = (channel: string, id: string) => `external-order:${channel}:${id}`;
export const externalRefundKey = (channel: string, id: string) => `external-refund:${channel}:${id}`;

export type ExternalOrderStatus = "awarded" | "capped" | "held" | "unmatched" | "ineligible" | "duplicate";

export interface ExternalOrderResult {
  id: string;
  channel: string;
  status: ExternalOrderStatus;
  /** Points this request granted. */
  points: number;
  /** Points recorded but not granted: over the daily cap (capped) or awaiting the cap check (held). */
  withheld?: number;
  /** Why the order does not earn (ineligible). */
  reason?: string;
  memberId?: string;
  balance?: number;
}

export interface ExternalRefundResult {
  id: string;
  orderId: string;
  channel: string;
  status: "clawed_back" | "duplicate";
  /** Points this refund took back (positive). */
  points: number;
  /** Points it should have taken but the balance did not hold (it never goes below zero). */
  shortfall: number;
  memberId: string;
  balance: number;
}

/**
 * The merchant's channel settings choose which *Shopify* sales channels earn. The external API
 * is a channel of its own, switched on by creating a token and off by revoking it (docs/api.md),
 * so the ledger sees it as an allowed "other" channel whatever those settings say. Every other
 * rule (program on, start date, currency, daily cap) applies unchanged.
 */
function externalChannelShop(shop: LedgerShop): LedgerShop {
  const settings = parseShopSettings(shop.settings);
  const channels = settings.program.channels.includes("other") ? settings.program.channels : [...settings.program.channels, "other" as const];
  return { ...shop, settings: JSON.stringify({ ...settings, program: { ...settings.program, channels } }) };
}

/** Awards an external order (once per channel and id) and says what happened. */
export async function recordExternalOrder(deps: LedgerDeps, shop: LedgerShop, order: ExternalOrderBody): Promise<ExternalOrderResult> {
  const { db } = deps;
  const key = externalOrderKey(order.channel, order.id);
  const buyer = { customerGid: order.buyer.customerId ?? null, externalId: order.buyer.externalId ?? null, email: order.buyer.email ?? null };
  let award: AwardResult;
  try {
    award = await applyExternalOrder(deps, externalChannelShop(shop), {
      key,
      orderGid: null,
      eligibleAmount: order.eligibleAmount,
      currency: order.currency,
      processedAt: order.occurredAt,
      channel: "other",
      test: false,
      financialStatus: "paid",
      backfilled: false,
      buyer,
    });
  } catch (error) {
    // The same order sent concurrently under another Idempotency-Key: the other one awarded it.
    if (!isUniqueViolation(error)) throw error;
    const entry = await db.ledgerEntry.findFirst({ where: { shopId: shop.id, awardKey: key } });
    if (!entry) throw error;
    award = { status: "duplicate", memberId: entry.memberId };
  }

  const base = { id: order.id, channel: order.channel };
  if (award.status === "ineligible") return { ...base, status: "ineligible", points: 0, reason: award.reason };
  if (award.status === "unmatched") return { ...base, status: "unmatched", points: 0 };

  // The buyer's id in the other channel now points at the member Roost matched, so later
  // orders that carry only that id find them too.
  if (buyer.externalId) await linkExternalId(deps, shop.id, award.memberId, buyer.externalId);
  const member = await db.member.findFirstOrThrow({ where: { id: award.memberId, shopId: shop.id }, select: { balance: true } });
  const found = { memberId: award.memberId, balance: member.balance };
  switch (award.status) {
    case "awarded":
      return award.capped > 0
        ? { ...base, status: "capped", points: award.points, withheld: award.capped, ...found }
        : { ...base, status: "awarded", points: award.points, ...found };
    case "held":
      return { ...base, status: "held", points: 0, withheld: award.points, ...found };
    case "duplicate":
      return { ...base, status: "duplicate", points: 0, ...found };
  }
}

async function linkExternalId(deps: LedgerDeps, shopId: string, memberId: string, externalId: string): Promise<void> {
  try {
    await deps.db.member.updateMany({ where: { id: memberId, shopId, externalId: null, redactedAt: null }, data: { externalId } });
  } catch (error) {
    // Another member already holds this external id: the match stands, the link is not moved.
    if (!isUniqueViolation(error)) throw error;
    deps.logger.warn({ shopId, memberId }, "external id already belongs to another member: not linked");
  }
}

/**
 * Claws back an external refund against its order's award (DESIGN, "Refunds claw back"), once
 * per channel and refund id. Null when that order has no award to claw back from.
 */
export async function recordExternalRefund(deps: LedgerDeps, shop: LedgerShop, refund: ExternalRefundBody): Promise<ExternalRefundResult | null> {
  const { db } = deps;
  const key = externalRefundKey(refund.channel, refund.id);
  let result: ClawbackResult;
  try {
    result = await applyExternalRefund(deps, shop, {
      awardKey: externalOrderKey(refund.channel, refund.orderId),
      key,
      refundGid: null,
      refundedEligible: refund.refundedAmount,
      at: refund.occurredAt,
    });
  } catch (error) {
    // The same refund sent concurrently under another Idempotency-Key.
    if (!isUniqueViolation(error)) throw error;
    result = { status: "duplicate" };
  }
  if (result.status === "no-award") return null;

  const base = { id: refund.id, orderId: refund.orderId, channel: refund.channel };
  const entry = await db.ledgerEntry.findUniqueOrThrow({ where: { shopId_idempotencyKey: { shopId: shop.id, idempotencyKey: key } } });
  const member = await db.member.findFirstOrThrow({ where: { id: entry.memberId, shopId: shop.id }, select: { balance: true } });
  if (result.status === "duplicate") {
    return { ...base, status: "duplicate", points: 0, shortfall: 0, memberId: entry.memberId, balance: member.balance };
  }
  return { ...base, status: "clawed_back", points: result.points, shortfall: result.shortfall, memberId: result.memberId, balance: member.balance };
}
