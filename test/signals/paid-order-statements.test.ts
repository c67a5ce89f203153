import { afterAll, beforeAll, describe, expect, it } from "vitest";
import db, { createDatabase, type Database, isPostgresUrl } from "../../app/db.server";
import { systemClock } from "../../app/lib/clock";
import { logger } from "../../app/lib/logger.server";
import { recordDelivery } from "../../app/services/inbox/inbox.server";
import { InboxWorker } from "../../app/services/inbox/worker.server";
import { databaseCapStore } from "../../app/services/ledger/cap.server";
import { programSchema } from "../../app/services/program/settings";
import { SHOP_CACHE_TTL_MS, updateShopSettings } from "../../app/services/shops/shops.server";
import { topicHandlers } from "../../app/services/webhooks/topics.server";
import { customerPayload, orderPayload } from "../fixtures/rest-payloads";
import { deliver } from "../support/deliver";
import { installTestShop, uniqueShop } from "../support/shopify";

// What one paid order costs the database on the webhook path: the inbox worker claims an
// orders/paid delivery for an enrolled member, applies it through the signal seam (mirror,
// identity, ledger) and marks it processed. Every statement the driver runs is counted,
// transaction control included, on SQLite and on PostgreSQL alike.
//
// Counted the same way before the seam: 25 statements in 2 transactions per award, the order,
// its customer and its refunds read again after the mirror wrote them. With it: 19, in 1
// transaction; 20 since the order's checkout token is recorded for identity (the signed side
// of a visitor link, issue 10). (`npm run bench --
// --scenario paid-orders --trace-sql` also counts the route's INSERT of the delivery, a Shop
// read per second and the metafield writer's jobs.) On PostgreSQL one more: the order's advisory
// lock, so a refund recorded by another process at the same moment is never left parked.
const STATEMENTS_PER_AWARD = isPostgresUrl(process.env.DATABASE_URL ?? "") ? 21 : 20;

/** Tables whose rows the seam writes and then passes along instead of reading them back. */
const PASSED_ALONG = ["Order", "OrderLine", "Refund", "Customer", "Member"];

// `main`.`Order` (SQLite), "public"."Order" (PostgreSQL), "Order" (raw SQL).
const table = String.raw`[\x60"]?(?:(?:main|public)[\x60"]?\.)?[\x60"]?(\w+)[\x60"]?`;
const writes = new RegExp(String.raw`^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+${table}`, "i");
const reads = new RegExp(String.raw`\b(?:FROM|JOIN)\s+${table}`, "gi");

/** The tables written, in order, and each SELECT of a passed-along table after a statement that wrote to it. */
function readsAfterWrites(statements: string[]): { written: string[]; found: string[] } {
  const written = new Set<string>();
  const found: string[] = [];
  for (const sql of statements) {
    const write = writes.exec(sql);
    if (write) {
      written.add(write[1]);
      continue;
    }
    if (!/^\s*SELECT/i.test(sql)) continue;
    for (const [, name] of sql.matchAll(reads)) {
      if (PASSED_ALONG.includes(name) && written.has(name)) found.push(`${name}: ${sql.slice(0, 120)}`);
    }
  }
  return { written: [...written], found };
}

const ANA = 400101;
const BEA = 400102;

describe("one paid order through the webhook path", () => {
  let counting: Database;
  let recording: string[] | null = null;
  let shop: string;
  let shopId: string;
  let worker: InboxWorker;

  beforeAll(async () => {
    counting = await createDatabase(process.env.DATABASE_URL, { onStatement: (sql) => recording?.push(sql) });
    worker = new InboxWorker({ db: counting, clock: systemClock, logger, handlers: topicHandlers, capStore: databaseCapStore });
    shop = uniqueShop("roost-statements");
    await installTestShop(shop);
    shopId = (await db.shop.findUniqueOrThrow({ where: { domain: shop } })).id;
    await updateShopSettings(db, shop, { program: programSchema.parse({ startDate: "2026-01-01" }) });
    for (const id of [ANA, BEA]) {
      await deliver({ topic: "customers/create", shop, payload: customerPayload({ id, email: `member-${id}@example.com` }) });
    }
  });

  afterAll(async () => {
    // The metafield write-backs queued for these members must not reach another file's drain.
    await db.job.deleteMany({ where: { shopId } });
    await counting.$disconnect();
  });

  /** Stores an orders/paid delivery and lets the counting worker process it; resolves with the statements it ran. */
  async function paid(orderId: number, customerId: number): Promise<string[]> {
    const payload = orderPayload({ id: orderId, customerId, email: `member-${customerId}@example.com`, lines: [{ id: orderId * 10, price: "42.00", quantity: 1 }] });
    const stored = await recordDelivery(
      db,
      { shopDomain: shop, topic: "orders/paid", webhookId: crypto.randomUUID(), apiVersion: "2025-07", triggeredAt: new Date(), payload: JSON.stringify(payload) },
      systemClock,
    );
    if (stored.outcome !== "accepted") throw new Error("delivery not stored");
    const statements: string[] = [];
    recording = statements;
    try {
      worker.kick(stored.id);
      await worker.idle();
    } finally {
      recording = null;
    }
    const row = await db.webhookDelivery.findUniqueOrThrow({ where: { id: stored.id } });
    expect([row.status, row.lastError]).toEqual(["processed", null]);
    return statements;
  }

  it(`awards in at most ${STATEMENTS_PER_AWARD} statements and reads back no row it wrote`, async () => {
    // Saving the settings made the shop's row read through its cache for a while: past that, the
    // first delivery caches it, as a busy process has it cached.
    await new Promise((resolve) => setTimeout(resolve, SHOP_CACHE_TTL_MS + 50));
    await paid(4001, ANA);
    const statements = await paid(4002, BEA);

    const award = await db.ledgerEntry.findUniqueOrThrow({ where: { shopId_idempotencyKey: { shopId, idempotencyKey: "shopify-order:gid://shopify/Order/4002" } } });
    expect([award.kind, award.points]).toEqual(["earn", 42]);

    const listing = statements.map((sql, index) => `${String(index + 1).padStart(2)} ${sql.replace(/\s+/g, " ").slice(0, 110)}`).join("\n");
    expect(statements.length, listing).toBeLessThan(26);
    expect(statements.length, listing).toBeLessThanOrEqual(STATEMENTS_PER_AWARD);
    const { written, found } = readsAfterWrites(statements);
    // The check below sees the writes it is about (the SQL of both databases is parsed).
    expect(written, listing).toEqual(expect.arrayContaining(["WebhookDelivery", "Order", "OrderLine", "Member", "LedgerEntry"]));
    expect(found, listing).toEqual([]);
  });
});
