import { readdirSync, readFileSync } from "node:fs";
import { parse } from "smol-toml";
import { describe, expect, it } from "vitest";
import { BLOCK_FILE, blockSchema, EXTENSION_DIR, lookup, readJson, storefrontLocales } from "./support";

// What Shopify reads of the extension: its toml, the block's schema (settings Shopify refuses
// to publish when ids repeat or defaults do not fit their type) and the locale files the `t`
// filter and the theme editor read.

type Translations = { [key: string]: string | Translations };

/** Every dotted key of a locale file; a plural group ({ one, other }) counts as one key. */
function keysOf(translations: Translations, prefix = ""): string[] {
  return Object.entries(translations).flatMap(([key, value]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === "string") return [path];
    if (Object.keys(value).every((form) => ["zero", "one", "two", "few", "many", "other"].includes(form))) return [path];
    return keysOf(value, path);
  });
}

const liquidFiles = ["blocks", "snippets"].flatMap((folder) => readdirSync(`${EXTENSION_DIR}${folder}`).map((file) => `${EXTENSION_DIR}${folder}/${file}`));
const liquid = liquidFiles.map((file) => readFileSync(file, "utf8")).join("\n");
/** Keys given to the `t` filter: `'roost.points_block.title' | t`. */
const storefrontKeys = [...new Set([...liquid.matchAll(/'([\w.]+)'\s*\|\s*t\b/g)].map((match) => match[1]))];

describe("extensions/roost-theme", () => {
  it("is a theme app extension with a name", () => {
    const toml = parse(readFileSync(`${EXTENSION_DIR}shopify.extension.toml`, "utf8")) as Record<string, unknown>;
    expect(toml).toMatchObject({ type: "theme", name: "roost-theme" });
    // Only what a theme app extension may hold (Shopify refuses other folders on deploy).
    expect(readdirSync(EXTENSION_DIR).filter((entry) => !entry.includes(".")).sort()).toEqual(["assets", "blocks", "locales", "snippets"]);
  });

  it("has one app block with a valid schema: a section target, its stylesheet, unique ids, defaults of their type", () => {
    const schema = blockSchema();
    expect(schema.target).toBe("section");
    expect(schema.javascript).toBeUndefined();
    expect(readdirSync(`${EXTENSION_DIR}assets`)).toContain(schema.stylesheet);
    const ids = schema.settings.filter((setting) => setting.id).map((setting) => setting.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(["title", "show_balance", "show_tier", "show_join", "guest_message", "text_color", "background_color", "accent_color"]);
    for (const setting of schema.settings) {
      if (setting.type === "checkbox") expect(typeof setting.default, setting.id).toBe("boolean");
      if (setting.type === "color") expect(setting.default, setting.id).toMatch(/^#[0-9a-f]{6}$/i);
      if (setting.type === "text") expect(setting.default ?? "", setting.id).toBe("");
      if (setting.type === "header") expect(setting.content).toBeTruthy();
    }
  });

  it("names every schema label in both schema locale files", () => {
    const schema = blockSchema();
    const labels = [schema.name, ...schema.settings.flatMap((setting) => [setting.label, setting.info, setting.content])].filter((text): text is string => !!text);
    expect(labels.every((label) => label.startsWith("t:"))).toBe(true);
    for (const file of ["en.default.schema.json", "fr.schema.json"]) {
      const translations = readJson<Translations>(`${EXTENSION_DIR}locales/${file}`);
      for (const label of labels) expect(typeof lookup(translations, label.slice(2)), `${file}: ${label}`).toBe("string");
    }
    expect(lookup(readJson(`${EXTENSION_DIR}locales/en.default.schema.json`), schema.name.slice(2))).toBe("Roost points");
    expect(keysOf(readJson(`${EXTENSION_DIR}locales/fr.schema.json`))).toEqual(keysOf(readJson(`${EXTENSION_DIR}locales/en.default.schema.json`)));
  });

  it("has every key the Liquid translates in both storefront locales, and the two files have the same keys", () => {
    expect(storefrontKeys.length).toBeGreaterThan(8);
    for (const locale of ["en", "fr"] as const) {
      for (const key of storefrontKeys) expect(lookup(storefrontLocales[locale], key), `${locale}: ${key}`).toBeDefined();
    }
    const english = keysOf(storefrontLocales.en);
    expect(keysOf(storefrontLocales.fr)).toEqual(english);
    // No key left over that nothing uses.
    expect(english.sort()).toEqual([...storefrontKeys].sort());
    // Pluralised keys have the forms both languages need.
    expect(lookup(storefrontLocales.fr, "roost.points_block.points")).toMatchObject({ one: expect.any(String), other: expect.any(String) });
  });

  it("calls nothing: no script, no fetch, no app proxy", () => {
    const block = readFileSync(BLOCK_FILE, "utf8");
    expect(block).not.toMatch(/<script|fetch\(|\/apps\//);
    expect(readdirSync(`${EXTENSION_DIR}assets`).filter((file) => file.endsWith(".js"))).toEqual([]);
  });
});
