import { getJwt } from "@shopify/shopify-api/test-helpers";
import { SignJWT } from "jose";

/** A shopper's browser: Shopify's library answers requests from bots' user agents with 410. */
export const BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

const notInProduction = () => {
  if (process.env.NODE_ENV === "production") throw new Error("session tokens are never minted in production");
};

/**
 * An App Bridge session token as the admin would issue it (HS256 with the app secret, one
 * minute). Only the demo process mints these, for loopback callers, never in production.
 */
export async function sessionToken(shop: string): Promise<string> {
  notInProduction();
  const now = Math.floor(Date.now() / 1000);
  const { token } = await getJwt(shop.replace(/\.myshopify\.com$/, ""), process.env.SHOPIFY_API_KEY ?? "", process.env.SHOPIFY_API_SECRET ?? "", {
    exp: now + 60,
    nbf: now - 5,
    iat: now - 5,
  });
  return token;
}

/**
 * A customer account session token as Shopify issues it to the extension (HS256 with the app
 * secret, five minutes) for a signed-in customer. Only the demo process mints these, for its
 * shoppers' loopback calls, never in production.
 */
export async function customerAccountToken(shop: string, customerGid: string): Promise<string> {
  notInProduction();
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ dest: `https://${shop}`, aud: process.env.SHOPIFY_API_KEY ?? "", sub: customerGid, nbf: now - 5, iat: now - 5, exp: now + 300, jti: crypto.randomUUID(), sid: crypto.randomUUID() })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .sign(new TextEncoder().encode(process.env.SHOPIFY_API_SECRET ?? ""));
}
