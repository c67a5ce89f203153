import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { type AppDeps, appDeps, buildDeps, buildRuntime, queueDefinitions, setAppDeps } from "../../app/runtime.server";
import { systemClock } from "../../app/lib/clock";
import { logger } from "../../app/lib/logger.server";
import { JobRunner } from "../../app/services/jobs/runner.server";
import { type CapStore, CapStoreUnavailableError, databaseCapStore } from "../../app/services/ledger/cap.server";
import { HELD_REFUND_REASON } from "../../app/services/ledger/held";
import { type LedgerDeps } from "../../app/services/ledger/types";
import { releaseHeldAwards } from "../../app/services/ledger/release.server";
import { createRedisCapStore, type RedisCapStore } from "../../app/services/ledger/redis-cap.server";
import { RELEASE_QUEUE, releasePass } from "../../app/services/ledger/release-worker.server";
import { memberSummary, verifyLedger } from "../../app/services/ledger/verify.server";
import { METAFIELDS_QUEUE } from "../../app/services/outbox/metafields.server";
import { programSchema } from "../../app/services/program/settings";
import { updateShopSettings } from "../../app/services/shops/shops.server";
import { customerPayload, orderPayload, refundPayload } from "../fixtures/rest-payloads";
import { deliver } from "../support/deliver";
import { redisAvailable, redisSkipNote, startThrowawayRedis, type ThrowawayRedis, waitFor } from "../support/redis";
import { installTestShop, uniqueShop } from "../support/shopify";

// The daily cap counted in a throwaway redis-server this file starts, stops and restarts itself
// (docs/decisions/0002-daily-cap-in-redis.md). Same figures as the database path in earn.test.ts.

const ANA = 115310627;
const DAY = "2026-11-20";
const orderKey = (id: number) => `shopify-order:gid://shopify/Order/${id}`;

let redis: ThrowawayRedis;
let store: RedisCapStore;
/** The process's dependencies for this file: the Redis cap store below (deliveries use them too). */
let testDeps: AppDeps;
let shop: string;
let shopId: string;
let memberId: string;

const paid = (id: number, price: string, extra: Partial<Parameters<typeof orderPayload>[0]> = {}) =>
  orderPayload({ id, customerId: ANA, lines: [{ id: id * 10, price, quantity: 1 }], processedAt: "2026-11-20T09:00:00-05:00", ...extra });

const member = async () => (await memberSummary(db, shopId, memberId))!;
const entries = async () => (await member()).entries.map((entry) => [entry.kind, entry.points, entry.withheld]);
// Sorted: release-time events carry the time of the release, which the orders' dates do not order.
const timeline = async () => (await member()).timeline.map((event) => event.type).sort();
const journeyData = async (type: string) => (await member()).timeline.find((event) => event.type === type)?.data;
const counters = () => store.dayCounters(shopId, memberId, DAY);
const deps = (): LedgerDeps => ({ db, clock: systemClock, logger, capStore: testDeps.capStore });
/** One release pass (what the "release" queue runs each time), with the file's cap store. */
const releaseOnce = () => releasePass({ db, clock: systemClock, logger, capStore: testDeps.capStore });
const ledgerShop = () => db.shop.findUniqueOrThrow({ where: { id: shopId } });

async function expectLedgerOk() {
  expect((await verifyLedger(db, shopId)).violations).toEqual([]);
}

async function redisDown() {
  await redis.stop();
  await waitFor(async () => !(await store.ping()), "the store to notice Redis is gone");
}

async function redisBackEmpty() {
  await redis.start();
  await waitFor(() => store.ping(), "the store to reconnect");
}

/** The database, except that its first transaction fails (a crash after the cap reservation, before the release). */
function crashingAtRelease(): typeof db {
  let crashed = false;
  return new Proxy(db, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (property === "$transaction" && !crashed) {
        return () => {
          crashed = true;
          return Promise.reject(new Error("simulated crash"));
        };
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

describe.skipIf(!redisAvailable)(`daily cap in Redis${redisSkipNote}`, () => {
  beforeAll(async () => {
    redis = await startThrowawayRedis();
    store = createRedisCapStore({ url: redis.url, logger, connectTimeoutMs: 1000, commandTimeoutMs: 1000, maxReconnectDelayMs: 50 });
    expect(await store.ready()).toBe(true);
    testDeps = buildDeps({}, { capStore: store });
    setAppDeps(testDeps);
  });

  afterAll(async () => {
    setAppDeps(undefined);
    await store?.close();
    await redis?.stop();
  });

  // Write-backs queued for this file's members (unknown to the fake Admin API) must not reach
  // other files' drains in the same worker database.
  afterEach(async () => {
    if (shopId) await db.job.deleteMany({ where: { shopId, queue: METAFIELDS_QUEUE } });
  });

  beforeEach(async () => {
    if (!redis.running()) await redisBackEmpty();
    shop = uniqueShop();
    await installTestShop(shop);
    shopId = (await db.shop.findUniqueOrThrow({ where: { domain: shop } })).id;
    await updateShopSettings(db, shop, { program: programSchema.parse({ startDate: "2026-01-01", dailyCap: 100 }) });
    await deliver({ topic: "customers/create", shop, payload: customerPayload({ id: ANA, email: "ana.lima@example.com" }) });
    memberId = (await db.member.findFirstOrThrow({ where: { shopId, customerGid: `gid://shopify/Customer/${ANA}` } })).id;
  });

  it("grants 70 + 30 of a cap of 100, records 20 as capped, and never counts a retry twice", async () => {
    const first = paid(11, "70.00");
    await deliver({ topic: "orders/paid", shop, payload: first });
    await deliver({ topic: "orders/paid", shop, payload: first });
    expect(await counters()).toEqual({ total: 70, reservations: { [orderKey(11)]: 70 } });

    // An earlier attempt at order 12 reserved, then failed before recording: the delivery that
    // follows gets the same 30, not another share.
    const attempt = { shopId, memberId, day: DAY, key: orderKey(12), requested: 50, cap: 100 };
    expect(await store.reserve(attempt, db)).toBe(30);
    const second = paid(12, "50.00", { processedAt: "2026-11-20T18:00:00-05:00" });
    await deliver({ topic: "orders/paid", shop, payload: second });
    await deliver({ topic: "orders/paid", shop, payload: second });
    expect(await store.reserve(attempt, db)).toBe(30);
    expect(await counters()).toEqual({ total: 100, reservations: { [orderKey(11)]: 70, [orderKey(12)]: 30 } });

    // 23:30 in New York is the next UTC day but the same shop day; 00:30 is the next shop day.
    await deliver({ topic: "orders/paid", shop, payload: paid(13, "10.00", { processedAt: "2026-11-20T23:30:00-05:00" }) });
    await deliver({ topic: "orders/paid", shop, payload: paid(14, "10.00", { processedAt: "2026-11-21T00:30:00-05:00" }) });

    expect((await member()).entries.map((entry) => [entry.kind, entry.points, entry.withheld, entry.capDay])).toEqual([
      ["earn", 70, 0, "2026-11-20"],
      ["earn", 30, 20, "2026-11-20"],
      ["capped", 0, 20, "2026-11-20"],
      ["earn", 0, 10, "2026-11-20"],
      ["capped", 0, 10, "2026-11-20"],
      ["earn", 10, 0, "2026-11-21"],
    ]);
    expect(await member()).toMatchObject({ balance: 110, capped: 30, held: 0 });
    expect(await counters()).toEqual({ total: 100, reservations: { [orderKey(11)]: 70, [orderKey(12)]: 30, [orderKey(13)]: 0 } });
    expect(await store.dayCounters(shopId, memberId, "2026-11-21")).toEqual({ total: 10, reservations: { [orderKey(14)]: 10 } });
    await expectLedgerOk();
  });

  it("reserves atomically: 12 concurrent awards of 15 share a cap of 100 exactly, and replays change nothing", async () => {
    const reservation = (index: number) => ({ shopId, memberId, day: "2026-11-25", key: `test-award:${index}`, requested: 15, cap: 100 });
    const granted = await Promise.all(Array.from({ length: 12 }, (_, index) => store.reserve(reservation(index), db)));
    expect(granted.reduce((sum, points) => sum + points, 0)).toBe(100);
    expect([...granted].sort((a, b) => a - b)).toEqual([0, 0, 0, 0, 0, 10, 15, 15, 15, 15, 15, 15]);
    expect(await Promise.all(Array.from({ length: 12 }, (_, index) => store.reserve(reservation(index), db)))).toEqual(granted);
    expect((await store.dayCounters(shopId, memberId, "2026-11-25"))?.total).toBe(100);
  });

  it("rebuilds lost counters from the ledger: after an empty restart the day's earlier grants still count", async () => {
    await deliver({ topic: "orders/paid", shop, payload: paid(21, "70.00") });
    await redisDown();
    await redisBackEmpty();
    expect(await counters()).toBeNull();

    await deliver({ topic: "orders/paid", shop, payload: paid(22, "50.00", { processedAt: "2026-11-20T18:00:00-05:00" }) });
    expect(await entries()).toEqual([["earn", 70, 0], ["earn", 30, 20], ["capped", 0, 20]]);
    expect(await counters()).toEqual({ total: 100, reservations: { [orderKey(21)]: 70, [orderKey(22)]: 30 } });
    await expectLedgerOk();
  });

  it("fails closed: with Redis down the award is held, then released within the cap once Redis is back (empty)", async () => {
    await deliver({ topic: "orders/paid", shop, payload: paid(31, "70.00") });
    await redisDown();

    const started = Date.now();
    await expect(store.reserve({ shopId, memberId, day: DAY, key: "probe", requested: 1, cap: 100 }, db)).rejects.toBeInstanceOf(CapStoreUnavailableError);
    // Nothing waits in an offline queue: the answer is immediate, not a timeout.
    expect(Date.now() - started).toBeLessThan(500);

    const delivery = await deliver({ topic: "orders/paid", shop, payload: paid(32, "50.00", { processedAt: "2026-11-20T18:00:00-05:00" }) });
    expect(delivery).toMatchObject({ status: "processed", error: null });
    expect(await entries()).toEqual([["earn", 70, 0], ["held", 0, 50]]);
    expect(await member()).toMatchObject({ balance: 70, held: 50, capped: 0 });
    expect(await timeline()).toEqual(["first_purchase", "points_earned", "points_held"]);
    expect(await journeyData("points_held")).toEqual({ points: 50, order: "gid://shopify/Order/32" });
    await expectLedgerOk();

    // A retried delivery while held changes nothing; releasing while Redis is still down keeps it held.
    await deliver({ topic: "orders/paid", shop, payload: paid(32, "50.00", { processedAt: "2026-11-20T18:00:00-05:00" }) });
    expect(await releaseHeldAwards(deps(), await ledgerShop())).toEqual({ released: 0, stillHeld: 1 });
    expect(await entries()).toEqual([["earn", 70, 0], ["held", 0, 50]]);

    await redisBackEmpty();
    expect(await counters()).toBeNull();
    expect(await releaseHeldAwards(deps(), await ledgerShop())).toEqual({ released: 1, stillHeld: 0 });
    // Rebuilt from the ledger first, so the 70 granted earlier that day count: 30 released, 20 capped.
    expect(await entries()).toEqual([["earn", 70, 0], ["held", 0, 50], ["released", 30, 20], ["capped", 0, 20]]);
    expect(await member()).toMatchObject({ balance: 100, held: 0, capped: 20 });
    expect(await timeline()).toEqual(["first_purchase", "points_earned", "points_earned", "points_held", "points_released", "repeat_purchase"]);
    expect(await journeyData("points_released")).toEqual({ points: 30, balance: 100, order: "gid://shopify/Order/32" });
    expect(await counters()).toEqual({ total: 100, reservations: { [orderKey(31)]: 70, [orderKey(32)]: 30 } });

    expect(await releaseHeldAwards(deps(), await ledgerShop())).toEqual({ released: 0, stillHeld: 0 });
    expect(await entries()).toHaveLength(4);
    expect(await counters()).toEqual({ total: 100, reservations: { [orderKey(31)]: 70, [orderKey(32)]: 30 } });
    await expectLedgerOk();
  });

  it("reduces a held award by a refund that arrives while it is held, and releases the rest (release worker)", async () => {
    await redisDown();
    await deliver({ topic: "orders/paid", shop, payload: paid(41, "80.00") });
    await deliver({ topic: "refunds/create", shop, payload: refundPayload({ id: 411, orderId: 41, lines: [{ lineItemId: 410, quantity: 1, subtotal: "20.00", tax: "0.00" }] }) });
    // 80 × 20.00 / 80.00 = 20 comes off the held award; nothing was granted, so the balance stays.
    expect((await member()).entries.map((entry) => [entry.kind, entry.points, entry.withheld, entry.reason])).toEqual([
      ["held", 0, 80, "the daily cap could not be checked"],
      ["clawback", 0, 20, HELD_REFUND_REASON],
    ]);
    expect(await member()).toMatchObject({ balance: 0, held: 60 });
    await expectLedgerOk();

    const down = await releaseOnce();
    expect(down.failedShops).toBe(0);
    expect(await entries()).toHaveLength(2);

    await redisBackEmpty();
    const up = await releaseOnce();
    expect(up.failedShops).toBe(0);
    expect(up.released).toBeGreaterThanOrEqual(1);
    expect(await entries()).toEqual([["held", 0, 80], ["clawback", 0, 20], ["released", 60, 0]]);
    expect(await member()).toMatchObject({ balance: 60, held: 0 });
    expect(await timeline()).toEqual(["first_purchase", "points_earned", "points_held", "points_released"]);
    expect(await journeyData("points_released")).toEqual({ points: 60, balance: 60, order: "gid://shopify/Order/41", reducedBy: 20 });
    expect(await counters()).toEqual({ total: 60, reservations: { [orderKey(41)]: 60 } });
    await expectLedgerOk();

    // Later refunds are proportioned to what the released award stands for (60.00 of the order):
    // another 20.00 → 60 × 20.00 / 60.00 = 20, so 40.00 of 80.00 refunded leaves 40.
    await deliver({ topic: "refunds/create", shop, payload: refundPayload({ id: 412, orderId: 41, lines: [{ lineItemId: 410, quantity: 1, subtotal: "20.00", tax: "0.00" }] }) });
    expect((await entries()).at(-1)).toEqual(["clawback", -20, 0]);
    expect(await member()).toMatchObject({ balance: 40 });
    expect(await releaseHeldAwards(deps(), await ledgerShop())).toEqual({ released: 0, stillHeld: 0 });
    expect(await entries()).toHaveLength(4);
    await expectLedgerOk();
  });

  it("reduces before the cap is checked: a held award cut by a refund releases what is left, within the cap", async () => {
    await deliver({ topic: "orders/paid", shop, payload: paid(71, "70.00") });
    await redisDown();
    await deliver({ topic: "orders/paid", shop, payload: paid(72, "60.00", { processedAt: "2026-11-20T18:00:00-05:00" }) });
    await deliver({ topic: "refunds/create", shop, payload: refundPayload({ id: 721, orderId: 72, lines: [{ lineItemId: 720, quantity: 1, subtotal: "20.00", tax: "0.00" }] }) });
    expect(await member()).toMatchObject({ balance: 70, held: 40 });

    await redisBackEmpty();
    expect(await releaseHeldAwards(deps(), await ledgerShop())).toEqual({ released: 1, stillHeld: 0 });
    // 60 held − 20 refunded = 40 due; 70 granted that day leaves room for 30: 30 released, 10 capped.
    // (Releasing first would have granted 30, then clawed back 30 × 20.00 / 60.00 = 10.)
    expect(await entries()).toEqual([["earn", 70, 0], ["held", 0, 60], ["clawback", 0, 20], ["released", 30, 10], ["capped", 0, 10]]);
    expect(await member()).toMatchObject({ balance: 100, held: 0, capped: 10 });

    // The rest of the order refunded (40.00 of the 40.00 the release stands for) takes all 30 back.
    await deliver({ topic: "refunds/create", shop, payload: refundPayload({ id: 722, orderId: 72, lines: [{ lineItemId: 720, quantity: 1, subtotal: "40.00", tax: "0.00" }] }) });
    expect((await entries()).at(-1)).toEqual(["clawback", -30, 0]);
    expect(await member()).toMatchObject({ balance: 70 });
    await expectLedgerOk();
  });

  it("releases nothing when the order was cancelled while held", async () => {
    await redisDown();
    await deliver({ topic: "orders/paid", shop, payload: paid(51, "80.00") });
    await deliver({
      topic: "orders/cancelled",
      shop,
      payload: paid(51, "80.00", { cancelledAt: "2026-11-21T09:00:00-05:00", updatedAt: "2026-11-21T09:00:00-05:00", financialStatus: "refunded" }),
    });
    expect(await member()).toMatchObject({ balance: 0, held: 0 });
    await redisBackEmpty();
    expect(await releaseHeldAwards(deps(), await ledgerShop())).toEqual({ released: 1, stillHeld: 0 });
    expect(await entries()).toEqual([["held", 0, 80], ["clawback", 0, 80], ["released", 0, 0]]);
    expect(await member()).toMatchObject({ balance: 0, held: 0 });
    // No purchase to celebrate and nothing reserved against the cap.
    expect(await timeline()).toEqual(["points_held", "points_released"]);
    expect(await counters()).toBeNull();
    await expectLedgerOk();
  });

  it("keeps held awards first in line: an order after Redis is back waits behind them, and they are released in the order they were held", async () => {
    // Redis down: 60, 30 and 50 held, processed in the reverse of the order they arrived in.
    await redisDown();
    await deliver({ topic: "orders/paid", shop, payload: paid(81, "60.00", { processedAt: "2026-11-20T16:00:00-05:00" }) });
    await deliver({ topic: "orders/paid", shop, payload: paid(82, "30.00", { processedAt: "2026-11-20T14:00:00-05:00" }) });
    await deliver({ topic: "orders/paid", shop, payload: paid(83, "50.00", { processedAt: "2026-11-20T12:00:00-05:00" }) });
    // Redis is back (empty) and answers, but an order of that day arrives before the release pass.
    await redisBackEmpty();
    const late = await deliver({ topic: "orders/paid", shop, payload: paid(84, "40.00", { processedAt: "2026-11-20T10:00:00-05:00" }) });
    expect(late).toMatchObject({ status: "processed", error: null });
    expect((await member()).entries.map((entry) => [entry.seq, entry.kind, entry.withheld, entry.reason])).toEqual([
      [1, "held", 60, "the daily cap could not be checked"],
      [2, "held", 30, "held behind earlier held awards of the day"],
      [3, "held", 50, "held behind earlier held awards of the day"],
      [4, "held", 40, "held behind earlier held awards of the day"],
    ]);
    expect(await member()).toMatchObject({ balance: 0, held: 180, capped: 0 });
    // It reserved nothing: the day's room is still the held awards'.
    expect(await counters()).toBeNull();
    await expectLedgerOk();

    // A pass in which the first held award cannot reserve releases none of the ones behind it.
    const failsForTheFirst: CapStore = {
      reserve: (reservation, database) =>
        reservation.key === orderKey(81) ? Promise.reject(new CapStoreUnavailableError("no answer")) : store.reserve(reservation, database),
    };
    expect(await releaseHeldAwards({ ...deps(), capStore: failsForTheFirst }, await ledgerShop())).toEqual({ released: 0, stillHeld: 4 });
    expect(await counters()).toBeNull();

    const pass = await releaseOnce();
    expect(pass.failedShops).toBe(0);
    expect(pass.released).toBeGreaterThanOrEqual(4);
    // 60, then 30, then 10 of the 50 (40 capped), then nothing of the 40: the cap of 100 goes to
    // the awards in the order they were held.
    expect((await member()).entries.map((entry) => [entry.seq, entry.kind, entry.points, entry.withheld])).toEqual([
      [1, "held", 0, 60],
      [2, "held", 0, 30],
      [3, "held", 0, 50],
      [4, "held", 0, 40],
      [5, "released", 60, 0],
      [6, "released", 30, 0],
      [7, "released", 10, 40],
      [8, "capped", 0, 40],
      [9, "released", 0, 40],
      [10, "capped", 0, 40],
    ]);
    expect(await member()).toMatchObject({ balance: 100, held: 0, capped: 80 });
    expect(await counters()).toEqual({ total: 100, reservations: { [orderKey(81)]: 60, [orderKey(82)]: 30, [orderKey(83)]: 10, [orderKey(84)]: 0 } });
    await expectLedgerOk();

    // Nothing held any more: the next order of the day is checked at once (the day is full).
    await deliver({ topic: "orders/paid", shop, payload: paid(85, "10.00", { processedAt: "2026-11-20T20:00:00-05:00" }) });
    expect((await entries()).slice(-2)).toEqual([["earn", 0, 10], ["capped", 0, 10]]);
    await expectLedgerOk();
  });

  it("reduces a held award and the one held behind it by refunds while held, then releases what is left in order", async () => {
    await redisDown();
    await deliver({ topic: "orders/paid", shop, payload: paid(91, "80.00", { processedAt: "2026-11-20T12:00:00-05:00" }) });
    await redisBackEmpty();
    await deliver({ topic: "orders/paid", shop, payload: paid(92, "50.00", { processedAt: "2026-11-20T09:00:00-05:00" }) });
    await deliver({ topic: "refunds/create", shop, payload: refundPayload({ id: 911, orderId: 91, lines: [{ lineItemId: 910, quantity: 1, subtotal: "20.00", tax: "0.00" }] }) });
    await deliver({ topic: "refunds/create", shop, payload: refundPayload({ id: 921, orderId: 92, lines: [{ lineItemId: 920, quantity: 1, subtotal: "10.00", tax: "0.00" }] }) });
    // 80 × 20.00 / 80.00 = 20 and 50 × 10.00 / 50.00 = 10 come off the held awards.
    expect((await member()).entries.map((entry) => [entry.kind, entry.points, entry.withheld, entry.reason])).toEqual([
      ["held", 0, 80, "the daily cap could not be checked"],
      ["held", 0, 50, "held behind earlier held awards of the day"],
      ["clawback", 0, 20, HELD_REFUND_REASON],
      ["clawback", 0, 10, HELD_REFUND_REASON],
    ]);
    expect(await member()).toMatchObject({ balance: 0, held: 100 });

    expect(await releaseHeldAwards(deps(), await ledgerShop())).toEqual({ released: 2, stillHeld: 0 });
    expect((await entries()).slice(-2)).toEqual([["released", 60, 0], ["released", 40, 0]]);
    expect(await member()).toMatchObject({ balance: 100, held: 0, capped: 0 });
    expect(await counters()).toEqual({ total: 100, reservations: { [orderKey(91)]: 60, [orderKey(92)]: 40 } });

    // The rest of order 92 (40.00 of the 40.00 its release stands for) takes all 40 back.
    await deliver({ topic: "refunds/create", shop, payload: refundPayload({ id: 922, orderId: 92, lines: [{ lineItemId: 920, quantity: 1, subtotal: "40.00", tax: "0.00" }] }) });
    expect((await entries()).at(-1)).toEqual(["clawback", -40, 0]);
    expect(await member()).toMatchObject({ balance: 60 });
    await expectLedgerOk();
  });

  it("releases once when a pass stops between the Redis reservation and the release", async () => {
    await redisDown();
    await deliver({ topic: "orders/paid", shop, payload: paid(61, "80.00") });
    await deliver({ topic: "refunds/create", shop, payload: refundPayload({ id: 611, orderId: 61, lines: [{ lineItemId: 610, quantity: 1, subtotal: "20.00", tax: "0.00" }] }) });
    await redisBackEmpty();
    await expect(releaseHeldAwards({ ...deps(), db: crashingAtRelease() }, await ledgerShop())).rejects.toThrow("simulated crash");
    expect(await counters()).toEqual({ total: 60, reservations: { [orderKey(61)]: 60 } });
    expect(await member()).toMatchObject({ balance: 0, held: 60 });

    expect(await releaseHeldAwards(deps(), await ledgerShop())).toEqual({ released: 1, stillHeld: 0 });
    expect(await entries()).toEqual([["held", 0, 80], ["clawback", 0, 20], ["released", 60, 0]]);
    expect(await member()).toMatchObject({ balance: 60 });
    // The retried reservation found its own: the day counts 60, not 120.
    expect(await counters()).toEqual({ total: 60, reservations: { [orderKey(61)]: 60 } });
    await expectLedgerOk();
  });

  it("start-up wiring: REDIS_URL makes Redis the cap store, the release queue releases with it, and stopping the runtime closes it", async () => {
    // An award held while Redis was down, due once it is back.
    await redisDown();
    await deliver({ topic: "orders/paid", shop, payload: paid(101, "40.00") });
    expect(await entries()).toEqual([["held", 0, 40]]);
    await redisBackEmpty();

    const env = { REDIS_URL: redis.url, ROOST_RELEASE_INTERVAL_MS: "3600000" };
    const wired = buildDeps(env);
    const runtime = buildRuntime(wired, { env });
    try {
      expect(wired.capStore).not.toBe(databaseCapStore);
      expect(wired.capStore).not.toBe(store);
      expect(await (wired.capStore as RedisCapStore).ready()).toBe(true);
      expect(await wired.capStore.reserve({ shopId, memberId, day: "2026-11-30", key: "wiring", requested: 5, cap: 100 }, db)).toBe(5);

      // The process's release queue, run as the runner runs it: its recurring row, due at the
      // first start, one pass with the deps' store, then due again after the interval.
      const release = queueDefinitions(wired, env).find((definition) => definition.queue === RELEASE_QUEUE)!;
      expect(release.recurring).toBeDefined();
      await db.job.deleteMany({ where: { queue: RELEASE_QUEUE } });
      const runner = new JobRunner({ db, clock: systemClock, logger, queues: [release] });
      await runner.seedRecurring();
      const before = Date.now();
      expect(await runner.drain(RELEASE_QUEUE)).toBe(1);
      expect(await entries()).toEqual([["held", 0, 40], ["released", 40, 0]]);
      expect(await counters()).toEqual({ total: 40, reservations: { [orderKey(101)]: 40 } });
      const row = await db.job.findUniqueOrThrow({ where: { queue_key: { queue: RELEASE_QUEUE, key: "all" } } });
      expect(row).toMatchObject({ status: "pending", attempts: 0, lastError: null });
      expect(row.runAt.getTime()).toBeGreaterThanOrEqual(before + 3_600_000);
      expect(await runner.drain(RELEASE_QUEUE)).toBe(0);
      await expectLedgerOk();
    } finally {
      await runtime.stop();
    }
    // Closed with the runtime: awards after this are held, never granted unchecked.
    await expect(wired.capStore.reserve({ shopId, memberId, day: "2026-11-30", key: "wiring-2", requested: 5, cap: 100 }, db)).rejects.toBeInstanceOf(CapStoreUnavailableError);
    // Without REDIS_URL the cap is counted in the database; the process's dependencies are built once.
    expect(buildDeps({}).capStore).toBe(databaseCapStore);
    expect(appDeps()).toBe(appDeps());
    expect(appDeps().capStore).toBe(store);
  });

  it("is unavailable once closed, and a store that never connects holds instead of hanging", async () => {
    const unreachable = createRedisCapStore({ url: "redis://127.0.0.1:1", logger, connectTimeoutMs: 200, commandTimeoutMs: 200 });
    try {
      const started = Date.now();
      await expect(unreachable.reserve({ shopId, memberId, day: DAY, key: "probe", requested: 1, cap: 100 }, db)).rejects.toBeInstanceOf(CapStoreUnavailableError);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(await unreachable.ping()).toBe(false);
    } finally {
      await unreachable.close();
    }
    await expect(unreachable.reserve({ shopId, memberId, day: DAY, key: "probe", requested: 1, cap: 100 }, db)).rejects.toBeInstanceOf(CapStoreUnavailableError);
  });
});
