import { afterEach, describe, expect, it, vi } from "vitest";
import db from "../app/db.server";
import { recordDelivery } from "../app/services/inbox/inbox.server";
import { systemClock } from "../app/lib/clock";
import { loader as appLoader } from "../app/routes/app";
import { loader as dashboardLoader } from "../app/routes/app._index";
import { loader as settingsLoader } from "../app/routes/app.settings";
import { loader as healthz } from "../app/routes/healthz";
import { pingDatabase } from "../app/db.server";
import { fakeShopify, adminRequest, embeddedDocumentRequest, installTestShop, uniqueShop } from "./support/shopify";

const args = (request: Request) => ({ request, params: {}, context: {} });

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the embedded admin", () => {
  it("loads the app shell from a document request carrying a session token, with no network but connecting the web pixel", async () => {
    const shop = uniqueShop();
    await installTestShop(shop);
    const requestsBefore = fakeShopify.store.requests.length;

    const data = await appLoader(args(await embeddedDocumentRequest("/app", shop)));

    expect(data).toMatchObject({ apiKey: "roost-test-api-key" });
    // Authentication needs no network; the first load after install creates Roost's pixel.
    const requests = fakeShopify.store.requests.slice(requestsBefore);
    expect(requests.map((request) => /mutation (\w+)/.exec(request.query ?? "")?.[1])).toEqual(["RoostWebPixelCreate"]);
    const again = fakeShopify.store.requests.length;
    await appLoader(args(await embeddedDocumentRequest("/app", shop)));
    expect(fakeShopify.store.requests.length).toBe(again);
  });

  it("renders the Dashboard data for the shop in the session token", async () => {
    const shop = uniqueShop();
    await installTestShop(shop, { name: "Hazel & Pine", currency: "CAD", timezone: "America/Toronto" });
    await recordDelivery(db, { shopDomain: shop, topic: "app/scopes_update", webhookId: `w-${shop}`, apiVersion: "2026-10", payload: "{}" }, systemClock);

    const data = await dashboardLoader(args(await adminRequest("/app", shop)));

    expect(data.shop).toEqual({ domain: shop, name: "Hazel & Pine", installed: true, timezone: "America/Toronto", currency: "CAD" });
    expect(data.health.inbox).toMatchObject({ pending: 1, processed: 0, failed: 0, dead: 0 });
    expect(data.recentDeliveries).toEqual([expect.objectContaining({ webhookId: `w-${shop}`, topic: "app/scopes_update", status: "pending" })]);
  });

  it("counts the inbox per status from what was stored: processed over the last 24 h, the rest in full, each topic's latest delivery", async () => {
    const shop = uniqueShop();
    const other = uniqueShop();
    await installTestShop(shop);
    const now = Date.now();
    const ago = (hours: number) => new Date(now - hours * 3600_000);
    const rows = [
      { topic: "orders/paid", status: "processed", receivedAt: ago(1), processedAt: ago(0.5) },
      { topic: "orders/paid", status: "processed", receivedAt: ago(30), processedAt: ago(29) },
      { topic: "orders/create", status: "processed", receivedAt: ago(2), processedAt: ago(2) },
      { topic: "orders/create", status: "pending", receivedAt: ago(0.01), processedAt: null },
      { topic: "customers/update", status: "failed", receivedAt: ago(48), processedAt: null },
      { topic: "customers/update", status: "dead", receivedAt: ago(72), processedAt: null },
      { topic: "collections/update", status: "unhandled", receivedAt: ago(5), processedAt: null },
    ];
    await db.webhookDelivery.createMany({
      data: [
        ...rows.map((row, index) => ({ ...row, shopDomain: shop, webhookId: `c${index}-${shop}`, apiVersion: "2026-10", payload: "{}" })),
        // Another shop's newer deliveries count for neither.
        { shopDomain: other, topic: "orders/paid", status: "processed", receivedAt: ago(0), processedAt: ago(0), webhookId: `o-${other}`, apiVersion: "2026-10", payload: "{}" },
      ],
    });

    const { health } = await dashboardLoader(args(await adminRequest("/app", shop)));

    expect(health.inbox).toMatchObject({ processed: 2, pending: 1, failed: 1, dead: 1, unhandled: 1, parked: 0 });
    expect(health.lastDeliveryByTopic).toEqual([
      { topic: "collections/update", receivedAt: ago(5).toISOString() },
      { topic: "customers/update", receivedAt: ago(48).toISOString() },
      { topic: "orders/create", receivedAt: ago(0.01).toISOString() },
      { topic: "orders/paid", receivedAt: ago(1).toISOString() },
    ]);
    expect(health.lastSyncAt).toBe(ago(0.5).toISOString());
  });

  it("shows a token for another shop none of this shop's data", async () => {
    const mine = uniqueShop();
    const theirs = uniqueShop();
    await installTestShop(mine, { name: "Mine" });
    await installTestShop(theirs, { name: "Theirs" });
    await recordDelivery(db, { shopDomain: mine, topic: "app/uninstalled", webhookId: `w-${mine}`, apiVersion: "2026-10", payload: "{}" }, systemClock);

    const data = await dashboardLoader(args(await adminRequest("/app", theirs)));
    const settings = await settingsLoader(args(await adminRequest("/app/settings", theirs)));

    expect(data.shop.name).toBe("Theirs");
    expect(data.health.inbox).toMatchObject({ pending: 0, processed: 0, failed: 0, dead: 0 });
    expect(data.recentDeliveries).toEqual([]);
    const mineRow = await db.shop.findUniqueOrThrow({ where: { domain: mine } });
    expect(settings.domain).toBe(theirs);
    expect(settings.orgId).not.toBe(mineRow.orgId);
  });

  it("rejects a session token signed with another secret", async () => {
    const shop = uniqueShop();
    await installTestShop(shop);
    const request = await adminRequest("/app", shop);
    request.headers.set("Authorization", `Bearer ${(request.headers.get("Authorization") ?? "").slice(7, -4)}abcd`);

    const response = await dashboardLoader(args(request)).catch((thrown: Response) => thrown);

    expect(response).toBeInstanceOf(Response);
    expect((response as Response).status).toBe(401);
  });
});

describe("/healthz", () => {
  it("answers 200 when the database is reachable", async () => {
    const response = await healthz();
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok", database: "up" });
  });

  it("answers 503 when the database is not", async () => {
    vi.spyOn(db, "$queryRawUnsafe").mockRejectedValue(new Error("connection refused"));
    const response = await healthz();
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: "unavailable", database: "down" });
  });

  it("reports a database that does not answer in time as down", async () => {
    vi.spyOn(db, "$queryRawUnsafe").mockReturnValue(new Promise(() => undefined) as never);
    expect(await pingDatabase(db, 50)).toBe(false);
  });
});

describe("settings", () => {
  it("changes the low-stock threshold and re-flags variants", async () => {
    const { action } = await import("../app/routes/app.settings");
    const shop = uniqueShop();
    await installTestShop(shop);
    const { id: shopId } = await db.shop.findUniqueOrThrow({ where: { domain: shop } });
    await db.variant.create({ data: { shopId, gid: "gid://shopify/ProductVariant/1", productGid: "gid://shopify/Product/1", price: 100, available: 8, lowStock: false, shopifyUpdatedAt: new Date() } });

    const save = async (value: string) =>
      action(args(await adminRequest("/app/settings", shop, { method: "POST", body: new URLSearchParams({ lowStockThreshold: value }) })));

    expect(await save("10")).toMatchObject({ saved: true, settings: { lowStockThreshold: 10, countShipping: false } });
    expect((await db.variant.findFirstOrThrow({ where: { shopId } })).lowStock).toBe(true);
    expect(await save("-1")).toEqual({ saved: false, errors: { lowStockThreshold: "Enter 0 or more" } });
    expect(await save("2.5")).toEqual({ saved: false, errors: { lowStockThreshold: "Enter a whole number" } });
    expect(await save("3")).toMatchObject({ saved: true });
    expect((await db.variant.findFirstOrThrow({ where: { shopId } })).lowStock).toBe(false);
  });
});

describe("run backfill from the Dashboard", () => {
  it("starts a backfill for the session's shop and shows its progress", async () => {
    const { action } = await import("../app/routes/app._index");
    const { waitForBackfill } = await import("../app/services/sync/backfill.server");
    const { logger } = await import("../app/lib/logger.server");
    const { systemClock } = await import("../app/lib/clock");
    const { databaseCapStore } = await import("../app/services/ledger/cap.server");
    const shop = uniqueShop();
    await installTestShop(shop);
    fakeShopify.store.addCustomer(shop, { email: "one@example.com" });
    fakeShopify.store.addCustomer(shop, { email: "two@example.com" });

    const result = await action(args(await adminRequest("/app", shop, { method: "POST", body: new URLSearchParams() })));
    expect(result).toEqual({ backfill: "running" });
    await waitForBackfill({ db, clock: systemClock, logger, capStore: databaseCapStore }, shop, { timeoutMs: 20_000 });

    const data = await dashboardLoader(args(await adminRequest("/app", shop)));
    expect(data.health.counts.customers).toBe(2);
    expect(data.health.backfill.find((run) => run.resource === "customers")).toMatchObject({ status: "completed", done: 2, total: 2 });
  });
});
