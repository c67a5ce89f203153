import { afterEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { WebPixelCreateMutation } from "../../app/graphql/WebPixelCreateMutation";
import { WebPixelDeleteMutation } from "../../app/graphql/WebPixelDeleteMutation";
import { logger } from "../../app/lib/logger.server";
import { loader as appLoader } from "../../app/routes/app";
import { action, loader } from "../../app/routes/app.settings";
import { connectPixel, disconnectPixel, ensurePixelConnected, type PixelDeps, pixelStatus } from "../../app/services/pixel/connection.server";
import { parseShopSettings } from "../../app/services/program/settings";
import { adminClientFor } from "../../app/services/shopify/admin.server";
import { markShopUninstalled } from "../../app/services/shops/shops.server";
import { DEFAULT_WEB_PIXEL_SETTINGS } from "../support/fake-shopify";
import { APP_URL } from "../support/constants";
import { adminRequest, fakeShopify, installTestShop, uniqueShop } from "../support/shopify";

const args = (request: Request) => ({ request, params: {}, context: {} });
const NOW = new Date("2026-12-05T12:00:00Z");
const deps: PixelDeps = { db, clock: { now: () => NOW }, logger, adminFor: adminClientFor };

async function installed() {
  const shop = uniqueShop("pixel");
  await installTestShop(shop);
  const row = await db.shop.findUniqueOrThrow({ where: { domain: shop } });
  return { shop, shopId: row.id, orgId: row.orgId };
}

const pixelIn = (shop: string) => fakeShopify.store.findState(shop)?.webPixel ?? null;
const settingsIn = (shop: string) => JSON.parse(pixelIn(shop)!.settings) as Record<string, string>;
const shopRow = (shop: string) => db.shop.findUniqueOrThrow({ where: { domain: shop } });
const pixelCalls = (shop: string) =>
  fakeShopify.store.requests.filter((request) => request.shop === shop && /webPixel/.test(String(request.query ?? ""))).length;

async function post(shop: string, fields: Record<string, string>) {
  return action(args(await adminRequest("/app/settings", shop, { method: "POST", body: new URLSearchParams(fields) })));
}

afterEach(() => {
  fakeShopify.store.webPixelSettings = DEFAULT_WEB_PIXEL_SETTINGS;
});

describe("connecting Roost's web pixel", () => {
  it("creates the pixel on the first admin load with every settings key, stores its id, and leaves it alone on later loads", async () => {
    const { shop, orgId } = await installed();
    expect(pixelIn(shop)).toBeNull();

    await appLoader(args(await adminRequest("/app", shop)));

    const pixel = pixelIn(shop)!;
    expect(pixel.id).toMatch(/^gid:\/\/shopify\/WebPixel\/\d+$/);
    expect(settingsIn(shop)).toEqual({ orgId, apiEndpoint: `${APP_URL}/ingest/events`, samplingRate: "1", enableConsoleLogging: "false", metaPixelId: "" });
    expect((await shopRow(shop)).webPixelGid).toBe(pixel.id);

    const calls = pixelCalls(shop);
    await appLoader(args(await adminRequest("/app", shop)));
    expect(await ensurePixelConnected(deps, shop, APP_URL)).toBeNull();
    expect(pixelCalls(shop)).toBe(calls);
    expect(pixelIn(shop)?.id).toBe(pixel.id);
  });

  it("shows why when Shopify refuses the settings (a key the pixel defines that Roost does not send), and connects once they match", async () => {
    const { shop } = await installed();
    fakeShopify.store.webPixelSettings = [...DEFAULT_WEB_PIXEL_SETTINGS, "currency"];

    const refused = await ensurePixelConnected(deps, shop, APP_URL);
    expect(refused).toMatchObject({ ok: false, connected: false, code: "INVALID_SETTINGS" });
    const result = await post(shop, { intent: "pixel-connect" });
    expect(result).toMatchObject({ form: "pixel", ok: false, code: "INVALID_SETTINGS" });
    expect("message" in result && result.message).toMatch(/^Shopify did not accept Roost's pixel settings, so the pixel could not connect\. .*try again in a few minutes.*\(Shopify: Settings is missing 'currency'/);
    expect(pixelIn(shop)).toBeNull();
    expect((await shopRow(shop)).webPixelGid).toBeNull();

    fakeShopify.store.webPixelSettings = DEFAULT_WEB_PIXEL_SETTINGS;
    expect(await post(shop, { intent: "pixel-connect" })).toMatchObject({ ok: true, connected: true, message: "Roost's pixel is connected." });
    expect((await shopRow(shop)).webPixelGid).toBe(pixelIn(shop)?.id);
  });

  it("says so when the app's pixel extension is not available", async () => {
    const { shop } = await installed();
    fakeShopify.store.webPixelSettings = null;
    const outcome = await connectPixel(deps, shop, APP_URL);
    expect(outcome).toMatchObject({ ok: false, code: "NO_EXTENSION" });
    expect(!outcome.ok && outcome.message).toMatch(/^Roost's pixel is not available to your store yet, so it could not connect\. Try Connect again later/);
  });

  it("adopts the pixel the app already has on the shop (TAKEN) and brings its settings up to date", async () => {
    const { shop, orgId } = await installed();
    const old = { orgId, apiEndpoint: "https://old.example/ingest/events", samplingRate: "0.1", enableConsoleLogging: "true", metaPixelId: "" };
    const existing = fakeShopify.graphql<{ webPixelCreate: { webPixel: { id: string } } }>(shop, WebPixelCreateMutation, { webPixel: { settings: JSON.stringify(old) } }).body.data!.webPixelCreate.webPixel.id;

    expect(await ensurePixelConnected(deps, shop, APP_URL)).toEqual({ ok: true, connected: true });

    expect((await shopRow(shop)).webPixelGid).toBe(existing);
    expect(pixelIn(shop)?.id).toBe(existing);
    expect(settingsIn(shop)).toEqual({ orgId, apiEndpoint: `${APP_URL}/ingest/events`, samplingRate: "1", enableConsoleLogging: "false", metaPixelId: "" });
  });

  it("saves the pixel settings and sends them with webPixelUpdate", async () => {
    const { shop } = await installed();
    await ensurePixelConnected(deps, shop, APP_URL);
    const id = pixelIn(shop)!.id;

    const result = await post(shop, { intent: "pixel-settings", samplingRate: "0.5", metaPixelId: "1234567890", enableConsoleLogging: "true" });

    expect(result).toMatchObject({ form: "pixel", ok: true, connected: true, message: "Pixel settings saved." });
    expect(pixelIn(shop)?.id).toBe(id);
    expect(settingsIn(shop)).toMatchObject({ samplingRate: "0.5", metaPixelId: "1234567890", enableConsoleLogging: "true" });
    expect(parseShopSettings((await shopRow(shop)).settings).pixel).toEqual({
      samplingRate: "0.5",
      metaPixelId: "1234567890",
      enableConsoleLogging: true,
      disconnected: false,
      installedAt: (await shopRow(shop)).installedAt.toISOString(),
    });
  });

  it("creates the pixel again when Shopify no longer has it (NOT_FOUND on update)", async () => {
    const { shop } = await installed();
    await ensurePixelConnected(deps, shop, APP_URL);
    const gone = pixelIn(shop)!.id;
    // Removed outside Roost (the merchant's Customer events page, or an earlier uninstall).
    fakeShopify.graphql(shop, WebPixelDeleteMutation, { id: gone });

    const result = await post(shop, { intent: "pixel-settings", samplingRate: "0.75", metaPixelId: "" });

    expect(result).toMatchObject({ ok: true, connected: true });
    const fresh = pixelIn(shop)!;
    expect(fresh.id).not.toBe(gone);
    expect((await shopRow(shop)).webPixelGid).toBe(fresh.id);
    expect(settingsIn(shop).samplingRate).toBe("0.75");
  });

  it("refuses a sampling rate outside 0 to 1 and a Meta pixel ID with letters, with field errors, saving and sending nothing", async () => {
    const { shop } = await installed();
    await ensurePixelConnected(deps, shop, APP_URL);
    const before = pixelIn(shop)!.settings;
    const calls = pixelCalls(shop);

    for (const [samplingRate, metaPixelId, errors] of [
      ["1.5", "", { samplingRate: "Enter a number between 0 and 1, such as 1 or 0.25" }],
      ["-0.1", "", { samplingRate: "Enter a number between 0 and 1, such as 1 or 0.25" }],
      ["", "", { samplingRate: "Enter a number between 0 and 1, such as 1 or 0.25" }],
      ["0.5", "12ab", { metaPixelId: "A Meta pixel ID is made of digits only, such as 1234567890" }],
      ["half", "x", { samplingRate: "Enter a number between 0 and 1, such as 1 or 0.25", metaPixelId: "A Meta pixel ID is made of digits only, such as 1234567890" }],
    ] as const) {
      const result = await post(shop, { intent: "pixel-settings", samplingRate, metaPixelId });
      expect(result, `${samplingRate} ${metaPixelId}`).toMatchObject({ form: "pixel", ok: false, errors });
      expect("errors" in result && result.errors).toEqual(errors);
    }
    expect(pixelIn(shop)!.settings).toBe(before);
    expect(pixelCalls(shop)).toBe(calls);
    expect(parseShopSettings((await shopRow(shop)).settings).pixel.samplingRate).toBe("1");
  });

  it("disconnects with webPixelDelete, stays disconnected on later admin loads, and connects again with Connect", async () => {
    const { shop } = await installed();
    await ensurePixelConnected(deps, shop, APP_URL);

    expect(await post(shop, { intent: "pixel-disconnect" })).toMatchObject({ ok: true, connected: false });
    expect(pixelIn(shop)).toBeNull();
    expect((await shopRow(shop)).webPixelGid).toBeNull();

    await appLoader(args(await adminRequest("/app", shop)));
    expect(pixelIn(shop)).toBeNull();
    // Settings saved while disconnected are kept for the next Connect, and nothing is sent.
    expect(await post(shop, { intent: "pixel-settings", samplingRate: "0.3", metaPixelId: "" })).toMatchObject({ ok: true, connected: false });
    expect(pixelIn(shop)).toBeNull();

    expect(await post(shop, { intent: "pixel-connect" })).toMatchObject({ ok: true, connected: true });
    expect(settingsIn(shop).samplingRate).toBe("0.3");
    expect((await shopRow(shop)).webPixelGid).toBe(pixelIn(shop)?.id);
    expect(parseShopSettings((await shopRow(shop)).settings).pixel.disconnected).toBe(false);
  });

  it("creates the pixel again on the first admin load after a reinstall (Shopify removed it with the uninstall)", async () => {
    const { shop } = await installed();
    await appLoader(args(await adminRequest("/app", shop)));
    const first = pixelIn(shop)!.id;
    // Uninstalling removes the app's pixel at Shopify; the Shop row (and its old id) stays.
    fakeShopify.graphql(shop, WebPixelDeleteMutation, { id: first });
    await markShopUninstalled(db, shop);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await installTestShop(shop);

    await appLoader(args(await adminRequest("/app", shop)));

    const second = pixelIn(shop)!.id;
    expect(second).not.toBe(first);
    expect((await shopRow(shop)).webPixelGid).toBe(second);
    const calls = pixelCalls(shop);
    await appLoader(args(await adminRequest("/app", shop)));
    expect(pixelCalls(shop)).toBe(calls);
  });

  it("treats a pixel Shopify already removed as disconnected", async () => {
    const { shop } = await installed();
    await ensurePixelConnected(deps, shop, APP_URL);
    fakeShopify.graphql(shop, WebPixelDeleteMutation, { id: pixelIn(shop)!.id });

    expect(await disconnectPixel(deps, shop)).toEqual({ ok: true, connected: false });
    expect((await shopRow(shop)).webPixelGid).toBeNull();
  });

  it("tells the merchant to approve access when Shopify refuses Roost's token (401)", async () => {
    const { shop } = await installed();
    await db.session.update({ where: { id: `offline_${shop}` }, data: { accessToken: "shpat_revoked" } });
    const outcome = await connectPixel(deps, shop, APP_URL);
    expect(outcome).toMatchObject({ ok: false, connected: false });
    expect(!outcome.ok && outcome.message).toMatch(/^Roost is not allowed to manage pixels in your store, so it could not connect its pixel\. Open Roost from your Shopify admin/);
  });

  it("never fails the admin load: without an offline session the first load reports it and connects nothing", async () => {
    const { shop } = await installed();
    await db.session.deleteMany({ where: { shop } });

    const outcome = await ensurePixelConnected(deps, shop, APP_URL);

    expect(outcome).toMatchObject({ ok: false, connected: false, code: null });
    expect(outcome && !outcome.ok && outcome.message).toMatch(/^Roost is not allowed to manage pixels in your store/);
    expect(pixelIn(shop)).toBeNull();
    expect((await shopRow(shop)).webPixelGid).toBeNull();
  });

  it("shows the status, the Organization ID, the last event and the events of the last 24 hours", async () => {
    const { shop, shopId, orgId } = await installed();
    await ensurePixelConnected(deps, shop, APP_URL);
    const event = (id: string, hoursAgo: number) => ({
      shopId,
      eventId: id,
      clientId: "visitor-1",
      name: "page_viewed",
      occurredAt: new Date(Date.now() - hoursAgo * 3_600_000),
      receivedAt: new Date(Date.now() - hoursAgo * 3_600_000),
    });
    await db.pixelEvent.createMany({ data: [event("e1", 30), event("e2", 2), event("e3", 3)] });

    const status = await pixelStatus({ db, clock: { now: () => new Date() } }, shop);
    expect(status).toMatchObject({ connected: true, orgId, eventsLast24h: 2 });
    const loaded = await loader(args(await adminRequest("/app/settings", shop)));
    expect(loaded.pixel).toMatchObject({ connected: true, orgId, eventsLast24h: 2, lastEventAgo: "2 hours ago", settings: { samplingRate: "1", metaPixelId: "", enableConsoleLogging: false } });
  });
});
