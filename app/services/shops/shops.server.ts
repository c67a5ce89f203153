import type { Database, Db } from "../../db.server";
import { type ShopIdentityData, ShopIdentityQuery } from "../../graphql/ShopIdentityQuery";
import type { AdminClient } from "../shopify/admin-client.server";
import type { Clock } from "../../lib/clock";
import { systemClock } from "../../lib/clock";
import { revokeShopTokens } from "../api/tokens.server";
import { releaseParkedDeliveries } from "../inbox/inbox.server";
import { parseShopSettings, type ShopSettings, shopSettingsSchema } from "../program/settings";

export type Shop = Awaited<ReturnType<Database["shop"]["findUniqueOrThrow"]>>;

/** A shop's permanent domain as Shopify names it: `<name>.myshopify.com`, one DNS label of a name. */
export const MYSHOPIFY_DOMAIN = /^[a-z0-9][a-z0-9-]{0,62}\.myshopify\.com$/;

export const isShopDomain = (domain: string): boolean => MYSHOPIFY_DOMAIN.test(domain);

/**
 * Install or reinstall: one row per shop domain, reused across reinstalls. This is the only
 * place a webhook's shop comes into existence (DESIGN, flow rule 6): deliveries that arrived
 * before it were parked, and are released here, after the row is committed, for the worker
 * (`kick` hands their ids to it; without it the worker's poll finds them).
 */
export async function markShopInstalled(
  db: Database,
  input: { domain: string; scopes: string | null; name?: string; timezone?: string; currency?: string },
  clock: Clock = systemClock,
  options: { kick?: (deliveryId: string) => void } = {},
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
  for (const id of await releaseParkedDeliveries(db, input.domain, clock)) options.kick?.(id);
  return shop;
}

/**
 * For a delivery just parked (at ingest, or by the worker): if the shop's row exists by now, it
 * installed in between, possibly after its own release ran, so release again. Reading after
 * the park has committed is what closes that race (markShopInstalled releases only after its
 * row is committed). Returns the released ids, for the worker.
 */
export async function releaseParkedIfKnown(db: Database, domain: string, clock: Clock = systemClock): Promise<string[]> {
  if (!(await findShop(db, domain))) return [];
  return releaseParkedDeliveries(db, domain, clock);
}

/**
 * app/uninstalled: the shop keeps its records but loses access. Its sessions (the access
 * tokens) are deleted, so nothing can call the Admin API for it until it reinstalls, and
 * outbound work checks `installed` before it runs. A domain without a row gets none (only an
 * install creates one): its sessions are still deleted.
 */
export async function markShopUninstalled(
  db: Database,
  domain: string,
  clock: Clock = systemClock,
): Promise<{ sessionsDeleted: number }> {
  const now = clock.now();
  const [updated, sessions] = await db.$transaction([
    db.shop.updateMany({ where: { domain }, data: { installed: false, uninstalledAt: now } }),
    db.session.deleteMany({ where: { shop: domain } }),
  ]);
  // Before anything else: the next delivery of this process must see the shop uninstalled.
  forgetShop(domain);
  const shop = updated.count > 0 ? await findShop(db, domain) : null;
  if (shop) await revokeShopTokens(db, shop.id, { clock });
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

/**
 * The shop's row, created if missing. Only for callers holding an admin session for the domain
 * (the embedded UI, which Shopify opened for an installed shop): a webhook's domain is an
 * unsigned header and never creates a row (`cachedShop`, `markShopInstalled`).
 */
export async function ensureShop(db: Database, domain: string): Promise<Shop> {
  return (await findShop(db, domain)) ?? db.shop.upsert({ where: { domain }, create: { domain }, update: {} });
}

/**
 * shop/update: name, IANA timezone and currency follow the store; the shop's Shopify GID and
 * primary domain are learned from signed payloads. Updates an existing row only.
 */
export async function updateShopDetails(
  db: Database,
  domain: string,
  details: { name?: string; timezone?: string; currency?: string; shopifyGid?: string; primaryDomain?: string },
): Promise<void> {
  await db.shop.updateMany({ where: { domain }, data: details });
  forgetShop(domain);
}

/**
 * At install, with the shop's own token: its Shopify GID and primary domain (so payloads that
 * name their shop can be checked from the first delivery, docs/security.md), name, timezone
 * and currency. A shop whose API answers for another domain is refused, not recorded.
 */
export async function learnShopIdentity(db: Database, domain: string, admin: AdminClient): Promise<ShopIdentityData["shop"]> {
  const { shop } = await admin.request<ShopIdentityData>(ShopIdentityQuery);
  if (shop.myshopifyDomain.toLowerCase() !== domain) throw new Error(`the Admin API answered for ${shop.myshopifyDomain}, not ${domain}`);
  await updateShopDetails(db, domain, {
    shopifyGid: shop.id,
    primaryDomain: shop.primaryDomain.host.toLowerCase(),
    name: shop.name,
    timezone: shop.ianaTimezone,
    currency: shop.currencyCode,
  });
  return shop;
}

export function findShop(db: Db, domain: string): Promise<Shop | null> {
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
 * Merges validated settings into the shop's. A changed low-stock threshold is a signal of its own
 * (applyLowStockThreshold re-flags every variant): the caller applies it.
 * Reads the row itself (never the cache): the merge must start from what is stored.
 */
export async function updateShopSettings(db: Database, domain: string, patch: Partial<ShopSettings>): Promise<ShopSettings> {
  const shop = await ensureShop(db, domain);
  const current = parseShopSettings(shop.settings);
  const next = shopSettingsSchema.parse({ ...current, ...patch });
  await db.shop.update({ where: { id: shop.id }, data: { settings: JSON.stringify(next) } });
  forgetShop(domain);
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
 * `findShop` for the webhook ingest and handlers, served from this process's cache for up to
 * SHOP_CACHE_TTL_MS. Only for processing that may act on a row up to that old; outbound work
 * (requireActiveShop) and settings forms read the database. Never creates a row: null for a
 * domain Roost has no installation record for (not cached, so an install is seen at once).
 */
export async function cachedShop(db: Db, domain: string): Promise<Shop | null> {
  const entry = shopCache.get(domain);
  if (entry?.shop && entry.until > performance.now()) return entry.shop;
  const shop = await findShop(db, domain);
  if (!shop) return null;
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
