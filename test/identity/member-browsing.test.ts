import { beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { notePixelCheckouts } from "../../app/services/identity/visitors.server";
import { loadMemberDetail } from "../../app/services/members/detail.server";
import { programSchema } from "../../app/services/program/settings";
import { updateShopSettings } from "../../app/services/shops/shops.server";
import { customerPayload, orderPayload, shopPayload } from "../fixtures/rest-payloads";
import { deliver } from "../support/deliver";
import { ANA, ANA_GID, BEANIE_GID, CHARCOAL_GID, pixelEvent, shopWithCatalogue } from "./helpers";

// A linked visitor's events belong to the member: the member page reads them as sentences,
// exports carry them, and redact removes them with the links.

let shop: string;
let shopId: string;
const BO = 215310627;

async function browseAndCheckOut(clientId: string, customerId: number, token: string, orderId: number) {
  await pixelEvent(shopId, clientId, { name: "page_viewed", at: "2026-11-20T14:58:00Z" });
  await pixelEvent(shopId, clientId, { name: "product_viewed", at: "2026-11-20T14:59:00Z", productGid: BEANIE_GID, variantGid: CHARCOAL_GID, stock: 3 });
  await pixelEvent(shopId, clientId, { name: "product_added_to_cart", at: "2026-11-20T15:00:00Z", productGid: BEANIE_GID, variantGid: CHARCOAL_GID, quantity: 2, stock: 3 });
  await pixelEvent(shopId, clientId, { name: "checkout_started", at: "2026-11-20T15:01:00Z", checkoutToken: token });
  await pixelEvent(shopId, clientId, { name: "checkout_completed", at: "2026-11-20T15:02:00Z", checkoutToken: token });
  await notePixelCheckouts(db, { id: shopId }, [{ token, clientId, at: new Date("2026-11-20T15:01:00Z") }]);
  await deliver({ topic: "orders/create", shop, payload: orderPayload({ id: orderId, customerId, checkoutToken: token, lines: [{ id: 1, price: "32.00", quantity: 2, productId: 632910392 }] }) });
}

beforeEach(async () => {
  ({ shop, shopId } = await shopWithCatalogue());
  await updateShopSettings(db, shop, { program: programSchema.parse({ startDate: "2026-01-01" }) });
  await deliver({ topic: "customers/create", shop, payload: customerPayload({ id: ANA }) });
  await deliver({ topic: "customers/create", shop, payload: customerPayload({ id: BO, email: "bo.chen@example.com", firstName: "Bo", lastName: "Chen" }) });
});

async function anaDetail() {
  const member = await db.member.findFirstOrThrow({ where: { shopId, customerGid: ANA_GID } });
  const row = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
  return (await loadMemberDetail(db, row, member.id))!;
}

describe("the member's browsing", () => {
  it("reads the linked visitor's events as sentences, newest first, with titles and stock from the mirror", async () => {
    await browseAndCheckOut("visitor-ana", ANA, "tok-ana", 11);
    // Another visitor's events are not hers.
    await pixelEvent(shopId, "visitor-stranger", { name: "product_viewed", at: "2026-11-20T16:00:00Z", productGid: BEANIE_GID, stock: 1 });

    const { browsing } = await anaDetail();
    expect(browsing.events.map((event) => event.sentence)).toEqual([
      "Completed checkout",
      "Started checkout",
      "Added 2 × Merino Beanie to the cart (3 left)",
      "Viewed Merino Beanie (3 left)",
      "Visited a page",
    ]);
    expect(browsing.events[0].occurredAt).toBe("2026-11-20T15:02:00.000Z");
    expect(browsing).toMatchObject({ total: 5, visitors: 1 });
    expect(JSON.stringify(browsing)).not.toContain("gid://");
  });

  it("names the order a completed checkout placed, and shows an unknown product without its id", async () => {
    await browseAndCheckOut("visitor-ana", ANA, "tok-ana", 12);
    await db.pixelEvent.updateMany({ where: { shopId, name: "checkout_completed" }, data: { orderGid: "gid://shopify/Order/12" } });
    await pixelEvent(shopId, "visitor-ana", { name: "product_viewed", at: "2026-11-20T16:00:00Z", productGid: "gid://shopify/Product/404404" });
    const sentences = (await anaDetail()).browsing.events.map((event) => event.sentence);
    expect(sentences.slice(0, 2)).toEqual(["Viewed a product", "Completed checkout (order #1012)"]);
  });

  it("shows the latest 50 of a long history, with the count of all", async () => {
    await browseAndCheckOut("visitor-ana", ANA, "tok-ana", 13);
    const start = Date.parse("2026-11-21T00:00:00Z");
    await db.pixelEvent.createMany({
      data: Array.from({ length: 60 }, (_, index) => ({
        shopId,
        eventId: `bulk-${shopId}-${index}`,
        clientId: "visitor-ana",
        name: "product_viewed",
        occurredAt: new Date(start + index * 60_000),
        productGid: BEANIE_GID,
        stockAtIngest: 60 - index,
      })),
    });
    const { browsing } = await anaDetail();
    expect(browsing.total).toBe(65);
    expect(browsing.events).toHaveLength(50);
    expect(browsing.events[0].sentence).toBe("Viewed Merino Beanie (1 left)");
    expect(browsing.events[49].sentence).toBe("Viewed Merino Beanie (50 left)");
  });

  it("is empty for a member with no linked visitor", async () => {
    await pixelEvent(shopId, "visitor-unlinked", { name: "product_viewed", at: "2026-11-20T14:59:00Z", productGid: BEANIE_GID });
    expect((await anaDetail()).browsing).toEqual({ events: [], total: 0, visitors: 0 });
  });
});

describe("privacy for storefront visitors", () => {
  it("exports the customer's visitors, checkouts and events for customers/data_request", async () => {
    await browseAndCheckOut("visitor-ana", ANA, "tok-ana", 14);
    await browseAndCheckOut("visitor-bo", BO, "tok-bo", 15);
    await deliver({ topic: "customers/data_request", shop, payload: { shop_id: 1, shop_domain: shop, customer: { id: ANA, email: "ana.lima@example.com" }, orders_requested: [], data_request: { id: 9 } } });
    const document = JSON.parse((await db.dataRequest.findFirstOrThrow({ where: { shopId } })).export);
    expect(document.visitors).toEqual([expect.objectContaining({ clientId: "visitor-ana", customerGid: ANA_GID, checkoutToken: "tok-ana" })]);
    expect(document.checkouts).toEqual([expect.objectContaining({ token: "tok-ana", clientId: "visitor-ana", customerGid: ANA_GID })]);
    expect(JSON.stringify(document)).not.toContain("visitor-bo");
    expect(document.storefrontEvents.map((event: { name: string; clientId: string }) => [event.clientId, event.name])).toEqual([
      ["visitor-ana", "page_viewed"],
      ["visitor-ana", "product_viewed"],
      ["visitor-ana", "product_added_to_cart"],
      ["visitor-ana", "checkout_started"],
      ["visitor-ana", "checkout_completed"],
    ]);
  });

  it("exports a shared browser's unsigned checkouts with the customer it is linked to, and not another customer's signed one", async () => {
    await notePixelCheckouts(db, { id: shopId }, [
      { token: "tok-bo-first", clientId: "shared", at: new Date("2026-11-19T15:00:00Z") },
      { token: "tok-unfinished", clientId: "shared", at: new Date("2026-11-20T14:00:00Z") },
    ]);
    await deliver({ topic: "orders/create", shop, payload: orderPayload({ id: 20, customerId: BO, checkoutToken: "tok-bo-first", processedAt: "2026-11-19T10:05:00-05:00", lines: [{ id: 1, price: "32.00", quantity: 1 }] }) });
    await browseAndCheckOut("shared", ANA, "tok-ana", 21);
    await deliver({ topic: "customers/data_request", shop, payload: { shop_id: 1, shop_domain: shop, customer: { id: ANA, email: "ana.lima@example.com" }, orders_requested: [], data_request: { id: 10 } } });
    const document = JSON.parse((await db.dataRequest.findFirstOrThrow({ where: { shopId } })).export);
    expect(document.checkouts.map((checkout: { token: string }) => checkout.token)).toEqual(["tok-ana", "tok-unfinished"]);
  });

  it("removes the customer's links, checkout tokens and their visitors' events for customers/redact, and no one else's", async () => {
    await browseAndCheckOut("visitor-ana", ANA, "tok-ana", 16);
    await browseAndCheckOut("visitor-bo", BO, "tok-bo", 17);
    const { status } = await deliver({ topic: "customers/redact", shop, payload: { shop_id: 1, shop_domain: shop, customer: { id: ANA, email: "ana.lima@example.com" }, orders_to_redact: [16] } });
    expect(status).toBe("processed");

    expect(await db.visitorLink.findMany({ where: { shopId }, select: { clientId: true } })).toEqual([{ clientId: "visitor-bo" }]);
    expect(await db.checkoutToken.findMany({ where: { shopId }, select: { token: true } })).toEqual([{ token: "tok-bo" }]);
    expect(await db.pixelEvent.count({ where: { shopId, clientId: "visitor-ana" } })).toBe(0);
    expect(await db.pixelEvent.count({ where: { shopId, clientId: "visitor-bo" } })).toBe(5);
  });

  it("erases every storefront table of the shop for shop/redact", async () => {
    await browseAndCheckOut("visitor-ana", ANA, "tok-ana", 18);
    await db.pixelEventRollup.create({ data: { shopId, hour: new Date("2026-11-20T15:00:00Z"), name: "product_viewed", count: 1 } });
    await deliver({ topic: "app/uninstalled", shop, payload: shopPayload(shop, { id: 954889 }) });
    const { status } = await deliver({ topic: "shop/redact", shop, payload: { shop_id: 954889, shop_domain: shop } });
    expect(status).toBe("processed");
    const counts = await Promise.all([
      db.pixelEvent.count({ where: { shopId } }),
      db.pixelEventRollup.count({ where: { shopId } }),
      db.checkoutToken.count({ where: { shopId } }),
      db.visitorLink.count({ where: { shopId } }),
    ]);
    expect(counts).toEqual([0, 0, 0, 0]);
  });
});
