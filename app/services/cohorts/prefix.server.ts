import type { Database } from "../../db.server";
import type { Clock } from "../../lib/clock";
import { recordAudit } from "../audit.server";
import { parseShopSettings, shopSettingsSchema } from "../program/settings";
import { ensureShop, updateShopSettings } from "../shops/shops.server";
import { queueTagSync } from "../tags/sync.server";
import { cohortTag, MAX_TAG_LENGTH } from "./templates";

export const TAG_PREFIX_UPDATED = "cohorts.tagPrefix.updated";

export type PrefixResult = { ok: true; prefix: string; changed: boolean } | { ok: false; errors: { cohortTagPrefix: string } };

/**
 * Saves the shop's cohort tag prefix, validated by the settings schema, and audits the change in
 * the same transaction (before and after, with the actor), as the program settings are. The tags
 * move with it: a sync of every customer carrying or owed a cohort tag is queued in the same
 * transaction, and the tag writer removes the old tags and adds the new ones.
 */
export async function updateCohortTagPrefix(db: Database, domain: string, input: unknown, actor: string, clock: Clock): Promise<PrefixResult> {
  const parsed = shopSettingsSchema.shape.cohortTagPrefix.safeParse(typeof input === "string" ? input : "");
  if (!parsed.success) return { ok: false, errors: { cohortTagPrefix: parsed.error.issues[0]?.message ?? "Enter a valid prefix" } };
  const shop = await ensureShop(db, domain);
  // Every existing cohort's tag must still fit Shopify's limit under the new prefix.
  const rules = await db.cohortRule.findMany({ where: { shopId: shop.id }, select: { key: true } });
  const longest = rules.reduce((key, rule) => (rule.key.length > key.length ? rule.key : key), "");
  if (cohortTag(parsed.data, longest).length > MAX_TAG_LENGTH) {
    return { ok: false, errors: { cohortTagPrefix: `The cohort ${longest.slice(0, 20)}… would get a tag longer than Shopify's ${MAX_TAG_LENGTH} characters: use a shorter prefix` } };
  }
  return db.$transaction(async (tx) => {
    const fresh = await tx.shop.findUniqueOrThrow({ where: { id: shop.id }, select: { settings: true } });
    const before = parseShopSettings(fresh.settings).cohortTagPrefix;
    if (before === parsed.data) return { ok: true as const, prefix: before, changed: false };
    const settings = await updateShopSettings(tx as unknown as Database, domain, { cohortTagPrefix: parsed.data });
    await recordAudit(tx, { shopId: shop.id, actor, action: TAG_PREFIX_UPDATED, details: { changes: { cohortTagPrefix: { before, after: settings.cohortTagPrefix } } }, at: clock.now() });
    await queueTagSync(tx, shop.id, clock.now());
    return { ok: true as const, prefix: settings.cohortTagPrefix, changed: true };
  });
}
