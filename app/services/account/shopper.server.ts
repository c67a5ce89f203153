import type { Database } from "../../db.server";
import { findShop, isShopDomain, type Shop } from "../shops/shops.server";

// Who a customer account extension's request speaks for (docs/shopper.md, "Token checks"). The
// Shopify library has checked the session token's signature, exp and nbf; it leaves the audience
// unchecked, so the claims are checked here: the token was issued for Roost, names an installed
// shop, and a signed-in customer of it. Everything the endpoints answer is for that customer only.

/** A signed-in customer of an installed shop: the one person an account request speaks for. */
export interface Shopper {
  shop: Shop;
  /** gid://shopify/Customer/<digits>, as the token's `sub` says. */
  customerGid: string;
  /** The digits of the GID, for keys and the actor. */
  customerId: string;
}

export type ShopperRefusal = { error: "invalid_token" | "shop_not_installed" | "not_signed_in"; message: string };

/** The claims Roost reads; anything else in the token is ignored. */
export interface ShopperClaims {
  aud?: unknown;
  dest?: unknown;
  sub?: unknown;
  exp?: unknown;
}

const CUSTOMER_GID = /^gid:\/\/shopify\/Customer\/(\d{1,20})$/;

/** `https://x.myshopify.com` or `x.myshopify.com` → `x.myshopify.com`; null for anything else. */
export function shopDomainOf(dest: unknown): string | null {
  if (typeof dest !== "string") return null;
  const domain = dest.replace(/^https:\/\//i, "").replace(/\/$/, "").toLowerCase();
  return isShopDomain(domain) ? domain : null;
}

/** The shopper a verified token speaks for, or why it is refused (each a 401). */
export async function resolveShopper(db: Database, claims: ShopperClaims, apiKey: string): Promise<Shopper | ShopperRefusal> {
  // jose accepts a token without exp as never expiring; Shopify's always carry one.
  if (typeof claims.exp !== "number") return { error: "invalid_token", message: "The session token has no expiry" };
  if (!apiKey || claims.aud !== apiKey) return { error: "invalid_token", message: "The session token was not issued for this app" };
  const domain = shopDomainOf(claims.dest);
  if (!domain) return { error: "invalid_token", message: "The session token names no *.myshopify.com shop" };
  const shop = await findShop(db, domain);
  if (!shop?.installed) return { error: "shop_not_installed", message: "Roost is not installed on this shop" };
  if (claims.sub === undefined || claims.sub === null || claims.sub === "") return { error: "not_signed_in", message: "Sign in to see your points" };
  const match = typeof claims.sub === "string" ? CUSTOMER_GID.exec(claims.sub) : null;
  if (!match) return { error: "invalid_token", message: "The session token's subject is not a customer" };
  return { shop, customerGid: claims.sub as string, customerId: match[1] };
}

/** The shopper's member in their shop (the unique shopId + customerGid), or null when they are not one. */
export function shopperMember(db: Database, shopper: Shopper) {
  return db.member.findUnique({ where: { shopId_customerGid: { shopId: shopper.shop.id, customerGid: shopper.customerGid } } });
}

export const isShopper = (value: Shopper | ShopperRefusal): value is Shopper => "shop" in value;
