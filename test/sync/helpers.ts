import db from "../../app/db.server";
import { systemClock } from "../../app/lib/clock";
import { logger } from "../../app/lib/logger.server";
import { databaseCapStore } from "../../app/services/ledger/cap.server";
import { JobRunner } from "../../app/services/jobs/runner.server";
import type { SyncDeps } from "../../app/services/sync/deps.server";
import { DEFAULT_SYNC_INTERVAL_MS, installedShops, syncQueue } from "../../app/services/sync/scheduler.server";
import { type TopicContext, topicHandlers } from "../../app/services/webhooks/topics.server";
import { fakeShopify, installTestShop, uniqueShop } from "../support/shopify";

export { db, fakeShopify };

export const store = fakeShopify.store;
export const DAY = 24 * 60 * 60 * 1000;

/** Production wiring: `adminClientFor` with the shop's offline token, which the network guard routes to the fake. */
export function syncDeps(extra: Partial<SyncDeps> = {}): SyncDeps {
  return { db, clock: systemClock, logger, capStore: databaseCapStore, ...extra };
}

const created: string[] = [];

/** A freshly installed shop (Roost row + offline session + fake store) and its Roost id. */
export async function newShop(options: { scopes?: string[]; prefix?: string } = {}): Promise<{ domain: string; id: string }> {
  const domain = uniqueShop(options.prefix ?? "roost-sync");
  await installTestShop(domain, { currency: "USD", timezone: "UTC" });
  if (options.scopes) await db.shop.update({ where: { domain }, data: { scopes: options.scopes.join(",") } });
  const shop = await db.shop.findUniqueOrThrow({ where: { domain } });
  created.push(shop.id);
  return { domain, id: shop.id };
}

/**
 * afterAll: the worker's database outlives this file but its fake store does not, so drop the
 * jobs queued for these shops (their sync jobs, the metafield write-backs of the members the
 * imports created): a later file draining a queue would otherwise call a store that is gone.
 */
export async function forgetShops(): Promise<void> {
  await db.job.deleteMany({ where: { shopId: { in: created.splice(0) } } });
}

/**
 * The server's runner with the `sync` queue alone, for this file's shops (the `installed-shops`
 * pass leaves other files' shops alone). Tests drain it after queueing work, as the runner's
 * tick would.
 */
export function syncRunner(extra: Partial<SyncDeps> = {}, options: { intervalMs?: number; pollMs?: number } = {}): JobRunner {
  const deps = syncDeps(extra);
  const shops = async (database: typeof db) => (await installedShops(database)).filter((shop) => created.includes(shop.id));
  return new JobRunner({ db, clock: deps.clock, logger, queues: [syncQueue(deps, { intervalMs: options.intervalMs ?? DEFAULT_SYNC_INTERVAL_MS, shops })], pollMs: options.pollMs });
}

/** Delivers a webhook payload straight to its topic handler, as the inbox worker would. */
export async function deliver(shopDomain: string, topic: string, payload: unknown): Promise<void> {
  const handler = topicHandlers[topic];
  if (!handler) throw new Error(`no handler for ${topic}`);
  const context: TopicContext = {
    db,
    clock: systemClock,
    logger,
    capStore: databaseCapStore,
    shopDomain,
    topic,
    webhookId: `test-${Math.random().toString(36).slice(2)}`,
    triggeredAt: new Date(),
    receivedAt: new Date(),
    payload,
  };
  await handler(context);
}

export const isoAgo = (ms: number) => new Date(Date.now() - ms).toISOString();

export interface SeededStore {
  customerIds: string[];
  productIds: string[];
  variantIds: string[];
  orderIds: string[];
}

/**
 * A store with `customers` customers, `products` × `variantsPerProduct` variants (stocked at a
 * Warehouse, and every `storeEvery`-th product at a Store too; default every product) and
 * `orders` orders of `linesPerOrder` lines (default 2), spread over the last `orderDays` days.
 */
export function seedStore(
  shop: string,
  counts: { customers: number; products: number; variantsPerProduct: number; orders: number; orderDays?: number; linesPerOrder?: number; storeEvery?: number },
): SeededStore {
  const seeded: SeededStore = { customerIds: [], productIds: [], variantIds: [], orderIds: [] };
  // Customers and products were last changed two hours ago, so a change made now is newer.
  const before = isoAgo(2 * 60 * 60 * 1000);
  for (let index = 0; index < counts.customers; index += 1) {
    seeded.customerIds.push(store.addCustomer(shop, { email: `Shopper${index}@Example.com `, firstName: "Shopper", lastName: `${index}`, tags: index % 10 === 0 ? ["vip"] : [], createdAt: before }).id);
  }
  for (let index = 0; index < counts.products; index += 1) {
    const product = store.addProduct(shop, {
      title: `Product ${index}`,
      createdAt: before,
      variants: Array.from({ length: counts.variantsPerProduct }, (_, variant) => ({
        title: `V${variant}`,
        sku: `P${index}-V${variant}`,
        price: `${10 + variant}.50`,
        inventory: (index % (counts.storeEvery ?? 1) === 0 ? { Warehouse: (index + variant) % 7, Store: 1 } : { Warehouse: (index + variant) % 7 }) as Record<string, number>,
      })),
    });
    seeded.productIds.push(product.id);
    seeded.variantIds.push(...product.variants.map((variant) => variant.id));
  }
  const days = counts.orderDays ?? 30;
  for (let index = 0; index < counts.orders; index += 1) {
    const at = isoAgo(((index % days) + 1) * DAY - 60_000);
    const order = store.addOrder(shop, {
      customerId: seeded.customerIds[index % seeded.customerIds.length],
      createdAt: at,
      processedAt: at,
      updatedAt: at,
      lineItems: Array.from({ length: counts.linesPerOrder ?? 2 }, (_, line) =>
        line === 0
          ? { variantId: seeded.variantIds[index % seeded.variantIds.length], quantity: 2, discounts: ["1.00"] }
          : { variantId: seeded.variantIds[(index * 7 + line) % seeded.variantIds.length], quantity: 1 },
      ),
      shipping: "5.00",
    });
    seeded.orderIds.push(order.id);
  }
  return seeded;
}
