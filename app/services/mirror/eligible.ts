import { safeAmount } from "../../lib/money";
import type { OrderLineRecord, RefundLineRecord } from "./records";

/**
 * A line's eligible amount (DESIGN, "Eligible amount"): price × quantity − its discount
 * allocations − its tax when prices include tax. Gift cards are never eligible.
 */
export function lineEligible(line: Pick<OrderLineRecord, "unitPrice" | "quantity" | "discount" | "tax" | "giftCard">, taxesIncluded: boolean): number {
  if (line.giftCard) return 0;
  return safeAmount(line.unitPrice * line.quantity - line.discount - (taxesIncluded ? line.tax : 0), "a line's eligible amount");
}

/**
 * The order's eligible amount from its two stored parts: its lines' eligible amount, plus
 * shipping when the shop counts it. (The program catch-up's set-based recompute writes the same
 * sum in SQL: "linesAmount" + "shippingAmount" × 0 or 1.)
 */
export function eligibleFromParts(parts: { linesAmount: number; shippingAmount: number }, countShipping: boolean): number {
  return safeAmount(parts.linesAmount + (countShipping ? parts.shippingAmount : 0), "the order's eligible amount");
}

/** Σ over the order's lines; shipping and tax excluded unless the shop counts shipping. */
export function orderEligible(
  order: { lines: readonly Pick<OrderLineRecord, "unitPrice" | "quantity" | "discount" | "tax" | "giftCard">[]; taxesIncluded: boolean; shippingAmount: number },
  options: { countShipping: boolean } = { countShipping: false },
): { linesAmount: number; eligibleAmount: number } {
  const linesAmount = safeAmount(order.lines.reduce((sum, line) => sum + lineEligible(line, order.taxesIncluded), 0), "the order's eligible amount");
  return { linesAmount, eligibleAmount: eligibleFromParts({ linesAmount, shippingAmount: order.shippingAmount }, options.countShipping) };
}

/** A refund's eligible amount: Σ over refunded lines of subtotal − tax when taxes are included. */
export function refundEligible(lines: readonly RefundLineRecord[], taxesIncluded: boolean): number {
  return safeAmount(lines.reduce((sum, line) => (line.giftCard ? sum : sum + line.subtotal - (taxesIncluded ? line.tax : 0)), 0), "the refund's eligible amount");
}
