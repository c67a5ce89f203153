import { themeCheckRun } from "@shopify/theme-check-node";
import { describe, expect, it } from "vitest";
import { EXTENSION_DIR } from "./support";

// The Liquid, schema and locales linted offline as `shopify app build` lints a theme app
// extension (theme-check's theme-app-extension config: app block tags, CSS size, undefined
// objects and filters, translation keys, schema validity). Shopify's docs data cannot be
// downloaded here; theme-check falls back to the copy in its package.

describe("theme-check on extensions/roost-theme", () => {
  it("finds no offence", async () => {
    const run = await themeCheckRun(EXTENSION_DIR, "theme-check:theme-app-extension");
    const offences = run.offenses.map((offence) => `${offence.check} ${offence.uri.replace(/^.*roost-theme\//, "")}:${offence.start.line + 1} ${offence.message}`);
    if (offences.length > 0) console.warn(offences.join("\n"));
    expect(offences).toEqual([]);
    // It did read the extension: the block, the snippet and the four locale files.
    expect(run.theme.map((file) => file.uri.replace(/^.*roost-theme\//, "")).sort()).toEqual(
      expect.arrayContaining(["blocks/roost-points.liquid", "snippets/roost-number.liquid", "locales/en.default.json", "locales/fr.json", "locales/en.default.schema.json", "locales/fr.schema.json"]),
    );
  }, 60_000);
});
