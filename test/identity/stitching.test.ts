import { beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { notePixelCheckouts, noteSignedCheckout, visitorsOf } from "../../app/services/identity/visitors.server";
import { customerPayload, orderPayload } from "../fixtures/rest-payloads";
import { deliver } from "../support/deliver";
import { ANA, ANA_GID, checkoutPayload, pixelEvent, shopWithCatalogue } from "./helpers";

// DESIGN "Identity": a visitor (the pixel's clientId) is linked to a customer only where the
// pixel's checkout token meets the same token in a signed webhook, in either order.

let shop: string;
let shopId: string;
const BO = 215310627;
const BO_GID = `gid://shopify/Customer/${BO}`;
const at = (iso: string) => new Date(iso);

beforeEach(async () => {
  ({ shop, shopId } = await shopWithCatalogue());
  await deliver({ topic: "customers/create", shop, payload: customerPayload({ id: ANA }) });
});

const linkOf = (clientId: string) => db.visitorLink.findUnique({ where: { shopId_clientId: { shopId, clientId } } });

describe("stitching a visitor to a customer", () => {
  it("links when the pixel reports the token first and checkouts/create brings the customer", async () => {
    await notePixelCheckouts(db, { id: shopId }, [{ token: "tok-a", clientId: "visitor-1", at: at("2026-11-20T15:00:00Z") }]);
    expect(await linkOf("visitor-1")).toBeNull();

    const { status } = await deliver({ topic: "checkouts/create", shop, payload: checkoutPayload({ id: 901, token: "tok-a", customerId: ANA }) });
    expect(status).toBe("processed");
    expect(await linkOf("visitor-1")).toMatchObject({ customerGid: ANA_GID, checkoutToken: "tok-a" });
    expect(await visitorsOf(db, { id: shopId }, ANA_GID)).toEqual(["visitor-1"]);
  });

  it("links when checkouts/update comes first and the pixel reports the token after", async () => {
    await deliver({ topic: "checkouts/update", shop, payload: checkoutPayload({ id: 902, token: "tok-b", customerId: ANA }) });
    expect(await db.checkoutToken.findUnique({ where: { shopId_token: { shopId, token: "tok-b" } } })).toMatchObject({ customerGid: ANA_GID, clientId: null });
    expect(await db.visitorLink.count({ where: { shopId } })).toBe(0);

    const { linkedClientIds } = await notePixelCheckouts(db, { id: shopId }, [{ token: "tok-b", clientId: "visitor-2", at: at("2026-11-20T15:01:00Z") }]);
    expect(linkedClientIds).toEqual(["visitor-2"]);
    expect(await linkOf("visitor-2")).toMatchObject({ customerGid: ANA_GID, checkoutToken: "tok-b" });
  });

  it("links from orders/create through the order's checkout_token", async () => {
    await notePixelCheckouts(db, { id: shopId }, [{ token: "order-token-7", clientId: "visitor-3", at: at("2026-11-20T15:02:00Z") }]);
    await deliver({ topic: "orders/create", shop, payload: orderPayload({ id: 7, customerId: ANA, checkoutToken: "order-token-7", lines: [{ id: 1, price: "32.00", quantity: 1 }] }) });
    expect(await linkOf("visitor-3")).toMatchObject({ customerGid: ANA_GID, checkoutToken: "order-token-7" });
  });

  it("links nothing for a guest checkout, and links once an update names the customer", async () => {
    await notePixelCheckouts(db, { id: shopId }, [{ token: "tok-guest", clientId: "visitor-4", at: at("2026-11-20T15:00:00Z") }]);
    await deliver({ topic: "checkouts/create", shop, payload: checkoutPayload({ id: 903, token: "tok-guest", customerId: null }) });
    await deliver({ topic: "orders/create", shop, payload: orderPayload({ id: 8, customerId: null, checkoutToken: "tok-guest", lines: [{ id: 1, price: "32.00", quantity: 1 }] }) });
    expect(await db.visitorLink.count({ where: { shopId } })).toBe(0);

    await deliver({ topic: "checkouts/update", shop, payload: checkoutPayload({ id: 903, token: "tok-guest", customerId: ANA, updatedAt: "2026-11-20T10:12:00-05:00" }) });
    expect(await linkOf("visitor-4")).toMatchObject({ customerGid: ANA_GID });
  });

  it("never links from the pixel alone, whatever customer id its events claim", async () => {
    // Events that name a customer (as init.data.customer.id would) and a checkout token, with
    // no signed webhook for it: stored, never linked.
    await pixelEvent(shopId, "visitor-5", { name: "checkout_completed", at: "2026-11-20T15:03:00Z", checkoutToken: "tok-forged" });
    await notePixelCheckouts(db, { id: shopId }, [{ token: "tok-forged", clientId: "visitor-5", at: at("2026-11-20T15:03:00Z") }]);
    expect(await db.visitorLink.count({ where: { shopId } })).toBe(0);
    expect(await db.checkoutToken.findUnique({ where: { shopId_token: { shopId, token: "tok-forged" } } })).toMatchObject({ clientId: "visitor-5", customerGid: null });
  });

  it("keeps the first visitor reported for a token: a later unsigned claim does not take it over", async () => {
    await notePixelCheckouts(db, { id: shopId }, [
      { token: "tok-c", clientId: "visitor-late", at: at("2026-11-20T15:05:00Z") },
      { token: "tok-c", clientId: "visitor-first", at: at("2026-11-20T15:04:00Z") },
    ]);
    await notePixelCheckouts(db, { id: shopId }, [{ token: "tok-c", clientId: "visitor-forger", at: at("2026-11-20T15:00:00Z") }]);
    await deliver({ topic: "checkouts/create", shop, payload: checkoutPayload({ id: 904, token: "tok-c", customerId: ANA }) });
    await notePixelCheckouts(db, { id: shopId }, [{ token: "tok-c", clientId: "visitor-forger", at: at("2026-11-20T15:06:00Z") }]);

    expect(await visitorsOf(db, { id: shopId }, ANA_GID)).toEqual(["visitor-first"]);
    expect(await db.visitorLink.count({ where: { shopId } })).toBe(1);
  });

  it("moves a visitor to the customer of the later signed checkout, and not back for an older one", async () => {
    const shopRef = { id: shopId };
    await notePixelCheckouts(db, shopRef, [
      { token: "tok-ana", clientId: "shared-laptop", at: at("2026-11-20T15:00:00Z") },
      { token: "tok-bo", clientId: "shared-laptop", at: at("2026-11-21T15:00:00Z") },
    ]);
    await noteSignedCheckout(db, shopRef, { token: "tok-bo", customerGid: BO_GID, at: at("2026-11-21T15:01:00Z") });
    // Ana's checkout, a day older, arrives late: Bo keeps the visitor.
    const late = await noteSignedCheckout(db, shopRef, { token: "tok-ana", customerGid: ANA_GID, at: at("2026-11-20T15:01:00Z") });
    expect(late.linkedClientIds).toEqual([]);
    expect(await linkOf("shared-laptop")).toMatchObject({ customerGid: BO_GID, checkoutToken: "tok-bo" });

    await notePixelCheckouts(db, shopRef, [{ token: "tok-ana-2", clientId: "shared-laptop", at: at("2026-11-22T15:00:00Z") }]);
    const later = await noteSignedCheckout(db, shopRef, { token: "tok-ana-2", customerGid: ANA_GID, at: at("2026-11-22T15:01:00Z") });
    expect(later).toEqual({ customerGid: ANA_GID, linkedClientIds: ["shared-laptop"] });
    expect(await linkOf("shared-laptop")).toMatchObject({ customerGid: ANA_GID, checkoutToken: "tok-ana-2" });
  });

  it("keeps one visitor when batches claiming the same token, and its signed checkout, arrive at once", async () => {
    const shopRef = { id: shopId };
    const claims = ["visitor-p", "visitor-q", "visitor-r", "visitor-s"].map((clientId) =>
      db.$transaction((tx) => notePixelCheckouts(tx, shopRef, [{ token: "tok-race", clientId, at: at("2026-11-20T15:00:00Z") }])),
    );
    const signed = db.$transaction((tx) => noteSignedCheckout(tx, shopRef, { token: "tok-race", customerGid: ANA_GID, at: at("2026-11-20T15:01:00Z") }));
    await Promise.all([...claims, signed]);
    const row = await db.checkoutToken.findUniqueOrThrow({ where: { shopId_token: { shopId, token: "tok-race" } } });
    expect(row.customerGid).toBe(ANA_GID);
    expect(await visitorsOf(db, shopRef, ANA_GID)).toEqual([row.clientId]);
  });

  it("applies the same delivery twice with one link", async () => {
    await notePixelCheckouts(db, { id: shopId }, [{ token: "tok-d", clientId: "visitor-6", at: at("2026-11-20T15:00:00Z") }]);
    const payload = checkoutPayload({ id: 905, token: "tok-d", customerId: ANA });
    await deliver({ topic: "checkouts/create", shop, payload });
    await deliver({ topic: "checkouts/create", shop, payload });
    await notePixelCheckouts(db, { id: shopId }, [{ token: "tok-d", clientId: "visitor-6", at: at("2026-11-20T15:00:00Z") }]);
    expect(await db.visitorLink.findMany({ where: { shopId }, select: { clientId: true, customerGid: true } })).toEqual([{ clientId: "visitor-6", customerGid: ANA_GID }]);
    expect(await db.checkoutToken.count({ where: { shopId } })).toBe(1);
  });

  it("keeps each shop's tokens apart", async () => {
    const other = await shopWithCatalogue();
    await notePixelCheckouts(db, { id: other.shopId }, [{ token: "tok-e", clientId: "visitor-other-shop", at: at("2026-11-20T15:00:00Z") }]);
    await deliver({ topic: "checkouts/create", shop, payload: checkoutPayload({ id: 906, token: "tok-e", customerId: ANA }) });
    expect(await db.visitorLink.count({ where: { shopId: { in: [shopId, other.shopId] } } })).toBe(0);
  });

  it.each([
    ["no token", { id: 907, customer: null, created_at: "2026-11-20T10:00:00-05:00" }],
    ["a customer that is not one", { id: 908, token: "tok-f", customer: { id: 1, admin_graphql_api_id: "gid://shopify/Product/1" }, created_at: "2026-11-20T10:00:00-05:00" }],
    ["no timestamp", { id: 909, token: "tok-g", customer: null }],
  ])("refuses a checkout payload with %s, storing nothing", async (_case, payload) => {
    const { status, error } = await deliver({ topic: "checkouts/create", shop, payload });
    expect(status).toBe("failed");
    expect(error).toMatch(/checkouts\/create payload/);
    expect(await db.checkoutToken.count({ where: { shopId } })).toBe(0);
  });
});
