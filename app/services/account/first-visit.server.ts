import type { Database } from "../../db.server";
import type { Shop } from "../shops/shops.server";

/**
 * Shopify cannot be asked whether the merchant placed Roost's customer account block, so the
 * first shopper token to reach GET /account/loyalty stands for it (the Dashboard's setup
 * checklist). Written once per shop: once the Shop row carries the time, no later visit writes.
 */
export async function recordFirstShopperVisit(db: Database, shop: Pick<Shop, "id" | "firstShopperVisitAt">, now: Date): Promise<void> {
  if (shop.firstShopperVisitAt) return;
  // Two first visits at once: the condition lets only one of them set the time.
  await db.shop.updateMany({ where: { id: shop.id, firstShopperVisitAt: null }, data: { firstShopperVisitAt: now } });
}
