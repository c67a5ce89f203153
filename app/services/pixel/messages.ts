import type { WebPixelUserError } from "../../graphql/WebPixelCreateMutation";

export type PixelAction = "connect" | "update" | "disconnect";

const VERB: Record<PixelAction, string> = { connect: "connect", update: "update", disconnect: "disconnect" };

/**
 * Shopify's web pixel userErrors (ErrorsWebPixelUserErrorCode) as sentences a merchant can act
 * on. Shopify's own message is kept after them: support needs it, the merchant can ignore it.
 */
export function pixelErrorMessage(action: PixelAction, error: WebPixelUserError): string {
  const detail = error.message ? ` (Shopify: ${error.message})` : "";
  switch (error.code) {
    case "BLANK":
      return `Shopify needs every pixel setting and one was empty, so Roost could not ${VERB[action]} its pixel. Check the pixel settings, save them, and contact Roost support if this persists.${detail}`;
    case "INVALID_SETTINGS":
    case "INVALID_CONFIGURATION_JSON":
      return `Shopify did not accept Roost's pixel settings, so the pixel could not ${action === "update" ? "be updated" : "connect"}. The pixel in your store expects different settings than this version of Roost sends: try again in a few minutes, and contact Roost support if it persists.${detail}`;
    case "INVALID_SETTINGS_DEFINITION":
      return `Roost's pixel is not set up correctly in this app version, so Shopify refused it. Contact Roost support; nothing in your store needs changing.${detail}`;
    case "NO_EXTENSION":
      return `Roost's pixel is not available to your store yet, so it could not connect. Try Connect again later, and contact Roost support if it persists.${detail}`;
    case "NOT_FOUND":
      return `Roost's pixel is no longer in your store (it may have been removed under Settings → Customer events). Click Connect to add it again.${detail}`;
    case "TAKEN":
      return `Your store already has Roost's pixel. Reload this page to see it.${detail}`;
    case "INVALID_RUNTIME_CONTEXT":
      return `Shopify refused to run Roost's pixel in its storefront sandbox. Contact Roost support.${detail}`;
    default:
      return `Shopify could not ${VERB[action]} Roost's pixel just now. Try again in a few minutes.${detail}`;
  }
}

/** An Admin API failure that is not a userError (access, reachability). */
export function pixelFailureMessage(action: PixelAction, status: number | undefined, transient: boolean): string {
  if (status === 401 || status === 403) {
    return `Roost is not allowed to manage pixels in your store, so it could not ${VERB[action]} its pixel. Open Roost from your Shopify admin to approve its updated permissions, then try again.`;
  }
  if (transient) return `Shopify could not be reached, so Roost could not ${VERB[action]} its pixel. Try again in a few minutes.`;
  return `Shopify refused to ${VERB[action]} Roost's pixel. Try again in a few minutes, and contact Roost support if it persists.`;
}
