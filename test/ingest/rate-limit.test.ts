import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { handleIngest, type IngestLimits, MemoryWindowLimiter, RedisWindowLimiter } from "../../app/http/ingest.server";
import { logger } from "../../app/lib/logger.server";
import { httpDeps } from "../../app/runtime.server";
import { redisAvailable, redisSkipNote, startThrowawayRedis, type ThrowawayRedis } from "../support/redis";
import { db, ingestRequest, memoryLimits, type PixelShop, pixelEvent, pixelShop, storedCount } from "./helpers";

/** Batches per shop (orgId) and per client address, in fixed windows (docs/security.md, "Web pixel"). */

let now = Date.parse("2026-12-05T10:00:01Z");
const clock = { now: () => new Date(now) };
let shop: PixelShop;

beforeEach(async () => {
  now = Date.parse("2026-12-05T10:00:01Z");
  shop = await pixelShop();
});

async function send(limits: IngestLimits, options: { client: string; orgId?: string; headers?: Record<string, string> }) {
  const request = ingestRequest({ orgId: options.orgId ?? shop.orgId, events: [pixelEvent("page_viewed")] }, { headers: options.headers });
  return handleIngest({ ...httpDeps(), ingestLimits: limits }, { request, context: { clientAddress: options.client } });
}

describe("in memory", () => {
  it("a shop past its limit is answered 429 with Retry-After until the window ends; other shops are not", async () => {
    const limits = memoryLimits({ shop: 3, client: 100, clock });
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await send(limits, { client: `192.0.2.${i + 1}` })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    now += 2_000;
    const refused = await send(limits, { client: "192.0.2.50" });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("Retry-After")).toBe("7");
    expect(refused.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(await refused.json()).toMatchObject({ error: "rate_limited" });
    expect(await storedCount(shop.id)).toBe(3);

    const other = await pixelShop();
    expect((await send(limits, { client: "192.0.2.60", orgId: other.orgId })).status).toBe(200);

    now = Date.parse("2026-12-05T10:00:10Z");
    expect((await send(limits, { client: "192.0.2.61" })).status).toBe(200);
    expect(await storedCount(shop.id)).toBe(4);
  });

  it("a client past its limit is answered 429 before its body is read, whichever shop it names", async () => {
    const limits = memoryLimits({ shop: 100, client: 2, clock });
    const other = await pixelShop();
    expect((await send(limits, { client: "203.0.113.9" })).status).toBe(200);
    expect((await send(limits, { client: "203.0.113.9", orgId: other.orgId })).status).toBe(200);
    const third = await send(limits, { client: "203.0.113.9" });
    expect(third.status).toBe(429);
    expect(third.headers.get("Retry-After")).toBe("9");
    expect((await send(limits, { client: "203.0.113.9", orgId: crypto.randomUUID() })).status).toBe(429);
    expect((await send(limits, { client: "203.0.113.10" })).status).toBe(200);
    expect(await storedCount(shop.id)).toBe(2);
  });

  it("X-Forwarded-For names the client only behind a trusted proxy", async () => {
    const limits = memoryLimits({ shop: 100, client: 1, clock });
    // Not trusted: the header is ignored, and every request from the proxy's address shares one count.
    expect((await send(limits, { client: "10.0.0.1", headers: { "X-Forwarded-For": "198.51.100.1" } })).status).toBe(200);
    expect((await send(limits, { client: "10.0.0.1", headers: { "X-Forwarded-For": "198.51.100.2" } })).status).toBe(429);
    const previous = process.env.ROOST_TRUST_PROXY;
    process.env.ROOST_TRUST_PROXY = "1";
    try {
      expect((await send(limits, { client: "10.0.0.2", headers: { "X-Forwarded-For": "198.51.100.3" } })).status).toBe(200);
      expect((await send(limits, { client: "10.0.0.2", headers: { "X-Forwarded-For": "198.51.100.4" } })).status).toBe(200);
      expect((await send(limits, { client: "10.0.0.2", headers: { "X-Forwarded-For": "198.51.100.4" } })).status).toBe(429);
    } finally {
      if (previous === undefined) delete process.env.ROOST_TRUST_PROXY;
      else process.env.ROOST_TRUST_PROXY = previous;
    }
  });

  it("keeps at most maxKeys windows", async () => {
    const limiter = new MemoryWindowLimiter({ limit: 1, windowMs: 1000, clock, maxKeys: 3 });
    for (const key of ["a", "b", "c", "d", "e"]) expect(await limiter.take(key)).toBe(0);
    expect(limiter.size).toBe(3);
    // "e" is still counted in its window.
    expect(await limiter.take("e")).toBe(1000);
  });
});

describe.skipIf(!redisAvailable)(`in Redis, shared by every process${redisSkipNote}`, () => {
  let server: ThrowawayRedis;
  let clients: Redis[] = [];
  beforeAll(async () => {
    server = await startThrowawayRedis();
  }, 20_000);
  afterEach(() => {
    for (const client of clients) client.disconnect();
    clients = [];
  });
  afterAll(async () => {
    await server?.stop();
  });

  const connect = async () => {
    const redis = new Redis(server.url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 250 });
    redis.on("error", () => undefined);
    clients.push(redis);
    if (redis.status !== "ready") await new Promise((resolve) => redis.once("ready", resolve));
    return redis;
  };
  const redisLimits = (redis: Redis, names: { shop: string; client: string }, limits: { shop: number; client: number }): IngestLimits => ({
    perShop: new RedisWindowLimiter(redis, { name: names.shop, limit: limits.shop, windowMs: 10_000, clock, logger }),
    perClient: new RedisWindowLimiter(redis, { name: names.client, limit: limits.client, windowMs: 10_000, clock, logger }),
  });
  const names = () => ({ shop: `shop-${crypto.randomUUID()}`, client: `client-${crypto.randomUUID()}` });

  it("two processes share a shop's count: the limit holds across them", async () => {
    const shared = names();
    const first = redisLimits(await connect(), shared, { shop: 3, client: 100 });
    const second = redisLimits(await connect(), shared, { shop: 3, client: 100 });
    const statuses = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await send(i % 2 ? second : first, { client: `192.0.2.${i + 1}` })).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const refused = await send(first, { client: "192.0.2.9" });
    expect(refused.headers.get("Retry-After")).toBe("9");
    expect(await storedCount(shop.id)).toBe(3);
    now += 10_000;
    expect((await send(second, { client: "192.0.2.10" })).status).toBe(200);
  });

  it("a client's count is kept in Redis too", async () => {
    const limits = redisLimits(await connect(), names(), { shop: 100, client: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await send(limits, { client: "203.0.113.77" })).status);
    expect(statuses).toEqual([200, 200, 429]);
  });

  it("when Redis does not answer, batches are stored (the limit fails open)", async () => {
    const redis = new Redis("redis://127.0.0.1:1", { enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true, retryStrategy: () => null });
    redis.on("error", () => undefined);
    clients.push(redis);
    const warnings: unknown[] = [];
    const quiet = { ...logger, warn: (...args: unknown[]) => void warnings.push(args) } as unknown as typeof logger;
    const limits: IngestLimits = {
      perShop: new RedisWindowLimiter(redis, { name: "shop", limit: 1, windowMs: 10_000, clock, logger: quiet }),
      perClient: new RedisWindowLimiter(redis, { name: "client", limit: 1, windowMs: 10_000, clock, logger: quiet }),
    };
    expect((await send(limits, { client: "192.0.2.1" })).status).toBe(200);
    expect((await send(limits, { client: "192.0.2.1" })).status).toBe(200);
    expect(await db.pixelEvent.count({ where: { shopId: shop.id } })).toBe(2);
    // Once per limiter per 10 s, not once per batch.
    expect(warnings).toHaveLength(2);
  });
});
