import type { Database } from "../../db.server";
import type { Clock } from "../../lib/clock";
import { systemClock } from "../../lib/clock";
import { revokeShopTokens } from "../api/tokens.server";
import { recomputeLowStock } from "../mirror/mirror.server";
import { parseShopSettings, type ShopSettings, shopSettingsSchema } from "./settings";

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
  const [shop, sessions] = await db.$transaction([
    db.shop.upsert({
      where: { domain },
      create: { domain, installed: false, uninstalledAt: now },
      update: { installed: false, uninstalledAt: now },
    }),
    db.session.deleteMany({ where: { shop: domain } }),
  ]);
  await revokeShopTokens(db, shop.id, { clock });
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

/** The shop's row, created on first sight (a verified webhook names a real shop). */
export async function ensureShop(db: Database, domain: string): Promise<Shop> {
  return (await findShop(db, domain)) ?? db.shop.upsert({ where: { domain }, create: { domain }, update: {} });
}

/** shop/update: name, IANA timezone and currency follow the store. */
export async function updateShopDetails(
  db: Database,
  domain: string,
  details: { name?: string; timezone?: string; currency?: string },
): Promise<void> {
  await db.shop.upsert({ where: { domain }, create: { domain, ...details }, update: details });
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

/** Merges validated settings into the shop's; a changed low-stock threshold re-flags every variant. */
export async function updateShopSettings(db: Database, domain: string, patch: Partial<ShopSettings>): Promise<ShopSettings> {
  const shop = await ensureShop(db, domain);
  const current = parseShopSettings(shop.settings);
  const next = shopSettingsSchema.parse({ ...current, ...patch });
  const updated = await db.shop.update({ where: { id: shop.id }, data: { settings: JSON.stringify(next) } });
  if (next.lowStockThreshold !== current.lowStockThreshold) await recomputeLowStock(db, updated);
  return next;
}
