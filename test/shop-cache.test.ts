import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import db from "../app/db.server";
import { inboxWorker } from "../app/runtime.server";
import { updateProgramSettings } from "../app/services/program/program.server";
import { applyInventoryLevel, updatePurchasingSummary, upsertOrder, upsertProduct } from "../app/services/mirror/mirror.server";
import { orderFromRest, productFromRest, restOrder, restProduct } from "../app/services/mirror/rest";
import { parseShopSettings } from "../app/services/program/settings";
import { cachedShop, forgetShop, SHOP_CACHE_TTL_MS, updateShopSettings } from "../app/services/shops/shops.server";
import { orderPayload, productPayload, shopPayload } from "./fixtures/rest-payloads";
import { deliver } from "./support/deliver";
import { installTestShop, uniqueShop } from "./support/shopify";

let shop: string;
let shopId: string;
beforeEach(async () => {
  shop = uniqueShop("cache");
  await installTestShop(shop);
  shopId = (await db.shop.findUniqueOrThrow({ where: { domain: shop } })).id;
});
afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * Stops the cache's clock (performance.now) at its current reading, so a slow machine cannot
 * expire an entry between two deliveries; `advance` moves it on.
 */
function freezeCacheClock() {
  let at = performance.now();
  const now = vi.spyOn(performance, "now").mockImplementation(() => at);
  return { advance: (ms: number) => void (at += ms), now };
}

const order = (id: number) => db.order.findUnique({ where: { shopId_gid: { shopId, gid: `gid://shopify/Order/${id}` } } });
const variant = (id: number) => db.variant.findUniqueOrThrow({ where: { shopId_gid: { shopId, gid: `gid://shopify/ProductVariant/${id}` } } });
// 10.00 of goods and 7.50 of shipping: 1000 eligible, 1750 when shipping counts.
const shipped = (id: number) => orderPayload({ id, shipping: "7.50", customerId: 300 + id, lines: [{ id, price: "10.00", quantity: 1 }] });

describe("the per-process shop cache", () => {
  it("stops applying deliveries at once when the shop uninstalls, and applies them again after a reinstall", async () => {
    freezeCacheClock().advance(SHOP_CACHE_TTL_MS);
    await deliver({ topic: "orders/paid", shop, payload: shipped(1) });
    expect(await order(1)).not.toBeNull();

    expect((await deliver({ topic: "app/uninstalled", shop, payload: shopPayload(shop) })).status).toBe("processed");
    const afterUninstall = await deliver({ topic: "orders/paid", shop, payload: shipped(2) });
    const product = await deliver({ topic: "products/create", shop, payload: productPayload({ id: 20, variants: [{ id: 21, price: "5.00", inventoryItemId: 22 }] }) });
    const summary = await deliver({ topic: "customers/purchasing_summary", shop, payload: { customerId: "gid://shopify/Customer/301", numberOfOrders: 9, amountSpent: { amount: "90.00", currencyCode: "USD" }, lastOrderId: null, occurredAt: "2026-11-21T10:00:00-05:00" } });

    // Kept in the inbox (an operator can replay them), nothing written for the shop.
    expect([afterUninstall.status, product.status, summary.status]).toEqual(["processed", "processed", "processed"]);
    expect(await order(2)).toBeNull();
    expect(await db.product.count({ where: { shopId } })).toBe(0);
    expect(await db.customer.findUnique({ where: { shopId_gid: { shopId, gid: "gid://shopify/Customer/301" } } })).toMatchObject({ ordersCount: 0 });
    expect(await db.customer.count({ where: { shopId } })).toBe(1);

    await installTestShop(shop);
    await deliver({ topic: "orders/paid", shop, payload: shipped(3) });
    expect(await order(3)).toMatchObject({ eligibleAmount: 1000 });
  });

  it("honours compliance topics after an uninstall", async () => {
    await deliver({ topic: "orders/paid", shop, payload: shipped(1) });
    await deliver({ topic: "app/uninstalled", shop, payload: shopPayload(shop) });
    const { status } = await deliver({ topic: "customers/redact", shop, payload: { shop_id: 548380009, shop_domain: shop, customer: { id: 301, email: "ana.lima@example.com" }, orders_to_redact: [1] } });
    expect(status).toBe("processed");
    expect(await db.customer.findUniqueOrThrow({ where: { shopId_gid: { shopId, gid: "gid://shopify/Customer/301" } } })).toMatchObject({ email: null, redactedAt: expect.any(Date) });
  });

  it("lets the next delivery see a settings change made in this process (countShipping, low-stock threshold)", async () => {
    freezeCacheClock().advance(SHOP_CACHE_TTL_MS);
    await deliver({ topic: "orders/paid", shop, payload: shipped(1) });
    expect(await order(1)).toMatchObject({ eligibleAmount: 1000 });

    await updateShopSettings(db, shop, { countShipping: true });
    await deliver({ topic: "orders/paid", shop, payload: shipped(2) });
    expect(await order(2)).toMatchObject({ eligibleAmount: 1750 });

    await deliver({ topic: "products/create", shop, payload: productPayload({ id: 40, variants: [{ id: 41, price: "5.00", inventoryItemId: 42, inventoryQuantity: 9 }] }) });
    expect(await variant(41)).toMatchObject({ available: 9, lowStock: false });
    await updateShopSettings(db, shop, { lowStockThreshold: 2 });
    // 3 is low against the default threshold (5), not against 2.
    await deliver({ topic: "inventory_levels/update", shop, payload: { inventory_item_id: 42, location_id: 1, available: 3, updated_at: "2026-11-21T09:00:00-05:00" } });
    expect(await variant(41)).toMatchObject({ available: 3, lowStock: false });
  });

  it("lets the next delivery see program settings saved with their audit row (a write inside a transaction)", async () => {
    freezeCacheClock().advance(SHOP_CACHE_TTL_MS);
    await deliver({ topic: "orders/paid", shop, payload: shipped(1) });
    const { program } = parseShopSettings((await db.shop.findUniqueOrThrow({ where: { id: shopId } })).settings);

    await updateProgramSettings(db, shop, { program, countShipping: true }, "test");
    await deliver({ topic: "orders/paid", shop, payload: shipped(2) });
    expect(await order(2)).toMatchObject({ eligibleAmount: 1750 });
  });

  it("serves the row from the cache for SHOP_CACHE_TTL_MS: another process's change is seen once it has passed", async () => {
    const clock = freezeCacheClock();
    clock.advance(SHOP_CACHE_TTL_MS); // past the read-through window the install opened
    await deliver({ topic: "orders/paid", shop, payload: shipped(1) });
    // Another process's write: this one was not told.
    await db.shop.update({ where: { id: shopId }, data: { settings: JSON.stringify({ countShipping: true }) } });

    await deliver({ topic: "orders/paid", shop, payload: shipped(2) });
    expect(await order(2)).toMatchObject({ eligibleAmount: 1000 });

    clock.advance(SHOP_CACHE_TTL_MS - 1);
    await deliver({ topic: "orders/paid", shop, payload: shipped(3) });
    expect(await order(3)).toMatchObject({ eligibleAmount: 1000 });

    clock.advance(1);
    await deliver({ topic: "orders/paid", shop, payload: shipped(4) });
    expect(await order(4)).toMatchObject({ eligibleAmount: 1750 });
  });

  // `rename` stands for a write of another process: it does not tell this process's cache.
  const rename = (name: string) => db.shop.update({ where: { id: shopId }, data: { name } });

  it("does not keep a row that was being read while the shop changed", async () => {
    freezeCacheClock().advance(SHOP_CACHE_TTL_MS);
    const reading = cachedShop(db, shop);
    forgetShop(shop);
    expect((await reading)?.name).toBe("Roost Test Store");

    await rename("Renamed elsewhere");
    expect((await cachedShop(db, shop))?.name).toBe("Renamed elsewhere");
  });

  it("reads through for SHOP_CACHE_TTL_MS after a change made here, then caches again", async () => {
    const clock = freezeCacheClock();
    forgetShop(shop);
    await rename("A");
    expect((await cachedShop(db, shop))?.name).toBe("A");
    await rename("B");
    expect((await cachedShop(db, shop))?.name).toBe("B");

    clock.advance(SHOP_CACHE_TTL_MS);
    expect((await cachedShop(db, shop))?.name).toBe("B");
    await rename("C");
    expect((await cachedShop(db, shop))?.name).toBe("B");
    clock.advance(SHOP_CACHE_TTL_MS);
    expect((await cachedShop(db, shop))?.name).toBe("C");
  });

  it("never hands out the erased row after shop/redact: the next delivery waits for a new install", async () => {
    freezeCacheClock().advance(SHOP_CACHE_TTL_MS);
    await deliver({ topic: "orders/paid", shop, payload: shipped(1) });
    // Shopify sends shop/redact 48 hours after the uninstall.
    await deliver({ topic: "app/uninstalled", shop, payload: shopPayload(shop) });
    expect((await deliver({ topic: "shop/redact", shop, payload: { shop_id: 548380009, shop_domain: shop } })).status).toBe("processed");
    // The erased row is not handed out (nor a new one made): the next order waits, parked.
    expect((await deliver({ topic: "orders/paid", shop, payload: shipped(2) })).status).toBe("parked");
    expect(await db.shop.findUnique({ where: { domain: shop } })).toBeNull();

    await installTestShop(shop);
    await inboxWorker().idle();
    const reinstalled = await db.shop.findUniqueOrThrow({ where: { domain: shop } });
    expect(reinstalled.id).not.toBe(shopId);
    expect(await db.order.count({ where: { shopId } })).toBe(0);
    expect(await db.order.count({ where: { shopId: reinstalled.id } })).toBe(1);
  });
});

describe("the mirror's single-statement writes", () => {
  const mirrorShop = () => ({ id: shopId, currency: "USD", settings: "{}" });

  it("seeds an order's customer once, with dates Prisma reads back, and never overwrites a real customer", async () => {
    const before = Date.now();
    await upsertOrder(db, mirrorShop(), orderFromRest(restOrder.parse(orderPayload({ id: 1, customerId: 77, email: "Ana@Example.com", lines: [{ id: 1, price: "1.00", quantity: 1 }] }))));
    const stub = await db.customer.findUniqueOrThrow({ where: { shopId_gid: { shopId, gid: "gid://shopify/Customer/77" } } });
    expect(stub).toMatchObject({ email: "ana@example.com", firstName: "Ana", lastName: "Lima", tags: "[]", ordersCount: 0, totalSpent: 0, shopifyUpdatedAt: new Date(0), deletedAt: null });
    expect(stub.createdAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(stub.updatedAt).toEqual(stub.createdAt);
    // Prisma's date filters find it.
    expect(await db.customer.count({ where: { shopId, shopifyUpdatedAt: { lte: new Date(0) }, createdAt: { gte: new Date(before) } } })).toBe(1);

    await db.customer.update({ where: { id: stub.id }, data: { email: "real@example.com", shopifyUpdatedAt: new Date("2026-11-01T00:00:00Z") } });
    await upsertOrder(db, mirrorShop(), orderFromRest(restOrder.parse(orderPayload({ id: 2, customerId: 77, lines: [{ id: 2, price: "1.00", quantity: 1 }] }))));
    expect(await db.customer.findUniqueOrThrow({ where: { id: stub.id } })).toMatchObject({ email: "real@example.com", shopifyUpdatedAt: new Date("2026-11-01T00:00:00Z") });
    expect(await db.customer.count({ where: { shopId } })).toBe(1);
  });

  it("writes an inventory level only when it is newer (or the same instant with another quantity), and says what it did", async () => {
    const level = (available: number, updatedAt: string) => ({ inventoryItemGid: "gid://shopify/InventoryItem/5", locationGid: "gid://shopify/Location/1", available, updatedAt: new Date(updatedAt) });
    await upsertProduct(db, mirrorShop(), productFromRest(restProduct.parse(productPayload({ id: 4, variants: [{ id: 6, price: "1.00", inventoryItemId: 5, inventoryQuantity: 50 }] })), "USD"));

    expect(await applyInventoryLevel(db, mirrorShop(), level(8, "2026-11-21T10:00:00.500Z"))).toBe("created");
    expect(await variant(6)).toMatchObject({ available: 8, lowStock: false });
    expect(await applyInventoryLevel(db, mirrorShop(), level(4, "2026-11-21T10:00:00.500Z"))).toBe("updated");
    expect(await variant(6)).toMatchObject({ available: 4, lowStock: true });
    expect(await applyInventoryLevel(db, mirrorShop(), level(4, "2026-11-21T10:00:00.500Z"))).toBe("unchanged");
    expect(await applyInventoryLevel(db, mirrorShop(), level(90, "2026-11-21T10:00:00.499Z"))).toBe("stale");
    expect(await applyInventoryLevel(db, mirrorShop(), level(6, "2026-11-21T10:00:00.501Z"))).toBe("updated");

    const stored = await db.inventoryLevel.findUniqueOrThrow({
      where: { shopId_inventoryItemGid_locationGid: { shopId, inventoryItemGid: "gid://shopify/InventoryItem/5", locationGid: "gid://shopify/Location/1" } },
    });
    expect(stored).toMatchObject({ available: 6, shopifyUpdatedAt: new Date("2026-11-21T10:00:00.501Z") });
    expect(await variant(6)).toMatchObject({ available: 6, lowStock: false });
  });

  it("repairs the variants when the same level is applied again (the refresh did not run the first time)", async () => {
    await upsertProduct(db, mirrorShop(), productFromRest(restProduct.parse(productPayload({ id: 4, variants: [{ id: 6, price: "1.00", inventoryItemId: 5, inventoryQuantity: 50 }] })), "USD"));
    const level = { inventoryItemGid: "gid://shopify/InventoryItem/5", locationGid: "gid://shopify/Location/1", available: 2, updatedAt: new Date("2026-11-21T10:00:00Z") };
    await applyInventoryLevel(db, mirrorShop(), level);
    await db.variant.updateMany({ where: { shopId }, data: { available: 50, lowStock: false } });

    expect(await applyInventoryLevel(db, mirrorShop(), level)).toBe("unchanged");
    expect(await variant(6)).toMatchObject({ available: 2, lowStock: true });
  });

  it("updates a purchasing summary in one statement, creating a stub, never touching a tombstone", async () => {
    const summary = (gid: string, ordersCount: number) => ({ gid, ordersCount, totalSpent: ordersCount * 1000 });
    expect(await updatePurchasingSummary(db, mirrorShop(), summary("gid://shopify/Customer/1", 2))).toBe("created");
    expect(await db.customer.findUniqueOrThrow({ where: { shopId_gid: { shopId, gid: "gid://shopify/Customer/1" } } })).toMatchObject({
      ordersCount: 2,
      totalSpent: 2000,
      tags: "[]",
      shopifyUpdatedAt: new Date(0),
      deletedAt: null,
    });
    expect(await updatePurchasingSummary(db, mirrorShop(), summary("gid://shopify/Customer/1", 3))).toBe("updated");
    expect(await db.customer.findUniqueOrThrow({ where: { shopId_gid: { shopId, gid: "gid://shopify/Customer/1" } } })).toMatchObject({ ordersCount: 3, totalSpent: 3000 });

    await db.customer.update({ where: { shopId_gid: { shopId, gid: "gid://shopify/Customer/1" } }, data: { deletedAt: new Date("2026-11-21T00:00:00Z") } });
    expect(await updatePurchasingSummary(db, mirrorShop(), summary("gid://shopify/Customer/1", 9))).toBe("stale");
    expect(await db.customer.findUniqueOrThrow({ where: { shopId_gid: { shopId, gid: "gid://shopify/Customer/1" } } })).toMatchObject({ ordersCount: 3 });
  });

  it("marks a backfilled order live on orders/create or orders/paid, even when it changes nothing else", async () => {
    const payload = orderPayload({ id: 9, lines: [{ id: 9, price: "1.00", quantity: 1 }] });
    await upsertOrder(db, mirrorShop(), orderFromRest(restOrder.parse(payload)), { backfilled: true });
    await deliver({ topic: "orders/updated", shop, payload });
    expect(await order(9)).toMatchObject({ backfilled: true });
    await deliver({ topic: "orders/paid", shop, payload });
    expect(await order(9)).toMatchObject({ backfilled: false });
  });

  it("tombstones the variants a product payload no longer lists, and only those", async () => {
    const product = (variants: number[], updatedAt: string) =>
      productFromRest(restProduct.parse(productPayload({ id: 70, updatedAt, variants: variants.map((id) => ({ id, price: "1.00", inventoryItemId: id + 100 })) })), "USD");
    await upsertProduct(db, mirrorShop(), product([71, 72, 73], "2026-11-20T08:00:00Z"));
    await upsertProduct(db, mirrorShop(), product([71, 73], "2026-11-20T09:00:00Z"));

    expect((await variant(72)).deletedAt).toEqual(new Date("2026-11-20T09:00:00Z"));
    expect([(await variant(71)).deletedAt, (await variant(73)).deletedAt]).toEqual([null, null]);
  });
});
