import type { Database } from "../../db.server";
import { ShopNotActiveError } from "../shops/shops.server";
import type { AdminClient } from "./admin-client.server";
import type { AdminClientFactory } from "./admin.server";

/**
 * What a queue that calls Shopify for a shop's jobs gets: the shop's Admin client, or `wait` when
 * the shop is uninstalled (its work is still owed if it comes back: kept pending, never failed),
 * or the error that stopped the client being built (retried by the queue).
 */
export type ShopAdmin = { admin: AdminClient; domain: string } | { wait: true } | { error: Error };

export async function adminForInstalledShop(db: Database, adminFor: AdminClientFactory, shopId: string): Promise<ShopAdmin> {
  const shop = await db.shop.findUnique({ where: { id: shopId }, select: { domain: true, installed: true } });
  if (!shop?.installed) return { wait: true };
  try {
    return { admin: await adminFor(db, shop.domain), domain: shop.domain };
  } catch (error) {
    if (error instanceof ShopNotActiveError) return { wait: true };
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }
}
