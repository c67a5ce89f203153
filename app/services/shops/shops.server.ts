import type { Database } from "../../db.server";
import type { Clock } from "../../lib/clock";
import { systemClock } from "../../lib/clock";

export type Shop = Awaited<ReturnType<Database["shop"]["findUniqueOrThrow"]>>;

export const MYSHOPIFY_DOMAIN = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/;

/** Install or reinstall: one row per shop domain, reused across reinstalls. */
export async function markShopInstalled(
  db: Database,
  input: { domain: string; scopes: string | null; name?: string; timezone?: string; currency?: string },
  clock: Clock = systemClock,
): Promise<Shop> {
  const now = clock.now();
  const details = {
    ...(input.name ? { name: input.name } : {}),
    ...(input.timezone ? { timezone: input.timezone } : {}),
    ...(input.currency ? { currency: input.currency } : {}),
  };
  return db.shop.upsert({
    where: { domain: input.domain },
    create: { domain: input.domain, scopes: input.scopes, installedAt: now, ...details },
    update: { installed: true, uninstalledAt: null, scopes: input.scopes, installedAt: now, ...details },
  });
}

/**
 * app/uninstalled: the shop keeps its records but loses access. Its sessions (the access
 * tokens) are deleted, so nothing can call the Admin API for it until it reinstalls, and
 * outbound work checks `installed` before it runs.
 */
export async function markShopUninstalled(
  db: Database,
  domain: string,
  clock: Clock = systemClock,
): Promise<{ sessionsDeleted: number }> {
  const now = clock.now();
  const [, sessions] = await db.$transaction([
    db.shop.upsert({
      where: { domain },
      create: { domain, installed: false, uninstalledAt: now },
      update: { installed: false, uninstalledAt: now },
    }),
    db.session.deleteMany({ where: { shop: domain } }),
  ]);
  return { sessionsDeleted: sessions.count };
}

/** app/scopes_update: the merchant granted or revoked optional scopes. */
export async function updateShopScopes(db: Database, domain: string, scopes: string[]): Promise<void> {
  const scope = scopes.join(",");
  await db.$transaction([
    db.shop.updateMany({ where: { domain }, data: { scopes: scope } }),
    db.session.updateMany({ where: { shop: domain }, data: { scope } }),
  ]);
}

export function findShop(db: Database, domain: string): Promise<Shop | null> {
  return db.shop.findUnique({ where: { domain } });
}

export function listShops(db: Database): Promise<Shop[]> {
  return db.shop.findMany({ orderBy: { domain: "asc" } });
}

export class ShopNotActiveError extends Error {
  constructor(readonly domain: string) {
    super(`Shop ${domain} is not installed: Roost does not call Shopify for it`);
    this.name = "ShopNotActiveError";
  }
}

/** Guard for outbound work (Admin API writes): a shop that uninstalled gets none. */
export async function requireActiveShop(db: Database, domain: string): Promise<Shop> {
  const shop = await findShop(db, domain);
  if (!shop?.installed) throw new ShopNotActiveError(domain);
  return shop;
}
