import { beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { type Clock, systemClock } from "../../app/lib/clock";
import { logger } from "../../app/lib/logger.server";
import { buildDeps, queueDefinitions } from "../../app/runtime.server";
import { claimJobs, completeJob } from "../../app/services/jobs/queue.server";
import { JobRunner } from "../../app/services/jobs/runner.server";
import { adjustPoints } from "../../app/services/ledger/adjustment.server";
import { awardOrder } from "../../app/services/ledger/earn.server";
import { RELEASE_QUEUE } from "../../app/services/ledger/release-worker.server";
import { TIER_SWEEP_QUEUE, tierSweepQueue } from "../../app/services/ledger/tiers.server";
import { METAFIELDS_QUEUE, metafieldsQueue, writeMetafieldsNow } from "../../app/services/outbox/metafields.server";
import { programSchema } from "../../app/services/program/settings";
import { createHttpAdminClient } from "../../app/services/shopify/admin-client.server";
import { ADMIN_API_VERSION, type AdminClientFactory, adminClientFor } from "../../app/services/shopify/admin.server";
import { markShopUninstalled, updateShopSettings } from "../../app/services/shops/shops.server";
import { customerPayload } from "../fixtures/rest-payloads";
import { deliver } from "../support/deliver";
import { fakeShopify, installTestShop, OFFLINE_TOKEN, uniqueShop } from "../support/shopify";

// The metafield outbox (app/services/outbox/metafields.server.ts): a member's balance and tier
// are a "metafields" job written in the transaction that changes them, and the queue's writer
// sends them to the fake Admin API, which throttles, refuses and fails as Shopify does.

let shop: string;
let shopId: string;
let customerGid: string;
let memberId: string;

beforeEach(async () => {
  shop = uniqueShop();
  await installTestShop(shop);
  shopId = (await db.shop.findUniqueOrThrow({ where: { domain: shop } })).id;
  await updateShopSettings(db, shop, { program: programSchema.parse({ startDate: "2026-01-01" }) });
  customerGid = fakeShopify.store.addCustomer(shop, { email: "ana.lima@example.com", firstName: "Ana" }).id;
  await deliver({ topic: "customers/create", shop, payload: customerPayload({ id: Number(customerGid.split("/").pop()) }) });
  memberId = (await db.member.findFirstOrThrow({ where: { shopId, customerGid } })).id;
  // Writes other files of this worker left queued must not reach this file's claims and counts.
  await db.job.deleteMany({ where: { queue: METAFIELDS_QUEUE, NOT: { shopId } } });
});

const ledgerShop = () => db.shop.findUniqueOrThrow({ where: { id: shopId } });
const adjust = async (points: number, clock: Clock = systemClock) =>
  adjustPoints({ db, clock, logger }, await ledgerShop(), { memberId, points, reason: "test", actor: "test" });
const job = () => db.job.findUnique({ where: { queue_key: { queue: METAFIELDS_QUEUE, key: `${shopId}:${customerGid}` } } });
const payload = async () => JSON.parse((await job())!.payload) as unknown;
const writeNow = (options: { clock?: Clock; adminFor?: AdminClientFactory } = {}) =>
  writeMetafieldsNow({ db, clock: options.clock ?? systemClock, logger, adminFor: options.adminFor ?? adminClientFor }, { shopId });
const metafield = (key: string) => fakeShopify.store.metafield(shop, customerGid, "roost", key)?.value;
/** The metafieldsSet calls that reached the fake for this shop (throttled and injected failures included). */
const calls = () => fakeShopify.store.requests.filter((request) => request.shop === shop && request.kind === "graphql");
const balancesSent = () =>
  calls()
    .filter((request) => request.status === 200 && request.errorCodes.length === 0 && request.query?.includes("metafieldsSet"))
    .map((request) => (request.variables as { metafields: { key: string; value: string }[] }).metafields.find((field) => field.key === "points_balance")?.value);

/** An Admin client that gives up after two tries without waiting: a failure reaches the queue. */
const impatient: AdminClientFactory = async (database, domain) => {
  const session = await database.session.findFirstOrThrow({ where: { shop: domain, isOnline: false } });
  return createHttpAdminClient({ shop: domain, accessToken: session.accessToken, apiVersion: ADMIN_API_VERSION, clock: systemClock, logger, maxAttempts: 2, sleep: async () => undefined });
};

/** A paid online-store order of the member, as the ledger's award reads it. */
const paidOrder = (id: number, eligibleAmount: number, processedAt: string) => ({
  key: `shopify-order:gid://shopify/Order/${id}`,
  orderGid: `gid://shopify/Order/${id}`,
  eligibleAmount,
  currency: "USD",
  processedAt: new Date(processedAt),
  channel: "online_store" as const,
  test: false,
  financialStatus: "paid",
  backfilled: false,
  buyer: { customerGid },
});

/** The database, except that its transactions fail after their work, before they commit. */
function crashingBeforeCommit(): typeof db {
  return new Proxy(db, {
    get(target, property) {
      if (property === "$transaction") {
        return (work: (tx: unknown) => Promise<unknown>) =>
          target.$transaction(async (tx) => {
            await work(tx);
            throw new Error("simulated crash before commit");
          });
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

describe("the metafield outbox", () => {
  it("is written in the award's transaction: an award rolled back leaves no job, one committed leaves its job", async () => {
    const shopRow = await ledgerShop();
    const award = (database: typeof db) => awardOrder({ db: database, clock: systemClock, logger }, shopRow, paidOrder(7001, 8000, "2026-11-20T14:00:00Z"));

    await expect(award(crashingBeforeCommit())).rejects.toThrow("simulated crash before commit");
    expect(await db.ledgerEntry.count({ where: { shopId, memberId } })).toBe(0);
    expect(await job()).toBeNull();

    expect(await award(db)).toMatchObject({ status: "awarded", points: 80 });
    expect(await db.ledgerEntry.count({ where: { shopId, memberId } })).toBe(1);
    expect(await job()).toMatchObject({ shopId, queue: METAFIELDS_QUEUE, status: "pending", attempts: 0, maxAttempts: 6, lastError: null });
    expect(await payload()).toEqual({ customerGid, balance: 80, tier: "Bronze" });
  });

  it("keeps the latest value: two changes before the write go out as one call with the last", async () => {
    await adjust(5);
    await adjust(7);
    expect(await db.job.count({ where: { shopId, queue: METAFIELDS_QUEUE } })).toBe(1);
    expect(await job()).toMatchObject({ version: 1, status: "pending" });
    expect(await payload()).toEqual({ customerGid, balance: 12, tier: "Bronze" });

    expect(await writeNow()).toEqual({ written: 1, failed: 0 });
    expect(balancesSent()).toEqual(["12"]);
    expect([metafield("points_balance"), metafield("tier")]).toEqual(["12", "Bronze"]);
    expect(await job()).toMatchObject({ status: "done", attempts: 1, lastError: null, finishedAt: expect.any(Date) });
    expect(await writeNow()).toEqual({ written: 0, failed: 0 });
  });

  it("leaves a value queued while its write is in flight pending with the newer value, and writes it next", async () => {
    await adjust(10);
    // The balance changes while the first call is on its way to Shopify.
    let changed = false;
    const changingMidWrite: AdminClientFactory = async (database, domain) => {
      const client = await adminClientFor(database, domain);
      return {
        async request<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
          if (!changed) {
            changed = true;
            await adjust(5);
          }
          return client.request<T>(query, variables);
        },
      };
    };
    const owner = "in-flight-test";
    const claimed = await claimJobs(db, METAFIELDS_QUEUE, { owner, now: systemClock.now(), limit: 120 });
    expect(claimed.map((row) => row.key)).toEqual([`${shopId}:${customerGid}`]);
    const outcomes = await metafieldsQueue({ adminFor: changingMidWrite }).run(claimed, { db, clock: systemClock, logger, signal: new AbortController().signal });
    expect(outcomes.get(claimed[0].id)).toBeUndefined();
    await completeJob(db, claimed[0], owner, systemClock.now());

    expect(metafield("points_balance")).toBe("10");
    expect(await job()).toMatchObject({ status: "pending", version: 1, attempts: 0, lockedBy: null });
    expect(await payload()).toEqual({ customerGid, balance: 15, tier: "Bronze" });

    expect(await writeNow()).toEqual({ written: 1, failed: 0 });
    expect(balancesSent()).toEqual(["10", "15"]);
    expect(metafield("points_balance")).toBe("15");
    expect(await job()).toMatchObject({ status: "done" });
  });

  it("waits out Shopify's throttle (THROTTLED with HTTP 200) within one attempt", async () => {
    await adjust(9);
    fakeShopify.store.drainBucket(shop);
    expect(await writeNow()).toEqual({ written: 1, failed: 0 });
    expect(calls().some((request) => request.status === 200 && request.errorCodes.includes("THROTTLED"))).toBe(true);
    expect(metafield("points_balance")).toBe("9");
    expect(await job()).toMatchObject({ status: "done", attempts: 1, lastError: null });
  });

  it("keeps writes Shopify refuses (userErrors) as failed at once, with the reason", async () => {
    await db.member.update({ where: { id: memberId }, data: { customerGid: "gid://shopify/Customer/404404" } });
    customerGid = "gid://shopify/Customer/404404";
    await adjust(3);
    expect(await writeNow()).toEqual({ written: 0, failed: 1 });
    expect(await job()).toMatchObject({ status: "failed", attempts: 1, finishedAt: expect.any(Date) });
    expect((await job())!.lastError).toMatch(/^Shopify refused the input: /);
    // Terminal: not retried, however long one waits.
    const later: Clock = { now: () => new Date(Date.now() + 24 * 3600_000) };
    expect(await writeNow({ clock: later })).toEqual({ written: 0, failed: 0 });
  });

  it("keeps writes Shopify answers 401 to as failed at once (terminal), and writes again when the value changes", async () => {
    await adjust(4);
    await db.session.updateMany({ where: { shop, isOnline: false }, data: { accessToken: "shpat_revoked" } });
    expect(await writeNow()).toEqual({ written: 0, failed: 1 });
    expect(await job()).toMatchObject({ status: "failed", attempts: 1, lastError: `Admin API answered 401 for ${shop}` });
    expect(metafield("points_balance")).toBeUndefined();

    // A new value is queued afresh (fresh attempts) and written once Shopify accepts the token again.
    await db.session.updateMany({ where: { shop, isOnline: false }, data: { accessToken: OFFLINE_TOKEN(shop) } });
    await adjust(1);
    expect(await job()).toMatchObject({ status: "pending", attempts: 0, lastError: null });
    expect(await writeNow()).toEqual({ written: 1, failed: 0 });
    expect(metafield("points_balance")).toBe("5");
  });

  it("retries other failures with the queue's back-off (10 s, 1, 5, 15, 60 min) and keeps the sixth as failed", async () => {
    await adjust(6);
    let now = Date.now();
    const clock: Clock = { now: () => new Date(now) };
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 6; attempt += 1) {
      // Shopify answers 503 to both of the impatient client's tries: the attempt fails, retryably.
      fakeShopify.store.failNext(shop, { status: 503, times: 2 });
      expect(await writeNow({ clock, adminFor: impatient })).toEqual({ written: 0, failed: 1 });
      const row = (await job())!;
      expect(row).toMatchObject({ attempts: attempt, lastError: "Admin API answered 503" });
      if (attempt < 6) {
        expect(row.status).toBe("pending");
        delays.push(row.runAt.getTime() - now);
        // Not due before its time.
        expect(await writeNow({ clock, adminFor: impatient })).toEqual({ written: 0, failed: 0 });
        now = row.runAt.getTime();
      } else {
        expect(row).toMatchObject({ status: "failed", finishedAt: expect.any(Date) });
      }
    }
    expect(delays).toEqual([10_000, 60_000, 300_000, 900_000, 3_600_000]);
    expect(metafield("points_balance")).toBeUndefined();
  });

  it("retries a throttle that outlasts the client's patience, and writes once Shopify has room", async () => {
    await adjust(8);
    fakeShopify.store.drainBucket(shop);
    const now = Date.now();
    expect(await writeMetafieldsNow({ db, clock: { now: () => new Date(now) }, logger, adminFor: impatient }, { shopId })).toEqual({ written: 0, failed: 1 });
    expect(await job()).toMatchObject({ status: "pending", attempts: 1, lastError: "Admin API still throttled", runAt: new Date(now + 10_000) });

    // Due ten seconds on; the usual client rides out what is left of the throttle.
    expect(await writeMetafieldsNow({ db, clock: { now: () => new Date(now + 10_000) }, logger, adminFor: adminClientFor }, { shopId })).toEqual({ written: 1, failed: 0 });
    expect(metafield("points_balance")).toBe("8");
    expect(await job()).toMatchObject({ status: "done", lastError: null });
  });

  it("fails an uninstalled shop's writes as terminal without calling Shopify", async () => {
    await adjust(2);
    await markShopUninstalled(db, shop);
    const before = calls().length;
    expect(await writeNow()).toEqual({ written: 0, failed: 1 });
    expect(calls().length).toBe(before);
    expect(await job()).toMatchObject({ status: "failed", attempts: 1, lastError: "shop is not installed" });
  });

  it("fails a job whose payload is not a write, alone, and writes the others of its call", async () => {
    await adjust(11);
    await db.job.create({ data: { queue: METAFIELDS_QUEUE, key: `${shopId}:broken`, shopId, payload: "{\"balance\":\"many\"}", maxAttempts: 6 } });
    expect(await writeNow()).toEqual({ written: 1, failed: 1 });
    expect(metafield("points_balance")).toBe("11");
    expect(await db.job.findUniqueOrThrow({ where: { queue_key: { queue: METAFIELDS_QUEUE, key: `${shopId}:broken` } } })).toMatchObject({
      status: "failed",
      attempts: 1,
      lastError: 'not a metafield write: {"balance":"many"}',
    });
  });

  it("gets the daily tier sweep's demotions: the tier-sweep queue demotes and queues the write in one transaction, then runs a day later", async () => {
    expect(await awardOrder({ db, clock: systemClock, logger }, await ledgerShop(), paidOrder(7002, 60_000, "2026-01-10T15:00:00Z"))).toMatchObject({ status: "awarded", points: 600 });
    expect(await payload()).toEqual({ customerGid, balance: 600, tier: "Silver" });
    expect(await writeNow()).toEqual({ written: 1, failed: 0 });

    // A year on, the trailing 365 days hold nothing: the sweep moves Ana down.
    const nextYear = new Date("2027-01-20T12:00:00Z");
    const clock: Clock = { now: () => nextYear };
    await db.job.deleteMany({ where: { queue: TIER_SWEEP_QUEUE } });
    const runner = new JobRunner({ db, clock, logger, queues: [tierSweepQueue()] });
    await runner.seedRecurring();
    expect(await runner.drain(TIER_SWEEP_QUEUE)).toBe(1);
    expect(await db.member.findUniqueOrThrow({ where: { id: memberId } })).toMatchObject({ tier: "Bronze", balance: 600 });
    expect(await job()).toMatchObject({ status: "pending", runAt: nextYear });
    expect(await payload()).toEqual({ customerGid, balance: 600, tier: "Bronze" });
    expect(await db.job.findUniqueOrThrow({ where: { queue_key: { queue: TIER_SWEEP_QUEUE, key: "all" } } })).toMatchObject({
      status: "pending",
      attempts: 0,
      runAt: new Date(nextYear.getTime() + 24 * 3600_000),
    });
    expect(await runner.drain(TIER_SWEEP_QUEUE)).toBe(0);

    expect(await writeNow({ clock })).toEqual({ written: 1, failed: 0 });
    expect([metafield("points_balance"), metafield("tier")]).toEqual(["600", "Bronze"]);
  });

  it("is written by the process's runner, with releases and the tier sweep, unless ROOST_SYNC_JOBS=off", () => {
    const deps = buildDeps({});
    const queues = (env: Record<string, string>) => queueDefinitions(deps, env).map((definition) => definition.queue);
    expect(queues({})).toEqual(expect.arrayContaining([METAFIELDS_QUEUE, RELEASE_QUEUE, TIER_SWEEP_QUEUE]));
    expect(queues({ ROOST_SYNC_JOBS: "off" }).filter((queue) => [METAFIELDS_QUEUE, RELEASE_QUEUE, TIER_SWEEP_QUEUE].includes(queue))).toEqual([]);
  });
});
