import { orderChannel, parseShopSettings } from "../program/settings";
import { type AwardResult, awardOrder } from "./earn.server";
import { clawBackCancellation, clawBackRefund } from "./clawback.server";
import { enrolFromMirror } from "../identity/members.server";
import { journey } from "../journeys/journeys.server";
import { type LedgerDeps, type LedgerShop } from "./types";

export const shopifyOrderKey = (gid: string) => `shopify-order:${gid}`;
export const shopifyRefundKey = (gid: string) => `shopify-refund:${gid}`;

/**
 * Brings the ledger in line with what the mirror holds for one Shopify order: the award (once,
 * when paid), every known refund's claw-back (each once, whichever arrived first), and the
 * cancellation. Safe to call after every delivery that touches the order.
 */
export async function settleShopifyOrder(deps: LedgerDeps, shop: LedgerShop, orderGid: string): Promise<AwardResult | null> {
  const { db } = deps;
  const order = await db.order.findUnique({ where: { shopId_gid: { shopId: shop.id, gid: orderGid } } });
  if (!order || order.deletedAt) return null;
  // Enrolment looks the member up by this customer's GID, which is also the first thing
  // matching would try: its answer is passed on.
  const enrolled = order.customerGid ? await enrolFromMirror(db, shop, order.customerGid) : null;
  const key = shopifyOrderKey(order.gid);
  const { countShipping } = parseShopSettings(shop.settings);
  const award = await awardOrder(deps, shop, {
    key,
    orderGid: order.gid,
    // From the mirrored components and the settings now: an order stored just before a
    // count-shipping change (before the catch-up reaches it) still earns on the new rule.
    eligibleAmount: order.linesAmount + (countShipping ? order.shippingAmount : 0),
    currency: order.currency,
    processedAt: order.processedAt,
    channel: orderChannel(order.sourceName),
    test: order.test,
    financialStatus: order.financialStatus,
    backfilled: order.backfilled,
    buyer: { customerGid: order.customerGid, email: order.email },
    member: enrolled?.customerGid === order.customerGid ? enrolled : null,
  });
  const refunds = await db.refund.findMany({ where: { shopId: shop.id, orderGid: order.gid, eligibleAmount: { not: null } }, orderBy: { processedAt: "asc" } });
  for (const refund of refunds) {
    await clawBackRefund(deps, shop, {
      awardKey: key,
      key: shopifyRefundKey(refund.gid),
      refundGid: refund.gid,
      refundedEligible: refund.eligibleAmount ?? 0,
      at: refund.processedAt,
    });
  }
  if (order.cancelledAt) await clawBackCancellation(deps, shop, key, order.cancelledAt);
  if (order.fulfillmentStatus === "fulfilled" && award && "memberId" in award) {
    await journey(db, shop.id, award.memberId, "order_fulfilled", `order_fulfilled:${key}`, order.shopifyUpdatedAt, { order: order.gid });
  }
  return award;
}
