import type { Shop } from "../shops/shops.server";

// Shopify signs a webhook's body, not its headers: X-Shopify-Shop-Domain is whatever the sender
// wrote. Where a signed payload names its shop, it must name the header's (docs/security.md).
// Each check answers why the payload cannot be this shop's, or null when it agrees or cannot be
// checked yet (an id or domain Roost has not learned).

type ShopIdentity = Pick<Shop, "domain" | "shopifyGid" | "primaryDomain">;

/** Shopify's GID of a shop, from the numeric id its payloads carry (`shop_id`, a shop's `id`). */
export const shopGid = (numericId: string | number): string => `gid://shopify/Shop/${numericId}`;

/**
 * A payload's `shop_id` (or a shop resource's `id`) against the shop's learned GID. Shopify
 * sends it as a number in most payloads and as a GID in some (app/scopes_update).
 */
export function shopIdMismatch(shop: ShopIdentity, shopId: unknown): string | null {
  if (shopId === undefined || shopId === null || !shop.shopifyGid) return null;
  const primitive = typeof shopId === "string" || typeof shopId === "number";
  const named = typeof shopId === "string" && shopId.startsWith("gid://") ? shopId : primitive ? shopGid(shopId) : null;
  if (named === shop.shopifyGid) return null;
  return `shop id ${primitive ? shopId : JSON.stringify(shopId)} is not ${shop.domain}'s (${shop.shopifyGid})`;
}

/**
 * An order's `order_status_url` (`https://<host>/<shop id>/orders/<token>/…`): its host must be
 * the shop's myshopify domain or its learned primary domain, and the shop id in its path the
 * shop's. Any other *.myshopify.com host is another shop's; another host while the primary
 * domain is unknown cannot be told from the shop's own custom domain, so it passes.
 */
export function orderStatusUrlMismatch(shop: ShopIdentity, url: string | null | undefined): string | null {
  if (!url) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `order_status_url ${JSON.stringify(url.slice(0, 200))} is not a URL`;
  }
  const host = parsed.hostname.toLowerCase();
  const primary = shop.primaryDomain?.toLowerCase() ?? null;
  if (host !== shop.domain && host !== primary) {
    if (host.endsWith(".myshopify.com")) return `order_status_url is on ${host}, not ${shop.domain}`;
    if (primary) return `order_status_url is on ${host}, neither ${shop.domain} nor its primary domain ${primary}`;
  }
  const pathShopId = /^\/(\d+)\/orders\//.exec(parsed.pathname)?.[1];
  if (pathShopId && shop.shopifyGid && shopGid(pathShopId) !== shop.shopifyGid) {
    return `order_status_url names shop id ${pathShopId}, not ${shop.domain}'s (${shop.shopifyGid})`;
  }
  return null;
}
