/**
 * CORS for the web pixel's entry point. The pixel runs in Shopify's sandbox, whose origin varies
 * by storefront and by sandbox (and is "null" in some), so any origin may post: the body names
 * its shop by the public orgId, and nothing it says is trusted (docs/security.md).
 */
export const PIXEL_CORS_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "Access-Control-Allow-Origin": "*",
});

/** The answer to a preflight: POST with a Content-Type, cached by the browser for a day. */
export function corsPreflight(): Response {
  return new Response(null, {
    status: 204,
    headers: {
      ...PIXEL_CORS_HEADERS,
      "Access-Control-Allow-Methods": "POST",
      "Access-Control-Allow-Headers": "content-type",
      "Access-Control-Max-Age": "86400",
    },
  });
}
