import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { PACING_MARGIN_MS } from "../../app/services/shopify/admin-budget.server";
import db from "../../app/db.server";
import { systemClock } from "../../app/lib/clock";
import { logger, type Logger } from "../../app/lib/logger.server";
import { TAGS_QUEUE } from "../../app/services/cohorts/outbox";
import { claimJobs } from "../../app/services/jobs/queue.server";
import { createRedisAdminBudget } from "../../app/services/shopify/admin-budget-redis.server";
import {
  type AdminBudget,
  databaseAdminBudget,
  memoryAdminBudget,
  msUntilFits,
  reserveFrom,
  settleInto,
  withLocalFallback,
} from "../../app/services/shopify/admin-budget.server";
import type { ObservedThrottle } from "../../app/services/shopify/admin-client.server";
import { type AdminClientFactory, adminClientFor } from "../../app/services/shopify/admin.server";
import { queueTagSync } from "../../app/services/tags/sync.server";
import { tagsQueue } from "../../app/services/tags/writer.server";
import { redisAvailable, redisSkipNote, startThrowawayRedis, type ThrowawayRedis } from "../support/redis";
import { fakeShopify, OFFLINE_TOKEN } from "../support/shopify";
import { shopifyTags, tagCalls, type TagShop, tagShop } from "./support";

// One shop's Admin API bucket shared by writers in several processes (app/services/shopify/
// admin-budget.server.ts): two tag writers, each with its own Admin client, its own queue
// instance and its own budget object (as two processes have), against one fake shop's bucket.

/** A Standard plan's restore rate (10 tagsRemove calls a second) with a small bucket, so the backlog outruns it at once. */
const THROTTLE = { maximumAvailable: 30, restoreRate: 100 };
const CUSTOMERS = 40;
const COST = 10;

let at: TagShop;

beforeEach(async () => {
  at = await tagShop();
  fakeShopify.store.registerShop(at.shop, { accessToken: OFFLINE_TOKEN(at.shop), name: "Roost Test Store", timezone: "America/New_York", currency: "USD", throttle: THROTTLE });
});

/** Customers carrying a Roost tag no cohort wants any more: each needs one tagsRemove. */
async function backlog(count: number): Promise<string[]> {
  const gids = Array.from({ length: count }, (_, index) => fakeShopify.store.addCustomer(at.shop, { email: `pace-${index}@example.com`, tags: ["vip", "roost-gone"] }).id);
  await db.customerTag.createMany({ data: gids.map((customerGid) => ({ shopId: at.shopId, customerGid, tag: "roost-gone", state: "applied", updatedAt: new Date() })) });
  await queueTagSync(db, at.shopId, new Date(), gids);
  return gids;
}

/** When each tag call was sent (ms), whichever writer sent it. */
let sent: number[] = [];
const timed: AdminClientFactory = async (database, domain) => {
  const client = await adminClientFor(database, domain);
  return {
    throttleStatus: () => client.throttleStatus?.() ?? null,
    lastCost: () => client.lastCost?.() ?? null,
    request<T>(query: string, variables?: Record<string, unknown>) {
      sent.push(Date.now());
      return client.request<T>(query, variables);
    },
  };
};

/** Two writers, as two processes run them: each claims its half of the backlog and writes it, at the same time. */
async function twoWriters(budgets: [AdminBudget, AdminBudget]): Promise<unknown[]> {
  const now = new Date();
  const claimed = [
    await claimJobs(db, TAGS_QUEUE, { owner: "process-a", now, limit: CUSTOMERS / 2 }),
    await claimJobs(db, TAGS_QUEUE, { owner: "process-b", now, limit: CUSTOMERS / 2 }),
  ];
  expect(claimed.map((jobs) => jobs.length)).toEqual([CUSTOMERS / 2, CUSTOMERS / 2]);
  sent = [];
  const outcomes = await Promise.all(
    budgets.map((adminBudget, index) =>
      tagsQueue({ adminFor: timed, adminBudget }).run(claimed[index], { db, clock: systemClock, logger, signal: new AbortController().signal }),
    ),
  );
  return outcomes.flatMap((results) => [...results.values()].filter((outcome) => outcome instanceof Error));
}

/**
 * Never THROTTLED (the fake refuses any call its bucket cannot pay, so its bucket never went
 * below 0), every tag removed, and the calls sent at 80% of the restore rate or better.
 */
function expectSharedBudget(gids: string[], failures: unknown[]) {
  expect(failures).toEqual([]);
  const calls = tagCalls(at);
  expect(calls.filter((call) => call.errorCodes.includes("THROTTLED"))).toEqual([]);
  expect(calls).toHaveLength(CUSTOMERS);
  for (const gid of gids) expect(shopifyTags(at, gid)).toEqual(["vip"]);
  // The full bucket pays for the first three calls; the others wait for the restore rate.
  const ideal = ((CUSTOMERS * COST - THROTTLE.maximumAvailable) / THROTTLE.restoreRate) * 1000;
  const window = Math.max(...sent) - Math.min(...sent);
  expect(window).toBeGreaterThanOrEqual(ideal * 0.95);
  expect(window).toBeLessThanOrEqual(ideal / 0.8);
}

describe("the bucket estimate", () => {
  const seen = (currentlyAvailable: number, at = 1_000): ObservedThrottle => ({ maximumAvailable: 100, currentlyAvailable, restoreRate: 50, at });

  it("lets one call probe a shop it has never seen, and queues the next ones", () => {
    const first = reserveFrom(null, 10, 1_000);
    expect(msUntilFits(first.available, first.restoreRate)).toBe(0);
    const second = reserveFrom(first, 10, 1_000);
    expect(msUntilFits(second.available, second.restoreRate)).toBe(200 + PACING_MARGIN_MS);
    // The probe's answer replaces the guess and keeps the call queued behind it.
    const learned = settleInto(second, seen(90), 0, 1_000);
    expect(learned).toMatchObject({ available: 80, maximumAvailable: 100, restoreRate: 50, learned: true });
  });

  it("queues reservations below zero, in order, and refills at the restore rate up to the maximum", () => {
    let bucket = settleInto(null, seen(15), 0, 1_000);
    const waits = [];
    for (let call = 0; call < 4; call += 1) {
      bucket = reserveFrom(bucket, 10, 1_000);
      waits.push(msUntilFits(bucket.available, bucket.restoreRate));
    }
    expect(waits).toEqual([0, 100, 300, 500].map((wait) => (wait > 0 ? wait + PACING_MARGIN_MS : 0)));
    expect(reserveFrom(bucket, 0, 1_000_000).available).toBe(100);
  });

  it("takes Shopify's lower figure (another app spent), keeps its own lower one (calls in flight), and adds refunds", () => {
    const mine = settleInto(null, seen(60), 0, 1_000);
    expect(settleInto(mine, seen(20), 0, 1_000).available).toBe(20);
    expect(settleInto(mine, seen(90), 0, 1_000).available).toBe(60);
    expect(settleInto(mine, seen(90), 7, 1_000).available).toBe(67);
    expect(settleInto(mine, seen(90), -4, 1_000).available).toBe(56);
  });

  it("is the same arithmetic in the database as in memory", async () => {
    const shop = `${at.shop}-estimate`;
    const memory = memoryAdminBudget();
    const database = databaseAdminBudget(db);
    const steps: [string, (budget: AdminBudget) => Promise<number | void>][] = [
      ["probe", (budget) => budget.reserve(shop, 10, 1_000)],
      ["queued", (budget) => budget.reserve(shop, 10, 1_010)],
      ["learned", (budget) => budget.settle(shop, seen(73, 1_020), 0, 1_030)],
      ["refund", (budget) => budget.settle(shop, seen(80, 1_040), 3, 1_040)],
      ["drained", (budget) => budget.reserve(shop, 75, 1_050)],
      ["later", (budget) => budget.reserve(shop, 10, 1_400)],
    ];
    for (const [step, run] of steps) expect(await run(database), step).toBe(await run(memory));
    const row = await db.$queryRaw<{ available: number }[]>`SELECT "available" FROM "AdminThrottle" WHERE "shopDomain" = ${shop}`;
    expect(Number(row[0]?.available)).toBeCloseTo(memory.estimate(shop)!.available, 6);
  });
});

describe("two writers sharing one shop's bucket", () => {
  it("in the database: never THROTTLED, and together at about the restore rate", async () => {
    const gids = await backlog(CUSTOMERS);
    expectSharedBudget(gids, await twoWriters([databaseAdminBudget(db), databaseAdminBudget(db)]));
  });

  it("each on its own estimate (no shared store) overdraws the bucket and is THROTTLED", async () => {
    await backlog(CUSTOMERS);
    await twoWriters([memoryAdminBudget(), memoryAdminBudget()]);
    expect(tagCalls(at).filter((call) => call.errorCodes.includes("THROTTLED")).length).toBeGreaterThan(0);
  });
});

describe.skipIf(!redisAvailable)(`two writers sharing one shop's bucket in Redis${redisSkipNote}`, () => {
  let redis: ThrowawayRedis;
  const budgets: AdminBudget[] = [];
  const warnings: string[] = [];
  const recording = { warn: (_: unknown, message: string) => warnings.push(message), info: vi.fn(), debug: vi.fn() } as unknown as Logger;
  const redisBudget = () => {
    const budget = withLocalFallback(createRedisAdminBudget({ url: redis.url, logger: recording, connectTimeoutMs: 500, commandTimeoutMs: 500 }), recording, "Redis");
    budgets.push(budget);
    return budget;
  };

  beforeAll(async () => {
    redis = await startThrowawayRedis();
  });
  afterAll(async () => {
    await Promise.all(budgets.map((budget) => budget.close?.()));
    await redis?.stop();
  });

  it("never THROTTLED, and together at about the restore rate", async () => {
    const gids = await backlog(CUSTOMERS);
    expectSharedBudget(gids, await twoWriters([redisBudget(), redisBudget()]));
    expect(warnings).toEqual([]);
  });

  it("is the same arithmetic in Redis as in memory", async () => {
    const shop = `${at.shop}-estimate`;
    const memory = memoryAdminBudget();
    const shared = redisBudget();
    const seen = (currentlyAvailable: number, at: number): ObservedThrottle => ({ maximumAvailable: 100, currentlyAvailable, restoreRate: 50, at });
    expect(await shared.reserve(shop, 10, 1_000)).toBe(await memory.reserve(shop, 10, 1_000));
    expect(await shared.reserve(shop, 10, 1_010)).toBe(await memory.reserve(shop, 10, 1_010));
    await Promise.all([shared.settle(shop, seen(73, 1_020), 0, 1_030), memory.settle(shop, seen(73, 1_020), 0, 1_030)]);
    await Promise.all([shared.settle(shop, seen(80, 1_040), 3, 1_040), memory.settle(shop, seen(80, 1_040), 3, 1_040)]);
    expect(await shared.reserve(shop, 75, 1_050)).toBe(await memory.reserve(shop, 75, 1_050));
    expect(await shared.reserve(shop, 10, 1_400)).toBe(await memory.reserve(shop, 10, 1_400));
  });

  it("with Redis down, a writer paces by its own estimate, says so once, and is never THROTTLED", async () => {
    const budget = redisBudget();
    await redis.stop();
    try {
      const gids = await backlog(CUSTOMERS / 2);
      const claimed = await claimJobs(db, TAGS_QUEUE, { owner: "alone", now: new Date(), limit: CUSTOMERS });
      await tagsQueue({ adminFor: adminClientFor, adminBudget: budget }).run(claimed, { db, clock: systemClock, logger, signal: new AbortController().signal });
      expect(tagCalls(at)).toHaveLength(CUSTOMERS / 2);
      expect(tagCalls(at).filter((call) => call.errorCodes.includes("THROTTLED"))).toEqual([]);
      for (const gid of gids) expect(shopifyTags(at, gid)).toEqual(["vip"]);
      expect(warnings).toEqual([expect.stringContaining("Redis unavailable; each process paces by its own estimate")]);
    } finally {
      await redis.start();
    }
  });
});
