import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Liquid, type TagToken, type TopLevelToken } from "liquidjs";

// The Roost points app block (extensions/roost-theme) rendered with liquidjs and the few
// Shopify additions it uses: the `t` filter over the extension's locale files (with Shopify's
// `count` pluralisation and `{{ name }}` interpolation), `{% render %}` of the extension's
// snippets, and `{% schema %}` as a tag that renders nothing, as on Shopify.

export const EXTENSION_DIR = fileURLToPath(new URL("../../extensions/roost-theme/", import.meta.url));
export const BLOCK_FILE = `${EXTENSION_DIR}blocks/roost-points.liquid`;
export const STYLESHEET_FILE = `${EXTENSION_DIR}assets/roost-points.css`;

export type Locale = "en" | "fr";
type Translations = { [key: string]: string | Translations };

export const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, "utf8")) as T;

export const storefrontLocales: Record<Locale, Translations> = {
  en: readJson(`${EXTENSION_DIR}locales/en.default.json`),
  fr: readJson(`${EXTENSION_DIR}locales/fr.json`),
};

export interface SchemaSetting {
  type: string;
  id?: string;
  label?: string;
  info?: string;
  content?: string;
  default?: unknown;
}
export interface BlockSchema {
  name: string;
  target: string;
  stylesheet?: string;
  javascript?: string;
  settings: SchemaSetting[];
}

/** The block's `{% schema %}` JSON. */
export function blockSchema(): BlockSchema {
  const match = /\{%-?\s*schema\s*-?%\}([\s\S]*?)\{%-?\s*endschema\s*-?%\}/.exec(readFileSync(BLOCK_FILE, "utf8"));
  if (!match) throw new Error("the block has no {% schema %}");
  return JSON.parse(match[1]) as BlockSchema;
}

/** The settings a merchant gets on adding the block: each setting's default (text without one is nil). */
export function defaultSettings(): Record<string, unknown> {
  return Object.fromEntries(blockSchema().settings.filter((setting) => setting.id).map((setting) => [setting.id, setting.default ?? null]));
}

/** A dotted key's entry in a locale file: a string, or a plural group ({ one, other, … }). */
export function lookup(translations: Translations, key: string): string | Translations | undefined {
  let node: string | Translations | undefined = translations;
  for (const part of key.split(".")) node = typeof node === "object" ? node[part] : undefined;
  return node;
}

const escapeHtml = (value: string) => value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");

/** Shopify's `t` filter for one locale: a missing key renders as Shopify's "translation missing" text. */
export function translate(locale: Locale, key: string, args: Record<string, unknown> = {}): string {
  const entry = lookup(storefrontLocales[locale], key);
  let text: string | undefined;
  if (typeof entry === "object" && "count" in args) {
    const category = new Intl.PluralRules(locale).select(Number(args.count));
    const form = entry[category] ?? entry.other;
    text = typeof form === "string" ? form : undefined;
  } else if (typeof entry === "string") {
    text = entry;
  }
  if (text === undefined) return `translation missing: ${locale}.${key}`;
  return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (_whole, name: string) => escapeHtml(String(args[name] ?? "")));
}

function engineFor(locale: Locale): Liquid {
  const engine = new Liquid({ root: [`${EXTENSION_DIR}snippets`], partials: [`${EXTENSION_DIR}snippets`], extname: ".liquid", ownPropertyOnly: true });
  engine.registerFilter("t", (key: string, ...pairs: unknown[]) => {
    const args = Object.fromEntries(pairs.filter((pair): pair is [string, unknown] => Array.isArray(pair)));
    return translate(locale, key, args);
  });
  engine.registerTag("schema", {
    parse(_token: TagToken, remainTokens: TopLevelToken[]) {
      for (let token = remainTokens.shift(); token; token = remainTokens.shift()) {
        if ((token as TagToken).name === "endschema") return;
      }
      throw new Error("{% schema %} without {% endschema %}");
    },
    render: () => "",
  });
  return engine;
}

const engines: Partial<Record<Locale, Liquid>> = {};

/** What a storefront page gives the block. */
export interface StorefrontState {
  locale?: Locale;
  /** Signed in: the customer's `roost` metafields, each left out when Roost has not written it. */
  customer?: { pointsBalance?: number; tier?: string } | null;
  /** The app installation's `roost.program` json metafield; null when Roost has not written it. */
  program?: Record<string, unknown> | null;
  settings?: Record<string, unknown>;
  customerAccountsEnabled?: boolean;
  designMode?: boolean;
}

export const SAMPLE_PROGRAM = { enabled: true, earn_rate: "1", currency: "USD", tiers: [{ name: "Bronze", threshold: 0 }, { name: "Silver", threshold: 500 }, { name: "Gold", threshold: 2000 }] };

/** Renders the block as Shopify would for that page (its settings default to the schema's). */
export async function renderBlock(state: StorefrontState = {}): Promise<string> {
  const locale = state.locale ?? "en";
  const engine = (engines[locale] ??= engineFor(locale));
  const metafield = (type: string, value: unknown) => ({ type, value });
  const customer = state.customer
    ? {
        id: 7,
        metafields: {
          roost: {
            ...(state.customer.pointsBalance !== undefined ? { points_balance: metafield("number_integer", state.customer.pointsBalance) } : {}),
            ...(state.customer.tier !== undefined ? { tier: metafield("single_line_text_field", state.customer.tier) } : {}),
          },
        },
      }
    : null;
  const program = state.program === undefined ? SAMPLE_PROGRAM : state.program;
  return engine.parseAndRender(readFileSync(BLOCK_FILE, "utf8"), {
    app: { metafields: { roost: program ? { program: metafield("json", program) } : {} } },
    customer,
    shop: { customer_accounts_enabled: state.customerAccountsEnabled ?? true },
    routes: { account_login_url: "/account/login", account_register_url: "/account/register" },
    request: { design_mode: state.designMode ?? false, locale: { iso_code: locale } },
    block: { id: "roost-points-1", settings: { ...defaultSettings(), ...state.settings }, shopify_attributes: 'data-shopify-editor-block="{}"' },
  });
}

/** A storefront page around the block, with the block's stylesheet as the schema's `stylesheet` adds it. */
export async function storefrontPage(state: StorefrontState = {}): Promise<string> {
  const css = readFileSync(STYLESHEET_FILE, "utf8");
  return `<!doctype html><html lang="${state.locale ?? "en"}"><head><meta charset="utf-8"><style>${css}</style></head><body><main>${await renderBlock(state)}</main></body></html>`;
}

/** The rendered HTML as a reader sees it: tags dropped, HTML whitespace collapsed (no-break spaces kept). */
export const visibleText = (html: string) => html.replace(/<[^>]+>/g, " ").replace(/[ \t\n\r\f]+/g, " ").trim();
