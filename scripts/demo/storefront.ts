import type { PixelEventInput } from "../../app/services/events/schema";
import type { HistoryVariant } from "./history";

// The demo's storefront traffic, shaped as the web pixel sends it (the seed's visitors and the
// trading timer's shoppers alike).

/** A pixel event of `clientId`'s, numbered after the events already in `events`, with `fields` set and every other field empty. */
export function pixelEvent(events: readonly PixelEventInput[], clientId: string, name: PixelEventInput["name"], occurredAt: Date, fields: Partial<PixelEventInput> = {}): PixelEventInput {
  return {
    eventId: `${clientId}-${events.length}`,
    clientId,
    name,
    occurredAt,
    pagePath: null,
    productGid: null,
    variantGid: null,
    quantity: null,
    price: null,
    currency: null,
    cartToken: null,
    checkoutToken: null,
    orderGid: null,
    ...fields,
  };
}

/** A product's fields on a view or an add to cart (`quantity` for the latter). */
export function productLine(variant: HistoryVariant, quantity?: number): Partial<PixelEventInput> {
  return { pagePath: variant.path, productGid: variant.productGid, variantGid: variant.variantGid, price: variant.price, currency: "USD", ...(quantity ? { quantity } : {}) };
}
