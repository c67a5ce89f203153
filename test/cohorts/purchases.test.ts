// Only purchases (paid, not cancelled, not test) count, on every path an order reaches a shopper by.
import { describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { notePixelCheckouts } from "../../app/services/identity/visitors.server";
import { customerPayload, orderPayload } from "../fixtures/rest-payloads";
import { deliver } from "../support/deliver";
import { ANA, ANA_GID, CHARCOAL, CHARCOAL_GID, checkoutPayload, pixelEvent, shopWithCatalogue } from "../identity/helpers";
import { enabledRule, hoursAfter } from "./helpers";

const VIEWED = "2026-11-21T10:00:00.000Z";

async function completed(shopId: string, clientId: string, orderId: number, at: string) {
  await db.pixelEvent.create({ data: { shopId, eventId: `done-${orderId}-${crypto.randomUUID()}`, clientId, name: "checkout_completed", occurredAt: new Date(at), orderGid: `gid://shopify/Order/${orderId}` } });
}

describe("vip-scarcity-shopper: only purchases count", () => {
  it("a visitor whose completed checkout became a test order is not a scarcity shopper", async () => {
    const { shop, shopId } = await shopWithCatalogue();
    await pixelEvent(shopId, "visitor-9", { name: "product_viewed", at: VIEWED, variantGid: CHARCOAL_GID, stock: 3 });
    await completed(shopId, "visitor-9", 777, hoursAfter(VIEWED, 1));
    await deliver({ topic: "orders/create", shop, payload: orderPayload({ id: 777, customerId: null, test: true, processedAt: hoursAfter(VIEWED, 1), lines: [{ id: 7770, price: "32.00", quantity: 1, variantId: CHARCOAL }] }) });
    expect(await db.order.findFirst({ where: { shopId, gid: "gid://shopify/Order/777" }, select: { test: true } })).toEqual({ test: true });
    const rule = await enabledRule(shopId, "vip-scarcity-shopper", {}, hoursAfter(VIEWED, 2));
    expect(await db.cohortMembership.findMany({ where: { ruleId: rule.id }, select: { subjectKey: true, orderGid: true } })).toEqual([]);
  });

  it("a member whose only order of the variant was cancelled is not a scarcity shopper", async () => {
    const { shop, shopId } = await shopWithCatalogue();
    await deliver({ topic: "customers/create", shop, payload: customerPayload({ id: ANA }) });
    await notePixelCheckouts(db, { id: shopId }, [{ token: "tok-x", clientId: "visitor-8", at: new Date("2026-11-10T10:00:00Z") }]);
    await deliver({ topic: "checkouts/create", shop, payload: checkoutPayload({ id: 4242, token: "tok-x", customerId: ANA }) });
    await pixelEvent(shopId, "visitor-8", { name: "product_viewed", at: VIEWED, variantGid: CHARCOAL_GID, stock: 3 });
    await completed(shopId, "visitor-8", 778, hoursAfter(VIEWED, 1));
    await deliver({ topic: "orders/create", shop, payload: orderPayload({ id: 778, customerId: ANA, cancelledAt: hoursAfter(VIEWED, 1.5), financialStatus: "voided", processedAt: hoursAfter(VIEWED, 1), lines: [{ id: 7780, price: "32.00", quantity: 1, variantId: CHARCOAL }] }) });
    expect(await db.order.findFirst({ where: { shopId, gid: "gid://shopify/Order/778" }, select: { cancelledAt: true, customerGid: true } })).toMatchObject({ customerGid: ANA_GID });
    const rule = await enabledRule(shopId, "vip-scarcity-shopper", {}, hoursAfter(VIEWED, 2));
    expect(await db.cohortMembership.findMany({ where: { ruleId: rule.id }, select: { subjectKey: true, orderGid: true } })).toEqual([]);
  });
});

describe("cart-abandoned-low-stock: only purchases take a shopper out", () => {
  it("a visitor whose later checkout became a voided, cancelled order stays an abandoner", async () => {
    const { shop, shopId } = await shopWithCatalogue();
    await pixelEvent(shopId, "visitor-7", { name: "product_added_to_cart", at: VIEWED, variantGid: CHARCOAL_GID, stock: 3 });
    await completed(shopId, "visitor-7", 779, hoursAfter(VIEWED, 30));
    await deliver({ topic: "orders/create", shop, payload: orderPayload({ id: 779, customerId: null, cancelledAt: hoursAfter(VIEWED, 31), financialStatus: "voided", processedAt: hoursAfter(VIEWED, 30), lines: [{ id: 7790, price: "32.00", quantity: 1, variantId: CHARCOAL }] }) });
    const rule = await enabledRule(shopId, "cart-abandoned-low-stock", { hours: "24" }, hoursAfter(VIEWED, 32));
    expect(await db.cohortMembership.findMany({ where: { ruleId: rule.id }, select: { subjectKey: true } })).toEqual([{ subjectKey: "v:visitor-7" }]);
  });
});
