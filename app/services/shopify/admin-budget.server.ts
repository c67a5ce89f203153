import { type Database, isSqlite } from "../../db.server";
import type { Clock } from "../../lib/clock";
import type { Logger } from "../../lib/logger.server";
import type { AdminClient, ObservedThrottle } from "./admin-client.server";

// Shopify's cost throttle is one leaky bucket per shop, shared by every caller with the shop's
// token: the tag writer, the metafield writer, Flow and sync, in every Roost process. Each call
// first reserves its cost from one shared estimate of that bucket (DESIGN.md, "Scale"), so the
// processes together call no faster than the bucket refills.

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What a call is assumed to cost before its operation's first answer says: one mutation. */
export const DEFAULT_CALL_COST = 10;
/**
 * Until a shop's first answer tells its bucket, one call goes and each of the others waits as
 * if the bucket refilled at this rate (points per second), below every plan's.
 */
export const PROBE_RESTORE_RATE = 50;

/** A shop's bucket as Roost estimates it. `available` goes below 0 while calls queue for points. */
export interface BucketEstimate {
  available: number;
  maximumAvailable: number;
  restoreRate: number;
  /** When `available` was computed (clock ms). */
  at: number;
  /** False until an answer from Shopify has set the bucket's size and rate. */
  learned: boolean;
}

/**
 * The shops' shared estimates. `reserve` always takes the cost (the estimate may go below 0:
 * calls queue in the order they reserved) and answers how long to wait before calling, so a
 * caller asks once. `settle` corrects the estimate from Shopify's answer.
 */
export interface AdminBudget {
  reserve(shop: string, cost: number, nowMs: number): Promise<number>;
  /** `refund`: points reserved but not charged (reserved minus the actual cost; negative when the call cost more). */
  settle(shop: string, observed: ObservedThrottle, refund: number, nowMs: number): Promise<void>;
  close?(): Promise<void>;
}

/**
 * The estimate refilled to `nowMs`. A probe's guess does not refill: what was reserved behind
 * the probe stays counted until Shopify's first answer replaces the guess.
 */
const refill = (bucket: BucketEstimate, nowMs: number) =>
  bucket.learned ? Math.min(bucket.maximumAvailable, bucket.available + (Math.max(0, nowMs - bucket.at) / 1000) * bucket.restoreRate) : bucket.available;

/** Shopify's figure refilled to `nowMs` (the answer may have waited a moment before it is settled). */
export const reportedNow = (observed: ObservedThrottle, nowMs: number): number =>
  Math.min(observed.maximumAvailable, observed.currentlyAvailable + (Math.max(0, nowMs - observed.at) / 1000) * observed.restoreRate);

/**
 * A call that had to wait goes this much later than the estimate says: timers may fire a
 * millisecond early, and an estimate that is exactly 0 leaves nothing for rounding.
 */
export const PACING_MARGIN_MS = 20;

/** Milliseconds until an estimate that fell to `available` is back at 0 (plus the margin). */
export const msUntilFits = (available: number, restoreRate: number): number =>
  available < 0 ? Math.ceil((-available / Math.max(1, restoreRate)) * 1000) + PACING_MARGIN_MS : 0;

/** The estimate after reserving `cost` at `nowMs` (a shop never seen starts with one call's points). The SQL and the Lua script do the same. */
export function reserveFrom(bucket: BucketEstimate | null, cost: number, nowMs: number): BucketEstimate {
  const start = bucket ?? { available: cost, maximumAvailable: cost, restoreRate: PROBE_RESTORE_RATE, at: nowMs, learned: false };
  return { ...start, available: refill(start, nowMs) - cost, at: Math.max(start.at, nowMs) };
}

/**
 * The estimate after an answer. Shopify's figure does not yet include the calls other processes
 * reserved and have not made, so it only ever lowers a learned estimate (another app spent, or a
 * call cost more); refunds raise it. A shop's first answer replaces the probe's guess, keeping the
 * calls already queued (what is below 0).
 */
export function settleInto(bucket: BucketEstimate | null, observed: ObservedThrottle, refund: number, nowMs: number): BucketEstimate {
  const reported = reportedNow(observed, nowMs);
  const estimated = bucket ? refill(bucket, nowMs) + refund : reported;
  const available = bucket?.learned ? Math.min(estimated, reported) : reported + Math.min(0, estimated);
  return { available, maximumAvailable: observed.maximumAvailable, restoreRate: observed.restoreRate, at: Math.max(bucket?.at ?? nowMs, nowMs), learned: true };
}

/** This process's estimates only: tests, and the fallback while the shared store is down. */
export function memoryAdminBudget(): AdminBudget & { estimate(shop: string): BucketEstimate | null } {
  const buckets = new Map<string, BucketEstimate>();
  return {
    async reserve(shop, cost, nowMs) {
      const bucket = reserveFrom(buckets.get(shop) ?? null, cost, nowMs);
      buckets.set(shop, bucket);
      return msUntilFits(bucket.available, bucket.restoreRate);
    },
    async settle(shop, observed, refund, nowMs) {
      buckets.set(shop, settleInto(buckets.get(shop) ?? null, observed, refund, nowMs));
    },
    estimate: (shop) => buckets.get(shop) ?? null,
  };
}

/**
 * The estimates in the database, one AdminThrottle row per shop, each reservation and correction
 * one UPDATE … RETURNING: on PostgreSQL it waits on the row's lock, so processes take turns; on
 * SQLite one writer at a time makes it atomic.
 */
export function databaseAdminBudget(db: Database): AdminBudget {
  const sqlite = isSqlite(db);
  const reserve = (shop: string, cost: number, nowMs: number) =>
    sqlite
      ? db.$queryRaw<{ available: number; restoreRate: number }[]>`
          UPDATE "AdminThrottle" SET
            "available" = CASE WHEN "learned" = 1 THEN MIN("maximumAvailable", "available" + MAX(0, ${nowMs} - "atMs") / 1000.0 * "restoreRate") ELSE "available" END - ${cost},
            "atMs" = MAX("atMs", ${nowMs})
          WHERE "shopDomain" = ${shop}
          RETURNING "available", "restoreRate"`
      : db.$queryRaw<{ available: number; restoreRate: number }[]>`
          UPDATE "AdminThrottle" SET
            "available" = CASE WHEN "learned" = 1 THEN LEAST("maximumAvailable", "available" + GREATEST(0, CAST(${nowMs} AS DOUBLE PRECISION) - "atMs") / 1000.0 * "restoreRate") ELSE "available" END - ${cost},
            "atMs" = GREATEST("atMs", CAST(${nowMs} AS DOUBLE PRECISION))
          WHERE "shopDomain" = ${shop}
          RETURNING "available", "restoreRate"`;
  // settleInto in SQL: a learned estimate takes the lower of its own (plus the refund) and Shopify's; a probe's takes Shopify's, minus what is queued.
  const settle = (shop: string, reported: number, observed: ObservedThrottle, refund: number, nowMs: number) =>
    sqlite
      ? db.$executeRaw`
          UPDATE "AdminThrottle" SET
            "available" = CASE WHEN "learned" = 1
              THEN MIN(MIN("maximumAvailable", "available" + MAX(0, ${nowMs} - "atMs") / 1000.0 * "restoreRate") + ${refund}, ${reported})
              ELSE ${reported} + MIN(0, "available" + ${refund}) END,
            "maximumAvailable" = ${observed.maximumAvailable}, "restoreRate" = ${observed.restoreRate}, "learned" = 1, "atMs" = MAX("atMs", ${nowMs})
          WHERE "shopDomain" = ${shop}`
      : db.$executeRaw`
          UPDATE "AdminThrottle" SET
            "available" = CASE WHEN "learned" = 1
              THEN LEAST(LEAST("maximumAvailable", "available" + GREATEST(0, CAST(${nowMs} AS DOUBLE PRECISION) - "atMs") / 1000.0 * "restoreRate") + ${refund}, CAST(${reported} AS DOUBLE PRECISION))
              ELSE CAST(${reported} AS DOUBLE PRECISION) + LEAST(0, "available" + ${refund}) END,
            "maximumAvailable" = ${observed.maximumAvailable}, "restoreRate" = ${observed.restoreRate}, "learned" = 1, "atMs" = GREATEST("atMs", CAST(${nowMs} AS DOUBLE PRECISION))
          WHERE "shopDomain" = ${shop}`;
  // A shop's first call makes its row (the probe, or Shopify's figures); every other call is the one UPDATE.
  const insert = (shop: string, available: number, maximumAvailable: number, restoreRate: number, nowMs: number, learned: number) => db.$executeRaw`
    INSERT INTO "AdminThrottle" ("shopDomain", "available", "maximumAvailable", "restoreRate", "atMs", "learned")
    VALUES (${shop}, ${available}, ${maximumAvailable}, ${restoreRate}, ${nowMs}, ${learned})
    ON CONFLICT ("shopDomain") DO NOTHING`;
  return {
    async reserve(shop, cost, nowMs) {
      let [row] = await reserve(shop, cost, nowMs);
      if (!row) {
        await insert(shop, cost, cost, PROBE_RESTORE_RATE, nowMs, 0);
        [row] = await reserve(shop, cost, nowMs);
      }
      return row ? msUntilFits(Number(row.available), Number(row.restoreRate)) : 0;
    },
    async settle(shop, observed, refund, nowMs) {
      const reported = reportedNow(observed, nowMs);
      if ((await settle(shop, reported, observed, refund, nowMs)) > 0) return;
      await insert(shop, reported, observed.maximumAvailable, observed.restoreRate, nowMs, 1);
      await settle(shop, reported, observed, refund, nowMs);
    },
  };
}

/**
 * A shared store with this process's estimate behind it: every answer corrects both; while the
 * shared store cannot answer (Redis down), calls wait on the process's own estimate, which never
 * lets them go faster than it allows, and one line says so (and one when the store is back).
 */
export function withLocalFallback(shared: AdminBudget, logger: Logger, what: string): AdminBudget {
  const local = memoryAdminBudget();
  let down = false;
  const failed = (error: unknown) => {
    if (!down) logger.warn({ err: error }, `Admin API pacing: ${what} unavailable; each process paces by its own estimate of the shop's bucket until it answers`);
    down = true;
  };
  const answered = () => {
    if (down) logger.info(`Admin API pacing: ${what} answers again; the shops' buckets are shared again`);
    down = false;
  };
  return {
    async reserve(shop, cost, nowMs) {
      try {
        const wait = await shared.reserve(shop, cost, nowMs);
        answered();
        return wait;
      } catch (error) {
        failed(error);
        return local.reserve(shop, cost, nowMs);
      }
    },
    async settle(shop, observed, refund, nowMs) {
      await local.settle(shop, observed, refund, nowMs);
      try {
        await shared.settle(shop, observed, refund, nowMs);
        answered();
      } catch (error) {
        failed(error);
      }
    },
    close: () => shared.close?.() ?? Promise.resolve(),
  };
}

/**
 * An Admin client that reserves each call's cost from the shop's budget and waits its turn,
 * then corrects the budget from `extensions.cost` (the throttle status, and the refund of what
 * the call did not cost). An operation's cost is the one its last answer asked for (a mutation's
 * 10 until then). THROTTLED and 5xx are still ridden out by the client below (another app may
 * share the bucket).
 */
export function pacedAdminClient(admin: AdminClient, options: { shop: string; budget: AdminBudget; clock: Clock; sleep: Sleep }): AdminClient {
  const { shop, budget, clock, sleep } = options;
  const costs = new Map<string, number>();
  return {
    throttleStatus: () => admin.throttleStatus?.() ?? null,
    lastCost: () => admin.lastCost?.() ?? null,
    async request<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
      const reserved = costs.get(query) ?? DEFAULT_CALL_COST;
      const wait = await budget.reserve(shop, reserved, clock.now().getTime());
      if (wait > 0) await sleep(wait);
      const before = admin.throttleStatus?.() ?? null;
      try {
        return await admin.request<T>(query, variables);
      } finally {
        const seen = admin.throttleStatus?.() ?? null;
        if (seen && seen !== before) {
          const cost = admin.lastCost?.() ?? null;
          if (cost?.requestedQueryCost !== undefined) costs.set(query, cost.requestedQueryCost);
          await budget.settle(shop, seen, cost?.actualQueryCost !== undefined ? reserved - cost.actualQueryCost : 0, clock.now().getTime());
        }
      }
    },
  };
}
