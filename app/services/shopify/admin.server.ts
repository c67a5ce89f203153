import { apiVersion } from "../../config.server";
import type { Database } from "../../db.server";
import { systemClock } from "../../lib/clock";
import { logger } from "../../lib/logger.server";
import { learnShopIdentity, requireActiveShop, ShopNotActiveError } from "../shops/shops.server";
import { type AdminClient, createHttpAdminClient } from "./admin-client.server";

export const ADMIN_API_VERSION: string = apiVersion;

/**
 * The Admin API client for an installed shop, with its offline token. A shop that has
 * uninstalled (or has no offline session) gets none: outbound work stops with it.
 */
export async function adminClientFor(db: Database, shopDomain: string): Promise<AdminClient> {
  await requireActiveShop(db, shopDomain);
  const session = await db.session.findFirst({ where: { shop: shopDomain, isOnline: false } });
  if (!session) throw new ShopNotActiveError(shopDomain);
  return createHttpAdminClient({
    shop: shopDomain,
    accessToken: session.accessToken,
    apiVersion: ADMIN_API_VERSION,
    clock: systemClock,
    logger: logger.child({ shop: shopDomain, component: "admin" }),
  });
}

export type AdminClientFactory = (db: Database, shopDomain: string) => Promise<AdminClient>;

/**
 * afterAuth: learn the shop's Shopify GID and primary domain with its own token, so webhook
 * payloads that name their shop are checked from the first delivery (docs/security.md). Never
 * throws: an install must not fail because Shopify was briefly unreachable; shop/update and the
 * compliance topics teach the same ids later.
 */
export async function learnShopIdentityOnInstall(db: Database, shopDomain: string, adminFor: AdminClientFactory = adminClientFor): Promise<void> {
  try {
    await learnShopIdentity(db, shopDomain, await adminFor(db, shopDomain));
  } catch (error) {
    logger.warn({ err: error, shop: shopDomain }, "could not read the shop's identity on install; shop/update teaches it later");
  }
}
