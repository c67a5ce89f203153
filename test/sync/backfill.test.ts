import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { action as bulkFinishRoute } from "../../app/routes/webhooks.bulk_operations.finish";
import { inboxWorker } from "../../app/runtime.server";
import {
  advanceBackfill,
  backfillProgress,
  bulkOperationsFinishHandler,
  startBackfill,
  waitForBackfill,
} from "../../app/services/sync/backfill.server";
import { SYNC_QUEUE } from "../../app/services/sync/deps.server";
import type { BulkOperationFinishEvent } from "../support/fake-shopify";
import { orderWebhookPayload } from "../support/fake-shopify";
import { signedWebhook } from "../support/shopify";
import { DAY, db, deliver, forgetShops, isoAgo, newShop, seedStore, store, syncDeps, syncRunner } from "./helpers";

const minor = (amount: string) => Math.round(Number(amount) * 100);

afterEach(() => {
  vi.restoreAllMocks();
});

async function mirrorCounts(shopId: string) {
  const where = { shopId };
  return {
    products: await db.product.count({ where }),
    variants: await db.variant.count({ where }),
    inventoryLevels: await db.inventoryLevel.count({ where }),
    customers: await db.customer.count({ where }),
    orders: await db.order.count({ where }),
    orderLines: await db.orderLine.count({ where }),
    refunds: await db.refund.count({ where }),
  };
}

afterAll(forgetShops);

describe("backfill", () => {
  it("imports a couple of thousand objects, survives a crash halfway through the orders and resumes to exact counts", { timeout: 120_000 }, async () => {
    const shop = await newShop();
    // JSONL lines: 30 products + 90 variants | 90 variants + 99 levels (every 10th product is
    // stocked at two locations) | 200 customers | 250 orders + 1,500 line items = 2,259 objects.
    const seeded = seedStore(shop.domain, { customers: 200, products: 30, variantsPerProduct: 3, orders: 250, orderDays: 50, linesPerOrder: 6, storeEvery: 10 });
    // Every tenth order has a refund of one unit of its first line.
    for (const orderId of seeded.orderIds.filter((_, index) => index % 10 === 0)) {
      const order = store.order(shop.domain, orderId)!;
      store.addRefund(shop.domain, orderId, { lineItems: [{ lineItemId: order.lineItems[0].id, quantity: 1 }], createdAt: isoAgo(60_000) });
    }
    const orderLines = 250 * 7;

    // Crash (an exception standing in for a killed process) in the middle of the orders file.
    const crashAt = orderLines / 2;
    const crashing = syncDeps({
      onLine: ({ resource, line }) => {
        if (resource === "orders" && line === crashAt) throw new Error("simulated crash");
      },
    });
    await startBackfill(crashing, shop.domain);
    await expect(waitForBackfill(crashing, shop.domain, { pollMs: 5 })).rejects.toThrow("simulated crash");

    const crashed = await backfillProgress(db, shop.id);
    expect(crashed.runs.map((run) => [run.resource, run.status, run.objectCount])).toEqual([
      ["products", "completed", 30 + 90],
      ["inventory", "completed", 90 + 99],
      ["customers", "completed", 200],
      ["orders", "importing", orderLines],
    ]);
    const ordersRun = crashed.runs[3];
    expect(ordersRun.error).toBe("simulated crash");
    // Checkpointed at an order boundary (7 lines per order) before the crash line.
    expect(ordersRun.linesDone).toBeGreaterThan(0);
    expect(ordersRun.linesDone).toBeLessThan(crashAt);
    expect(ordersRun.linesDone % 7).toBe(0);
    // The records counted are the orders checkpointed, not their lines.
    expect(ordersRun.recordsDone).toBe(ordersRun.linesDone / 7);
    // Nothing after the checkpoint was kept half-done: each checkpointed order is there, with all its lines.
    expect(await db.order.count({ where: { shopId: shop.id } })).toBe(ordersRun.linesDone / 7);
    expect(await db.orderLine.count({ where: { shopId: shop.id } })).toBe((ordersRun.linesDone / 7) * 6);

    // Resume: the same file is streamed again and what was done is skipped.
    const seen: number[] = [];
    const resumed = await waitForBackfill(syncDeps({ onLine: ({ line }) => void seen.push(line) }), shop.domain, { pollMs: 5 });
    expect(seen[0]).toBe(ordersRun.linesDone + 1);
    expect(seen).toHaveLength(orderLines - ordersRun.linesDone);
    expect(resumed.status).toBe("completed");
    expect(resumed.runs.map((run) => [run.resource, run.status, run.linesDone, run.objectCount, run.error])).toEqual([
      ["products", "completed", 120, 120, null],
      ["inventory", "completed", 189, 189, null],
      ["customers", "completed", 200, 200, null],
      ["orders", "completed", 1750, 1750, null],
    ]);
    expect({ done: resumed.done, total: resumed.total }).toEqual({ done: 2259, total: 2259 });
    // Top-level records, as the Dashboard names them: each counted once across the crash and the resume.
    expect(resumed.runs.map((run) => [run.resource, run.recordsDone])).toEqual([
      ["products", 30],
      ["inventory", 90],
      ["customers", 200],
      ["orders", 250],
    ]);

    expect(await mirrorCounts(shop.id)).toEqual({
      products: 30,
      variants: 90,
      inventoryLevels: 99,
      customers: 200,
      orders: 250,
      orderLines: 1500,
      refunds: 25,
    });
    expect(await db.order.count({ where: { shopId: shop.id, backfilled: true } })).toBe(250);
    // Every customer with an email became a member; backfilled orders earn nothing unless the program is retroactive.
    expect(await db.member.count({ where: { shopId: shop.id } })).toBe(200);
    expect(await db.ledgerEntry.count({ where: { shopId: shop.id } })).toBe(0);

    // The money is exact: Σ eligible = Σ discounted line totals (no tax included, no gift cards).
    const fakeOrders = seeded.orderIds.map((id) => store.order(shop.domain, id)!);
    const expectedEligible = fakeOrders.reduce((sum, order) => sum + order.lineItems.reduce((lines, line) => lines + minor(line.discountedTotal), 0), 0);
    const mirrored = await db.order.aggregate({ where: { shopId: shop.id }, _sum: { eligibleAmount: true, shippingAmount: true } });
    expect(mirrored._sum).toEqual({ eligibleAmount: expectedEligible, shippingAmount: 250 * 500 });
    const expectedRefunded = fakeOrders.flatMap((order) => order.refunds).reduce((sum, refund) => sum + minor(refund.lineItems[0].subtotal), 0);
    const refunds = await db.refund.aggregate({ where: { shopId: shop.id }, _sum: { eligibleAmount: true }, _count: { appliedAt: true } });
    expect(refunds).toEqual({ _sum: { eligibleAmount: expectedRefunded }, _count: { appliedAt: 25 } });

    // Inventory: per-location levels summed onto each variant (product 10 is stocked at two locations).
    const variant = store.product(shop.domain, seeded.productIds[10])!.variants[1];
    const mirroredVariant = await db.variant.findFirstOrThrow({ where: { shopId: shop.id, gid: variant.id } });
    expect(mirroredVariant).toMatchObject({ available: ((10 + 1) % 7) + 1, price: 1150, sku: "P10-V1" });
  });

  it("imports the last 60 days of orders unless the shop granted read_all_orders", async () => {
    const limited = await newShop();
    const everything = await newShop({ scopes: ["read_customers", "read_orders", "read_all_orders", "read_products"] });
    for (const shop of [limited, everything]) {
      const customer = store.addCustomer(shop.domain, { email: "old@example.com" });
      for (const days of [5, 59, 61, 400]) {
        store.addOrder(shop.domain, { customerId: customer.id, createdAt: isoAgo(days * DAY), processedAt: isoAgo(days * DAY), lineItems: [{ title: "Thing", price: "10.00" }] });
      }
      await startBackfill(syncDeps(), shop.domain);
      await waitForBackfill(syncDeps(), shop.domain, { pollMs: 5 });
    }

    const limitedOrders = await backfillProgress(db, limited.id);
    expect(limitedOrders.runs[3]).toMatchObject({ resource: "orders", status: "completed", objectCount: 4 });
    expect(Date.parse(limitedOrders.runs[3].since!)).toBeCloseTo(Date.now() - 60 * DAY, -5);
    expect(await db.order.count({ where: { shopId: limited.id } })).toBe(2);
    expect((await backfillProgress(db, everything.id)).runs[3]).toMatchObject({ objectCount: 8, since: null });
    expect(await db.order.count({ where: { shopId: everything.id } })).toBe(4);
  });

  it("never lets an older copy win: a webhook during the import beats the backfill, and a late older webhook loses to it", async () => {
    const shop = await newShop();
    const customer = store.addCustomer(shop.domain, { email: "race@example.com", updatedAt: isoAgo(DAY) });
    const racing = store.addOrder(shop.domain, {
      customerId: customer.id,
      createdAt: isoAgo(DAY),
      updatedAt: isoAgo(DAY),
      financialStatus: "PENDING",
      lineItems: [{ title: "Thing", price: "10.00" }],
    });
    const settled = store.addOrder(shop.domain, { customerId: customer.id, createdAt: isoAgo(DAY), updatedAt: isoAgo(DAY), lineItems: [{ title: "Thing", price: "20.00" }] });
    const stalePayload = orderWebhookPayload(store, shop.domain, settled.id);
    store.updateOrder(shop.domain, settled.id, { fulfillmentStatus: "FULFILLED", updatedAt: isoAgo(3_600_000) });

    // The order gets paid while the (already written) bulk file is being imported.
    let delivered = false;
    const deps = syncDeps({
      onLine: async ({ resource }) => {
        if (resource !== "orders" || delivered) return;
        delivered = true;
        store.updateOrder(shop.domain, racing.id, { financialStatus: "PAID", updatedAt: isoAgo(1000) });
        await deliver(shop.domain, "orders/paid", orderWebhookPayload(store, shop.domain, racing.id));
      },
    });
    await startBackfill(deps, shop.domain);
    await waitForBackfill(deps, shop.domain, { pollMs: 5 });
    expect(delivered).toBe(true);

    const live = await db.order.findFirstOrThrow({ where: { shopId: shop.id, gid: racing.id } });
    expect(live).toMatchObject({ financialStatus: "paid", backfilled: false, shopifyUpdatedAt: new Date(store.order(shop.domain, racing.id)!.updatedAt) });

    // A retried, older orders/updated arrives after the backfill: the backfilled (newer) copy stays.
    await deliver(shop.domain, "orders/updated", stalePayload);
    const kept = await db.order.findFirstOrThrow({ where: { shopId: shop.id, gid: settled.id } });
    expect(kept).toMatchObject({ fulfillmentStatus: "fulfilled", backfilled: true, shopifyUpdatedAt: new Date(store.order(shop.domain, settled.id)!.updatedAt) });
  });

  it("completes through the bulk_operations/finish webhook, idempotently", async () => {
    const shop = await newShop();
    seedStore(shop.domain, { customers: 3, products: 2, variantsPerProduct: 2, orders: 2 });
    const events: BulkOperationFinishEvent[] = [];
    const unsubscribe = store.onBulkOperationFinish((event) => {
      if (event.shop === shop.domain) events.push(event);
    });
    try {
      await startBackfill(syncDeps(), shop.domain);
      await vi.waitFor(() => expect(events).toHaveLength(1));
      // Completed at Shopify, but nobody has polled: the run still says running.
      expect((await backfillProgress(db, shop.id)).runs[0]).toMatchObject({ resource: "products", status: "running" });

      const delivered = new Set<string>();
      const deliverFinish = async (event: BulkOperationFinishEvent) => {
        delivered.add(event.operation.id);
        const response = await bulkFinishRoute({ request: signedWebhook({ topic: "bulk_operations/finish", shop: shop.domain, payload: event.payload }), params: {}, context: {} });
        expect(response.status).toBe(200);
        await inboxWorker().idle();
        // The handler made the shop's sync job due: the runner's tick would start it now.
        await syncRunner().drain(SYNC_QUEUE);
      };
      await deliverFinish(events[0]);
      // The webhook, not a poll, moved the products run on (the shop's sync job then carries on).
      expect((await backfillProgress(db, shop.id)).runs[0]).toMatchObject({ resource: "products", status: "completed", linesDone: 6 });
      // Each later operation's webhook either completes its run or finds it already completed by the job's poll.
      for (let round = 0; round < 10 && (await backfillProgress(db, shop.id)).status === "running"; round += 1) {
        await vi.waitFor(() => expect(events.some((event) => !delivered.has(event.operation.id))).toBe(true));
        for (const event of events.filter((candidate) => !delivered.has(candidate.operation.id))) await deliverFinish(event);
      }
      for (const event of events.filter((candidate) => !delivered.has(candidate.operation.id))) await deliverFinish(event);
      const progress = await backfillProgress(db, shop.id);
      expect(progress.runs.map((run) => [run.resource, run.status, run.linesDone])).toEqual([
        ["products", "completed", 6],
        ["inventory", "completed", 12],
        ["customers", "completed", 3],
        ["orders", "completed", 6],
      ]);
      expect(delivered.size).toBe(4);
      expect(events.map((event) => event.payload.status)).toEqual(["completed", "completed", "completed", "completed"]);

      // Shopify delivers the first one again (a new webhook id): nothing changes.
      await deliverFinish(events[0]);
      expect(await backfillProgress(db, shop.id)).toEqual(progress);
      const rows = await db.webhookDelivery.findMany({ where: { shopDomain: shop.domain, topic: "bulk_operations/finish" } });
      expect(rows.map((row) => row.status)).toEqual(["processed", "processed", "processed", "processed", "processed"]);
      expect(await mirrorCounts(shop.id)).toMatchObject({ products: 2, variants: 4, inventoryLevels: 8, customers: 3, orders: 2 });
    } finally {
      unsubscribe();
    }
  });

  it("completes by polling alone, and a late finish webhook then changes nothing", async () => {
    const shop = await newShop();
    seedStore(shop.domain, { customers: 2, products: 1, variantsPerProduct: 1, orders: 1 });
    const events: BulkOperationFinishEvent[] = [];
    const unsubscribe = store.onBulkOperationFinish((event) => void (event.shop === shop.domain && events.push(event)));
    try {
      await startBackfill(syncDeps(), shop.domain);
      const progress = await waitForBackfill(syncDeps(), shop.domain, { pollMs: 5 });
      expect(progress.runs.map((run) => [run.resource, run.status, run.linesDone])).toEqual([
        ["products", "completed", 2],
        ["inventory", "completed", 3],
        ["customers", "completed", 2],
        ["orders", "completed", 3],
      ]);
      const runs = await db.backfillRun.findMany({ where: { shopId: shop.id } });
      expect(new Set(runs.map((run) => run.operationGid))).toEqual(new Set(events.map((event) => event.operation.id)));

      await bulkOperationsFinishHandler({
        db,
        clock: syncDeps().clock,
        logger: syncDeps().logger,
        capStore: syncDeps().capStore,
        shopDomain: shop.domain,
        topic: "bulk_operations/finish",
        webhookId: "late-finish",
        triggeredAt: new Date(),
        receivedAt: new Date(),
        payload: events[3].payload,
      });
      expect(await db.job.findUniqueOrThrow({ where: { queue_key: { queue: SYNC_QUEUE, key: shop.id } } })).toMatchObject({ status: "pending" });
      await syncRunner().drain(SYNC_QUEUE);
      expect(await backfillProgress(db, shop.id)).toEqual(progress);
    } finally {
      unsubscribe();
    }
  });

  it("marks a failed bulk operation failed with Shopify's reason and carries on with the next resource", async () => {
    const shop = await newShop();
    seedStore(shop.domain, { customers: 2, products: 1, variantsPerProduct: 1, orders: 1 });
    store.failNextBulkOperation(shop.domain, "ACCESS_DENIED");
    await startBackfill(syncDeps(), shop.domain);
    const progress = await waitForBackfill(syncDeps(), shop.domain, { pollMs: 5 });
    expect(progress.status).toBe("failed");
    expect(progress.runs.map((run) => [run.resource, run.status, run.error])).toEqual([
      ["products", "failed", "bulk operation failed: ACCESS_DENIED"],
      ["inventory", "completed", null],
      ["customers", "completed", null],
      ["orders", "completed", null],
    ]);
    expect(await db.product.count({ where: { shopId: shop.id } })).toBe(0);

    // On demand again: a new set of runs, this time complete.
    const again = await startBackfill(syncDeps(), shop.domain);
    expect(again.runs.map((run) => run.status)).toEqual(["running", "queued", "queued", "queued"]);
    expect((await waitForBackfill(syncDeps(), shop.domain, { pollMs: 5 })).status).toBe("completed");
    expect(await db.product.count({ where: { shopId: shop.id } })).toBe(1);
    expect(await db.backfillRun.count({ where: { shopId: shop.id } })).toBe(8);
  });

  it("starts one backfill at a time per shop, and the install hook does not repeat a recent one", async () => {
    const shop = await newShop();
    const first = await startBackfill(syncDeps(), shop.domain);
    const second = await startBackfill(syncDeps(), shop.domain);
    expect(second).toEqual(first);
    expect(await db.backfillRun.count({ where: { shopId: shop.id } })).toBe(4);
    await waitForBackfill(syncDeps(), shop.domain, { pollMs: 5 });

    const skipped = await startBackfill(syncDeps(), shop.domain, { unlessCompletedWithinMs: DAY });
    expect(skipped.status).toBe("completed");
    expect(await db.backfillRun.count({ where: { shopId: shop.id } })).toBe(4);
    // A store with nothing in it completes every resource without a file to import.
    expect(skipped.runs.map((run) => [run.resource, run.status, run.objectCount])).toEqual([
      ["products", "completed", 0],
      ["inventory", "completed", 0],
      ["customers", "completed", 0],
      ["orders", "completed", 0],
    ]);
    expect(await advanceBackfill(syncDeps(), shop.domain)).toEqual(skipped);
  });
});
