import { afterAll, describe, expect, it } from "vitest";
import { systemClock } from "../../app/lib/clock";
import { logger } from "../../app/lib/logger.server";
import { createHttpAdminClient } from "../../app/services/shopify/admin-client.server";
import { ADMIN_API_VERSION } from "../../app/services/shopify/admin.server";
import { startBackfill, waitForBackfill } from "../../app/services/sync/backfill.server";
import { FIRST_WINDOW_MS, OVERLAP_MS, reconcile } from "../../app/services/sync/reconcile.server";
import { orderWebhookPayload } from "../support/fake-shopify";
import { OFFLINE_TOKEN } from "../support/shopify";
import { db, deliver, forgetShops, newShop, seedStore, store, syncDeps } from "./helpers";

const second = (date: Date) => new Date(Math.floor(date.getTime() / 1000) * 1000);

afterAll(forgetShops);

describe("reconciliation", () => {
  it("repairs deliveries Roost never received, and a second pass repairs nothing", async () => {
    const shop = await newShop();
    const seeded = seedStore(shop.domain, { customers: 4, products: 2, variantsPerProduct: 2, orders: 4, orderDays: 2 });
    // Order 0 arrived live (its checkout token is only in webhooks); the backfill imports the rest.
    await deliver(shop.domain, "orders/create", { ...orderWebhookPayload(store, shop.domain, seeded.orderIds[0]), checkout_token: "ck-0" });
    await startBackfill(syncDeps(), shop.domain);
    await waitForBackfill(syncDeps(), shop.domain, { pollMs: 5 });

    // Changes whose webhooks were dropped.
    const newcomer = store.addCustomer(shop.domain, { email: "New@Example.com", firstName: "New" });
    const regular = seeded.customerIds[0];
    store.updateCustomer(shop.domain, regular, { tags: ["vip", "wholesale"] });
    const product = store.product(shop.domain, seeded.productIds[1])!;
    store.updateProduct(shop.domain, product.id, { title: "Renamed", variants: [{ id: product.variants[0].id, price: "99.99" }] });
    const refunded = store.order(shop.domain, seeded.orderIds[0])!; // customer 0
    store.addRefund(shop.domain, refunded.id, { lineItems: [{ lineItemId: refunded.lineItems[0].id, quantity: 1 }] });
    store.cancelOrder(shop.domain, refunded.id);
    const placed = store.addOrder(shop.domain, {
      customerId: newcomer.id,
      lineItems: [{ variantId: product.variants[0].id, quantity: 2, discounts: ["9.98"], taxes: [{ price: "14.40", rate: 0.08, title: "VAT" }] }],
      shipping: "4.00",
    });

    const first = await reconcile(syncDeps(), shop.domain);
    expect(first.repaired).toEqual({ orders: 2, customers: 2, products: 1, refunds: 1 });

    expect(await db.customer.findFirstOrThrow({ where: { shopId: shop.id, gid: newcomer.id } })).toMatchObject({ email: "new@example.com", firstName: "New" });
    expect(JSON.parse((await db.customer.findFirstOrThrow({ where: { shopId: shop.id, gid: regular } })).tags)).toEqual(["vip", "wholesale"]);
    expect(await db.product.findFirstOrThrow({ where: { shopId: shop.id, gid: product.id } })).toMatchObject({ title: "Renamed" });
    expect(await db.variant.findFirstOrThrow({ where: { shopId: shop.id, gid: product.variants[0].id } })).toMatchObject({ price: 9999 });
    const mirroredRefunded = await db.order.findFirstOrThrow({ where: { shopId: shop.id, gid: refunded.id } });
    expect(mirroredRefunded).toMatchObject({ cancelledAt: new Date(store.order(shop.domain, refunded.id)!.cancelledAt!), checkoutToken: "ck-0" });
    const refund = await db.refund.findFirstOrThrow({ where: { shopId: shop.id, orderGid: refunded.id } });
    expect(refund.eligibleAmount).toBe(Math.round(Number(store.order(shop.domain, refunded.id)!.refunds[0].lineItems[0].subtotal) * 100));
    const mirroredPlaced = await db.order.findFirstOrThrow({ where: { shopId: shop.id, gid: placed.id }, include: { lines: true } });
    // 2 × 99.99 − 9.98 = 189.99 (tax on top, shipping excluded); live, not backfilled.
    expect(mirroredPlaced).toMatchObject({ eligibleAmount: 19000, shippingAmount: 400, backfilled: false, customerGid: newcomer.id, financialStatus: "paid" });
    expect(mirroredPlaced.lines).toMatchObject([{ quantity: 2, unitPrice: 9999, discount: 998, tax: 1440, eligible: 19000 }]);
    // The ledger follows, as it does for a webhook: the new customer is a member, the paid order earned 190 points.
    const member = await db.member.findFirstOrThrow({ where: { shopId: shop.id, customerGid: newcomer.id } });
    expect(member).toMatchObject({ email: "new@example.com", balance: 190, tier: "Bronze" });
    expect(await db.ledgerEntry.findMany({ where: { shopId: shop.id, memberId: member.id }, select: { kind: true, points: true, idempotencyKey: true } })).toEqual([
      { kind: "earn", points: 190, idempotencyKey: `shopify-order:${placed.id}` },
    ]);

    const again = await reconcile(syncDeps(), shop.domain);
    expect(again.repaired).toEqual({ orders: 0, customers: 0, products: 0, refunds: 0 });
    expect(await db.ledgerEntry.count({ where: { shopId: shop.id } })).toBe(1);

    const runs = await db.reconcileRun.findMany({ where: { shopId: shop.id }, orderBy: { startedAt: "asc" } });
    expect(runs.map((run) => [run.status, JSON.parse(run.repaired)])).toEqual([
      ["completed", { orders: 2, customers: 2, products: 1, refunds: 1 }],
      ["completed", { orders: 0, customers: 0, products: 0, refunds: 0 }],
    ]);
    expect(runs[0].since.getTime()).toBe(second(new Date(runs[0].startedAt.getTime() - FIRST_WINDOW_MS)).getTime());
    expect(runs[1].since).toEqual(second(new Date(runs[0].startedAt.getTime() - OVERLAP_MS)));
    expect(again.since).toEqual(runs[1].since);
  });

  it("follows nested connections to their last page: 25 line items, 23 variants, 7 locations", async () => {
    const shop = await newShop();
    const big = store.addProduct(shop.domain, {
      title: "Many sizes",
      variants: Array.from({ length: 23 }, (_, index) => ({
        title: `S${index}`,
        price: "1.00",
        inventory: Object.fromEntries(Array.from({ length: index === 0 ? 7 : 1 }, (__, location) => [`L${location}`, location + 1])),
      })),
    });
    const order = store.addOrder(shop.domain, {
      email: "bulk@example.com",
      lineItems: big.variants.concat(big.variants.slice(0, 2)).map((variant) => ({ variantId: variant.id, quantity: 1 })),
    });
    expect(order.lineItems).toHaveLength(25);
    const result = await reconcile(syncDeps(), shop.domain);
    expect(result.repaired).toEqual({ orders: 1, customers: 0, products: 1, refunds: 0 });
    expect(await db.variant.count({ where: { shopId: shop.id, productGid: big.id, deletedAt: null } })).toBe(23);
    expect(await db.orderLine.count({ where: { shopId: shop.id, order: { gid: order.id } } })).toBe(25);
    expect(await db.order.findFirstOrThrow({ where: { shopId: shop.id, gid: order.id } })).toMatchObject({ eligibleAmount: 2500 });
    // 1 + 2 + … + 7 at the first variant's seven locations.
    expect(await db.variant.findFirstOrThrow({ where: { shopId: shop.id, gid: big.variants[0].id } })).toMatchObject({ available: 28 });
    expect(await db.inventoryLevel.count({ where: { shopId: shop.id } })).toBe(7 + 22);
  });

  it("rides out THROTTLED answers: the client waits for the bucket and the pass succeeds", async () => {
    const shop = await newShop();
    seedStore(shop.domain, { customers: 3, products: 0, variantsPerProduct: 0, orders: 0 });
    store.clearRequests();
    // The customers page asks for 302 points; leave 250 so the client waits ~0.5 s for the rest.
    store.drainBucket(shop.domain, 250);
    const started = Date.now();
    const result = await reconcile(syncDeps(), shop.domain);
    expect(result.repaired).toEqual({ orders: 0, customers: 3, products: 0, refunds: 0 });
    const requests = store.requests.filter((request) => request.shop === shop.domain && request.kind === "graphql");
    expect(requests[0]).toMatchObject({ query: expect.stringContaining("query RoostCustomers"), errorCodes: ["THROTTLED"], requestedQueryCost: 302 });
    expect(requests[1]).toMatchObject({ query: requests[0].query, errorCodes: [], status: 200 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
  });

  it("records a failed pass with its reason, and the next pass starts from the last completed one", async () => {
    const shop = await newShop();
    const completed = await reconcile(syncDeps(), shop.domain);
    store.failNext(shop.domain, { status: 503, times: 2 });
    const impatient = createHttpAdminClient({
      shop: shop.domain,
      accessToken: OFFLINE_TOKEN(shop.domain),
      apiVersion: ADMIN_API_VERSION,
      clock: systemClock,
      logger,
      maxAttempts: 2,
      sleep: async () => undefined,
    });
    await expect(reconcile(syncDeps({ admin: impatient }), shop.domain)).rejects.toThrow("Admin API answered 503");
    const failed = await db.reconcileRun.findFirstOrThrow({ where: { shopId: shop.id, status: "failed" } });
    expect(failed).toMatchObject({ error: "Admin API answered 503", repaired: JSON.stringify({ orders: 0, customers: 0, products: 0, refunds: 0 }) });
    expect(failed.finishedAt).toBeInstanceOf(Date);

    const next = await reconcile(syncDeps(), shop.domain);
    expect(next.since).toEqual(second(new Date((await db.reconcileRun.findFirstOrThrow({ where: { shopId: shop.id, since: completed.since } })).startedAt.getTime() - OVERLAP_MS)));
  });
});
