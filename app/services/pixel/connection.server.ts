import type { Database } from "../../db.server";
import { type WebPixelCreateData, WebPixelCreateMutation, type WebPixelUserError } from "../../graphql/WebPixelCreateMutation";
import { type WebPixelDeleteData, WebPixelDeleteMutation } from "../../graphql/WebPixelDeleteMutation";
import { type WebPixelData, WebPixelQuery } from "../../graphql/WebPixelQuery";
import { type WebPixelUpdateData, WebPixelUpdateMutation } from "../../graphql/WebPixelUpdateMutation";
import type { Clock } from "../../lib/clock";
import type { Logger } from "../../lib/logger.server";
import { type PixelSettings, parseShopSettings } from "../program/settings";
import { AdminTerminalError, AdminTransientError } from "../shopify/admin-client.server";
import type { AdminClientFactory } from "../shopify/admin.server";
import { findShop, forgetShop, ShopNotActiveError, updateShopSettings } from "../shops/shops.server";
import type { EditablePixelSettings } from "./form";
import { type PixelAction, pixelErrorMessage, pixelFailureMessage } from "./messages";

/**
 * Roost's web pixel on a shop: created on the first admin load after install, updated when the
 * merchant changes its settings, deleted on Disconnect. The pixel's id is kept on the Shop row
 * (`webPixelGid`); the merchant's pixel settings in the shop's settings (`pixel`).
 */
export interface PixelDeps {
  db: Database;
  clock: Clock;
  logger: Logger;
  adminFor: AdminClientFactory;
}

export type PixelOutcome = { ok: true; connected: boolean } | { ok: false; connected: boolean; code: string | null; message: string };

/** Every settings key the extension defines, as strings: Shopify rejects a missing or extra key. */
export function webPixelSettings(orgId: string, appUrl: string, pixel: PixelSettings): Record<string, string> {
  return {
    orgId,
    apiEndpoint: `${appUrl.replace(/\/+$/, "")}/ingest/events`,
    samplingRate: pixel.samplingRate,
    enableConsoleLogging: pixel.enableConsoleLogging ? "true" : "false",
    metaPixelId: pixel.metaPixelId,
  };
}

class PixelUserError extends Error {
  constructor(readonly error: WebPixelUserError) {
    super(error.message);
  }
}

async function shopOrThrow(db: Database, domain: string) {
  const shop = await findShop(db, domain);
  if (!shop) throw new Error(`Unknown shop ${domain}`);
  return shop;
}

async function setPixelGid(db: Database, shopId: string, gid: string | null): Promise<void> {
  const shop = await db.shop.update({ where: { id: shopId }, data: { webPixelGid: gid } });
  forgetShop(shop.domain);
}

function failure(action: PixelAction, error: unknown, connected: boolean): PixelOutcome {
  if (error instanceof PixelUserError) return { ok: false, connected, code: error.error.code ?? null, message: pixelErrorMessage(action, error.error) };
  if (error instanceof AdminTerminalError) return { ok: false, connected, code: null, message: pixelFailureMessage(action, error.status, false) };
  if (error instanceof AdminTransientError) return { ok: false, connected, code: null, message: pixelFailureMessage(action, undefined, true) };
  // No offline session (yet): the same as Shopify refusing the token.
  if (error instanceof ShopNotActiveError) return { ok: false, connected, code: null, message: pixelFailureMessage(action, 401, false) };
  throw error;
}

/**
 * Creates the pixel with the shop's current settings; TAKEN means the app already has one on the
 * shop (created before the id was stored): Roost reads it and adopts it, then brings its settings
 * up to date.
 */
async function createPixel(deps: PixelDeps, domain: string, appUrl: string): Promise<string> {
  const shop = await shopOrThrow(deps.db, domain);
  const settings = JSON.stringify(webPixelSettings(shop.orgId, appUrl, parseShopSettings(shop.settings).pixel));
  const admin = await deps.adminFor(deps.db, domain);
  const created = await admin.request<WebPixelCreateData>(WebPixelCreateMutation, { webPixel: { settings } });
  const errors = created.webPixelCreate?.userErrors ?? [];
  let gid = created.webPixelCreate?.webPixel?.id ?? null;
  if (errors.some((error) => error.code === "TAKEN")) {
    const existing = await admin.request<WebPixelData>(WebPixelQuery);
    gid = existing.webPixel?.id ?? null;
    if (!gid) throw new PixelUserError(errors[0]);
    const updated = await admin.request<WebPixelUpdateData>(WebPixelUpdateMutation, { id: gid, webPixel: { settings } });
    const updateError = updated.webPixelUpdate?.userErrors[0];
    if (updateError) throw new PixelUserError(updateError);
  } else if (errors.length > 0) {
    throw new PixelUserError(errors[0]);
  }
  if (!gid) throw new AdminTransientError("webPixelCreate answered without a pixel");
  await setPixelGid(deps.db, shop.id, gid);
  deps.logger.info({ shop: domain, webPixel: gid }, "web pixel connected");
  return gid;
}

/** Connect: creates (or adopts) the pixel and clears the merchant's earlier Disconnect. */
export async function connectPixel(deps: PixelDeps, domain: string, appUrl: string): Promise<PixelOutcome> {
  const settings = parseShopSettings((await shopOrThrow(deps.db, domain)).settings);
  if (settings.pixel.disconnected) await updateShopSettings(deps.db, domain, { pixel: { ...settings.pixel, disconnected: false } });
  try {
    await createPixel(deps, domain, appUrl);
    return { ok: true, connected: true };
  } catch (error) {
    return failure("connect", error, false);
  }
}

/**
 * The first admin load after install: connects the pixel unless it is connected already or the
 * merchant disconnected it. Never throws: the admin page loads whatever Shopify answers, and the
 * next load tries again.
 */
export async function ensurePixelConnected(deps: PixelDeps, domain: string, appUrl: string): Promise<PixelOutcome | null> {
  const shop = await findShop(deps.db, domain);
  if (!shop || !shop.installed) return null;
  const { pixel } = parseShopSettings(shop.settings);
  const install = shop.installedAt.toISOString();
  let gid = shop.webPixelGid;
  if (pixel.installedAt !== install) {
    // The first admin load of this install: a pixel id kept from an earlier install is gone at
    // Shopify (an uninstall removes the app's pixel); if it is not, create answers TAKEN and adopts it.
    if (gid) await setPixelGid(deps.db, shop.id, (gid = null));
    await updateShopSettings(deps.db, domain, { pixel: { ...pixel, installedAt: install } });
  }
  if (gid || pixel.disconnected) return null;
  try {
    await createPixel(deps, domain, appUrl);
    return { ok: true, connected: true };
  } catch (error) {
    deps.logger.warn({ shop: domain, err: error }, "could not connect the web pixel; the next admin load tries again");
    try {
      return failure("connect", error, false);
    } catch {
      return { ok: false, connected: false, code: null, message: pixelFailureMessage("connect", undefined, false) };
    }
  }
}

/**
 * Saves the merchant's pixel settings and sends them to Shopify. A pixel Shopify no longer has
 * (NOT_FOUND: removed under Customer events, or gone with an earlier uninstall) is created again
 * with the new settings, unless the merchant disconnected it.
 */
export async function updatePixelSettings(
  deps: PixelDeps,
  domain: string,
  appUrl: string,
  pixel: EditablePixelSettings,
): Promise<PixelOutcome> {
  const before = parseShopSettings((await shopOrThrow(deps.db, domain)).settings);
  const saved = await updateShopSettings(deps.db, domain, { pixel: { ...before.pixel, ...pixel } });
  const shop = await shopOrThrow(deps.db, domain);
  if (!shop.webPixelGid) {
    if (saved.pixel.disconnected) return { ok: true, connected: false };
    return connectPixel(deps, domain, appUrl);
  }
  try {
    const admin = await deps.adminFor(deps.db, domain);
    const settings = JSON.stringify(webPixelSettings(shop.orgId, appUrl, saved.pixel));
    const updated = await admin.request<WebPixelUpdateData>(WebPixelUpdateMutation, { id: shop.webPixelGid, webPixel: { settings } });
    const error = updated.webPixelUpdate?.userErrors[0];
    if (error?.code === "NOT_FOUND") {
      await setPixelGid(deps.db, shop.id, null);
      deps.logger.info({ shop: domain, webPixel: shop.webPixelGid }, "web pixel gone from Shopify; creating it again");
      return connectPixel(deps, domain, appUrl);
    }
    if (error) throw new PixelUserError(error);
    return { ok: true, connected: true };
  } catch (error) {
    return failure("update", error, true);
  }
}

/** Disconnect: deletes the pixel (one Shopify no longer has counts as deleted) and remembers the choice. */
export async function disconnectPixel(deps: PixelDeps, domain: string): Promise<PixelOutcome> {
  const shop = await shopOrThrow(deps.db, domain);
  const settings = parseShopSettings(shop.settings);
  if (shop.webPixelGid) {
    try {
      const admin = await deps.adminFor(deps.db, domain);
      const deleted = await admin.request<WebPixelDeleteData>(WebPixelDeleteMutation, { id: shop.webPixelGid });
      const error = deleted.webPixelDelete?.userErrors[0];
      if (error && error.code !== "NOT_FOUND") throw new PixelUserError(error);
    } catch (error) {
      return failure("disconnect", error, true);
    }
    await setPixelGid(deps.db, shop.id, null);
    deps.logger.info({ shop: domain, webPixel: shop.webPixelGid }, "web pixel disconnected");
  }
  await updateShopSettings(deps.db, domain, { pixel: { ...settings.pixel, disconnected: true } });
  return { ok: true, connected: false };
}

export interface PixelStatus {
  connected: boolean;
  orgId: string;
  settings: PixelSettings;
  /** When the newest event was received; null before the first. */
  lastEventAt: Date | null;
  eventsLast24h: number;
}

/** The pixel is connected while Shopify's id for it is kept (Settings shows Connected). */
export const pixelConnected = (shop: { webPixelGid: string | null }): boolean => shop.webPixelGid !== null && shop.webPixelGid !== "";

/** What the Settings card shows: the connection, the Organization ID and what the pixel sent lately. */
export async function pixelStatus(deps: Pick<PixelDeps, "db" | "clock">, domain: string): Promise<PixelStatus | null> {
  const shop = await findShop(deps.db, domain);
  if (!shop) return null;
  const since = new Date(deps.clock.now().getTime() - 24 * 3_600_000);
  const [last, eventsLast24h] = await Promise.all([
    deps.db.pixelEvent.findFirst({ where: { shopId: shop.id }, orderBy: { receivedAt: "desc" }, select: { receivedAt: true } }),
    deps.db.pixelEvent.count({ where: { shopId: shop.id, receivedAt: { gte: since } } }),
  ]);
  return { connected: pixelConnected(shop), orgId: shop.orgId, settings: parseShopSettings(shop.settings).pixel, lastEventAt: last?.receivedAt ?? null, eventsLast24h };
}
