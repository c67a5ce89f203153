// Forwarding to a Meta pixel, as Meta's own pixel sends events without its script: a GET to
// https://www.facebook.com/tr/ with the pixel id, the event, an event id for deduplication
// (the Shopify event id, so a server-side copy with the same id counts once) and custom data.
import type { Money, TrimmedEvent, TrimmedVariant } from "./trim";

export const META_ENDPOINT = "https://www.facebook.com/tr/";

const META_EVENTS: Record<string, string> = {
  product_viewed: "ViewContent",
  product_added_to_cart: "AddToCart",
  checkout_completed: "Purchase",
};

/** Meta's catalogue ids are the numeric variant ids, also when Shopify hands over a GID. */
function contentId(variant: TrimmedVariant | null | undefined): string | null {
  const id = variant?.id;
  return id ? id.slice(id.lastIndexOf("/") + 1) : null;
}

/** Decimal money for Meta, rounded to cents so a price × quantity has no float tail. */
function decimal(amount: number): string {
  return String(Math.round(amount * 100) / 100);
}

interface Purchase {
  value: Money | null;
  ids: string[];
}

function details(event: TrimmedEvent): Purchase | null {
  const { productVariant, cartLine, checkout } = event.data;
  switch (event.name) {
    case "product_viewed":
      return productVariant ? { value: productVariant.price, ids: [contentId(productVariant)].filter((id): id is string => !!id) } : null;
    case "product_added_to_cart": {
      if (!cartLine) return null;
      const price = cartLine.merchandise.price;
      const value = cartLine.cost?.totalAmount ?? (price ? { amount: price.amount * cartLine.quantity, currencyCode: price.currencyCode } : null);
      return { value, ids: [contentId(cartLine.merchandise)].filter((id): id is string => !!id) };
    }
    case "checkout_completed": {
      if (!checkout) return null;
      const value = checkout.totalPrice && { amount: checkout.totalPrice.amount, currencyCode: checkout.currencyCode ?? checkout.totalPrice.currencyCode };
      return { value, ids: checkout.lineItems.map((line) => contentId(line.variant)).filter((id): id is string => !!id) };
    }
    default:
      return null;
  }
}

/** The request URL for this event, or null when Meta does not take it. */
export function metaRequestUrl(pixelId: string, event: TrimmedEvent): string | null {
  const ev = META_EVENTS[event.name];
  const found = ev ? details(event) : null;
  if (!ev || !found) return null;
  const params = new URLSearchParams();
  params.set("id", pixelId);
  params.set("ev", ev);
  params.set("eid", event.id);
  if (found.value) {
    params.set("cd[value]", decimal(found.value.amount));
    params.set("cd[currency]", found.value.currencyCode);
  }
  params.set("cd[content_ids]", JSON.stringify(found.ids));
  params.set("cd[content_type]", "product");
  params.set("noscript", "1");
  return `${META_ENDPOINT}?${params.toString()}`;
}
