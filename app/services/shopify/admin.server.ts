import type { Database } from "../../db.server";
import { systemClock } from "../../lib/clock";
import { logger } from "../../lib/logger.server";
import { requireActiveShop, ShopNotActiveError } from "../shops/shops.server";
import { type AdminClient, createHttpAdminClient } from "./admin-client.server";

export const ADMIN_API_VERSION = "2026-10";

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
