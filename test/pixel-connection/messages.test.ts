import { describe, expect, it } from "vitest";
import { pixelErrorMessage, pixelFailureMessage } from "../../app/services/pixel/messages";

// ErrorsWebPixelUserErrorCode, as Shopify's Admin API (2026-10) lists it.
const CODES = ["BLANK", "INVALID_CONFIGURATION_JSON", "INVALID_RUNTIME_CONTEXT", "INVALID_SETTINGS", "INVALID_SETTINGS_DEFINITION", "NO_EXTENSION", "NOT_FOUND", "TAKEN", "UNEXPECTED_ERROR", "UNABLE_TO_DELETE"];

describe("Shopify's web pixel userErrors as sentences a merchant can act on", () => {
  it("words every code as a sentence that says what to do, never the bare code, with Shopify's message kept for support", () => {
    for (const code of CODES) {
      for (const action of ["connect", "update", "disconnect"] as const) {
        const message = pixelErrorMessage(action, { code, field: ["webPixel"], message: "Shopify's own words." });
        expect(message, `${code} ${action}`).toMatch(/^[A-Z][^]*\. .*(Try|Click|Check|Contact|Reload|contact)[^]*\(Shopify: Shopify's own words\.\)$/);
        expect(message).not.toContain(code);
      }
    }
  });

  it("tells the merchant what each situation asks of them", () => {
    const error = (code: string) => ({ code, field: null, message: "" });
    expect(pixelErrorMessage("update", error("NOT_FOUND"))).toBe(
      "Roost's pixel is no longer in your store (it may have been removed under Settings → Customer events). Click Connect to add it again.",
    );
    expect(pixelErrorMessage("disconnect", error("UNABLE_TO_DELETE"))).toBe("Shopify could not disconnect Roost's pixel just now. Try again in a few minutes.");
    expect(pixelErrorMessage("update", error("INVALID_SETTINGS"))).toMatch(/^Shopify did not accept Roost's pixel settings, so the pixel could not be updated\./);
    expect(pixelFailureMessage("update", 403, false)).toMatch(/^Roost is not allowed to manage pixels in your store, so it could not update its pixel\. Open Roost from your Shopify admin/);
    expect(pixelFailureMessage("connect", undefined, true)).toBe("Shopify could not be reached, so Roost could not connect its pixel. Try again in a few minutes.");
  });
});
