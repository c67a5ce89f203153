import { Redis } from "ioredis";
import type { Logger } from "../../lib/logger.server";
import { type AdminBudget, msUntilFits, PROBE_RESTORE_RATE, reportedNow } from "./admin-budget.server";

/**
 * The shops' bucket estimates in Redis (REDIS_URL): one hash per shop, each reservation and
 * correction one Lua script, so it is atomic across processes. The arithmetic is
 * admin-budget.server.ts's reserveFrom / settleInto. A hash idle for an hour is dropped (the
 * bucket is full again by then). Failures throw: withLocalFallback paces by the process's own
 * estimate meanwhile.
 */

export interface RedisAdminBudgetOptions {
  url: string;
  logger: Logger;
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
  /** Key namespace (default "roost:throttle"). */
  namespace?: string;
}

const IDLE_TTL_MS = 3_600_000;

// The estimate refilled to now: min(maximum, available + elapsed × rate); a probe's guess does not refill.
const REFILLED = `
local a = tonumber(redis.call('HGET', KEYS[1], 'a'))
local m = tonumber(redis.call('HGET', KEYS[1], 'm'))
local r = tonumber(redis.call('HGET', KEYS[1], 'r'))
local t = tonumber(redis.call('HGET', KEYS[1], 't'))
local l = tonumber(redis.call('HGET', KEYS[1], 'l'))
local refilled = nil
if a then
  if l == 1 then refilled = math.min(m, a + math.max(0, now - t) / 1000 * r) else refilled = a end
end
`;

/** KEYS[1] the shop's hash; ARGV: cost, now ms, probe rate, ttl ms. Returns {available, rate} as strings (Lua numbers would be truncated). */
const RESERVE = `
local cost = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
${REFILLED}
if not a then
  m = cost; r = tonumber(ARGV[3]); t = now; l = 0; refilled = cost
end
a = refilled - cost
redis.call('HSET', KEYS[1], 'a', tostring(a), 'm', tostring(m), 'r', tostring(r), 't', tostring(math.max(t, now)), 'l', tostring(l))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]))
return { tostring(a), tostring(r) }
`;

/** KEYS[1] the shop's hash; ARGV: Shopify's available refilled to now, maximum, rate, refund, now ms, ttl ms. */
const SETTLE = `
local reported = tonumber(ARGV[1])
local refund = tonumber(ARGV[4])
local now = tonumber(ARGV[5])
${REFILLED}
local available = reported
if a then
  if l == 1 then available = math.min(refilled + refund, reported) else available = reported + math.min(0, refilled + refund) end
else
  t = now
end
redis.call('HSET', KEYS[1], 'a', tostring(available), 'm', ARGV[2], 'r', ARGV[3], 't', tostring(math.max(t, now)), 'l', '1')
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[6]))
return 1
`;

export function createRedisAdminBudget(options: RedisAdminBudgetOptions): AdminBudget {
  const namespace = options.namespace ?? "roost:throttle";
  const connectTimeoutMs = options.connectTimeoutMs ?? 2000;
  const client = new Redis(options.url, {
    connectTimeout: connectTimeoutMs,
    commandTimeout: options.commandTimeoutMs ?? 1000,
    // Fail fast while disconnected: the caller paces by its own estimate instead of waiting here.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
    // Connected on first use: a process whose writers never call Shopify never connects.
    lazyConnect: true,
  });
  // Reported by withLocalFallback when a call needs Redis; an unhandled 'error' would crash the process.
  client.on("error", (error: Error) => options.logger.debug({ err: error }, "Redis (Admin API pacing) connection error"));
  let closed = false;
  let connected: Promise<unknown> | null = null;
  const key = (shop: string) => `${namespace}:${shop}`;
  const run = async (script: string, shop: string, args: (string | number)[]) => {
    if (closed) throw new Error("the Redis Admin API budget is closed");
    // Only the first connection is waited for; during an outage a call fails at once.
    connected ??= Promise.race([client.connect().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, connectTimeoutMs).unref())]);
    await connected;
    return client.eval(script, 1, key(shop), ...args);
  };
  return {
    async reserve(shop, cost, nowMs) {
      const [available, rate] = (await run(RESERVE, shop, [cost, nowMs, PROBE_RESTORE_RATE, IDLE_TTL_MS])) as [string, string];
      return msUntilFits(Number(available), Number(rate));
    },
    async settle(shop, observed, refund, nowMs) {
      await run(SETTLE, shop, [reportedNow(observed, nowMs), observed.maximumAvailable, observed.restoreRate, refund, nowMs, IDLE_TTL_MS]);
    },
    async close() {
      if (closed) return;
      closed = true;
      if (client.status === "ready") await client.quit().catch(() => undefined);
      client.disconnect();
    },
  };
}
