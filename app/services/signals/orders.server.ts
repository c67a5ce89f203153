import { afterSignal } from "../cohorts/hook.server";
import { enrolFromMirror, enrolMirrored } from "../identity/members.server";
import { noteSignedCheckout } from "../identity/visitors.server";
import type { AwardResult } from "../ledger/earn.server";
import { settleShopifyOrder } from "../ledger/settle.server";
import { type MirroredCustomer, type OrderRow, type OrderUpsertOptions, type OrderUpsertResult, recordRefund, type RefundResult, type RefundRow, upsertOrder } from "../mirror/mirror.server";
import type { OrderRecord, RefundRecord } from "../mirror/records";
import type { SignalDeps, SignalShop } from "./deps";

// Orders and refunds, from every source (webhooks, backfill, reconciliation, the program
// catch-up): mirror → identity → ledger → cohorts. Each step gets the rows the one before it
// wrote; only what no step has in hand (a delivery the mirror skipped) is read.

export interface OrderSignal {
  mirror: OrderUpsertResult;
  /** What the ledger did with the order's award; null when the order is deleted. */
  award: AwardResult | null;
}

/** An order (created, updated, paid, fulfilled, cancelled): mirrored, then settled in the ledger. */
export async function applyOrder(deps: SignalDeps, shop: SignalShop, record: OrderRecord, options: OrderUpsertOptions = {}): Promise<OrderSignal> {
  const mirror = await upsertOrder(deps.db, shop, record, options);
  // The order is signed (a webhook or the Admin API): its checkout token links the visitor who
  // checked out to its customer, when the pixel reported that token. On every signed delivery
  // that carries it, not only the one that first stored the order: that one may have come from
  // a source without the token (the Admin API's bulk import).
  if (record.checkoutToken && record.customer) {
    const links = await noteSignedCheckout(deps.db, shop, { token: record.checkoutToken, customerGid: record.customer.gid, at: record.updatedAt });
    if (links.linkedClientIds.length > 0) await afterSignal(deps, shop, { kind: "checkout", token: record.checkoutToken, ...links });
  }
  const award = await settle(deps, shop, mirror.order, mirror.refunds, mirror.customer);
  return { mirror, award };
}

/**
 * A refund: recorded (parked until its order arrives), then its order settled, which claws
 * back what the refund takes from the award.
 */
export async function applyRefund(deps: SignalDeps, shop: SignalShop, record: RefundRecord): Promise<RefundResult> {
  const mirror = await recordRefund(deps.db, shop, record);
  if (!mirror.applied) deps.logger.info({ refund: record.gid, order: record.orderGid }, "refund parked until its order arrives");
  else if (mirror.order) await settle(deps, shop, mirror.order, mirror.refunds);
  // Known already: settling again finds anything an earlier attempt left undone.
  else await settleStoredOrder(deps, shop, record.orderGid);
  return mirror;
}

/**
 * Settles an order the mirror already holds, as it stands (the program catch-up, after a
 * settings change opened it to earning). Null when the mirror has no such order, or it is deleted.
 */
export async function settleStoredOrder(deps: SignalDeps, shop: SignalShop, orderGid: string): Promise<AwardResult | null> {
  const order = await deps.db.order.findUnique({ where: { shopId_gid: { shopId: shop.id, gid: orderGid } } });
  return order ? settle(deps, shop, order) : null;
}

/**
 * Identity, ledger and cohorts for an order. `refunds` and `customer` are what the mirror wrote
 * or read with the order; when it did not (a skipped delivery, a stored order), they are read
 * here, from rows this signal has not written.
 */
async function settle(deps: SignalDeps, shop: SignalShop, order: OrderRow, refunds?: RefundRow[], customer?: MirroredCustomer | null): Promise<AwardResult | null> {
  if (order.deletedAt) return null;
  const { db } = deps;
  let member = null;
  if (order.customerGid) member = customer === undefined ? await enrolFromMirror(db, shop, order.customerGid) : await enrolMirrored(db, shop, customer);
  const applied = refunds ?? (await db.refund.findMany({ where: { shopId: shop.id, orderGid: order.gid, eligibleAmount: { not: null } }, orderBy: { processedAt: "asc" } }));
  const award = await settleShopifyOrder(deps, shop, { order, refunds: applied, member });
  await afterSignal(deps, shop, { kind: "order", order, refunds: applied, member, award });
  return award;
}
