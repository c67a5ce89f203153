import { getJwt } from "@shopify/shopify-api/test-helpers";

/**
 * An App Bridge session token as the admin would issue it (HS256 with the app secret, one
 * minute). Only the demo process mints these, for loopback callers, never in production.
 */
export async function sessionToken(shop: string): Promise<string> {
  if (process.env.NODE_ENV === "production") throw new Error("session tokens are never minted in production");
  const now = Math.floor(Date.now() / 1000);
  const { token } = await getJwt(shop.replace(/\.myshopify\.com$/, ""), process.env.SHOPIFY_API_KEY ?? "", process.env.SHOPIFY_API_SECRET ?? "", {
    exp: now + 60,
    nbf: now - 5,
    iat: now - 5,
  });
  return token;
}
