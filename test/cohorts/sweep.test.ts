import { beforeEach, describe, expect, it } from "vitest";
import { createDatabase } from "../../app/db.server";
import db from "../../app/db.server";
import { sweepShop, timeCandidates } from "../../app/services/cohorts/evaluate.server";
import { customerPayload, orderPayload } from "../fixtures/rest-payloads";
import { deliver } from "../support/deliver";
import { ANA, CHARCOAL, CHARCOAL_GID, pixelEvent, shopWithCatalogue } from "../identity/helpers";
import { clockAt, enabledRule, hoursAfter, transitionsOf } from "./helpers";

// The periodic sweep looks at what changes with time alone: after a rule's first (whole-shop)
// evaluation, only the shoppers whose windows closed since the last sweep.

let shop: string;
let shopId: string;
const T = "2026-11-21T10:00:00.000Z";
const days = (n: number) => hoursAfter(T, 24 * n);

beforeEach(async () => {
  ({ shop, shopId } = await shopWithCatalogue());
  await deliver({ topic: "customers/create", shop, payload: customerPayload({ id: ANA }) });
});

const sweep = async (at: string) => sweepShop({ db, clock: clockAt(at) }, await db.shop.findUniqueOrThrow({ where: { id: shopId } }));
const order = (id: number, processedAt: string) =>
  deliver({ topic: "orders/paid", shop, payload: orderPayload({ id, customerId: ANA, processedAt, lines: [{ id: id * 10, price: "40.00", quantity: 1, variantId: CHARCOAL }] }) });

describe("the sweep", () => {
  it("enters a member into lapsed when the days pass, and takes them out of first-purchase", async () => {
    await order(701, T);
    const lapsed = await enabledRule(shopId, "lapsed", { days: "90" }, days(1));
    const first = await enabledRule(shopId, "first-purchase", { days: "30" }, days(1));
    expect((await transitionsOf(shopId, first.id)).map((t) => t.direction)).toEqual(["in"]);

    expect((await sweep(days(29))).entered + (await sweep(days(29))).exited).toBe(0);
    expect(await sweep(days(31))).toMatchObject({ entered: 0, exited: 1 });
    expect((await transitionsOf(shopId, first.id)).map((t) => t.direction)).toEqual(["in", "out"]);

    expect(await sweep(days(89))).toMatchObject({ entered: 0, exited: 0 });
    expect(await sweep(days(91))).toMatchObject({ entered: 1, exited: 0 });
    expect((await transitionsOf(shopId, lapsed.id)).map((t) => t.direction)).toEqual(["in"]);
    expect((await db.cohortRule.findUniqueOrThrow({ where: { id: lapsed.id } })).sweptAt?.toISOString()).toBe(days(91));
  });

  it("finds only the shoppers whose windows closed since the last sweep", async () => {
    await pixelEvent(shopId, "v-early", { name: "product_added_to_cart", at: T, variantGid: CHARCOAL_GID, stock: 2 });
    await pixelEvent(shopId, "v-late", { name: "product_added_to_cart", at: hoursAfter(T, 10), variantGid: CHARCOAL_GID, stock: 2 });
    await pixelEvent(shopId, "v-plenty", { name: "product_added_to_cart", at: T, variantGid: CHARCOAL_GID, stock: 30 });
    const params = { template: "cart-abandoned-low-stock", hours: 4, lookbackDays: 14 } as const;
    // Windows closing between T+3h and T+5h: the add at T only.
    expect(await timeCandidates(db, shopId, params, new Date(hoursAfter(T, 3)), new Date(hoursAfter(T, 5)))).toEqual({ clientIds: ["v-early"] });
    // Falling out of the look-back 14 days later (the add at T at exactly T + 14 days).
    const leaving = await timeCandidates(db, shopId, params, new Date(hoursAfter(days(14), -1)), new Date(hoursAfter(days(14), 11)));
    expect([...(leaving?.clientIds ?? [])].sort()).toEqual(["v-early", "v-late"]);
    expect(await timeCandidates(db, shopId, { template: "repeat-purchaser", minOrders: 2 }, new Date(T), new Date(days(5)))).toBeNull();
  });

  it("evaluates a rule over the whole shop when it was never swept, then only what changed", async () => {
    await pixelEvent(shopId, "v-1", { name: "product_added_to_cart", at: T, variantGid: CHARCOAL_GID, stock: 2 });
    const rule = await enabledRule(shopId, "cart-abandoned-low-stock", { hours: "4" }, hoursAfter(T, 1));
    await db.cohortRule.update({ where: { id: rule.id }, data: { sweptAt: null } });
    // Never swept: the whole shop, so the add whose window closed long ago is found.
    expect(await sweep(days(2))).toMatchObject({ entered: 1 });

    // Swept: a handful of statements when no window closed, however large the shop.
    let statements = 0;
    const traced = await createDatabase(process.env.DATABASE_URL, { onStatement: () => (statements += 1) });
    try {
      await sweepShop({ db: traced, clock: clockAt(days(3)) }, await traced.shop.findUniqueOrThrow({ where: { id: shopId } }));
    } finally {
      await traced.$disconnect();
    }
    expect(statements).toBeLessThanOrEqual(8);
  });
});
