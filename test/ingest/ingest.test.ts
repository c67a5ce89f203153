import { beforeEach, describe, expect, it } from "vitest";
import { MAX_INGEST_BYTES } from "../../app/http/ingest.server";
import { action, loader } from "../../app/routes/ingest.events";
import { ingestRequest } from "./helpers";
import { cartLineData, checkoutData, db, nextClient, type PixelShop, pixelEvent, pixelShop, post, storedCount, variantData } from "./helpers";

/** POST /ingest/events: the web pixel's batches (docs/security.md, "Web pixel"). */

let shop: PixelShop;
beforeEach(async () => {
  shop = await pixelShop();
});

const batch = (events: unknown[], orgId = shop.orgId) => ({ orgId, events });

describe("refusals store nothing", () => {
  it("an unknown orgId is 404", async () => {
    const { response, json } = await post(batch([pixelEvent("page_viewed")], crypto.randomUUID()));
    expect(response.status).toBe(404);
    expect(json.error).toBe("unknown_org");
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(await db.pixelEvent.count({ where: { eventId: { startsWith: "sh-" }, shopId: shop.id } })).toBe(0);
  });

  it("an uninstalled shop's orgId is 404", async () => {
    await db.shop.update({ where: { id: shop.id }, data: { installed: false } });
    const { response } = await post(batch([pixelEvent("page_viewed")]));
    expect(response.status).toBe(404);
    expect(await storedCount(shop.id)).toBe(0);
  });

  it("malformed JSON is 400", async () => {
    const { response, json } = await post('{"orgId": "x", "events": [');
    expect(response.status).toBe(400);
    expect(json.error).toBe("invalid_json");
  });

  it.each([
    ["not an object", [1, 2]],
    ["a string", "hello"],
    ["no orgId", { events: [{}] }],
    ["events not an array", { orgId: "o", events: { 0: {} } }],
    ["no events", { orgId: "o", events: [] }],
    ["too many events", { orgId: "o", events: Array(201).fill({}) }],
  ])("a body that is %s is 400", async (_what, body) => {
    const { response, json } = await post(typeof body === "string" ? JSON.stringify(body) : body);
    expect(response.status).toBe(400);
    expect(json.error).toBe("invalid_batch");
    expect(await storedCount(shop.id)).toBe(0);
  });

  it("a body over 64 KiB is 413, by Content-Length or by counting a stream that never ends", async () => {
    const big = JSON.stringify(batch([pixelEvent("page_viewed", { padding: "x".repeat(MAX_INGEST_BYTES) })]));
    const declared = await post(big);
    expect(declared.response.status).toBe(413);
    expect(declared.json.error).toBe("body_too_large");

    // No Content-Length: read until one byte past the limit, then refused; the rest is never pulled.
    let pulled = 0;
    const chunk = new TextEncoder().encode(`{"orgId":"${shop.orgId}","events":[${'"x",'.repeat(4096)}`);
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const request = new Request("http://localhost/ingest/events", { method: "POST", body: endless, headers: { "Content-Type": "application/json" }, duplex: "half" } as RequestInit);
    const response = await action({ request, params: {}, context: { clientAddress: nextClient() } });
    expect(response.status).toBe(413);
    expect(pulled).toBeLessThanOrEqual(MAX_INGEST_BYTES + 2 * chunk.byteLength);
    expect(await storedCount(shop.id)).toBe(0);
  });

  it("a content type other than text/plain or application/json is 415", async () => {
    for (const contentType of ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=latin1", null]) {
      const { response, json } = await post(batch([pixelEvent("page_viewed")]), { contentType });
      expect(response.status).toBe(415);
      expect(json.error).toBe("unsupported_media_type");
    }
    expect(await storedCount(shop.id)).toBe(0);
  });

  it("methods other than POST and OPTIONS are 405", async () => {
    for (const method of ["GET", "PUT", "DELETE", "PATCH"]) {
      const call = method === "GET" ? loader : action;
      const response = await call({ request: ingestRequest(batch([pixelEvent("page_viewed")]), { method }), params: {}, context: { clientAddress: nextClient() } });
      expect(response.status).toBe(405);
      expect(response.headers.get("Allow")).toBe("OPTIONS, POST");
    }
    expect(await storedCount(shop.id)).toBe(0);
  });

  it("a batch with no valid event is 400 with each rejection by index", async () => {
    const { response, json } = await post(batch([pixelEvent("custom_thing"), { name: "page_viewed" }]));
    expect(response.status).toBe(400);
    expect(json.error).toBe("no_valid_events");
    expect(json.rejected.map((entry) => entry.index)).toEqual([0, 1]);
    expect(await storedCount(shop.id)).toBe(0);
  });
});

describe("CORS", () => {
  it("a preflight is 204 for any origin: POST with a Content-Type, cached", async () => {
    const request = ingestRequest(null, { method: "OPTIONS", headers: { Origin: "https://sandbox.shopifycdn.example", "Access-Control-Request-Method": "POST" } });
    const response = await action({ request, params: {}, context: { clientAddress: nextClient() } });
    expect(response.status).toBe(204);
    expect(Object.fromEntries(response.headers)).toMatchObject({
      "access-control-allow-origin": "*",
      "access-control-allow-methods": "POST",
      "access-control-allow-headers": "content-type",
      "access-control-max-age": "86400",
    });
    expect(await response.text()).toBe("");
  });

  it("a stored batch's answer allows any origin", async () => {
    const { response } = await post(batch([pixelEvent("page_viewed")]), { contentType: "application/json" });
    expect(response.status).toBe(200);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
  });
});

describe("storing a batch", () => {
  it("stores the valid events, normalised, and reports the invalid ones by index", async () => {
    const viewed = pixelEvent("product_viewed", {}, variantData("41", 19.99, "USD", "gid://shopify/Product/9001"));
    const added = pixelEvent("product_added_to_cart", { clientId: "visitor-2" }, { ...cartLineData("gid://shopify/ProductVariant/42", 2, "0.1"), cart: { id: "gid://shopify/Cart/c1" } });
    const events = [
      viewed,
      pixelEvent("custom_event"),
      added,
      pixelEvent("product_viewed", { timestamp: "yesterday" }),
      pixelEvent("product_viewed", {}, variantData("gid://shopify/Product/41")),
      pixelEvent("product_viewed", {}, variantData("41", 19.999)),
      pixelEvent("page_viewed", { clientId: "" }),
      pixelEvent("checkout_started", {}, checkoutData("tok-1")),
    ];
    const { response, json } = await post(batch(events));
    expect(response.status).toBe(200);
    expect(json.accepted).toBe(3);
    expect(json.duplicates).toBe(0);
    expect(json.rejected.map((entry) => entry.index)).toEqual([1, 3, 4, 5, 6]);
    expect(json.rejected[0].reason).toMatch(/custom_event/);
    expect(json.rejected[1].reason).toMatch(/^timestamp/);
    expect(json.rejected[2].reason).toMatch(/variant id/);
    expect(json.rejected[3].reason).toMatch(/precision/);

    const rows = await db.pixelEvent.findMany({ where: { shopId: shop.id }, orderBy: { name: "asc" } });
    expect(rows.map((row) => row.name)).toEqual(["checkout_started", "product_added_to_cart", "product_viewed"]);
    const [checkout, cart, view] = rows;
    expect(view).toMatchObject({
      eventId: viewed.id,
      clientId: "visitor-1",
      occurredAt: new Date("2026-12-05T08:15:30.123Z"),
      pagePath: "/products/red-scarf",
      variantGid: "gid://shopify/ProductVariant/41",
      productGid: "gid://shopify/Product/9001",
      price: 1999,
      currency: "USD",
      quantity: null,
    });
    expect(cart).toMatchObject({ eventId: added.id, clientId: "visitor-2", variantGid: "gid://shopify/ProductVariant/42", quantity: 2, price: 10, cartToken: "gid://shopify/Cart/c1" });
    expect(checkout).toMatchObject({ checkoutToken: "tok-1", currency: "USD", price: null, orderGid: null });
  });

  it("converts prices with the currency's exponent, from the decimal text", async () => {
    const events = [
      pixelEvent("product_viewed", {}, variantData("1", 1500, "JPY")),
      pixelEvent("product_viewed", {}, variantData("2", "12.345", "KWD")),
      pixelEvent("product_viewed", {}, variantData("3", 0.29, "USD")),
      pixelEvent("product_viewed", {}, variantData("4", 1.005, "USD")),
    ];
    const { json } = await post(batch(events));
    expect(json.accepted).toBe(3);
    expect(json.rejected).toEqual([{ index: 3, reason: expect.stringMatching(/precision/) }]);
    const prices = await db.pixelEvent.findMany({ where: { shopId: shop.id }, orderBy: { variantGid: "asc" }, select: { price: true, currency: true } });
    expect(prices).toEqual([
      { price: 1500, currency: "JPY" },
      { price: 12345, currency: "KWD" },
      { price: 29, currency: "USD" },
    ]);
  });

  it("stores each event once: the same batch twice, and an id repeated within a batch", async () => {
    const events = [pixelEvent("page_viewed"), pixelEvent("product_viewed", {}, variantData("7"))];
    const first = await post(batch(events));
    expect(first.json).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    const again = await post(batch(events));
    expect(again.response.status).toBe(200);
    expect(again.json).toEqual({ accepted: 0, duplicates: 2, rejected: [] });

    const repeated = pixelEvent("cart_viewed");
    const within = await post(batch([repeated, { ...repeated, clientId: "someone-else" }, pixelEvent("search_submitted")]));
    expect(within.json).toEqual({ accepted: 2, duplicates: 1, rejected: [] });
    expect(await storedCount(shop.id)).toBe(4);
    expect(await db.pixelEvent.findFirstOrThrow({ where: { shopId: shop.id, eventId: repeated.id } })).toMatchObject({ clientId: "visitor-1" });
    const rollups = await db.pixelEventRollup.findMany({ where: { shopId: shop.id } });
    expect(rollups.reduce((sum, row) => sum + row.count, 0)).toBe(4);
  });

  it("the same event id in two shops is two events", async () => {
    const other = await pixelShop();
    const event = pixelEvent("page_viewed");
    expect((await post(batch([event]))).json.accepted).toBe(1);
    expect((await post(batch([event], other.orgId))).json.accepted).toBe(1);
  });

  it("records the stock the mirror holds for each variant at ingest, null for a variant it does not know", async () => {
    const now = new Date();
    await db.variant.createMany({
      data: [
        { shopId: shop.id, gid: "gid://shopify/ProductVariant/501", productGid: "gid://shopify/Product/50", price: 1000, available: 3, lowStock: true, shopifyUpdatedAt: now },
        { shopId: shop.id, gid: "gid://shopify/ProductVariant/502", productGid: "gid://shopify/Product/50", price: 1000, available: 40, lowStock: false, shopifyUpdatedAt: now },
        { shopId: shop.id, gid: "gid://shopify/ProductVariant/503", productGid: "gid://shopify/Product/50", price: 1000, available: 1, lowStock: true, shopifyUpdatedAt: now, deletedAt: now },
      ],
    });
    // Another shop's variant with the same id is not this shop's stock.
    const other = await pixelShop();
    await db.variant.create({ data: { shopId: other.id, gid: "gid://shopify/ProductVariant/504", productGid: "gid://shopify/Product/50", price: 1, available: 2, lowStock: true, shopifyUpdatedAt: now } });

    const events = [
      pixelEvent("product_added_to_cart", {}, cartLineData("501", 1)),
      pixelEvent("product_viewed", {}, variantData("gid://shopify/ProductVariant/502")),
      pixelEvent("product_viewed", {}, variantData("503")),
      pixelEvent("product_viewed", {}, variantData("504")),
      pixelEvent("product_viewed", {}, variantData("999")),
      pixelEvent("page_viewed"),
    ];
    expect((await post(batch(events))).json.accepted).toBe(6);
    const rows = await db.pixelEvent.findMany({ where: { shopId: shop.id }, select: { eventId: true, stockAtIngest: true, lowStockAtIngest: true } });
    const byId = new Map(rows.map((row) => [row.eventId, [row.stockAtIngest, row.lowStockAtIngest]]));
    expect(events.map((event) => byId.get(event.id))).toEqual([[3, true], [40, false], [null, null], [null, null], [null, null], [null, null]]);

    // Stored as it was: a later stock change does not rewrite the event.
    await db.variant.updateMany({ where: { shopId: shop.id, gid: "gid://shopify/ProductVariant/501" }, data: { available: 0 } });
    expect(await db.pixelEvent.findFirstOrThrow({ where: { shopId: shop.id, eventId: events[0].id } })).toMatchObject({ stockAtIngest: 3, lowStockAtIngest: true });
  });

  it("counts the newly stored events per hour and name", async () => {
    const at = (time: string) => ({ timestamp: `2026-12-05T${time}Z` });
    const events = [
      pixelEvent("page_viewed", at("08:00:00.000")),
      pixelEvent("page_viewed", at("08:59:59.999")),
      pixelEvent("page_viewed", at("09:00:00.000")),
      pixelEvent("product_viewed", at("08:30:00.000")),
    ];
    await post(batch(events));
    await post(batch([events[0], pixelEvent("page_viewed", { timestamp: "2026-12-05T10:30:00+02:00" })]));
    const rollups = await db.pixelEventRollup.findMany({ where: { shopId: shop.id }, orderBy: [{ hour: "asc" }, { name: "asc" }], select: { hour: true, name: true, count: true } });
    expect(rollups).toEqual([
      { hour: new Date("2026-12-05T08:00:00Z"), name: "page_viewed", count: 3 },
      { hour: new Date("2026-12-05T08:00:00Z"), name: "product_viewed", count: 1 },
      { hour: new Date("2026-12-05T09:00:00Z"), name: "page_viewed", count: 1 },
    ]);
  });

  it("hands the pixel's checkout tokens to identity, first visitor per token", async () => {
    await post(batch([pixelEvent("checkout_started", { clientId: "visitor-a" }, checkoutData("tok-a")), pixelEvent("payment_info_submitted", { clientId: "visitor-a" }, checkoutData("tok-a"))]));
    await post(batch([pixelEvent("checkout_completed", { clientId: "intruder" }, checkoutData("tok-a", "gid://shopify/OrderIdentity/77"))]));
    const tokens = await db.checkoutToken.findMany({ where: { shopId: shop.id } });
    expect(tokens).toHaveLength(1);
    expect(tokens[0]).toMatchObject({ token: "tok-a", clientId: "visitor-a", customerGid: null });
    expect(await db.pixelEvent.findFirstOrThrow({ where: { shopId: shop.id, name: "checkout_completed" } })).toMatchObject({ orderGid: "gid://shopify/Order/77" });
  });

  it("a forged checkout_completed with an order id earns nothing and enrols no one", async () => {
    const forged = pixelEvent("checkout_completed", { clientId: "forger" }, { checkout: { ...checkoutData("tok-forged", "1001").checkout, totalPrice: { amount: 99999 }, email: "forger@example.com" } });
    const { response, json } = await post(batch([forged]));
    expect(response.status).toBe(200);
    expect(json.accepted).toBe(1);
    expect(await db.ledgerEntry.count({ where: { shopId: shop.id } })).toBe(0);
    expect(await db.member.count({ where: { shopId: shop.id } })).toBe(0);
    expect(await db.order.count({ where: { shopId: shop.id } })).toBe(0);
    expect(await db.visitorLink.count({ where: { shopId: shop.id } })).toBe(0);
  });
});
