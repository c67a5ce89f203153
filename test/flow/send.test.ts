import { beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { FLOW_QUEUE } from "../../app/services/flow/output.server";
import { markShopUninstalled } from "../../app/services/shops/shops.server";
import { programSchema } from "../../app/services/program/settings";
import { updateShopSettings } from "../../app/services/shops/shops.server";
import { enabledRule, runQueuedEvaluations } from "../cohorts/helpers";
import { customerPayload, orderPayload } from "../fixtures/rest-payloads";
import { deliver } from "../support/deliver";
import { fakeShopify, installTestShop, uniqueShop } from "../support/shopify";
import { dispatchToFlow, flowJobs, received, sendNow, useTrigger } from "./support";

// Journey events to Shopify Flow end to end: a signed order earns points, the journey dispatcher
// hands the event to flowOutput, and the flow queue calls the fake Admin API's
// flowTriggerReceive — only for the triggers the shop's Flow uses (its lifecycle callback).

const ANA = 115310627;
let shop: string;
let shopId: string;

beforeEach(async () => {
  shop = uniqueShop("roost-flow");
  await installTestShop(shop);
  shopId = (await db.shop.findUniqueOrThrow({ where: { domain: shop } })).id;
  await updateShopSettings(db, shop, { program: programSchema.parse({ startDate: "2026-01-01" }) });
  // Jobs other files of this worker left queued must not reach this file's claims and counts.
  await db.job.deleteMany({ where: { queue: FLOW_QUEUE, NOT: { shopId } } });
  fakeShopify.store.addCustomer(shop, { email: "ana.lima@example.com", firstName: "Ana" });
  await deliver({ topic: "customers/create", shop, payload: customerPayload({ id: ANA, email: "ana.lima@example.com" }) });
});

const paidOrder = (id: number, price: string) => orderPayload({ id, customerId: ANA, lines: [{ id: id * 10, price, quantity: 1 }] });
const earn = async (id: number, price: string) => {
  const result = await deliver({ topic: "orders/paid", shop, payload: paidOrder(id, price) });
  expect(result.status).toBe("processed");
};
const handles = () => received(shop).map((trigger) => trigger.handle);

describe("journey events to Shopify Flow", () => {
  it("an order that earns points reaches flowTriggerReceive as roost-points-earned, with the points, the balance and the order's name", async () => {
    expect((await useTrigger(shop, "roost-points-earned")).status).toBe(200);
    await earn(1, "123.45");
    expect(await dispatchToFlow(shopId)).toBe(1);
    expect(await sendNow(shopId)).toEqual({ sent: 1, failed: 0, waiting: 0 });
    const order = await db.order.findFirstOrThrow({ where: { shopId } });
    expect(received(shop)).toEqual([
      { handle: "roost-points-earned", payload: { customer_id: ANA, "Points earned": 123, "Points balance": 123, "Order name": order.name }, receivedAt: expect.any(Number) },
    ]);
    expect(await flowJobs(shopId)).toMatchObject([{ status: "done", lastError: null }]);
    // Sent once: the queue drained again sends nothing more.
    expect(await sendNow(shopId)).toEqual({ sent: 0, failed: 0, waiting: 0 });
    expect(received(shop)).toHaveLength(1);
  });

  it("queues nothing for a trigger no workflow uses, nor for one whose workflows were turned off", async () => {
    await earn(1, "50.00");
    expect(await dispatchToFlow(shopId)).toBe(0);
    await useTrigger(shop, "roost-points-earned");
    await useTrigger(shop, "roost-points-earned", false);
    await earn(2, "60.00");
    expect(await dispatchToFlow(shopId)).toBe(0);
    expect(await flowJobs(shopId)).toEqual([]);
    await sendNow(shopId);
    expect(received(shop)).toEqual([]);
  });

  it("sends first_purchase with points_earned when both are in use, and drops a trigger turned off after it was queued", async () => {
    await useTrigger(shop, "roost-points-earned");
    await useTrigger(shop, "roost-first-purchase");
    await earn(1, "80.00");
    expect(await dispatchToFlow(shopId)).toBe(2);
    await useTrigger(shop, "roost-points-earned", false);
    expect(await sendNow(shopId)).toEqual({ sent: 2, failed: 0, waiting: 0 });
    expect(handles()).toEqual(["roost-first-purchase"]);
  });

  it("a cohort entry sends roost-cohort-entered with the cohort's key and tag", async () => {
    await useTrigger(shop, "roost-cohort-entered");
    await enabledRule(shopId, "first-purchase", {}, new Date().toISOString(), "first-buyers");
    await earn(1, "40.00");
    await runQueuedEvaluations(shopId, new Date().toISOString());
    expect(await dispatchToFlow(shopId)).toBe(1);
    expect(await sendNow(shopId)).toEqual({ sent: 1, failed: 0, waiting: 0 });
    expect(received(shop)).toEqual([
      { handle: "roost-cohort-entered", payload: { customer_id: ANA, "Cohort key": "first-buyers", "Cohort tag": "roost-first-buyers" }, receivedAt: expect.any(Number) },
    ]);
  });

  it("keeps a trigger Shopify refuses (userErrors) failed with Shopify's message, never retried", async () => {
    await useTrigger(shop, "roost-points-earned");
    await earn(1, "30.00");
    await dispatchToFlow(shopId);
    // The deployed app no longer has the trigger (its extension was removed): Flow refuses the handle.
    const deployed = fakeShopify.store.flowTriggers;
    fakeShopify.store.flowTriggers = new Map([...deployed].filter(([handle]) => handle !== "roost-points-earned"));
    try {
      expect(await sendNow(shopId)).toEqual({ sent: 0, failed: 1, waiting: 0 });
    } finally {
      fakeShopify.store.flowTriggers = deployed;
    }
    const [job] = await flowJobs(shopId);
    expect(job).toMatchObject({ status: "failed", attempts: 1 });
    expect(job!.lastError).toContain("Invalid handle 'roost-points-earned'");
    expect(received(shop)).toEqual([]);
  });

  it("skips, with the reason, an event of a member without a Shopify customer", async () => {
    await useTrigger(shop, "roost-points-earned");
    await earn(1, "30.00");
    await db.member.updateMany({ where: { shopId }, data: { customerGid: null } });
    await dispatchToFlow(shopId);
    expect(await sendNow(shopId)).toEqual({ sent: 0, failed: 1, waiting: 0 });
    const [job] = await flowJobs(shopId);
    expect(job).toMatchObject({ status: "failed" });
    expect(job!.lastError).toMatch(/no Shopify customer/);
    expect(received(shop)).toEqual([]);
  });

  it("keeps an uninstalled shop's triggers waiting, pending", async () => {
    await useTrigger(shop, "roost-points-earned");
    await earn(1, "30.00");
    await dispatchToFlow(shopId);
    await markShopUninstalled(db, shop);
    expect(await sendNow(shopId)).toEqual({ sent: 0, failed: 0, waiting: 1 });
    expect(await flowJobs(shopId)).toMatchObject([{ status: "pending", lastError: null }]);
    expect(received(shop)).toEqual([]);
  });
});
