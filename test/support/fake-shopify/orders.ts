/**
 * Derived order amounts, all in integer minor units of the order's shop currency. Line items keep
 * their original quantity; refunds and order edits record what they removed so "current" amounts
 * (Shopify's `current*` fields) can be derived without re-rounding.
 */
import { convertMinor } from './money.js';
import type { LineItemRecord, OrderFinancialStatus, OrderRecord, ShippingLineRecord } from './store.js';

export function lineOriginalTotalMinor(line: LineItemRecord): number {
  return line.unitPriceMinor * line.quantity;
}

export function lineDiscountMinor(line: LineItemRecord): number {
  return line.discountAllocations.reduce((sum, amount) => sum + amount, 0);
}

/** Price after line-level discount allocations (includes tax when the order's taxes are included). */
export function lineDiscountedTotalMinor(line: LineItemRecord): number {
  return lineOriginalTotalMinor(line) - lineDiscountMinor(line);
}

export function lineTaxMinor(line: LineItemRecord): number {
  return line.taxLines.reduce((sum, tax) => sum + tax.priceMinor, 0);
}

export function lineCurrentDiscountedTotalMinor(line: LineItemRecord): number {
  return lineDiscountedTotalMinor(line) - line.removed.subtotalMinor;
}

export function lineCurrentTaxMinor(line: LineItemRecord): number {
  return lineTaxMinor(line) - line.removed.taxMinor;
}

export function lineCurrentDiscountMinor(line: LineItemRecord): number {
  return lineDiscountMinor(line) - line.removed.discountMinor;
}

/**
 * The share of `total` that `quantity` of `line`'s units carry: `total × quantity / line.quantity`,
 * except that removing every remaining unit takes exactly what is left, so repeated partial refunds
 * never drift from the line total.
 */
export function proportionalShare(total: number, removedSoFar: number, line: LineItemRecord, quantity: number): number {
  if (quantity >= line.currentQuantity) {
    return total - removedSoFar;
  }
  return Math.round((total * quantity) / line.quantity);
}

export interface LineRemoval {
  subtotalMinor: number;
  taxMinor: number;
  discountMinor: number;
}

/** What removing `quantity` units (refund or edit) takes off a line; does not mutate it. */
export function lineRemoval(line: LineItemRecord, quantity: number): LineRemoval {
  return {
    subtotalMinor: proportionalShare(lineDiscountedTotalMinor(line), line.removed.subtotalMinor, line, quantity),
    taxMinor: proportionalShare(lineTaxMinor(line), line.removed.taxMinor, line, quantity),
    discountMinor: proportionalShare(lineDiscountMinor(line), line.removed.discountMinor, line, quantity),
  };
}

export function shippingDiscountedMinor(line: ShippingLineRecord): number {
  return line.priceMinor - line.discountMinor;
}

export function shippingTaxMinor(line: ShippingLineRecord): number {
  return line.taxLines.reduce((sum, tax) => sum + tax.priceMinor, 0);
}

/** `total_line_items_price`: original prices × quantities, before discounts. */
export function orderLineItemsPriceMinor(order: OrderRecord): number {
  return order.lineItems.reduce((sum, line) => sum + lineOriginalTotalMinor(line), 0);
}

/** `total_shipping_price_set` / `totalShippingPriceSet`: shipping before discounts and returns. */
export function orderShippingMinor(order: OrderRecord): number {
  return order.shippingLines.reduce((sum, line) => sum + line.priceMinor, 0);
}

export function orderShippingDiscountedMinor(order: OrderRecord): number {
  return order.shippingLines.reduce((sum, line) => sum + shippingDiscountedMinor(line), 0);
}

export function orderTotalDiscountsMinor(order: OrderRecord): number {
  return (
    order.lineItems.reduce((sum, line) => sum + lineDiscountMinor(line), 0) +
    order.shippingLines.reduce((sum, line) => sum + line.discountMinor, 0) +
    order.orderLevelDiscountMinor
  );
}

/** `subtotal_price`: line items after discounts, before shipping and (unless included) taxes. */
export function orderSubtotalMinor(order: OrderRecord): number {
  return order.lineItems.reduce((sum, line) => sum + lineDiscountedTotalMinor(line), 0) - order.orderLevelDiscountMinor;
}

export function orderTotalTaxMinor(order: OrderRecord): number {
  return (
    order.lineItems.reduce((sum, line) => sum + lineTaxMinor(line), 0) +
    order.shippingLines.reduce((sum, line) => sum + shippingTaxMinor(line), 0) +
    order.orderLevelTaxMinor
  );
}

export function orderTotalMinor(order: OrderRecord): number {
  return orderSubtotalMinor(order) + orderShippingDiscountedMinor(order) + (order.taxesIncluded ? 0 : orderTotalTaxMinor(order));
}

export function orderRefundedMinor(order: OrderRecord): number {
  return order.refunds.reduce((sum, refund) => sum + refund.amountMinor, 0);
}

/** Refunds recorded as a bare amount (no line items, no shipping) only reduce current totals as a whole. */
function amountOnlyRefundsMinor(order: OrderRecord): number {
  return order.refunds
    .filter((refund) => refund.lineItems.length === 0 && refund.shippingMinor === 0)
    .reduce((sum, refund) => sum + refund.amountMinor, 0);
}

export function orderCurrentSubtotalMinor(order: OrderRecord): number {
  return order.lineItems.reduce((sum, line) => sum + lineCurrentDiscountedTotalMinor(line), 0) - order.orderLevelDiscountMinor;
}

export function orderCurrentShippingMinor(order: OrderRecord): number {
  return orderShippingDiscountedMinor(order) - order.refunds.reduce((sum, refund) => sum + refund.shippingMinor, 0);
}

export function orderCurrentTaxMinor(order: OrderRecord): number {
  return (
    order.lineItems.reduce((sum, line) => sum + lineCurrentTaxMinor(line), 0) +
    order.shippingLines.reduce((sum, line) => sum + shippingTaxMinor(line), 0) +
    order.orderLevelTaxMinor
  );
}

export function orderCurrentDiscountsMinor(order: OrderRecord): number {
  return (
    order.lineItems.reduce((sum, line) => sum + lineCurrentDiscountMinor(line), 0) +
    order.shippingLines.reduce((sum, line) => sum + line.discountMinor, 0) +
    order.orderLevelDiscountMinor
  );
}

/** `current_total_price`: reflects edits, returns and refunds. */
export function orderCurrentTotalMinor(order: OrderRecord): number {
  return (
    orderCurrentSubtotalMinor(order) +
    orderCurrentShippingMinor(order) +
    (order.taxesIncluded ? 0 : orderCurrentTaxMinor(order)) -
    amountOnlyRefundsMinor(order)
  );
}

export function orderFinancialStatus(order: OrderRecord): OrderFinancialStatus {
  const refunded = orderRefundedMinor(order);
  if (refunded > 0) {
    return refunded >= orderTotalMinor(order) ? 'REFUNDED' : 'PARTIALLY_REFUNDED';
  }
  return order.financialStatusOverride ?? 'PAID';
}

export function isPaidStatus(status: OrderFinancialStatus): boolean {
  return status === 'PAID' || status === 'PARTIALLY_REFUNDED' || status === 'REFUNDED';
}

export function orderPresentmentMinor(order: OrderRecord, shopMinor: number): number {
  return convertMinor(shopMinor, order.currency, order.presentmentCurrency, order.presentmentRate);
}
