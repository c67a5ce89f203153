import { afterAll, beforeAll, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { systemClock } from "../../app/lib/clock";
import { logger } from "../../app/lib/logger.server";
import { buildDeps, inboxWorker, setAppDeps } from "../../app/runtime.server";
import { action } from "../../app/routes/webhooks.orders.paid";
import { releaseHeldAwards } from "../../app/services/ledger/release.server";
import { createRedisCapStore, type RedisCapStore } from "../../app/services/ledger/redis-cap.server";
import { verifyLedger } from "../../app/services/ledger/verify.server";
import { METAFIELDS_QUEUE } from "../../app/services/outbox/metafields.server";
import { programSchema } from "../../app/services/program/settings";
import { updateShopSettings } from "../../app/services/shops/shops.server";
import { customerPayload, orderPayload } from "../fixtures/rest-payloads";
import { deliver } from "../support/deliver";
import { redisAvailable, redisSkipNote, startThrowawayRedis, type ThrowawayRedis, waitFor } from "../support/redis";
import { installTestShop, signedWebhook, uniqueShop } from "../support/shopify";

/**
 * The daily cap in a throwaway Redis (DESIGN, "Daily cap"), stopped and restarted empty under a
 * steady stream of paid orders for several members, through the orders/paid route and the
 * inbox worker. Ingest never notices; the awards checked while Redis is down are held (recorded,
 * never granted unchecked), then released in the order they were held once it answers again,
 * and no member is ever granted more than the cap for the day. test/ledger/redis-cap.test.ts has
 * the same rules one award at a time.
 */

const CAP = 200;
const DAY = "2026-11-20";
const MEMBERS = [820001, 820002, 820003, 820004];
const SENDERS = 2;
/** 10.00 to 40.00: each order earns 10 to 40 points (rate 1, Bronze ×1). */
const price = (orderId: number) => `${10 + (orderId % 31)}.00`;

let redis: ThrowawayRedis;
let store: RedisCapStore;
let shop: string;
let shopId: string;

interface Sent {
  orderId: number;
  status: number;
  startedAt: number;
}

describe.skipIf(!redisAvailable)(`daily cap in Redis: stopped and restarted empty under load${redisSkipNote}`, () => {
  beforeAll(async () => {
    redis = await startThrowawayRedis();
    store = createRedisCapStore({ url: redis.url, logger, connectTimeoutMs: 1000, commandTimeoutMs: 1000, maxReconnectDelayMs: 50 });
    expect(await store.ready()).toBe(true);
    setAppDeps(buildDeps({}, { capStore: store }));

    shop = uniqueShop("redis-outage");
    await installTestShop(shop);
    shopId = (await db.shop.findUniqueOrThrow({ where: { domain: shop } })).id;
    await updateShopSettings(db, shop, { program: programSchema.parse({ startDate: "2026-01-01", dailyCap: CAP }) });
    for (const id of MEMBERS) await deliver({ topic: "customers/create", shop, payload: customerPayload({ id, email: `member-${id}@example.com` }) });
  });

  afterAll(async () => {
    await inboxWorker().idle();
    // Write-backs queued for this file's members (unknown to the fake Admin API) must not reach
    // other files' drains in the same worker database.
    if (shopId) await db.job.deleteMany({ where: { shopId, queue: METAFIELDS_QUEUE } });
    setAppDeps(undefined);
    await store?.close();
    await redis?.stop();
  });

  it("holds the awards it cannot check, releases them in order after, and never grants over the cap", async () => {
    const sent: Sent[] = [];
    let nextOrder = 6_000_000;
    let sending = true;
    const sender = async () => {
      while (sending) {
        nextOrder += 1;
        const orderId = nextOrder;
        const customerId = MEMBERS[orderId % MEMBERS.length];
        // One shop day for every order (New York), a minute apart.
        const processedAt = new Date(Date.parse("2026-11-20T09:00:00-05:00") + (orderId % 600) * 60_000).toISOString();
        const payload = orderPayload({ id: orderId, customerId, email: `member-${customerId}@example.com`, processedAt, lines: [{ id: orderId * 10, price: price(orderId), quantity: 1 }] });
        const startedAt = Date.now();
        const response = await action({ request: signedWebhook({ topic: "orders/paid", shop, payload, webhookId: `redis-outage-${orderId}` }), params: {}, context: {} });
        sent.push({ orderId, status: response.status, startedAt });
        // A steady stream the worker keeps up with on a busy machine: about 13 orders a second.
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
    };
    const streams = Array.from({ length: SENDERS }, () => sender());
    const heldCount = () => db.ledgerEntry.count({ where: { shopId, kind: "held" } });
    const deps = { db, clock: systemClock, logger, capStore: store };
    let downAt = 0;
    let upAt = 0;
    try {
      await waitFor(() => sent.length >= 16, "16 orders before the outage", 20_000);
      await redis.stop();
      await waitFor(async () => !(await store.ping()), "the store to notice Redis is gone");
      downAt = Date.now();
      // The stream goes on, and the worker checks awards while Redis is down: some of those sent
      // since are processed (the worker may be behind on a busy machine).
      const processedSinceDown = () =>
        db.webhookDelivery.count({ where: { webhookId: { in: sent.filter((order) => order.startedAt > downAt).map((order) => `redis-outage-${order.orderId}`) }, status: "processed" } });
      await waitFor(async () => Date.now() - downAt >= 1500 && (await heldCount()) >= 4 && (await processedSinceDown()) >= 3, "4 awards held while Redis is down", 30_000);
      // Releasing while Redis is still down keeps them all held.
      expect(await releaseHeldAwards(deps, await db.shop.findUniqueOrThrow({ where: { id: shopId } }))).toMatchObject({ released: 0 });

      upAt = Date.now();
      await redis.start();
      await waitFor(() => store.ping(), "the store to reconnect");
      const backAt = Date.now();
      await waitFor(() => sent.filter((order) => order.startedAt > backAt).length >= 12, "12 orders after the restart", 20_000);
    } finally {
      sending = false;
      await Promise.all(streams);
    }
    await inboxWorker().idle();
    await inboxWorker().drain();

    // Ingest never noticed, and every delivery was processed.
    expect(sent.every((order) => order.status === 200)).toBe(true);
    expect(await db.webhookDelivery.count({ where: { shopDomain: shop, topic: "orders/paid", status: "processed" } })).toBe(sent.length);

    type Entry = Awaited<ReturnType<typeof ledger>>[number];
    const ledger = () => db.ledgerEntry.findMany({ where: { shopId }, orderBy: [{ memberId: "asc" }, { seq: "asc" }] });
    const orderKey = (orderId: number) => `shopify-order:gid://shopify/Order/${orderId}`;
    /** The award an entry belongs to: its order's key (a held entry's own key has a suffix). */
    const awardOf = (entry: Entry) => entry.awardKey ?? entry.idempotencyKey;

    // Orders sent once the store knew Redis was gone, and processed before it came back, were
    // held: recorded with nothing granted.
    const heldEntries = (await ledger()).filter((entry) => entry.kind === "held");
    expect(heldEntries.length).toBeGreaterThanOrEqual(4);
    expect(heldEntries.every((entry) => entry.points === 0 && entry.withheld > 0)).toBe(true);
    const processedDuring = await db.webhookDelivery.findMany({
      where: { shopDomain: shop, webhookId: { in: sent.filter((order) => order.startedAt > downAt).map((order) => `redis-outage-${order.orderId}`) }, processedAt: { lt: new Date(upAt) } },
      select: { webhookId: true },
    });
    expect(processedDuring.length).toBeGreaterThan(0);
    const heldKeys = new Set(heldEntries.map((entry) => entry.awardKey));
    for (const { webhookId } of processedDuring) expect(heldKeys).toContain(orderKey(Number(webhookId.slice("redis-outage-".length))));

    // Released once Redis answers (its counters rebuilt from the ledger), then nothing is left.
    const released = await releaseHeldAwards(deps, await db.shop.findUniqueOrThrow({ where: { id: shopId } }));
    expect(released).toEqual({ released: heldEntries.length, stillHeld: 0 });
    expect(await releaseHeldAwards(deps, await db.shop.findUniqueOrThrow({ where: { id: shopId } }))).toEqual({ released: 0, stillHeld: 0 });

    const entries = await ledger();
    const byMember = new Map<string, Entry[]>();
    for (const entry of entries) byMember.set(entry.memberId, [...(byMember.get(entry.memberId) ?? []), entry]);
    expect(byMember.size).toBe(MEMBERS.length);
    for (const [memberId, own] of byMember) {
      // Released in the order they were held.
      const heldOrder = own.filter((entry) => entry.kind === "held").map((entry) => entry.awardKey);
      const releasedOrder = own.filter((entry) => entry.kind === "released").map((entry) => entry.awardKey);
      expect(releasedOrder).toEqual(heldOrder);

      // Every order earns exactly once: one earn or one held award, a held one released once,
      // and the award's points plus what it withheld are what the order asked for.
      const awards = own.filter((entry) => entry.kind === "earn" || entry.kind === "held");
      const keys = awards.map(awardOf);
      expect(new Set(keys).size).toBe(keys.length);
      let requested = 0;
      for (const award of awards) {
        const orderId = Number(awardOf(award).split("/").pop());
        const asked = 10 + (orderId % 31);
        requested += asked;
        const grant = award.kind === "earn" ? award : own.find((entry) => entry.kind === "released" && entry.awardKey === awardOf(award))!;
        expect(grant.points + grant.withheld).toBe(asked);
      }

      // Never over the cap for the day, and nothing lost under it: what was granted is the cap,
      // or everything asked for when that is less.
      const granted = own.filter((entry) => entry.capDay === DAY && (entry.kind === "earn" || entry.kind === "released")).reduce((sum, entry) => sum + entry.points, 0);
      expect(granted).toBe(Math.min(CAP, requested));
      // Redis, rebuilt from the ledger after its restart, counts what the ledger granted (a
      // member with no award checked since the restart has no counters yet).
      const counters = await store.dayCounters(shopId, memberId, DAY);
      if (counters) expect(counters.total).toBe(granted);
    }
    const orders = entries.filter((entry) => entry.kind === "earn" || entry.kind === "held").map(awardOf);
    expect(orders.sort()).toEqual(sent.map((order) => orderKey(order.orderId)).sort());
    expect((await verifyLedger(db, shopId)).violations).toEqual([]);
  }, 60_000);
});
