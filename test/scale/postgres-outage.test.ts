import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Clock } from "../../app/lib/clock";
import { migrateDatabase } from "../../scripts/db/migrate.mjs";
import { customerPayload, orderPayload } from "../fixtures/rest-payloads";
import { isPostgres } from "../support/database";
import { postgresAvailable, postgresSkipNote, startThrowawayPostgres, type ThrowawayPostgres } from "../support/postgres";
import { waitFor } from "../support/redis";
import { signedWebhook, uniqueShop } from "../support/shopify";

/**
 * PostgreSQL stopped and started again under a steady stream of signed orders/paid deliveries
 * through the route's own handler (DESIGN, flow rule 1: persist before you acknowledge). While
 * the database is down every delivery gets 503 and nothing is acknowledged unstored; once it is
 * back the same process and the same client acknowledge and store again; at the end every
 * acknowledged delivery (and every 503'd one, resent as Shopify does) is in the inbox and the
 * worker has processed each exactly once.
 *
 * The database is a throwaway PostgreSQL this file starts, stops and starts again itself
 * (test/support/postgres.ts); the app's client (app/db.server.ts, built from DATABASE_URL when
 * first imported) is pointed at it, so app modules are imported only after DATABASE_URL is set.
 * It runs in CI's PostgreSQL pass only: the SQLite pass stays fast, and one pass is enough.
 */

const MEMBERS = [810001, 810002, 810003, 810004];
const SENDERS = 2;

type App = Awaited<ReturnType<typeof loadApp>>;

async function loadApp() {
  const [{ default: db }, runtime, { logger }, { action }, shops, program, verify] = await Promise.all([
    import("../../app/db.server"),
    import("../../app/runtime.server"),
    import("../../app/lib/logger.server"),
    import("../../app/routes/webhooks.orders.paid"),
    import("../../app/services/shops/shops.server"),
    import("../../app/services/program/settings"),
    import("../../app/services/ledger/verify.server"),
  ]);
  return { db, runtime, logger, action, shops, program, verify };
}

interface Sent {
  webhookId: string;
  orderId: number;
  customerId: number;
  status: number;
  startedAt: number;
  endedAt: number;
}

/** What this test's clock adds to the real time: the worker's retries are scheduled in its future. */
let ahead = 0;
const clock: Clock = { now: () => new Date(Date.now() + ahead) };

let server: ThrowawayPostgres;
let app: App;
let shop: string;

const postgresPass = isPostgres(process.env.DATABASE_URL);
const passNote = postgresPass ? "" : " (SKIPPED: runs in the PostgreSQL pass, DATABASE_URL=postgresql://…)";

describe.skipIf(!postgresPass || !postgresAvailable)(`PostgreSQL stopped and restarted under load${passNote || postgresSkipNote}`, () => {
  beforeAll(async () => {
    if (globalThis.__roostDatabase) throw new Error("app/db.server.ts was imported before this file pointed DATABASE_URL at its own PostgreSQL");
    server = await startThrowawayPostgres();
    const url = await server.createDatabase("roost");
    await migrateDatabase(url);
    process.env.DATABASE_URL = url;
    app = await loadApp();
    app.runtime.setAppDeps(app.runtime.buildDeps(process.env, { clock }));

    const { installTestShop } = await import("../support/shopify");
    const { deliver } = await import("../support/deliver");
    shop = uniqueShop("pg-outage");
    await installTestShop(shop);
    await app.shops.updateShopSettings(app.db, shop, { program: app.program.programSchema.parse({ startDate: "2026-01-01" }) });
    for (const id of MEMBERS) await deliver({ topic: "customers/create", shop, payload: customerPayload({ id, email: `member-${id}@example.com` }) });
  }, 60_000);

  afterAll(async () => {
    if (app) {
      await app.runtime.inboxWorker().idle();
      app.runtime.setAppDeps(undefined);
      await app.db.$disconnect();
    }
    await server?.teardown();
  });

  it("answers 503 while it is down, acknowledges only what is stored, and recovers in the same process", async () => {
    const { db, runtime, action } = app;
    const sent: Sent[] = [];
    let nextOrder = 5_000_000;
    let sending = true;
    let afterRestart: string[] = [];

    const send = async (orderId: number, customerId: number, webhookId: string): Promise<Sent> => {
      const payload = orderPayload({ id: orderId, customerId, email: `member-${customerId}@example.com`, lines: [{ id: orderId * 10, price: "12.00", quantity: 1 }] });
      const startedAt = Date.now();
      const response = await action({ request: signedWebhook({ topic: "orders/paid", shop, payload, webhookId }), params: {}, context: {} });
      return { webhookId, orderId, customerId, status: response.status, startedAt, endedAt: Date.now() };
    };
    const sender = async () => {
      while (sending) {
        nextOrder += 1;
        const result = await send(nextOrder, MEMBERS[nextOrder % MEMBERS.length], `pg-outage-${nextOrder}`);
        sent.push(result);
        // A steady stream, not a flood: about 20 deliveries a second, some eighty in all.
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const acknowledged = () => sent.filter((delivery) => delivery.status === 200).length;
    const streams = Array.from({ length: SENDERS }, () => sender());

    let downAt = 0;
    let upAt = 0;
    try {
      // Up: acknowledged and stored.
      await waitFor(() => acknowledged() >= 12, "12 acknowledged deliveries before the outage", 20_000);
      await server.stop("fast");
      downAt = Date.now();
      await waitFor(() => Date.now() - downAt >= 2000 && sent.filter((delivery) => delivery.startedAt > downAt).length >= 10, "2 s and 10 deliveries while the database is down", 20_000);
      upAt = Date.now();
      await server.start();
      const backAt = Date.now();
      await waitFor(() => sent.filter((delivery) => delivery.startedAt > backAt && delivery.status === 200).length >= 12, "12 acknowledged deliveries after the restart", 30_000);
      afterRestart = sent.filter((delivery) => delivery.startedAt > backAt && delivery.status === 200).map((delivery) => delivery.webhookId);
    } finally {
      sending = false;
      await Promise.all(streams);
    }

    // Only 200 (stored) or 503 (retry later): never a 500, never a thrown error.
    expect(new Set(sent.map((delivery) => delivery.status))).toEqual(new Set([200, 503]));
    const whileDown = sent.filter((delivery) => delivery.startedAt > downAt && delivery.endedAt < upAt);
    expect(whileDown.length).toBeGreaterThanOrEqual(10);
    expect(whileDown.every((delivery) => delivery.status === 503)).toBe(true);

    // Every acknowledged delivery is stored, with the body it was sent.
    const stored = await db.webhookDelivery.findMany({ where: { shopDomain: shop, topic: "orders/paid" }, select: { webhookId: true, payload: true } });
    const storedIds = new Set(stored.map((row) => row.webhookId));
    const lost = sent.filter((delivery) => delivery.status === 200 && !storedIds.has(delivery.webhookId));
    expect(lost).toEqual([]);

    // Shopify retries what got 503: the same webhook ids, now acknowledged (or deduplicated, if
    // one was stored after all and only its answer was lost).
    const refused = sent.filter((delivery) => delivery.status === 503);
    expect(refused.length).toBeGreaterThanOrEqual(10);
    for (const delivery of refused) {
      expect((await send(delivery.orderId, delivery.customerId, delivery.webhookId)).status).toBe(200);
    }
    expect(await db.webhookDelivery.count({ where: { shopDomain: shop, topic: "orders/paid" } })).toBe(sent.length);

    // The worker recovered with the client: what was acknowledged after the restart was handed
    // to it at once and is processed, on real time.
    const inbox = runtime.inboxWorker();
    await inbox.idle();
    expect(await db.webhookDelivery.count({ where: { webhookId: { in: afterRestart }, status: "processed" } })).toBe(afterRestart.length);

    // The worker processes them all: what failed while the database was away is retried (its
    // back-off passed on this test's clock) by the runner's drain, in the same process.
    ahead = 60 * 60 * 1000;
    await waitFor(
      async () => {
        await inbox.idle();
        await inbox.drain();
        return (await db.webhookDelivery.count({ where: { shopDomain: shop, status: { not: "processed" } } })) === 0;
      },
      "the worker to process every delivery",
      30_000,
    );

    // Each order earned exactly once, and the ledger adds up.
    const shopId = (await db.shop.findUniqueOrThrow({ where: { domain: shop } })).id;
    const earns = await db.ledgerEntry.groupBy({ by: ["idempotencyKey"], where: { shopId, kind: "earn" }, _count: { _all: true } });
    expect(earns).toHaveLength(sent.length);
    expect(earns.every((entry) => entry._count._all === 1)).toBe(true);
    expect((await app.verify.verifyLedger(db, shopId)).violations).toEqual([]);
  }, 60_000);
});
