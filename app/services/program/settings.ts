import { z } from "zod";
import { isDecimal } from "../ledger/points";

const decimal = z.string().trim().refine(isDecimal, { message: "Enter a decimal number such as 1 or 1.25" });

/** The largest value per point, in minor units: beyond it a typo is likelier than intent. */
export const MAX_POINT_VALUE = 1_000_000;

const pointValueSchema = z
  .string()
  .trim()
  .regex(/^\d{1,7}(\.\d{1,6})?$/, { message: "Enter a number such as 1 or 0.5 (at most 6 decimals)" })
  .refine((value) => Number(value) > 0 && Number(value) <= MAX_POINT_VALUE, { message: `Enter a value greater than 0 and at most ${MAX_POINT_VALUE.toLocaleString("en-US")}` });

export const CHANNELS = ["online_store", "pos", "draft", "b2b", "other"] as const;
export type Channel = (typeof CHANNELS)[number];

export const tierSchema = z.object({
  name: z.string().trim().min(1).max(40),
  /** Points earned (net of claw-backs) over the trailing 365 days to reach the tier. */
  threshold: z.number().int().min(0),
  multiplier: decimal,
});
export type Tier = z.infer<typeof tierSchema>;

export const DEFAULT_TIERS: Tier[] = [
  { name: "Bronze", threshold: 0, multiplier: "1" },
  { name: "Silver", threshold: 500, multiplier: "1.25" },
  { name: "Gold", threshold: 2000, multiplier: "1.5" },
];

/** The largest sign-up or birthday bonus: beyond it a typo is likelier than intent. */
export const MAX_BONUS = 1_000_000;

export const programSchema = z.object({
  enabled: z.boolean().default(true),
  /** YYYY-MM-DD in the shop's timezone; orders processed before it earn nothing (null: install day). */
  startDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).nullable().default(null),
  /** Points per unit of shop currency. */
  earnRate: decimal.default("1"),
  channels: z.array(z.enum(CHANNELS)).default(["online_store", "pos"]),
  tiers: z
    .array(tierSchema)
    .min(1)
    .refine((tiers) => tiers[0]?.threshold === 0, { message: "The first tier starts at 0 points" })
    .refine((tiers) => tiers.every((tier, index) => index === 0 || tier.threshold > tiers[index - 1].threshold), {
      message: "Tier thresholds must increase",
    })
    .default(DEFAULT_TIERS),
  /** Points per member per shop-local day; 0 = no cap. */
  dailyCap: z.number().int().min(0).default(0),
  enrolment: z
    .discriminatedUnion("mode", [z.object({ mode: z.literal("email") }), z.object({ mode: z.literal("tag"), tag: z.string().trim().min(1) })])
    .default({ mode: "email" }),
  /** Whether orders imported by a backfill earn points. */
  retroactive: z.boolean().default(false),
  /** Points a member gets once when enrolled (0: none). Counted against the daily cap. */
  signupBonus: z.number().int().min(0).max(MAX_BONUS).default(0),
  /** Points a member gets on their birthday, once a year (0: none). Counted against the daily cap. */
  birthdayBonus: z.number().int().min(0).max(MAX_BONUS).default(0),
  /** The customer metafield holding the birth date (`namespace.key`, a date): Shopify's standard one by default. */
  birthdayMetafield: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{2,255}\.[A-Za-z0-9_-]{2,64}$/, "Enter the metafield as namespace.key, such as facts.birth_date")
    .default("facts.birth_date"),
  /** Points expire this many months after the member's last order; null: they never expire. */
  expiryMonths: z.number().int().min(1).max(60).nullable().default(null),
  /**
   * What one point is worth to the merchant, in minor units of the shop currency ("1": a cent a
   * point in USD); null: the Dashboard values outstanding points at the best enabled reward.
   */
  pointValue: pointValueSchema.nullable().default(null),
});
export type Program = z.infer<typeof programSchema>;

/**
 * What the merchant sets for Roost's web pixel, sent to Shopify as the pixel's settings (every
 * value a string: the extension's settings are text fields, parsed and validated in the pixel).
 */
export const pixelSettingsSchema = z.object({
  /** Share of visitors whose events are sent, "0" to "1"; checkout events are always sent. */
  samplingRate: z
    .string()
    .trim()
    .regex(/^(0(\.\d{1,4})?|1(\.0{1,4})?)$/, { message: "Enter a number between 0 and 1, such as 1 or 0.25" })
    .default("1"),
  enableConsoleLogging: z.boolean().default(false),
  /** A Meta pixel id (digits) to forward ViewContent, AddToCart and Purchase to; "" for none. */
  metaPixelId: z
    .string()
    .trim()
    .regex(/^\d{0,20}$/, { message: "A Meta pixel ID is made of digits only, such as 1234567890" })
    .default(""),
  /** The merchant disconnected the pixel: Roost does not connect it again on its own. */
  disconnected: z.boolean().default(false),
  /**
   * The install (Shop.installedAt, ISO) the pixel's id belongs to: Shopify removes an app's pixel
   * when it is uninstalled, so an id from an earlier install is stale.
   */
  installedAt: z.string().nullable().default(null),
});
export type PixelSettings = z.infer<typeof pixelSettingsSchema>;

/** A shop's settings, stored as JSON on the Shop row and always read through this schema. */
export const shopSettingsSchema = z.object({
  /** A variant is low on stock when its available quantity is at or below this. */
  lowStockThreshold: z.number().int().min(0).max(1_000_000).default(5),
  /** Whether shipping counts toward an order's eligible amount. */
  countShipping: z.boolean().default(false),
  /**
   * Cohort members carry the customer tag `<prefix><rule key>`. Letters, digits and - _ : . only
   * (Shopify tags are comma-separated, and other apps match them as plain text).
   */
  cohortTagPrefix: z
    .string()
    .trim()
    .max(40)
    .regex(/^[A-Za-z0-9_.:-]*$/, "Use letters, digits and - _ : . only")
    .default("roost-"),
  /**
   * At most this many cohort tags of Roost's on one customer (Shopify allows 250 in all, shared
   * with every app): the earliest entered cohorts keep theirs, the others are shown as failed.
   */
  cohortTagBudget: z.number().int().min(1).max(250).default(20),
  program: programSchema.default(programSchema.parse({})),
  pixel: pixelSettingsSchema.default(pixelSettingsSchema.parse({})),
});

export type ShopSettings = z.infer<typeof shopSettingsSchema>;

// Parsed settings by their stored JSON: a delivery reads them in the mirror, the settle and the
// award, and a shop's settings rarely change. Frozen, because every caller shares the object.
const parsedSettings = new Map<string, ShopSettings>();

export function parseShopSettings(json: string): ShopSettings {
  let settings = parsedSettings.get(json);
  if (!settings) {
    if (parsedSettings.size >= 1000) parsedSettings.clear();
    settings = deepFreeze(parseSettingsJson(json));
    parsedSettings.set(json, settings);
  }
  return settings;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function parseSettingsJson(json: string): ShopSettings {
  let value: unknown = {};
  try {
    value = JSON.parse(json);
  } catch {
    // A damaged settings column falls back to defaults rather than stopping ingestion.
  }
  const parsed = shopSettingsSchema.safeParse(value);
  return parsed.success ? parsed.data : shopSettingsSchema.parse({});
}

/** Which earning channel an order came through, from its source. */
export function orderChannel(sourceName: string | null): Channel {
  switch (sourceName) {
    case "web":
    case "online_store":
      return "online_store";
    case "pos":
      return "pos";
    case "shopify_draft_order":
    case "draft":
      return "draft";
    case "b2b":
      return "b2b";
    default:
      return "other";
  }
}
