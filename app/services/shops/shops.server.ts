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
  const shop = await db.shop.upsert({
    where: { domain: input.domain },
    create: { domain: input.domain, scopes: input.scopes, installedAt: now, ...details },
    update: { installed: true, uninstalledAt: null, scopes: input.scopes, installedAt: now, ...details },
  });
  forgetShop(input.domain);
  return shop;
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
  // Before anything else: the next delivery of this process must see the shop uninstalled.
  forgetShop(domain);
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
  forgetShop(domain);
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
  forgetShop(domain);
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

/**
 * Merges validated settings into the shop's; a changed low-stock threshold re-flags every variant.
 * Reads the row itself (never the cache): the merge must start from what is stored.
 */
export async function updateShopSettings(db: Database, domain: string, patch: Partial<ShopSettings>): Promise<ShopSettings> {
  const shop = await ensureShop(db, domain);
  const current = parseShopSettings(shop.settings);
  const next = shopSettingsSchema.parse({ ...current, ...patch });
  const updated = await db.shop.update({ where: { id: shop.id }, data: { settings: JSON.stringify(next) } });
  forgetShop(domain);
  if (next.lowStockThreshold !== current.lowStockThreshold) await recomputeLowStock(db, updated);
  return next;
}

// ------------------------------------------------------------------- per-process shop cache

/**
 * How long a process may reuse a Shop row it read for webhook processing. Every write this
 * module makes (install, uninstall, scopes, details, settings) drops the entry at once, so the
 * process that made the change sees it on its next delivery. Other processes (several share
 * PostgreSQL; the CLI is one too) only learn of it when their entry expires: a short TTL bounds
 * that, at one read per shop per second. A version check instead would be a query per delivery,
 * which costs about what reading the row does: exactly what the cache saves. One second is of
 * the order of the window that exists anyway: a delivery another process claimed just before a
 * change commits is processed under the old settings, cache or not.
 */
export const SHOP_CACHE_TTL_MS = 1000;

interface CachedShop {
  /** null: dropped by a write; read through (never stored) until `until`. */
  shop: Shop | null;
  until: number;
}

const shopCache = new Map<string, CachedShop>();

/**
 * Drops the domain's cached row. For the next TTL the domain is also read through, never
 * stored: a write made inside a transaction (e.g. the program settings, saved with their audit
 * row) calls this before it commits, and a read between the two would otherwise cache the old
 * row on PostgreSQL, where readers do not wait for the writer.
 */
export function forgetShop(domain: string): void {
  shopCache.set(domain, { shop: null, until: performance.now() + SHOP_CACHE_TTL_MS });
}

/**
 * `ensureShop` for the webhook handlers, served from this process's cache for up to
 * SHOP_CACHE_TTL_MS. Only for processing that may act on a row up to that old; outbound work
 * (requireActiveShop) and settings forms read the database.
 */
export async function cachedShop(db: Database, domain: string): Promise<Shop> {
  const entry = shopCache.get(domain);
  if (entry?.shop && entry.until > performance.now()) return entry.shop;
  const shop = await ensureShop(db, domain);
  const now = performance.now();
  // Stored only if nothing dropped or replaced the entry while the row was being read.
  const readThrough = entry && !entry.shop && entry.until > now;
  if (!readThrough && shopCache.get(domain) === entry) {
    if (shopCache.size >= 10_000) pruneShopCache(now);
    shopCache.set(domain, { shop, until: now + SHOP_CACHE_TTL_MS });
  }
  return shop;
}

function pruneShopCache(now: number): void {
  for (const [domain, entry] of shopCache) if (entry.until <= now) shopCache.delete(domain);
}
