import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { PAGE_URL } from "../../extensions/roost-account/src/components";
import { EXTENSION, LOCALE_FILES, localeMessages } from "./support";

// shopify.extension.toml as the CLI reads it, and the locale files it ships.

interface Toml {
  api_version: string;
  extensions: { name: string; handle: string; type: string; targeting: { target: string; module: string }[]; capabilities?: { network_access?: boolean } }[];
}

const toml = parse(readFileSync(join(EXTENSION, "shopify.extension.toml"), "utf8")) as unknown as Toml;

/** Every key path of a locale file; a plural object ({ one, other }) is one key. */
function keys(tree: object, prefix = ""): string[] {
  return Object.entries(tree).flatMap(([key, value]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === "string") return [path];
    if (Object.keys(value).every((form) => ["zero", "one", "two", "few", "many", "other"].includes(form))) return [`${path}{${Object.keys(value).sort().join(",")}}`];
    return keys(value, path);
  });
}

describe("shopify.extension.toml", () => {
  it("is on API 2026-07 with the Profile block and the full page as two ui_extensions", () => {
    expect(toml.api_version).toBe("2026-07");
    expect(toml.extensions.map(({ handle, type, targeting }) => ({ handle, type, targets: targeting.map((t) => t.target) }))).toEqual([
      { handle: "roost-account", type: "ui_extension", targets: ["customer-account.profile.block.render"] },
      // Shopify refuses a full-page target beside any other target in the same extension.
      { handle: "roost-account-page", type: "ui_extension", targets: ["customer-account.page.render"] },
    ]);
    for (const extension of toml.extensions) expect(extension.name.length).toBeGreaterThan(0);
  });

  it("points every target at a module that exists", () => {
    for (const { module } of toml.extensions.flatMap((extension) => extension.targeting)) expect(existsSync(join(EXTENSION, module)), module).toBe(true);
  });

  it("asks for network access in both (Roost's /account endpoints)", () => {
    for (const extension of toml.extensions) expect(extension.capabilities?.network_access).toBe(true);
  });

  it("the block's See all opens the page extension by its handle", () => {
    expect(PAGE_URL).toBe(`extension://${toml.extensions[1].handle}`);
  });

  it("the extension's package.json names what it imports", () => {
    const pkg = JSON.parse(readFileSync(join(EXTENSION, "package.json"), "utf8"));
    expect(Object.keys(pkg.dependencies).sort()).toEqual(["@preact/signals", "@shopify/ui-extensions", "preact"]);
    expect(pkg.dependencies["@shopify/ui-extensions"]).toMatch(/^~2026\.7\./);
  });
});

describe("locales", () => {
  it("has the default English file and French", () => {
    expect(readdirSync(join(EXTENSION, "locales")).sort()).toEqual(Object.values(LOCALE_FILES).sort());
  });

  it("both files have the same keys and the same plural forms", () => {
    expect(keys(localeMessages("fr")).sort()).toEqual(keys(localeMessages("en")).sort());
  });

  it("translations keep the source's {{placeholders}}", () => {
    const en = localeMessages("en");
    const fr = localeMessages("fr");
    const placeholders = (tree: object, path: string) => {
      const value = path.split(".").reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], tree);
      return JSON.stringify(value).match(/\{\{\w+\}\}/g)?.sort().filter((p, i, all) => all.indexOf(p) === i) ?? [];
    };
    for (const key of keys(en)) {
      const path = key.replace(/\{.*\}$/, "");
      expect(placeholders(fr, path), path).toEqual(placeholders(en, path));
    }
  });

  it("every key the sources name exists in the default locale", () => {
    const source = readdirSync(join(EXTENSION, "src"))
      .map((file) => readFileSync(join(EXTENSION, "src", file), "utf8"))
      .join("\n");
    // Literal keys passed to t(...) or message(...).
    const literal = [...source.matchAll(/\b(?:t|message)\("([a-zA-Z]+(?:\.[a-zA-Z_]+)*)"/g)].map((match) => match[1]);
    const defined = new Set(keys(localeMessages("en")).map((key) => key.replace(/\{.*\}$/, "")));
    const prefixes = [...defined].flatMap((key) => key.split(".").map((_, i, parts) => parts.slice(0, i + 1).join(".")));
    expect(literal.length).toBeGreaterThan(10);
    for (const key of literal) expect(prefixes.includes(key), key).toBe(true);
  });
});
