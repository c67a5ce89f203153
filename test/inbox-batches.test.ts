import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import db, { createDatabase, type Database } from "../app/db.server";
import { systemClock } from "../app/lib/clock";
import { logger } from "../app/lib/logger.server";
import { recordDelivery } from "../app/services/inbox/inbox.server";
import { InboxWorker } from "../app/services/inbox/worker.server";
import { databaseCapStore } from "../app/services/ledger/cap.server";
import { shopifyOrderKey } from "../app/services/ledger/keys";
import { verifyLedger } from "../app/services/ledger/verify.server";
import { programSchema } from "../app/services/program/settings";
import { updateShopSettings } from "../app/services/shops/shops.server";
import { type SignalTopicHandler, signalTopicHandlers, topicHandlers } from "../app/services/webhooks/topics.server";
import { customerPayload, orderPayload, shopPayload } from "./fixtures/rest-payloads";
import { installTestShop, uniqueShop } from "./support/shopify";

// The inbox worker claims deliveries in batches and applies the store signals among them in one
// transaction that also marks them processed; a failure rolls the batch back and each delivery
// is then applied alone, keeping its own outcome (app/services/inbox/worker.server.ts).

let counting: Database;
let statements: string[] = [];
let shop: string;
let shopId: string;

beforeAll(async () => {
  counting = await createDatabase(process.env.DATABASE_URL, { onStatement: (sql) => statements.push(sql) });
});
afterAll(async () => {
  await counting.$disconnect();
});

beforeEach(async () => {
  shop = uniqueShop("roost-batches");
  await installTestShop(shop);
  shopId = (await db.shop.findUniqueOrThrow({ where: { domain: shop } })).id;
  await updateShopSettings(db, shop, { program: programSchema.parse({ startDate: "2026-01-01" }) });
  statements = [];
});

function worker(signalHandlers: Record<string, SignalTopicHandler> = signalTopicHandlers, handlers = topicHandlers): InboxWorker {
  return new InboxWorker({ db: counting, clock: systemClock, logger, handlers, signalHandlers, capStore: databaseCapStore });
}

async function store(topic: string, payload: unknown, shopDomain = shop): Promise<string> {
  const stored = await recordDelivery(
    db,
    { shopDomain, topic, webhookId: crypto.randomUUID(), apiVersion: "2026-10", triggeredAt: new Date(), payload: JSON.stringify(payload) },
    systemClock,
  );
  if (stored.outcome !== "accepted") throw new Error("delivery not stored");
  return stored.id;
}

const customer = (id: number) => customerPayload({ id, email: `batch-${id}@example.com` });
const paid = (orderId: number, customerId: number) =>
  orderPayload({ id: orderId, customerId, email: `batch-${customerId}@example.com`, lines: [{ id: orderId * 10, price: "42.00", quantity: 1 }] });

async function runAll(inbox: InboxWorker, ids: string[]): Promise<void> {
  for (const id of ids) inbox.kick(id);
  await inbox.idle();
}

const outcomes = async (ids: string[]) =>
  (await db.webhookDelivery.findMany({ where: { id: { in: ids } }, select: { id: true, status: true, attempts: true, lastError: true } })).sort(
    (a, b) => ids.indexOf(a.id) - ids.indexOf(b.id),
  );
const earned = (key: string) => db.ledgerEntry.count({ where: { shopId, idempotencyKey: key } });
const transactions = () => statements.filter((sql) => /^\s*BEGIN/i.test(sql)).length;

describe("the inbox worker's batches", () => {
  it("applies a batch of store signals in one transaction that marks them processed", async () => {
    const ids = [await store("customers/create", customer(510001)), await store("customers/create", customer(510002))];
    ids.push(await store("orders/paid", paid(5101, 510001)), await store("orders/paid", paid(5102, 510002)), await store("orders/paid", paid(5103, 510001)));

    await runAll(worker(), ids);

    expect((await outcomes(ids)).map((row) => [row.status, row.attempts, row.lastError])).toEqual(ids.map(() => ["processed", 1, null]));
    // One claim, one transaction for the five of them (the orders' own transactions join it).
    expect(transactions()).toBe(1);
    expect(statements.filter((sql) => /^\s*UPDATE\s+"WebhookDelivery"\s+SET\s+"lockedBy"/i.test(sql))).toHaveLength(1);
    for (const order of [5101, 5102, 5103]) expect(await earned(shopifyOrderKey(`gid://shopify/Order/${order}`))).toBe(1);
    expect((await verifyLedger(db, shopId)).violations).toEqual([]);
  });

  it("keeps a bad delivery as failed with its reason and applies the rest of its batch, each once", async () => {
    const ids = [await store("customers/create", customer(520001)), await store("orders/paid", paid(5201, 520001))];
    const bad = await store("orders/paid", { id: "not an order" });
    ids.push(bad, await store("orders/paid", paid(5202, 520001)));

    await runAll(worker(), ids);

    const rows = await outcomes(ids);
    expect(rows.map((row) => row.status)).toEqual(["processed", "processed", "failed", "processed"]);
    expect(rows[2].lastError).toMatch(/^orders\/paid payload is invalid: /);
    expect(rows.map((row) => row.attempts)).toEqual([1, 1, 1, 1]);
    expect(await earned(shopifyOrderKey("gid://shopify/Order/5201"))).toBe(1);
    expect(await earned(shopifyOrderKey("gid://shopify/Order/5202"))).toBe(1);
    expect((await verifyLedger(db, shopId)).violations).toEqual([]);
  });

  it("rolls back what a batch applied before a failure, then applies the others alone and retries the one that failed", async () => {
    const ids = [await store("customers/create", customer(530001)), await store("orders/paid", paid(5301, 530001))];
    const flaky = await store("orders/paid", paid(5302, 530001));
    ids.push(flaky);
    const real = signalTopicHandlers["orders/paid"];
    let calls = 0;
    const failing: SignalTopicHandler = async (context) => {
      calls += 1;
      if (context.webhookId === webhookIdOf.get(flaky)) throw new Error("database briefly away");
      await real(context);
    };
    const webhookIdOf = new Map((await db.webhookDelivery.findMany({ where: { id: { in: ids } } })).map((row) => [row.id, row.webhookId]));

    await runAll(worker({ ...signalTopicHandlers, "orders/paid": failing }, { ...topicHandlers, "orders/paid": failing }), ids);

    const rows = await outcomes(ids);
    expect(rows.map((row) => row.status)).toEqual(["processed", "processed", "pending"]);
    expect(rows[2]).toMatchObject({ attempts: 1, lastError: "database briefly away" });
    // 5301 ran in the rolled-back batch and again alone, and was awarded once.
    expect(calls).toBe(4);
    expect(await earned(shopifyOrderKey("gid://shopify/Order/5301"))).toBe(1);
    expect(await earned(shopifyOrderKey("gid://shopify/Order/5302"))).toBe(0);
    expect(await db.order.count({ where: { shopId, gid: "gid://shopify/Order/5302" } })).toBe(0);
    expect((await verifyLedger(db, shopId)).violations).toEqual([]);
  });

  it("parks a delivery for a shop Roost does not know and applies the rest of the batch", async () => {
    const stranger = uniqueShop("roost-batches-unknown");
    const ids = [await store("customers/create", customer(540001)), await store("customers/create", customer(540002), stranger)];
    ids.push(await store("orders/paid", paid(5401, 540001)));

    await runAll(worker(), ids);

    expect((await outcomes(ids)).map((row) => row.status)).toEqual(["processed", "parked", "processed"]);
    expect(await earned(shopifyOrderKey("gid://shopify/Order/5401"))).toBe(1);
  });

  it("applies topics outside the store signals alone, after the batch", async () => {
    const ids = [await store("customers/create", customer(550001)), await store("shop/update", { ...shopPayload(shop), name: "Renamed in a batch" })];
    ids.push(await store("orders/paid", paid(5501, 550001)));

    await runAll(worker(), ids);

    expect((await outcomes(ids)).map((row) => row.status)).toEqual(["processed", "processed", "processed"]);
    expect((await db.shop.findUniqueOrThrow({ where: { domain: shop } })).name).toBe("Renamed in a batch");
    expect(await earned(shopifyOrderKey("gid://shopify/Order/5501"))).toBe(1);
  });

  it("claims at most batchSize deliveries at a time", async () => {
    const ids: string[] = [];
    for (let index = 0; index < 5; index += 1) ids.push(await store("customers/create", customer(560001 + index)));
    const small = new InboxWorker({ db: counting, clock: systemClock, logger, handlers: topicHandlers, signalHandlers: signalTopicHandlers, capStore: databaseCapStore, batchSize: 2 });

    await runAll(small, ids);

    expect((await outcomes(ids)).every((row) => row.status === "processed")).toBe(true);
    expect(statements.filter((sql) => /^\s*UPDATE\s+"WebhookDelivery"\s+SET\s+"lockedBy"/i.test(sql))).toHaveLength(3);
    expect(transactions()).toBe(2);
  });
});
