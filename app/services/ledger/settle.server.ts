import type { Db } from "../../db.server";
import { journey } from "../journeys/journeys.server";
import { eligibleFromParts } from "../mirror/eligible";
import type { OrderRow, RefundRow } from "../mirror/mirror.server";
import { orderChannel, parseShopSettings } from "../program/settings";
import { clawBackCancellation, clawBackRefund } from "./clawback.server";
import { type AwardResult, awardOrder } from "./earn.server";
import { shopifyOrderKey, shopifyRefundKey } from "./keys";
import type { LedgerDeps, LedgerShop, Member } from "./types";


export interface StoredOrder {
  /** The order as the mirror holds it. */
  order: OrderRow;
  /** Its refunds; those whose eligible amount is known (applied) are clawed back, oldest first. */
  refunds: readonly RefundRow[];
  /** The member enrolled for the order's customer, when there is one (saves the look-up). */
  member: Member | null;
}

/**
 * Brings the ledger in line with what the mirror holds for one Shopify order: the award (once,
 * when paid), every known refund's claw-back (each once, whichever arrived first), and the
 * cancellation. Safe to call after every delivery that touches the order. Takes the rows the
 * mirror has just written or read (app/services/signals), never reading them again.
 */
export async function settleShopifyOrder(deps: LedgerDeps<Db>, shop: LedgerShop, { order, refunds, member }: StoredOrder): Promise<AwardResult | null> {
  if (order.deletedAt) return null;
  const key = shopifyOrderKey(order.gid);
  const { countShipping } = parseShopSettings(shop.settings);
  const award = await awardOrder(deps, shop, {
    key,
    orderGid: order.gid,
    // From the mirrored components and the settings now: an order stored just before a
    // count-shipping change (before the catch-up reaches it) still earns on the new rule.
    eligibleAmount: eligibleFromParts(order, countShipping),
    currency: order.currency,
    processedAt: order.processedAt,
    channel: orderChannel(order.sourceName),
    test: order.test,
    financialStatus: order.financialStatus,
    backfilled: order.backfilled,
    buyer: { customerGid: order.customerGid, email: order.email },
    // Enrolment looked the member up by this customer's GID, which is also the first thing
    // matching would try: its answer is passed on.
    member: member && member.customerGid === order.customerGid ? member : null,
  });
  for (const refund of refunds) {
    if (refund.eligibleAmount === null) continue;
    await clawBackRefund(deps, shop, {
      awardKey: key,
      key: shopifyRefundKey(refund.gid),
      refundGid: refund.gid,
      refundedEligible: refund.eligibleAmount,
      at: refund.processedAt,
    });
  }
  if (order.cancelledAt) await clawBackCancellation(deps, shop, key, order.cancelledAt);
  if (order.fulfillmentStatus === "fulfilled" && award && "memberId" in award) {
    await journey(deps.db, shop.id, award.memberId, "order_fulfilled", `order_fulfilled:${key}`, order.shopifyUpdatedAt, { order: order.gid });
  }
  return award;
}
