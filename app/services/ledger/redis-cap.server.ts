import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import type { Database } from "../../db.server";
import type { Logger } from "../../lib/logger.server";
import { CAP_KINDS, type CapReservation, type CapStore, CapStoreUnavailableError } from "./cap.server";

/**
 * The daily cap counted in Redis (DESIGN, "Daily cap"; docs/decisions/0002-daily-cap-in-redis.md).
 *
 * One hash per (shop, member, shop day): a field `r:<award key>` per reservation holding the
 * points granted under it, and `total`, their sum. A Lua script reserves atomically, so any
 * number of processes share the counters; a key already reserved answers with its earlier grant
 * (a retry never counts twice). When the day's hash is missing (first award of the day, expired,
 * or Redis lost its data) it is first rebuilt from the ledger, the source of truth. Any Redis
 * failure is a CapStoreUnavailableError: the award is held, never granted blindly.
 */

export interface RedisCapStoreOptions {
  /** redis:// or rediss:// URL (REDIS_URL). */
  url: string;
  logger: Logger;
  /** How long a connection attempt may take (default 2 s). */
  connectTimeoutMs?: number;
  /** How long one command may take before the store counts as unavailable (default 1 s). */
  commandTimeoutMs?: number;
  /** Seconds a day's counters live after their last reservation (default 3 days). */
  ttlSeconds?: number;
  /** Key namespace (default "roost:cap"). */
  namespace?: string;
  /** Longest pause between reconnection attempts (default 2 s). */
  maxReconnectDelayMs?: number;
}

export interface DayCounters {
  total: number;
  /** Award key → points granted under it. */
  reservations: Record<string, number>;
}

export interface RedisCapStore extends CapStore {
  /** Resolves true once connected, false if not connected within `timeoutMs` (default: the connect timeout). */
  ready(timeoutMs?: number): Promise<boolean>;
  /** True when Redis answers a PING now (for health checks). */
  ping(): Promise<boolean>;
  /** The counters of one member's day, or null when Redis holds none (ops and tests). */
  dayCounters(shopId: string, memberId: string, day: string): Promise<DayCounters | null>;
  /** Disconnects; later reservations fail as unavailable. */
  close(): Promise<void>;
}

export const DEFAULT_CAP_TTL_SECONDS = 3 * 24 * 3600;
const TOTAL = "total";
const reservationField = (key: string) => `r:${key}`;

/** The Redis key of one member's shop day. */
export function capKey(shopId: string, memberId: string, day: string, namespace = "roost:cap"): string {
  return `${namespace}:${shopId}:${memberId}:${day}`;
}

/**
 * KEYS[1] the day's hash; ARGV: reservation field, requested, cap, ttl seconds.
 * Returns -1 when the hash does not exist (the caller rebuilds it from the ledger first),
 * otherwise the points granted under the field.
 */
const RESERVE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local requested = tonumber(ARGV[2])
local prior = redis.call('HGET', KEYS[1], ARGV[1])
if prior then
  prior = tonumber(prior)
  -- A retry with fewer points (the award not yet recorded) gives the difference back.
  if requested < prior then
    redis.call('HSET', KEYS[1], ARGV[1], requested)
    redis.call('HINCRBY', KEYS[1], '${TOTAL}', requested - prior)
    return requested
  end
  return prior
end
local total = tonumber(redis.call('HGET', KEYS[1], '${TOTAL}') or '0')
local granted = tonumber(ARGV[3]) - total
if granted > requested then granted = requested end
if granted < 0 then granted = 0 end
redis.call('HSET', KEYS[1], ARGV[1], granted)
redis.call('HINCRBY', KEYS[1], '${TOTAL}', granted)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
return granted
`;

/**
 * KEYS[1] the day's hash; ARGV: ttl seconds, then field/points pairs from the ledger.
 * Writes only if the hash is still missing (another process may have rebuilt it, or already
 * reserved on the rebuilt counters): returns 1 when it seeded, 0 when it left it alone.
 */
const SEED = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local total = 0
for i = 2, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  total = total + tonumber(ARGV[i + 1])
end
redis.call('HSET', KEYS[1], '${TOTAL}', total)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1]))
return 1
`;

const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");
const SCRIPTS = { reserve: { lua: RESERVE, sha: sha1(RESERVE) }, seed: { lua: SEED, sha: sha1(SEED) } };

/** What the ledger already granted on a member's day, per award key (earn + released). */
export async function grantedFromLedger(db: Database, shopId: string, memberId: string, day: string): Promise<Map<string, number>> {
  const rows = await db.ledgerEntry.findMany({
    where: { shopId, memberId, capDay: day, kind: { in: CAP_KINDS } },
    select: { awardKey: true, idempotencyKey: true, points: true },
  });
  const granted = new Map<string, number>();
  for (const row of rows) {
    const key = row.awardKey ?? row.idempotencyKey.replace(/:released$/, "");
    granted.set(key, (granted.get(key) ?? 0) + row.points);
  }
  return granted;
}

export function createRedisCapStore(options: RedisCapStoreOptions): RedisCapStore {
  const logger = options.logger;
  const connectTimeoutMs = options.connectTimeoutMs ?? 2000;
  const commandTimeoutMs = options.commandTimeoutMs ?? 1000;
  const ttlSeconds = options.ttlSeconds ?? DEFAULT_CAP_TTL_SECONDS;
  const namespace = options.namespace ?? "roost:cap";
  const maxReconnectDelayMs = options.maxReconnectDelayMs ?? 2000;

  const client = new Redis(options.url, {
    connectTimeout: connectTimeoutMs,
    commandTimeout: commandTimeoutMs,
    // Fail fast while disconnected: nothing waits in a queue, nothing is resent later.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // Keep trying to reconnect, never giving up (held awards wait for it).
    retryStrategy: (attempt) => Math.min(attempt * 100, maxReconnectDelayMs),
    lazyConnect: false,
  });

  let closed = false;
  let down = false;
  let everReady = false;
  client.on("error", (error: Error) => {
    // Handled here so a Redis outage never crashes the process; logged once per outage.
    if (!down) logger.warn({ err: error }, "Redis (daily cap) unavailable: awards are held until it answers");
    down = true;
  });
  client.on("ready", () => {
    if (down) logger.info("Redis (daily cap) answers again");
    down = false;
    everReady = true;
  });
  client.on("end", () => {
    if (!closed) logger.warn("Redis (daily cap) connection ended");
  });

  const ready = (timeoutMs = connectTimeoutMs): Promise<boolean> => {
    if (client.status === "ready") return Promise.resolve(true);
    if (closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (value: boolean) => {
        clearTimeout(timer);
        client.off("ready", onReady);
        resolve(value);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      timer.unref();
      client.on("ready", onReady);
    });
  };

  const unavailable = (what: string, error: unknown) =>
    new CapStoreUnavailableError(`Redis could not ${what}: ${error instanceof Error ? error.message : String(error)}`);

  async function run(script: keyof typeof SCRIPTS, key: string, args: (string | number)[]): Promise<number> {
    if (closed) throw new CapStoreUnavailableError("the Redis cap store is closed");
    // Only the very first connection is waited for (start-up); during an outage, fail at once.
    if (!everReady && client.status !== "ready") await ready();
    const { lua, sha } = SCRIPTS[script];
    try {
      try {
        return Number(await client.evalsha(sha, 1, key, ...args));
      } catch (error) {
        // A restarted Redis has an empty script cache.
        if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
        return Number(await client.eval(lua, 1, key, ...args));
      }
    } catch (error) {
      throw unavailable(`${script} the daily cap`, error);
    }
  }

  return {
    async reserve(reservation: CapReservation, db: Database): Promise<number> {
      const key = capKey(reservation.shopId, reservation.memberId, reservation.day, namespace);
      const field = reservationField(reservation.key);
      const args = [field, Math.max(0, Math.trunc(reservation.requested)), Math.max(0, Math.trunc(reservation.cap)), ttlSeconds];
      let granted = await run("reserve", key, args);
      if (granted >= 0) return granted;
      // No counters for this day in Redis: rebuild them from the ledger, then reserve. A
      // database error here propagates as itself (the delivery is retried), not as "held".
      const fromLedger = await grantedFromLedger(db, reservation.shopId, reservation.memberId, reservation.day);
      const pairs = [...fromLedger].flatMap(([award, points]) => [reservationField(award), points]);
      const seeded = await run("seed", key, [ttlSeconds, ...pairs]);
      if (seeded === 1) logger.debug({ key, awards: fromLedger.size }, "daily cap counters rebuilt from the ledger");
      granted = await run("reserve", key, args);
      // Seeded a moment ago, then gone (evicted, flushed): not a state to guess in.
      if (granted < 0) throw new CapStoreUnavailableError("Redis lost the daily cap counters while they were rebuilt");
      return granted;
    },

    ready,

    async ping() {
      if (closed || client.status !== "ready") return false;
      try {
        return (await client.ping()) === "PONG";
      } catch {
        return false;
      }
    },

    async dayCounters(shopId, memberId, day) {
      let hash: Record<string, string>;
      try {
        hash = await client.hgetall(capKey(shopId, memberId, day, namespace));
      } catch (error) {
        throw unavailable("read the daily cap", error);
      }
      if (Object.keys(hash).length === 0) return null;
      const reservations: Record<string, number> = {};
      for (const [field, value] of Object.entries(hash)) {
        if (field.startsWith("r:")) reservations[field.slice(2)] = Number(value);
      }
      return { total: Number(hash[TOTAL] ?? 0), reservations };
    },

    async close() {
      if (closed) return;
      closed = true;
      if (client.status === "ready") {
        const quit = client.quit().catch(() => undefined);
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise((resolve) => {
          timer = setTimeout(resolve, commandTimeoutMs);
        });
        await Promise.race([quit, timeout]);
        clearTimeout(timer);
      }
      client.disconnect();
    },
  };
}
