import { z } from "zod";
import { currencyExponent, toMinorUnits } from "../../lib/money";

// The cohort templates a merchant builds rules from (DESIGN, "Cohorts"). Each names its
// parameters with the form's labels and limits; `parseRuleParams` is the one validation the
// admin form, the CLI and the stored rules go through. Amounts are kept in minor units of the
// shop's currency; the form and the CLI take them as decimals.

export const TEMPLATE_KEYS = [
  "cart-abandoned-low-stock",
  "vip-scarcity-shopper",
  "first-purchase",
  "repeat-purchaser",
  "high-value",
  "lapsed",
  "tier",
  "points-balance",
] as const;
export type TemplateKey = (typeof TEMPLATE_KEYS)[number];

export type ParamKind = "integer" | "money" | "tier";

export interface ParamField {
  name: string;
  label: string;
  kind: ParamKind;
  help: string;
  min?: number;
  max?: number;
  /** The default, as the form shows it (money as a decimal). */
  defaultValue?: string;
}

export interface CohortTemplate {
  key: TemplateKey;
  title: string;
  description: string;
  /** Whether anonymous visitors (the pixel's clientIds) can be members, or members only. */
  visitors: boolean;
  fields: readonly ParamField[];
}

const hours = (defaultValue: number, help: string): ParamField => ({ name: "hours", label: "Hours", kind: "integer", min: 1, max: 720, defaultValue: String(defaultValue), help });
const days = (name: string, label: string, defaultValue: number, max: number, help: string): ParamField => ({ name, label, kind: "integer", min: 1, max, defaultValue: String(defaultValue), help });

export const TEMPLATES: Record<TemplateKey, CohortTemplate> = {
  "cart-abandoned-low-stock": {
    key: "cart-abandoned-low-stock",
    title: "Abandoned a cart while the item was low on stock",
    description: "Added a variant to the cart while its stock was at or below the low-stock threshold, and did not complete a checkout within the hours set. Leaves on buying that variant.",
    visitors: true,
    fields: [
      hours(24, "A checkout completed within this many hours of adding to cart is not an abandonment."),
      days("lookbackDays", "Look back (days)", 14, 90, "Carts added longer ago than this no longer count."),
    ],
  },
  "vip-scarcity-shopper": {
    key: "vip-scarcity-shopper",
    title: "Bought after seeing scarcity",
    description: "Bought a variant within the hours set after viewing it while it was low on stock.",
    visitors: true,
    fields: [
      hours(48, "The purchase came within this many hours of the low-stock view."),
      days("days", "Look back (days)", 90, 365, "Purchases longer ago than this no longer count."),
    ],
  },
  "first-purchase": {
    key: "first-purchase",
    title: "First purchase",
    description: "Has exactly one paid order, placed within the days set. Leaves on the second order or when the window passes.",
    visitors: false,
    fields: [days("days", "Within (days)", 30, 3650, "The first order was placed within this many days.")],
  },
  "repeat-purchaser": {
    key: "repeat-purchaser",
    title: "Repeat purchaser",
    description: "Has at least the number of paid orders set.",
    visitors: false,
    fields: [{ name: "minOrders", label: "Orders", kind: "integer", min: 2, max: 100_000, defaultValue: "2", help: "Paid orders, not cancelled." }],
  },
  "high-value": {
    key: "high-value",
    title: "High value",
    description: "Spent at least the amount set (eligible amount, net of refunds) over the days set.",
    visitors: false,
    fields: [
      { name: "minSpend", label: "Spend at least", kind: "money", min: 0.01, defaultValue: "500", help: "In the shop's currency, on the same eligible amount that earns points." },
      days("days", "Over (days)", 365, 3650, "Orders placed within this many days count."),
    ],
  },
  lapsed: {
    key: "lapsed",
    title: "Lapsed",
    description: "Has ordered before, but not within the days set.",
    visitors: false,
    fields: [days("days", "No order for (days)", 90, 3650, "Members whose latest paid order is older than this.")],
  },
  tier: {
    key: "tier",
    title: "In a tier",
    description: "Is in the loyalty tier set.",
    visitors: false,
    fields: [{ name: "tier", label: "Tier", kind: "tier", help: "One of the program's tiers." }],
  },
  "points-balance": {
    key: "points-balance",
    title: "Points balance",
    description: "Holds at least the points set.",
    visitors: false,
    fields: [{ name: "minPoints", label: "Points at least", kind: "integer", min: 1, max: 1_000_000_000, defaultValue: "500", help: "The member's current balance." }],
  },
};

export const isTemplateKey = (value: string): value is TemplateKey => (TEMPLATE_KEYS as readonly string[]).includes(value);

/** Stored parameters per template (minor units for money). */
export type RuleParams =
  | { template: "cart-abandoned-low-stock"; hours: number; lookbackDays: number }
  | { template: "vip-scarcity-shopper"; hours: number; days: number }
  | { template: "first-purchase"; days: number }
  | { template: "repeat-purchaser"; minOrders: number }
  | { template: "high-value"; minSpend: number; days: number }
  | { template: "lapsed"; days: number }
  | { template: "tier"; tier: string }
  | { template: "points-balance"; minPoints: number };

/** What the parameters are checked against: the shop's currency and its program's tiers. */
export interface ParamContext {
  currency: string;
  tiers: readonly string[];
}

export type FieldErrors = Record<string, string>;

export type ParamsResult = { ok: true; params: RuleParams } | { ok: false; errors: FieldErrors };

/**
 * Validates a rule's parameters as the form and the CLI give them (text) or as stored (numbers).
 * Missing ones take the template's default; unknown names are refused, so a typo in
 * `--set hour=4` is an error, not a silent default.
 */
export function parseRuleParams(template: TemplateKey, raw: Record<string, unknown>, context: ParamContext): ParamsResult {
  const definition = TEMPLATES[template];
  const errors: FieldErrors = {};
  const values: Record<string, number | string> = {};
  const known = new Set(definition.fields.map((field) => field.name));
  for (const name of Object.keys(raw)) if (!known.has(name) && name !== "template") errors[name] = `Not a setting of ${definition.title.toLowerCase()}; settings: ${[...known].join(", ")}`;
  for (const field of definition.fields) {
    const given = raw[field.name];
    const text = given === undefined || given === null || (typeof given === "string" && given.trim() === "") ? field.defaultValue : String(given).trim();
    if (text === undefined) {
      errors[field.name] = field.kind === "tier" ? "Choose a tier" : "Enter a value";
      continue;
    }
    const parsed = parseField(field, text, context);
    if (typeof parsed === "object") errors[field.name] = parsed.error;
    else values[field.name] = parsed;
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, params: { template, ...values } as RuleParams };
}

function parseField(field: ParamField, text: string, context: ParamContext): number | string | { error: string } {
  if (field.kind === "tier") {
    if (!context.tiers.includes(text)) return { error: `Choose one of the program's tiers: ${context.tiers.join(", ")}` };
    return text;
  }
  if (field.kind === "money") {
    const exponent = currencyExponent(context.currency);
    const decimal = z.string().regex(/^\d{1,12}(\.\d+)?$/);
    if (!decimal.safeParse(text).success) return { error: `Enter an amount such as 250 or 250.00 (${context.currency})` };
    let minor: number;
    try {
      minor = toMinorUnits(text, exponent);
    } catch {
      return { error: `Use at most ${exponent} decimal places for ${context.currency}` };
    }
    if (minor < 1) return { error: "Enter an amount above zero" };
    return minor;
  }
  if (!/^\d{1,10}$/.test(text)) return { error: "Enter a whole number" };
  const value = Number(text);
  if (field.min !== undefined && value < field.min) return { error: `Enter ${field.min} or more` };
  if (field.max !== undefined && value > field.max) return { error: `Enter ${field.max.toLocaleString("en-US")} or less` };
  return value;
}

/** The parameters as the form shows them (money as a decimal in the shop's currency). */
export function paramsToForm(params: RuleParams, currency: string): Record<string, string> {
  const form: Record<string, string> = {};
  const exponent = currencyExponent(currency);
  for (const field of TEMPLATES[params.template].fields) {
    const value = (params as unknown as Record<string, number | string>)[field.name];
    form[field.name] = field.kind === "money" ? (Number(value) / 10 ** exponent).toFixed(exponent) : String(value);
  }
  return form;
}

// ------------------------------------------------------------------- keys and tags

export const RULE_KEY_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/** Shopify's limit for one customer tag. */
export const MAX_TAG_LENGTH = 255;

/** A rule's key when the merchant gives none: the template's, or `tier-<name>` for a tier rule. */
export function defaultRuleKey(params: RuleParams): string {
  if (params.template === "tier") return `tier-${slug(params.tier) || "tier"}`;
  return params.template;
}

export function slug(text: string): string {
  return text
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60);
}

/** The customer tag a cohort's members carry. */
export const cohortTag = (prefix: string, key: string): string => `${prefix}${key}`;

/** Why a key cannot be used, or null: the pattern, and the whole tag within Shopify's limit. */
export function ruleKeyError(key: string, prefix: string): string | null {
  if (!RULE_KEY_PATTERN.test(key)) return "Use lower-case letters, digits and single hyphens, such as vip-scarcity-shopper";
  if (cohortTag(prefix, key).length > MAX_TAG_LENGTH) return `The tag "${prefix}${key.slice(0, 20)}…" would be longer than Shopify's ${MAX_TAG_LENGTH} characters`;
  return null;
}
