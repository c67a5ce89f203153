import { beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { previewMatches } from "../../app/services/cohorts/evaluate.server";
import type { RuleParams } from "../../app/services/cohorts/templates";
import { customerPayload, orderPayload, refundPayload } from "../fixtures/rest-payloads";
import { deliver } from "../support/deliver";
import { ANA, ANA_GID, CHARCOAL, CHARCOAL_GID, pixelEvent, shopWithCatalogue } from "../identity/helpers";
import { hoursAfter } from "./helpers";

// Each template at its boundaries: the value that matches and the one beside it that does not.

let shop: string;
let shopId: string;
const T = "2026-11-21T10:00:00.000Z";
const days = (n: number) => hoursAfter(T, 24 * n);

beforeEach(async () => {
  ({ shop, shopId } = await shopWithCatalogue());
  await deliver({ topic: "customers/create", shop, payload: customerPayload({ id: ANA }) });
});

const matches = async (params: RuleParams, now: string) => {
  const preview = await previewMatches(db, shopId, params, new Date(now));
  return preview.members + preview.visitors;
};

let orderIds = 900;
async function order(processedAt: string, spec: { price?: string; financialStatus?: string; cancelledAt?: string; test?: boolean; customerId?: number | null; variantId?: number } = {}) {
  orderIds += 1;
  const payload = orderPayload({
    id: orderIds,
    customerId: spec.customerId === undefined ? ANA : spec.customerId,
    processedAt,
    financialStatus: spec.financialStatus,
    cancelledAt: spec.cancelledAt,
    test: spec.test,
    lines: [{ id: orderIds * 10, price: spec.price ?? "40.00", quantity: 1, variantId: spec.variantId ?? CHARCOAL }],
  });
  await deliver({ topic: "orders/create", shop, payload });
  return `gid://shopify/Order/${orderIds}`;
}

describe("cart-abandoned-low-stock", () => {
  const rule = { template: "cart-abandoned-low-stock", hours: 4, lookbackDays: 14 } as const;

  it("enters exactly when the window has passed, not a moment before", async () => {
    await pixelEvent(shopId, "v-1", { name: "product_added_to_cart", at: T, variantGid: CHARCOAL_GID, stock: 5 });
    expect(await matches(rule, hoursAfter(T, 3.999))).toBe(0);
    expect(await matches(rule, hoursAfter(T, 4))).toBe(1);
  });

  it("counts a variant at the threshold (stock 5) and not one above it (stock 6)", async () => {
    await pixelEvent(shopId, "v-at", { name: "product_added_to_cart", at: T, variantGid: CHARCOAL_GID, stock: 5 });
    await pixelEvent(shopId, "v-above", { name: "product_added_to_cart", at: T, variantGid: CHARCOAL_GID, stock: 6 });
    const preview = await previewMatches(db, shopId, rule, new Date(hoursAfter(T, 5)));
    expect(preview.sample.map((row) => row.clientId)).toEqual(["v-at"]);
  });

  it("a checkout completed at the window's last moment keeps the cart from counting; one a second later does not", async () => {
    await pixelEvent(shopId, "v-in", { name: "product_added_to_cart", at: T, variantGid: CHARCOAL_GID, stock: 2 });
    await pixelEvent(shopId, "v-in", { name: "checkout_completed", at: hoursAfter(T, 4) });
    await pixelEvent(shopId, "v-late", { name: "product_added_to_cart", at: T, variantGid: CHARCOAL_GID, stock: 2 });
    await pixelEvent(shopId, "v-late", { name: "checkout_completed", at: new Date(new Date(hoursAfter(T, 4)).getTime() + 1000).toISOString() });
    const preview = await previewMatches(db, shopId, rule, new Date(hoursAfter(T, 6)));
    expect(preview.sample.map((row) => row.clientId)).toEqual(["v-late"]);
  });

  it("looks back lookbackDays: an add exactly that old no longer counts", async () => {
    await pixelEvent(shopId, "v-old", { name: "product_added_to_cart", at: T, variantGid: CHARCOAL_GID, stock: 2 });
    expect(await matches(rule, new Date(new Date(days(14)).getTime() - 1000).toISOString())).toBe(1);
    expect(await matches(rule, days(14))).toBe(0);
  });
});

describe("vip-scarcity-shopper", () => {
  const rule = { template: "vip-scarcity-shopper", hours: 48, days: 90 } as const;

  it("counts a purchase exactly N hours after the low-stock view, not one a minute later, nor one before the view", async () => {
    // A guest's purchase reaches the visitor through the checkout_completed event's order.
    await pixelEvent(shopId, "v-on-time", { name: "product_viewed", at: T, variantGid: CHARCOAL_GID, stock: 1 });
    const onTime = await order(hoursAfter(T, 48), { customerId: null });
    await db.pixelEvent.create({ data: { shopId, eventId: "done-on-time", clientId: "v-on-time", name: "checkout_completed", occurredAt: new Date(hoursAfter(T, 48)), orderGid: onTime } });

    await pixelEvent(shopId, "v-late", { name: "product_viewed", at: T, variantGid: CHARCOAL_GID, stock: 1 });
    const late = await order(hoursAfter(T, 48.02), { customerId: null });
    await db.pixelEvent.create({ data: { shopId, eventId: "done-late", clientId: "v-late", name: "checkout_completed", occurredAt: new Date(hoursAfter(T, 48.02)), orderGid: late } });

    await pixelEvent(shopId, "v-before", { name: "product_viewed", at: T, variantGid: CHARCOAL_GID, stock: 1 });
    const before = await order(hoursAfter(T, -1), { customerId: null });
    await db.pixelEvent.create({ data: { shopId, eventId: "done-before", clientId: "v-before", name: "checkout_completed", occurredAt: new Date(hoursAfter(T, -1)), orderGid: before } });

    const preview = await previewMatches(db, shopId, rule, new Date(days(3)));
    expect(preview.sample.map((row) => [row.clientId, row.orderGid])).toEqual([["v-on-time", onTime]]);
  });

  it("does not count a view while the variant was not low on stock", async () => {
    await pixelEvent(shopId, "v-plenty", { name: "product_viewed", at: T, variantGid: CHARCOAL_GID, stock: 40 });
    const bought = await order(hoursAfter(T, 1), { customerId: null });
    await db.pixelEvent.create({ data: { shopId, eventId: "done-plenty", clientId: "v-plenty", name: "checkout_completed", occurredAt: new Date(hoursAfter(T, 1)), orderGid: bought } });
    expect(await matches(rule, days(1))).toBe(0);
  });
});

describe("order rules", () => {
  it("first-purchase: one order within the days; not at exactly D days, not with a second order", async () => {
    await order(T);
    const rule = { template: "first-purchase", days: 30 } as const;
    expect(await matches(rule, new Date(new Date(days(30)).getTime() - 1000).toISOString())).toBe(1);
    expect(await matches(rule, days(30))).toBe(0);
    await order(days(1));
    expect(await matches(rule, days(2))).toBe(0);
  });

  it("repeat-purchaser: K paid orders and not K − 1; cancelled, test and unpaid orders do not count", async () => {
    const rule = { template: "repeat-purchaser", minOrders: 3 } as const;
    await order(T);
    await order(days(1));
    await order(days(2), { cancelledAt: days(2) });
    await order(days(3), { test: true });
    await order(days(4), { financialStatus: "pending" });
    expect(await matches(rule, days(5))).toBe(0);
    await order(days(5));
    const preview = await previewMatches(db, shopId, rule, new Date(days(6)));
    expect(preview.members).toBe(1);
    expect(preview.sample[0]).toMatchObject({ value: 3 });
  });

  it("high-value: spend at the amount counts, a cent below does not; a refund brings it below", async () => {
    const rule = { template: "high-value", minSpend: 10_000, days: 365 } as const;
    await order(T, { price: "60.00" });
    const second = await order(days(1), { price: "39.99" });
    expect(await matches(rule, days(2))).toBe(0);
    await order(days(2), { price: "0.01" });
    expect(await matches(rule, days(3))).toBe(1);
    expect(await matches(rule, days(366))).toBe(0); // the first orders left the window

    const secondId = Number(second.split("/").pop());
    await deliver({ topic: "refunds/create", shop, payload: refundPayload({ id: 77001, orderId: secondId, createdAt: days(3), lines: [{ lineItemId: secondId * 10, quantity: 1, subtotal: "39.99", tax: "0.00" }] }) });
    expect(await matches(rule, days(4))).toBe(0);
  });

  it("lapsed: the latest order exactly D days old counts, a day younger does not; no order at all is not lapsed", async () => {
    const rule = { template: "lapsed", days: 90 } as const;
    expect(await matches(rule, days(200))).toBe(0);
    await order(T);
    expect(await matches(rule, days(90))).toBe(1);
    expect(await matches(rule, days(89))).toBe(0);
  });
});

describe("member rules", () => {
  it("tier: members in the tier and no one else; points-balance: P points counts, P − 1 does not", async () => {
    const member = await db.member.findFirstOrThrow({ where: { shopId, customerGid: ANA_GID } });
    await db.member.update({ where: { id: member.id }, data: { tier: "Gold", balance: 500 } });
    expect(await matches({ template: "tier", tier: "Gold" }, T)).toBe(1);
    expect(await matches({ template: "tier", tier: "Silver" }, T)).toBe(0);
    expect(await matches({ template: "points-balance", minPoints: 500 }, T)).toBe(1);
    expect(await matches({ template: "points-balance", minPoints: 501 }, T)).toBe(0);
  });

  it("a redacted member matches nothing", async () => {
    const member = await db.member.findFirstOrThrow({ where: { shopId, customerGid: ANA_GID } });
    await order(T);
    await db.member.update({ where: { id: member.id }, data: { redactedAt: new Date(T), balance: 900 } });
    expect(await matches({ template: "points-balance", minPoints: 1 }, T)).toBe(0);
    expect(await matches({ template: "lapsed", days: 1 }, days(5))).toBe(0);
  });
});
