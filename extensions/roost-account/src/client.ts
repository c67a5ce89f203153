import { accountApi } from "./api";

// The extension's one client of Roost: APP_URL is written into the bundle by the Shopify CLI (the
// tunnel under `shopify app dev`, the app's .env for build and deploy), and every request carries
// the signed-in customer's session token.

function appUrl(): string {
  // Replaced by its value at build time; without one there is no `process` in the sandbox.
  try {
    return process.env.APP_URL ?? "";
  } catch {
    return "";
  }
}

export const api = accountApi({ baseUrl: appUrl(), token: () => shopify.sessionToken.get() });
