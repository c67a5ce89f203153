import db from "../../app/db.server";
import { productPayload } from "../fixtures/rest-payloads";
import { deliver } from "../support/deliver";
import { installTestShop, uniqueShop } from "../support/shopify";

/** A checkouts/create or checkouts/update body as Shopify sends it (REST JSON, API 2026-10). */
export function checkoutPayload(spec: { id: number; token: string; customerId?: number | null; updatedAt?: string }) {
  const at = spec.updatedAt ?? "2026-11-20T10:10:00-05:00";
  return {
    id: spec.id,
    token: spec.token,
    cart_token: `cart-${spec.id}`,
    email: spec.customerId ? "ana.lima@example.com" : "guest@example.com",
    gateway: null,
    buyer_accepts_marketing: false,
    created_at: "2026-11-20T10:00:00-05:00",
    updated_at: at,
    landing_site: "/",
    currency: "USD",
    presentment_currency: "USD",
    line_items: [],
    subtotal_price: "32.00",
    total_price: "32.00",
    customer:
      spec.customerId == null
        ? null
        : {
            id: spec.customerId,
            admin_graphql_api_id: `gid://shopify/Customer/${spec.customerId}`,
            email: "ana.lima@example.com",
            first_name: "Ana",
            last_name: "Lima",
            state: "enabled",
          },
  };
}

let events = 0;

/** A stored storefront event, as the ingest writes one. */
export async function pixelEvent(shopId: string, clientId: string, event: { name: string; at: string; productGid?: string; variantGid?: string; quantity?: number; stock?: number; checkoutToken?: string }) {
  events += 1;
  return db.pixelEvent.create({
    data: {
      shopId,
      eventId: `sh-${crypto.randomUUID()}-${events}`,
      clientId,
      name: event.name,
      occurredAt: new Date(event.at),
      productGid: event.productGid ?? null,
      variantGid: event.variantGid ?? null,
      quantity: event.quantity ?? null,
      stockAtIngest: event.stock ?? null,
      lowStockAtIngest: event.stock == null ? null : event.stock <= 5,
      checkoutToken: event.checkoutToken ?? null,
    },
  });
}

export const ANA = 115310627;
export const ANA_GID = `gid://shopify/Customer/${ANA}`;
export const BEANIE = 632910392;
export const BEANIE_GID = `gid://shopify/Product/${BEANIE}`;
export const CHARCOAL = 808950811;
export const CHARCOAL_GID = `gid://shopify/ProductVariant/${CHARCOAL}`;

/** An installed shop whose mirror holds the Merino Beanie. */
export async function shopWithCatalogue(): Promise<{ shop: string; shopId: string }> {
  const shop = uniqueShop();
  await installTestShop(shop);
  const shopId = (await db.shop.findUniqueOrThrow({ where: { domain: shop } })).id;
  await deliver({ topic: "products/create", shop, payload: productPayload({ id: BEANIE, title: "Merino Beanie", variants: [{ id: CHARCOAL, title: "Charcoal", price: "32.00", inventoryItemId: 49148385, inventoryQuantity: 3 }] }) });
  return { shop, shopId };
}
