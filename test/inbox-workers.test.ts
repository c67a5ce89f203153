import { afterAll, beforeAll, expect, it } from "vitest";
import db, { createDatabase, type Database, isPostgresUrl } from "../app/db.server";
import { systemClock } from "../app/lib/clock";
import { logger } from "../app/lib/logger.server";
import { recordDelivery } from "../app/services/inbox/inbox.server";
import { InboxWorker } from "../app/services/inbox/worker.server";
import { databaseCapStore } from "../app/services/ledger/cap.server";
import { shopifyOrderKey } from "../app/services/ledger/keys";
import { verifyLedger } from "../app/services/ledger/verify.server";
import { programSchema } from "../app/services/program/settings";
import { updateShopSettings } from "../app/services/shops/shops.server";
import { signalTopicHandlers, topicHandlers } from "../app/services/webhooks/topics.server";
import { orderPayload } from "./fixtures/rest-payloads";
import { installTestShop, uniqueShop } from "./support/shopify";

// Two inbox workers, each on a client of its own (as two processes are), drain one inbox: on
// PostgreSQL their claims skip each other's locked rows (FOR UPDATE SKIP LOCKED), on SQLite they
// take turns at the one writer. Every delivery is processed exactly once, and both do some.

const clients: Database[] = [];

beforeAll(async () => {
  for (let index = 0; index < 2; index += 1) clients.push(await createDatabase(process.env.DATABASE_URL));
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.$disconnect()));
});

it(`two workers draining one inbox together process every delivery exactly once, and both get work (${isPostgresUrl(process.env.DATABASE_URL ?? "") ? "PostgreSQL" : "SQLite"})`, { timeout: 60_000 }, async () => {
  const shop = uniqueShop("roost-two-workers");
  await installTestShop(shop);
  const shopId = (await db.shop.findUniqueOrThrow({ where: { domain: shop } })).id;
  await updateShopSettings(db, shop, { program: programSchema.parse({ startDate: "2026-01-01" }) });
  // Two orders per customer: the same member's orders meet in both workers (its row lock serialises them).
  const orders = Array.from({ length: 96 }, (_, index) => ({ order: 7_100_000 + index, customer: 7_200_000 + (index % 48) }));
  const ids: string[] = [];
  for (const { order, customer } of orders) {
    const payload = orderPayload({ id: order, customerId: customer, email: `two-${customer}@example.com`, lines: [{ id: order * 10, price: "42.00", quantity: 1 }] });
    const stored = await recordDelivery(db, { shopDomain: shop, topic: "orders/paid", webhookId: crypto.randomUUID(), apiVersion: "2026-10", triggeredAt: new Date(), payload: JSON.stringify(payload) }, systemClock);
    if (stored.outcome !== "accepted") throw new Error("delivery not stored");
    ids.push(stored.id);
  }
  const workers = clients.map(
    (client, index) => new InboxWorker({ db: client, clock: systemClock, logger, handlers: topicHandlers, signalHandlers: signalTopicHandlers, capStore: databaseCapStore, owner: `worker-${index}`, batchSize: 8 }),
  );

  await Promise.all(workers.map((worker) => worker.drain()));

  const rows = await db.webhookDelivery.findMany({ where: { id: { in: ids } }, select: { status: true, attempts: true, lockedBy: true } });
  expect(rows).toHaveLength(ids.length);
  expect(rows.filter((row) => row.status !== "processed" || row.attempts !== 1)).toEqual([]);
  const byWorker = new Map<string, number>();
  for (const row of rows) byWorker.set(String(row.lockedBy), (byWorker.get(String(row.lockedBy)) ?? 0) + 1);
  expect([...byWorker.keys()].sort()).toEqual(["worker-0", "worker-1"]);
  expect(Math.min(...byWorker.values())).toBeGreaterThan(0);
  for (const { order } of orders) expect(await db.ledgerEntry.count({ where: { shopId, idempotencyKey: shopifyOrderKey(`gid://shopify/Order/${order}`) } })).toBe(1);
  expect((await verifyLedger(db, shopId)).violations).toEqual([]);
});
