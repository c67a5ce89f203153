import { z } from "zod";

/** A shop's settings, stored as JSON on the Shop row and always read through this schema. */
export const shopSettingsSchema = z.object({
  /** A variant is low on stock when its available quantity is at or below this. */
  lowStockThreshold: z.number().int().min(0).max(1_000_000).default(5),
  /** Whether shipping counts toward an order's eligible amount. */
  countShipping: z.boolean().default(false),
});

export type ShopSettings = z.infer<typeof shopSettingsSchema>;

export function parseShopSettings(json: string): ShopSettings {
  let value: unknown = {};
  try {
    value = JSON.parse(json);
  } catch {
    // A damaged settings column falls back to defaults rather than stopping ingestion.
  }
  const parsed = shopSettingsSchema.safeParse(value);
  return parsed.success ? parsed.data : shopSettingsSchema.parse({});
}
