import { beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { systemClock } from "../../app/lib/clock";
import { logger } from "../../app/lib/logger.server";
import { enqueue } from "../../app/services/jobs/queue.server";
import { METAFIELDS_QUEUE, writeMetafieldsNow } from "../../app/services/outbox/metafields.server";
import { adminClientFor } from "../../app/services/shopify/admin.server";
import { programSchema } from "../../app/services/program/settings";
import { markShopUninstalled, updateShopSettings } from "../../app/services/shops/shops.server";
import { customerPayload, orderPayload } from "../fixtures/rest-payloads";
import { deliver } from "../support/deliver";
import { fakeShopify, installTestShop, uniqueShop } from "../support/shopify";

const deps = { db, clock: systemClock, logger, adminFor: adminClientFor };
let shop: string;
let customerGid: string;
let customerId: number;
let shopId: string;
const drain = () => writeMetafieldsNow(deps, { shopId });

beforeEach(async () => {
  shop = uniqueShop();
  await installTestShop(shop);
  shopId = (await db.shop.findUniqueOrThrow({ where: { domain: shop } })).id;
  await updateShopSettings(db, shop, { program: programSchema.parse({ startDate: "2026-01-01" }) });
  customerGid = fakeShopify.store.addCustomer(shop, { email: "ana.lima@example.com", firstName: "Ana" }).id;
  customerId = Number(customerGid.split("/").pop());
  await deliver({ topic: "customers/create", shop, payload: customerPayload({ id: customerId }) });
});

const metafield = (key: string) => fakeShopify.store.metafield(shop, customerGid, "roost", key)?.value;

describe("metafield write-back", () => {
  it("writes balance and tier to the customer with metafieldsSet, and the latest value wins", async () => {
    await deliver({ topic: "orders/paid", shop, payload: orderPayload({ id: 1, customerId, lines: [{ id: 1, price: "600.00", quantity: 1 }] }) });

    expect(await drain()).toEqual({ written: 1, failed: 0 });
    expect([metafield("points_balance"), metafield("tier")]).toEqual(["600", "Silver"]);

    await deliver({ topic: "orders/paid", shop, payload: orderPayload({ id: 2, customerId, lines: [{ id: 2, price: "10.00", quantity: 1 }] }) });
    await deliver({ topic: "orders/paid", shop, payload: orderPayload({ id: 3, customerId, lines: [{ id: 3, price: "20.00", quantity: 1 }] }) });
    expect(await drain()).toEqual({ written: 1, failed: 0 });
    // 600 + floor(10 × 1.25) + floor(20 × 1.25): only the latest balance is written.
    expect(metafield("points_balance")).toBe("637");
    expect(await drain()).toEqual({ written: 0, failed: 0 });
  });

  it("waits out Shopify's throttle and then writes", async () => {
    await deliver({ topic: "orders/paid", shop, payload: orderPayload({ id: 4, customerId, lines: [{ id: 4, price: "12.00", quantity: 1 }] }) });
    fakeShopify.store.drainBucket(shop);
    const before = fakeShopify.store.requests.length;

    expect(await drain()).toEqual({ written: 1, failed: 0 });
    expect(metafield("points_balance")).toBe("12");
    expect(fakeShopify.store.requests.length - before).toBeGreaterThanOrEqual(2);
  });

  it("keeps a write Shopify refuses as failed with its userErrors, and stops for an uninstalled shop", async () => {
    const unknown = { customerGid: "gid://shopify/Customer/404404", balance: 5, tier: "Bronze" };
    await enqueue(db, { queue: METAFIELDS_QUEUE, key: `${shopId}:${unknown.customerGid}`, shopId, payload: unknown, maxAttempts: 6 }, systemClock.now());
    expect(await drain()).toEqual({ written: 0, failed: 1 });
    const refused = await db.job.findUniqueOrThrow({ where: { queue_key: { queue: METAFIELDS_QUEUE, key: `${shopId}:${unknown.customerGid}` } } });
    expect(refused.status).toBe("failed");
    expect(refused.lastError).toMatch(/^Shopify refused the input: /);

    await deliver({ topic: "orders/paid", shop, payload: orderPayload({ id: 5, customerId, lines: [{ id: 5, price: "9.00", quantity: 1 }] }) });
    await markShopUninstalled(db, shop);
    const requests = fakeShopify.store.requests.length;
    expect(await drain()).toEqual({ written: 0, failed: 1 });
    expect(fakeShopify.store.requests.length).toBe(requests);
  });
});
