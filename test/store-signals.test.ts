import { beforeEach, describe, expect, it } from "vitest";
import db from "../app/db.server";
import { systemClock } from "../app/lib/clock";
import { syncHealth } from "../app/services/health/sync-health.server";
import { webhookSubscriptions } from "../app/config.server";
import { customerPayload, orderPayload, productPayload, refundPayload, shopPayload } from "./fixtures/rest-payloads";
import { deliver } from "./support/deliver";
import { installTestShop, uniqueShop } from "./support/shopify";

let shop: string;
let shopId: string;
beforeEach(async () => {
  shop = uniqueShop();
  await installTestShop(shop, { currency: "USD" });
  shopId = (await db.shop.findUniqueOrThrow({ where: { domain: shop } })).id;
});

const order = (id: number) => db.order.findUnique({ where: { shopId_gid: { shopId, gid: `gid://shopify/Order/${id}` } }, include: { lines: true } });

// Taxes excluded: 20.00 × 2 − 5.00 discount = 35.00; a 50.00 gift card earns nothing; 9.99 × 1.
// Tax (2.80, 0.80) and shipping (7.50) are not part of the eligible amount.
const TAXES_EXCLUDED = {
  id: 450789469,
  lines: [
    { id: 1, price: "20.00", quantity: 2, discounts: ["5.00"], taxes: ["2.80"] },
    { id: 2, price: "50.00", quantity: 1, giftCard: true },
    { id: 3, price: "9.99", quantity: 1, taxes: ["0.80"] },
  ],
  shipping: "7.50",
  email: "  Ana.Lima@Example.COM ",
};

describe("orders", () => {
  it("mirrors a paid order with its eligible amount (taxes excluded, a discount, a gift card)", async () => {
    const { response, status } = await deliver({ topic: "orders/paid", shop, payload: orderPayload(TAXES_EXCLUDED) });

    expect(response.status).toBe(200);
    expect(status).toBe("processed");
    const stored = await order(450789469);
    expect(stored).toMatchObject({
      eligibleAmount: 4499,
      linesAmount: 4499,
      shippingAmount: 750,
      email: "ana.lima@example.com",
      customerGid: "gid://shopify/Customer/115310627",
      checkoutToken: "ckt-450789469",
      financialStatus: "paid",
      currency: "USD",
      taxesIncluded: false,
      test: false,
      sourceName: "web",
      backfilled: false,
    });
    expect(stored?.processedAt.toISOString()).toBe("2026-11-20T15:15:00.000Z");
    expect(stored?.lines.map((line) => [line.gid, line.unitPrice, line.quantity, line.discount, line.tax, line.giftCard, line.eligible]).sort()).toEqual([
      ["gid://shopify/LineItem/1", 2000, 2, 500, 280, false, 3500],
      ["gid://shopify/LineItem/2", 5000, 1, 0, 0, true, 0],
      ["gid://shopify/LineItem/3", 999, 1, 0, 80, false, 999],
    ]);
    const customer = await db.customer.findUniqueOrThrow({ where: { shopId_gid: { shopId, gid: "gid://shopify/Customer/115310627" } } });
    expect(customer).toMatchObject({ email: "ana.lima@example.com", firstName: "Ana", lastName: "Lima" });
  });

  it("subtracts each line's tax when prices include tax", async () => {
    // 24.00 − 4.00 discount − 3.33 tax = 16.67; 12.00 × 3 − 6.00 tax = 30.00.
    await deliver({
      topic: "orders/create",
      shop,
      payload: orderPayload({
        id: 2001,
        taxesIncluded: true,
        lines: [
          { id: 11, price: "24.00", quantity: 1, discounts: ["4.00"], taxes: ["3.33"] },
          { id: 12, price: "12.00", quantity: 3, taxes: ["6.00"] },
        ],
      }),
    });
    expect(await order(2001)).toMatchObject({ eligibleAmount: 4667, taxesIncluded: true });
  });

  it("uses the currency's own exponent (JPY has no minor digits)", async () => {
    await deliver({ topic: "orders/create", shop, payload: orderPayload({ id: 2002, currency: "JPY", lines: [{ id: 21, price: "1200", quantity: 2, discounts: ["300"] }] }) });
    expect(await order(2002)).toMatchObject({ eligibleAmount: 2100, currency: "JPY" });
  });

  it("applies the same order once however many topics and repeats carry it", async () => {
    const payload = orderPayload({ id: 2003, lines: [{ id: 31, price: "10.00", quantity: 1 }] });
    const webhookId = crypto.randomUUID();
    await deliver({ topic: "orders/create", shop, payload, webhookId });
    await deliver({ topic: "orders/create", shop, payload, webhookId });
    await deliver({ topic: "orders/paid", shop, payload });
    await deliver({ topic: "orders/updated", shop, payload });

    expect(await db.order.count({ where: { shopId } })).toBe(1);
    expect(await db.orderLine.count({ where: { shopId } })).toBe(1);
    expect(await db.webhookDelivery.count({ where: { shopDomain: shop } })).toBe(3);
  });

  it("never lets an older delivery overwrite a newer one", async () => {
    const base = { id: 2004, lines: [{ id: 41, price: "10.00", quantity: 1 }] };
    await deliver({ topic: "orders/fulfilled", shop, payload: orderPayload({ ...base, fulfillmentStatus: "fulfilled", updatedAt: "2026-11-20T12:00:00-05:00" }) });
    await deliver({ topic: "orders/create", shop, payload: orderPayload({ ...base, financialStatus: "pending", updatedAt: "2026-11-20T10:00:00-05:00" }) });

    expect(await order(2004)).toMatchObject({ financialStatus: "paid", fulfillmentStatus: "fulfilled" });
  });

  it("keeps a refund that arrives before its order and applies it when the order arrives", async () => {
    const refund = refundPayload({ id: 509562969, orderId: 2005, lines: [{ lineItemId: 51, quantity: 1, subtotal: "24.00", tax: "3.12" }] });
    const first = await deliver({ topic: "refunds/create", shop, payload: refund });
    expect(first.status).toBe("processed");
    const parked = await db.refund.findUniqueOrThrow({ where: { shopId_gid: { shopId, gid: "gid://shopify/Refund/509562969" } } });
    expect(parked).toMatchObject({ orderGid: "gid://shopify/Order/2005", eligibleAmount: null, appliedAt: null });

    await deliver({ topic: "orders/paid", shop, payload: orderPayload({ id: 2005, taxesIncluded: true, lines: [{ id: 51, price: "24.00", quantity: 2, taxes: ["6.24"] }] }) });

    const applied = await db.refund.findUniqueOrThrow({ where: { id: parked.id } });
    expect(applied.eligibleAmount).toBe(2400 - 312);
    expect(applied.appliedAt).toBeInstanceOf(Date);
  });

  it("computes a refund's eligible amount at once when the order is known, gift cards excluded", async () => {
    await deliver({ topic: "orders/paid", shop, payload: orderPayload(TAXES_EXCLUDED) });
    await deliver({
      topic: "refunds/create",
      shop,
      payload: refundPayload({
        id: 7001,
        orderId: TAXES_EXCLUDED.id,
        lines: [
          { lineItemId: 1, quantity: 1, subtotal: "17.50", tax: "1.40" },
          { lineItemId: 2, quantity: 1, subtotal: "50.00", tax: "0.00", giftCard: true },
        ],
      }),
    });
    const refund = await db.refund.findUniqueOrThrow({ where: { shopId_gid: { shopId, gid: "gid://shopify/Refund/7001" } } });
    expect(refund.eligibleAmount).toBe(1750);
  });

  it("records a cancellation and accepts an order edit", async () => {
    await deliver({ topic: "orders/create", shop, payload: orderPayload({ id: 2006, lines: [{ id: 61, price: "5.00", quantity: 1 }] }) });
    await deliver({ topic: "orders/cancelled", shop, payload: orderPayload({ id: 2006, financialStatus: "refunded", cancelledAt: "2026-11-21T09:00:00-05:00", updatedAt: "2026-11-21T09:00:00-05:00", lines: [{ id: 61, price: "5.00", quantity: 1 }] }) });
    const edit = await deliver({ topic: "orders/edited", shop, payload: { order_edit: { id: 78912, app_id: null, created_at: "2026-11-21T09:05:00-05:00", committed_at: "2026-11-21T09:05:00-05:00", notify_customer: false, order_id: 2006, staff_note: "", user_id: null, line_items: { additions: [], removals: [] } } } });

    expect((await order(2006))?.cancelledAt?.toISOString()).toBe("2026-11-21T14:00:00.000Z");
    expect(edit.status).toBe("processed");
  });
});

describe("catalogue", () => {
  const variant = (id: number) => db.variant.findUniqueOrThrow({ where: { shopId_gid: { shopId, gid: `gid://shopify/ProductVariant/${id}` } } });

  it("mirrors products and variants, sums inventory across locations and flags low stock", async () => {
    await deliver({
      topic: "products/create",
      shop,
      payload: productPayload({ id: 632910392, variants: [{ id: 808950810, price: "29.00", inventoryItemId: 39072856, inventoryQuantity: 12 }, { id: 808950811, price: "31.50", inventoryItemId: 39072857, inventoryQuantity: 3 }] }),
    });
    expect(await variant(808950810)).toMatchObject({ price: 2900, available: 12, lowStock: false, inventoryItemGid: "gid://shopify/InventoryItem/39072856" });
    expect(await variant(808950811)).toMatchObject({ price: 3150, available: 3, lowStock: true });

    await deliver({ topic: "inventory_levels/update", shop, payload: { inventory_item_id: 39072856, location_id: 24826418, available: 2, updated_at: "2026-11-20T09:00:00-05:00", admin_graphql_api_id: "gid://shopify/InventoryLevel/24826418?inventory_item_id=39072856" } });
    await deliver({ topic: "inventory_levels/update", shop, payload: { inventory_item_id: 39072856, location_id: 905684977, available: 2, updated_at: "2026-11-20T09:01:00-05:00" } });
    expect(await variant(808950810)).toMatchObject({ available: 4, lowStock: true });

    // An older level update for a location never overwrites a newer one.
    await deliver({ topic: "inventory_levels/update", shop, payload: { inventory_item_id: 39072856, location_id: 905684977, available: 40, updated_at: "2026-11-20T08:00:00-05:00" } });
    expect(await variant(808950810)).toMatchObject({ available: 4, lowStock: true });
  });

  it("keeps the newer product when an older update arrives late, and a tombstone after delete", async () => {
    const variants = [{ id: 9101, price: "10.00", inventoryItemId: 9201 }];
    await deliver({ topic: "products/update", shop, payload: productPayload({ id: 9001, title: "New title", updatedAt: "2026-11-20T12:00:00-05:00", variants }) });
    await deliver({ topic: "products/update", shop, payload: productPayload({ id: 9001, title: "Old title", updatedAt: "2026-11-20T11:00:00-05:00", variants }) });
    const product = () => db.product.findUniqueOrThrow({ where: { shopId_gid: { shopId, gid: "gid://shopify/Product/9001" } } });
    expect((await product()).title).toBe("New title");

    await deliver({ topic: "products/delete", shop, payload: { id: 9001 } });
    await deliver({ topic: "products/update", shop, payload: productPayload({ id: 9001, title: "Resurrected", updatedAt: "2026-11-22T12:00:00-05:00", variants }) });
    expect(await product()).toMatchObject({ title: "New title", deletedAt: expect.any(Date) });
    expect((await variant(9101)).deletedAt).toBeInstanceOf(Date);
  });
});

describe("customers and the shop", () => {
  const customer = (id: number) => db.customer.findUniqueOrThrow({ where: { shopId_gid: { shopId, gid: `gid://shopify/Customer/${id}` } } });

  it("mirrors customers, their tags, and deletes as tombstones", async () => {
    await deliver({ topic: "customers/create", shop, payload: customerPayload({ id: 207119551, email: " Bob.Norman@Example.com" }) });
    await deliver({ topic: "customer.tags_added", shop, payload: { customerId: "gid://shopify/Customer/207119551", tags: ["VIP", "wholesale"], occurredAt: "2026-11-20T10:00:00-05:00" } });
    await deliver({ topic: "customer.tags_removed", shop, payload: { customerId: "gid://shopify/Customer/207119551", tags: ["vip"], occurredAt: "2026-11-20T10:05:00-05:00" } });
    await deliver({ topic: "customers/update", shop, payload: customerPayload({ id: 207119551, email: "bob@example.com", firstName: "Robert", updatedAt: "2026-11-20T11:00:00-05:00" }) });

    expect(await customer(207119551)).toMatchObject({ email: "bob@example.com", firstName: "Robert", tags: JSON.stringify(["wholesale"]) });

    await deliver({ topic: "customers/delete", shop, payload: { id: 207119551 } });
    await deliver({ topic: "customers/update", shop, payload: customerPayload({ id: 207119551, firstName: "Ghost", updatedAt: "2026-11-23T11:00:00-05:00" }) });
    expect(await customer(207119551)).toMatchObject({ firstName: "Robert", deletedAt: expect.any(Date) });
  });

  it("takes order count and total spent from customers/purchasing_summary", async () => {
    await deliver({ topic: "customers/create", shop, payload: customerPayload({ id: 501 }) });
    await deliver({ topic: "customers/purchasing_summary", shop, payload: { customerId: "gid://shopify/Customer/501", numberOfOrders: 4, amountSpent: { amount: "312.40", currencyCode: "USD" }, lastOrderId: "gid://shopify/Order/9", occurredAt: "2026-11-20T10:00:00-05:00" } });
    expect(await customer(501)).toMatchObject({ ordersCount: 4, totalSpent: 31240 });
  });

  it("merges customers: orders and tags move to the kept one, the other becomes a tombstone", async () => {
    await deliver({ topic: "customers/create", shop, payload: customerPayload({ id: 601, email: "kept@example.com" }) });
    await deliver({ topic: "customers/create", shop, payload: customerPayload({ id: 602, email: "dup@example.com" }) });
    await deliver({ topic: "customer.tags_added", shop, payload: { customerId: "gid://shopify/Customer/602", tags: ["vip"], occurredAt: "2026-11-20T10:00:00-05:00" } });
    await deliver({ topic: "orders/paid", shop, payload: orderPayload({ id: 6001, customerId: 602, lines: [{ id: 1, price: "10.00", quantity: 1 }] }) });

    const { status } = await deliver({ topic: "customers/merge", shop, payload: { admin_graphql_api_customer_kept_id: "gid://shopify/Customer/601", admin_graphql_api_customer_deleted_id: "gid://shopify/Customer/602", admin_graphql_api_job_id: null, status: "completed", errors: [] } });

    expect(status).toBe("processed");
    expect(await order(6001)).toMatchObject({ customerGid: "gid://shopify/Customer/601" });
    expect(await customer(601)).toMatchObject({ tags: JSON.stringify(["vip"]), deletedAt: null });
    expect((await customer(602)).deletedAt).toBeInstanceOf(Date);
  });

  it("keeps the shop's timezone and currency current from shop/update", async () => {
    await deliver({ topic: "shop/update", shop, payload: { id: 548380009, name: "Roost Outfitters", iana_timezone: "Europe/Berlin", currency: "EUR", myshopify_domain: shop, updated_at: "2026-11-20T10:00:00+01:00" } });
    expect(await db.shop.findUniqueOrThrow({ where: { domain: shop } })).toMatchObject({ name: "Roost Outfitters", timezone: "Europe/Berlin", currency: "EUR" });
  });
});

describe("compliance topics", () => {
  beforeEach(async () => {
    await deliver({ topic: "orders/paid", shop, payload: orderPayload(TAXES_EXCLUDED) });
  });

  it("exports everything held on a customer for customers/data_request", async () => {
    const { status } = await deliver({
      topic: "customers/data_request",
      shop,
      payload: { shop_id: 954889, shop_domain: shop, orders_requested: [TAXES_EXCLUDED.id], customer: { id: 115310627, email: "ana.lima@example.com", phone: null }, data_request: { id: 9999 } },
    });
    expect(status).toBe("processed");
    const [request] = await db.dataRequest.findMany({ where: { shopId } });
    const document = JSON.parse(request.export);
    expect(request).toMatchObject({ requestId: "9999", customerGid: "gid://shopify/Customer/115310627", email: "ana.lima@example.com" });
    expect(document.customers).toEqual([expect.objectContaining({ gid: "gid://shopify/Customer/115310627", email: "ana.lima@example.com" })]);
    expect(document.orders).toEqual([expect.objectContaining({ gid: `gid://shopify/Order/${TAXES_EXCLUDED.id}`, eligibleAmount: 4499, lines: expect.any(Array) })]);
  });

  it("erases the customer's personal data for customers/redact and keeps the amounts", async () => {
    await deliver({
      topic: "customers/data_request",
      shop,
      payload: { shop_id: 954889, shop_domain: shop, orders_requested: [], customer: { id: 115310627, email: "ana.lima@example.com" }, data_request: { id: 1 } },
    });
    await deliver({ topic: "customers/redact", shop, payload: { shop_id: 954889, shop_domain: shop, customer: { id: 115310627, email: "ana.lima@example.com", phone: null }, orders_to_redact: [TAXES_EXCLUDED.id] } });

    expect(await db.customer.findUniqueOrThrow({ where: { shopId_gid: { shopId, gid: "gid://shopify/Customer/115310627" } } })).toMatchObject({ email: null, firstName: null, lastName: null, redactedAt: expect.any(Date) });
    expect(await order(TAXES_EXCLUDED.id)).toMatchObject({ email: null, checkoutToken: null, eligibleAmount: 4499 });
    expect(await db.dataRequest.count({ where: { shopId } })).toBe(0);
  });

  it("erases the shop for shop/redact, 48 hours after it uninstalled", async () => {
    await deliver({ topic: "app/uninstalled", shop, payload: shopPayload(shop, { id: 954889 }) });
    const { status } = await deliver({ topic: "shop/redact", shop, payload: { shop_id: 954889, shop_domain: shop } });
    expect(status).toBe("processed");
    expect(await db.shop.findUnique({ where: { domain: shop } })).toBeNull();
    expect(await db.order.count({ where: { shopId } })).toBe(0);
    expect(await db.customer.count({ where: { shopId } })).toBe(0);
    expect(await db.session.count({ where: { shop } })).toBe(0);
    const deliveries = await db.webhookDelivery.findMany({ where: { shopDomain: shop } });
    expect(deliveries.map((delivery) => [delivery.topic, delivery.payload])).toEqual([["shop/redact", "{}"]]);
  });

  it.each(["customers/data_request", "customers/redact", "shop/redact"])("answers 401 to %s with a bad HMAC", async (topic) => {
    const { response, status } = await deliver({ topic, shop, payload: { shop_domain: shop }, secret: "wrong" });
    expect(response.status).toBe(401);
    expect(status).toBeNull();
  });
});

describe("bad input", () => {
  it("keeps an authenticated payload with missing ids or wrong types as failed, with the reason", async () => {
    const missing = await deliver({ topic: "orders/paid", shop, payload: { line_items: [] } });
    expect(missing).toMatchObject({ status: "failed" });
    expect(missing.error).toMatch(/^orders\/paid payload is invalid: id: .*created_at: .*currency: /);

    const wrongType = await deliver({ topic: "products/update", shop, payload: { ...productPayload({ id: 1, variants: [] }), title: 42 } });
    expect(wrongType).toMatchObject({ status: "failed", error: expect.stringContaining("title:") });

    const badAmount = await deliver({ topic: "orders/paid", shop, payload: orderPayload({ id: 3, lines: [{ id: 1, price: "ten", quantity: 1 }] }) });
    expect(badAmount).toMatchObject({ status: "failed", error: expect.stringContaining('not a decimal amount: "ten"') });

    const notJson = await deliver({ topic: "customers/update", shop, payload: "{not json" });
    expect(notJson).toMatchObject({ status: "failed", error: "payload is not valid JSON" });
  });

  it("accepts a body of 5 MB", async () => {
    const lines = Array.from({ length: 2600 }, (_, index) => ({ id: index + 1, price: "1.00", quantity: 1 }));
    const base = orderPayload({ id: 4001, lines });
    // Shopify caps a delivery at 5 MB; a long note brings this one to the edge.
    const payload = { ...base, note: "n".repeat(5_000_000 - JSON.stringify(base).length - 12) };
    expect(Buffer.byteLength(JSON.stringify(payload))).toBeGreaterThanOrEqual(4_999_000);
    const { response, status } = await deliver({ topic: "orders/create", shop, payload });
    expect(response.status).toBe(200);
    expect(status).toBe("processed");
    expect(await order(4001)).toMatchObject({ eligibleAmount: 260000 });
  }, 60_000);

  it("acknowledges and counts a topic Roost has no handler for", async () => {
    const { response, status } = await deliver({ topic: "collections/update", shop, payload: { id: 1 }, route: "webhooks.$" });
    expect(response.status).toBe(200);
    expect(status).toBe("unhandled");
    expect((await syncHealth(db, shop, systemClock)).inbox.unhandled).toBe(1);
  });
});

describe("sync health", () => {
  it("is healthy, then degraded by an unprocessable delivery, then failing with a dead letter", async () => {
    await deliver({ topic: "orders/paid", shop, payload: orderPayload(TAXES_EXCLUDED) });
    let health = await syncHealth(db, shop, systemClock);
    expect(health).toMatchObject({ status: "healthy", reasons: [], counts: { orders: 1, customers: 1, products: 0, variants: 0, refunds: 0 } });
    expect(health.lastDeliveryByTopic.map((entry) => entry.topic)).toEqual(["orders/paid"]);

    await deliver({ topic: "orders/paid", shop, payload: { id: 1 } });
    health = await syncHealth(db, shop, systemClock);
    expect(health.status).toBe("degraded");
    expect(health.reasons).toEqual(["1 delivery(ies) could not be processed in the last 24 h"]);

    await db.webhookDelivery.create({ data: { shopDomain: shop, topic: "orders/updated", webhookId: `dead-${shop}`, apiVersion: "2026-10", payload: "{}", status: "dead", attempts: 8, lastError: "Admin API timed out" } });
    health = await syncHealth(db, shop, systemClock);
    expect(health.status).toBe("failing");
    expect(health.problems[0]).toMatchObject({ webhookId: `dead-${shop}`, status: "dead", error: "Admin API timed out" });
  });
});

describe("shopify.app.toml", () => {
  it("subscribes to every topic Roost handles, compliance topics included", () => {
    const topics = webhookSubscriptions.flatMap((subscription) => [...(subscription.topics ?? []), ...(subscription.compliance_topics ?? [])]);
    expect(topics.sort()).toEqual([
      "app/scopes_update", "app/uninstalled", "bulk_operations/finish", "checkouts/create", "checkouts/update", "customer.tags_added", "customer.tags_removed",
      "customers/create", "customers/data_request", "customers/delete", "customers/merge", "customers/purchasing_summary", "customers/redact", "customers/update",
      "inventory_levels/update", "orders/cancelled", "orders/create", "orders/edited", "orders/fulfilled", "orders/paid",
      "orders/updated", "products/create", "products/delete", "products/update", "refunds/create", "shop/redact", "shop/update",
    ]);
  });
});

describe("data requests for the merchant", () => {
  it("lists exports on the Settings page and serves each as a download, to its own shop only", async () => {
    const { loader: settingsLoader } = await import("../app/routes/app.settings");
    const { loader: download } = await import("../app/routes/app.privacy.$id");
    const { adminRequest } = await import("./support/shopify");
    await deliver({ topic: "orders/paid", shop, payload: orderPayload(TAXES_EXCLUDED) });
    await deliver({
      topic: "customers/data_request",
      shop,
      payload: { shop_id: 1, shop_domain: shop, orders_requested: [], customer: { id: 115310627, email: "ana.lima@example.com" }, data_request: { id: 77 } },
    });

    const settings = await settingsLoader({ request: await adminRequest("/app/settings", shop), params: {}, context: {} });
    expect(settings.dataRequests).toEqual([expect.objectContaining({ requestId: "77", email: "ana.lima@example.com", orders: 1, customers: 1 })]);

    const id = settings.dataRequests[0].id;
    const response = await download({ request: await adminRequest(`/app/privacy/${id}`, shop), params: { id }, context: {} });
    expect(response.headers.get("Content-Disposition")).toBe('attachment; filename="roost-data-request-77.json"');
    expect(JSON.parse(await response.text()).orders).toHaveLength(1);

    const other = uniqueShop();
    await installTestShop(other);
    const refused = await download({ request: await adminRequest(`/app/privacy/${id}`, other), params: { id }, context: {} }).catch((thrown: Response) => thrown);
    expect(refused.status).toBe(404);
  });
});
