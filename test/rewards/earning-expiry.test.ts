import { beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { logger } from "../../app/lib/logger.server";
import { shopDay } from "../../app/lib/shop-day";
import { drainNow } from "../../app/services/jobs/runner.server";
import { bonusesQueue } from "../../app/services/ledger/bonus.server";
import { addMonths } from "../../app/services/ledger/expiry.server";
import { metafieldDefinitionsQueue } from "../../app/services/outbox/definitions.server";
import { runPointsDaily } from "../../app/services/rewards/daily.server";
import { adminClientFor } from "../../app/services/shopify/admin.server";
import { orderPayload, refundPayload } from "../fixtures/rest-payloads";
import { createRedisCapStore } from "../../app/services/ledger/redis-cap.server";
import { databaseCapStore } from "../../app/services/ledger/cap.server";
import { useProcessCapStore } from "../support/cap-store";
import { deliver } from "../support/deliver";
import { redisAvailable, startThrowawayRedis, waitFor } from "../support/redis";
import { fakeShopify } from "../support/shopify";
import { balanceOf, entriesOf, expectLedgerOk, ledgerDeps, type RewardShop, rewardShop, setProgram, shopRow, shopper } from "./support";

// Earning beyond orders and expiry (docs/rewards.md): the sign-up bonus once per member, the
// birthday bonus once a year, both within the daily cap; points that expire N months after the
// last order, announced 14 days before; a refund after expiry claws back against what is left.

let at: RewardShop;

beforeEach(async () => {
  at = await rewardShop();
});

const fixed = (iso: string) => ({ now: () => new Date(iso) });
const runBonuses = () => drainNow(bonusesQueue({}), ledgerDeps, { shopId: at.shopId });
const daily = async (clock: { now(): Date }) => runPointsDaily({ db, clock, logger, adminFor: adminClientFor, sleep: async () => undefined }, await shopRow(at));

describe("sign-up bonus", () => {
  it("is granted once when a customer is enrolled, however often the customer is delivered", async () => {
    await setProgram(at, { signupBonus: 100 });
    const rita = await shopper(at);
    await deliver({ topic: "customers/update", shop: at.shop, payload: { id: rita.numeric, admin_graphql_api_id: rita.customerGid, email: rita.email, updated_at: new Date().toISOString() } });
    expect(await runBonuses()).toMatchObject({ done: 1, failed: 0 });
    expect(await runBonuses()).toMatchObject({ done: 0 });
    expect((await entriesOf(rita.memberId)).map((entry) => [entry.kind, entry.points, entry.reason])).toEqual([["bonus", 100, "sign-up bonus"]]);
    expect(await balanceOf(rita.memberId)).toBe(100);
    const events = await db.journeyEvent.findMany({ where: { memberId: rita.memberId, type: "points_earned" } });
    expect(events.map((event) => JSON.parse(event.data))).toEqual([{ points: 100, balance: 100, bonus: "sign-up bonus" }]);
    await expectLedgerOk(at);
  });

  it("respects the daily cap: what the cap leaves is granted, the rest recorded as withheld", async () => {
    await setProgram(at, { signupBonus: 100, dailyCap: 60 });
    const rita = await shopper(at);
    await runBonuses();
    expect(await entriesOf(rita.memberId)).toMatchObject([{ kind: "bonus", points: 60, withheld: 40, reason: "sign-up bonus (daily cap of 60)" }]);
    await expectLedgerOk(at);
  });

  it("is not given when the shop gives none", async () => {
    const rita = await shopper(at);
    await runBonuses();
    expect(await entriesOf(rita.memberId)).toEqual([]);
  });
});

describe.skipIf(!redisAvailable)("sign-up bonus with Redis as the cap store", () => {
  it("counts the day's awards and bonuses together, and a store that cannot answer leaves the bonus queued", async () => {
    const redis = await startThrowawayRedis();
    const store = createRedisCapStore({ url: redis.url, logger, connectTimeoutMs: 1000, commandTimeoutMs: 1000, maxReconnectDelayMs: 50 });
    try {
      await setProgram(at, { signupBonus: 100, dailyCap: 120 });
      const rita = await shopper(at);
      const bo = await shopper(at);
      const today = new Date().toISOString();
      useProcessCapStore(store);
      // Rita earns 80 today first (the award reserves in Redis); her bonus gets what is left.
      await deliver({ topic: "orders/paid", shop: at.shop, payload: orderPayload({ id: 7100 + Math.floor(Math.random() * 100), customerId: rita.numeric, email: rita.email, lines: [{ id: 1, price: "80.00", quantity: 1 }], processedAt: today }) });
      expect(await balanceOf(rita.memberId)).toBe(80);
      await db.job.updateMany({ where: { shopId: at.shopId, queue: "bonuses", key: { endsWith: bo.memberId } }, data: { runAt: new Date(Date.now() + 3_600_000) } });
      expect(await drainNow(bonusesQueue({ capStore: store }), ledgerDeps, { shopId: at.shopId })).toMatchObject({ done: 1 });
      expect(await entriesOf(rita.memberId)).toMatchObject([{ kind: "earn", points: 80 }, { kind: "bonus", points: 40, withheld: 60 }]);
      // Redis down: Bo's bonus is not granted unchecked; it stays queued and is granted once Redis is back.
      await db.job.updateMany({ where: { shopId: at.shopId, queue: "bonuses" }, data: { runAt: new Date() } });
      await redis.stop("SIGKILL");
      await drainNow(bonusesQueue({ capStore: store }), ledgerDeps, { shopId: at.shopId });
      expect(await entriesOf(bo.memberId)).toEqual([]);
      expect(await db.job.findFirst({ where: { shopId: at.shopId, queue: "bonuses", key: { endsWith: bo.memberId } } })).toMatchObject({ status: "pending" });
      await redis.start();
      // The retry, brought forward (the queue's back-off would wait 10 s).
      await waitFor(async () => {
        await db.job.updateMany({ where: { shopId: at.shopId, queue: "bonuses", status: "pending" }, data: { runAt: new Date() } });
        return (await drainNow(bonusesQueue({ capStore: store }), ledgerDeps, { shopId: at.shopId })).done === 1;
      }, "the bonus after Redis came back");
      expect(await entriesOf(bo.memberId)).toMatchObject([{ kind: "bonus", points: 100 }]);
      await expectLedgerOk(at);
    } finally {
      useProcessCapStore(databaseCapStore);
      await store.close();
      await redis.stop();
    }
  });
});

describe("birthday bonus", () => {
  it("reads the birth date metafield and grants the bonus once on the birthday", async () => {
    await setProgram(at, { birthdayBonus: 250 });
    // The shop's today: birthdays are counted in its timezone, whose date differs from UTC's for
    // hours each day.
    const today = shopDay(new Date(), (await shopRow(at)).timezone);
    const born = `1990-${today.slice(5)}`;
    const rita = await shopper(at, { metafields: [{ namespace: "facts", key: "birth_date", type: "date", value: born === "1990-02-29" ? "1992-02-29" : born }] });
    const bo = await shopper(at, { metafields: [{ namespace: "facts", key: "birth_date", type: "date", value: `1985-${addMonths(today, 6).slice(5)}` }] });
    const cy = await shopper(at);

    const first = await daily(fixed(new Date().toISOString()));
    expect(first).toMatchObject({ birthdaysRead: 2, birthdayBonuses: 1 });
    const second = await daily(fixed(new Date().toISOString()));
    expect(second.birthdayBonuses).toBe(0);
    expect(await entriesOf(rita.memberId)).toMatchObject([{ kind: "bonus", points: 250, reason: "birthday bonus", idempotencyKey: `bonus:birthday:${rita.memberId}:${today.slice(0, 4)}` }]);
    expect(await entriesOf(bo.memberId)).toEqual([]);
    expect(await entriesOf(cy.memberId)).toEqual([]);
    expect(await db.member.findUniqueOrThrow({ where: { id: bo.memberId } })).toMatchObject({ birthday: addMonths(today, 6).slice(5) });
    await expectLedgerOk(at);
  });

  it("a birth date read before still counts when Shopify cannot be read today", async () => {
    await setProgram(at, { birthdayBonus: 50 });
    const rita = await shopper(at);
    await db.member.update({ where: { id: rita.memberId }, data: { birthday: shopDay(new Date(), (await shopRow(at)).timezone).slice(5) } });
    fakeShopify.store.failNext(at.shop, { status: 503, times: 50 });
    const summary = await runPointsDaily({ db, clock: fixed(new Date().toISOString()), logger, adminFor: (await import("../tags/support")).impatient }, await shopRow(at));
    expect(summary.birthdayBonuses).toBe(1);
    expect(await balanceOf(rita.memberId)).toBe(50);
  });
});

describe("expiry", () => {
  const paid = (id: number, customer: number, email: string, price: string, processedAt: string) =>
    orderPayload({ id, customerId: customer, email, lines: [{ id: id * 10, price, quantity: 1 }], processedAt });

  it("expires what is left N months after the last order, tells those 14 days away, and a later refund claws back against the live balance", async () => {
    await setProgram(at, { expiryMonths: 6 });
    const ana = await shopper(at);
    const bo = await shopper(at);
    const cy = await shopper(at);
    const aOrder = 9100 + Math.floor(Math.random() * 1000);
    await deliver({ topic: "orders/paid", shop: at.shop, payload: paid(aOrder, ana.numeric, ana.email, "100.00", "2026-01-15T10:00:00Z") });
    await deliver({ topic: "orders/paid", shop: at.shop, payload: paid(aOrder + 1, bo.numeric, bo.email, "40.00", "2026-01-15T10:00:00Z") });
    await deliver({ topic: "orders/paid", shop: at.shop, payload: paid(aOrder + 2, bo.numeric, bo.email, "30.00", "2026-07-10T10:00:00Z") });
    await deliver({ topic: "orders/paid", shop: at.shop, payload: paid(aOrder + 3, cy.numeric, cy.email, "20.00", "2026-02-01T10:00:00Z") });
    expect([await balanceOf(ana.memberId), await balanceOf(bo.memberId), await balanceOf(cy.memberId)]).toEqual([100, 70, 20]);

    const july20 = fixed("2026-07-20T12:00:00Z");
    expect(await daily(july20)).toMatchObject({ expired: 1, expiredPoints: 100, notified: 1 });
    expect(await daily(july20)).toMatchObject({ expired: 0, notified: 1 });
    expect((await entriesOf(ana.memberId)).at(-1)).toMatchObject({ kind: "expiry", points: -100, balanceAfter: 0, reason: "no order since 2026-01-15: points expire 6 months after the last order" });
    expect(await balanceOf(bo.memberId)).toBe(70);
    expect(await balanceOf(cy.memberId)).toBe(20);
    const notices = await db.journeyEvent.findMany({ where: { memberId: cy.memberId, type: "points_expiring" } });
    expect(notices.map((event) => JSON.parse(event.data))).toEqual([{ points: 20, expiresOn: "2026-08-01", lastOrderOn: "2026-02-01" }]);

    // A refund of half of Ana's order after her points expired: nothing left to take; the shortfall is recorded.
    await deliver({
      topic: "refunds/create",
      shop: at.shop,
      payload: refundPayload({ id: aOrder * 7, orderId: aOrder, lines: [{ lineItemId: aOrder * 10, quantity: 1, subtotal: "50.00", tax: "0.00" }], createdAt: "2026-07-25T10:00:00Z" }),
    });
    expect((await entriesOf(ana.memberId)).at(-1)).toMatchObject({ kind: "clawback", points: 0, shortfall: 50, balanceAfter: 0 });

    // Cy's points go on their day.
    expect(await daily(fixed("2026-08-01T12:00:00Z"))).toMatchObject({ expired: 1, expiredPoints: 20 });
    expect(await balanceOf(cy.memberId)).toBe(0);
    await expectLedgerOk(at);
  });

  it("never expires points when the merchant chose none", async () => {
    const ana = await shopper(at);
    await deliver({ topic: "orders/paid", shop: at.shop, payload: paid(8800 + Math.floor(Math.random() * 100), ana.numeric, ana.email, "10.00", "2026-01-15T10:00:00Z") });
    expect(await daily(fixed("2027-12-01T12:00:00Z"))).toMatchObject({ expired: 0, notified: 0 });
    expect(await balanceOf(ana.memberId)).toBe(10);
  });

  it("month arithmetic keeps the day or clamps it to the month's end", () => {
    expect(addMonths("2026-01-31", 1)).toBe("2026-02-28");
    expect(addMonths("2028-01-31", 1)).toBe("2028-02-29");
    expect(addMonths("2026-08-15", 6)).toBe("2027-02-15");
  });
});

describe("metafield definitions", () => {
  it("defines roost.points_balance and roost.tier for customers once, however often it runs", async () => {
    const queue = metafieldDefinitionsQueue({ adminFor: adminClientFor, sleep: async () => undefined });
    const { queueMetafieldDefinitions } = await import("../../app/services/outbox/definitions.server");
    await queueMetafieldDefinitions(db, at.shopId, new Date());
    expect(await drainNow(queue, ledgerDeps, { shopId: at.shopId })).toMatchObject({ done: 1, failed: 0 });
    await queueMetafieldDefinitions(db, at.shopId, new Date());
    expect(await drainNow(queue, ledgerDeps, { shopId: at.shopId })).toMatchObject({ done: 1, failed: 0 });
    const definitions = fakeShopify.store.metafieldDefinitions(at.shop);
    expect(definitions.map((definition: { namespace: string; key: string }) => `${definition.namespace}.${definition.key}`).sort()).toEqual(["roost.points_balance", "roost.tier"]);
  });
});
