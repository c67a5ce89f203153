import type { Database } from "../../db.server";
import { type Clock, systemClock } from "../../lib/clock";
import { throttledLog } from "../../lib/log-throttle.server";
import type { Logger } from "../../lib/logger.server";
import type { CapStore } from "./cap.server";
import { releaseHeldAwards } from "./release.server";
import { createRedisCapStore } from "./redis-cap.server";
import { currentCapStore, useCapStore } from "./runtime.server";

export const DEFAULT_RELEASE_INTERVAL_MS = 30_000;

export interface ReleaseWorkerOptions {
  db: Database;
  logger: Logger;
  /** Between passes (default 30 s, or ROOST_RELEASE_INTERVAL_MS). */
  intervalMs?: number;
  clock?: Clock;
  /** The cap store each pass uses (default: the process's, `currentCapStore()`). */
  capStore?: () => CapStore;
}

export interface ReleasePass {
  shops: number;
  released: number;
  stillHeld: number;
  failedShops: number;
}

export interface ReleaseWorker {
  /** Runs one pass now (after the current one, if any); resolves with what it did. */
  runOnce(): Promise<ReleasePass>;
  /** No more passes; resolves when the current one has finished. */
  stop(): Promise<void>;
}

/** `ROOST_RELEASE_INTERVAL_MS`, default 30 s. */
export function releaseIntervalMs(env: Record<string, string | undefined> = process.env): number {
  const value = Number(env.ROOST_RELEASE_INTERVAL_MS);
  return Number.isFinite(value) && value > 0 ? value : DEFAULT_RELEASE_INTERVAL_MS;
}

/**
 * Releases awards held while the cap store could not answer (DESIGN, "Daily cap"): every
 * interval, for each installed shop, `releaseHeldAwards` with the process's cap store. Awards
 * stay held while it still cannot answer and are tried again next pass. Passes never overlap
 * (the next is scheduled when one ends); one shop's failure is logged and does not stop the others.
 */
export function startReleaseWorker(options: ReleaseWorkerOptions): ReleaseWorker {
  const intervalMs = options.intervalMs ?? releaseIntervalMs();
  const clock = options.clock ?? systemClock;
  const capStore = options.capStore ?? currentCapStore;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let current: Promise<unknown> = Promise.resolve();

  const pass = async (): Promise<ReleasePass> => {
    const result: ReleasePass = { shops: 0, released: 0, stillHeld: 0, failedShops: 0 };
    const shops = await options.db.shop.findMany({
      where: { installed: true },
      select: { id: true, domain: true, currency: true, timezone: true, settings: true, installedAt: true },
      orderBy: { domain: "asc" },
    });
    for (const shop of shops) {
      if (stopped) break;
      result.shops += 1;
      const logger = options.logger.child({ shop: shop.domain });
      try {
        // Most shops never had an award held: one indexed look-up (shopId, kind) and on.
        if (!(await options.db.ledgerEntry.findFirst({ where: { shopId: shop.id, kind: "held" }, select: { id: true } }))) continue;
        const { released, stillHeld } = await releaseHeldAwards({ db: options.db, clock, logger, capStore: capStore() }, shop);
        result.released += released;
        result.stillHeld += stillHeld;
        if (released > 0) logger.info({ released, stillHeld }, "held awards released");
        else if (stillHeld > 0) logger.debug({ stillHeld }, "awards still held: the cap store does not answer yet");
      } catch (error) {
        result.failedShops += 1;
        throttledLog(logger, "release").warn({ err: error }, "releasing held awards failed; retried next pass");
      }
    }
    return result;
  };

  const runOnce = (): Promise<ReleasePass> => {
    const next = current.then(pass);
    current = next.catch((error: unknown) => throttledLog(options.logger, "release").error({ err: error }, "release pass failed"));
    return next;
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      runOnce()
        .catch(() => undefined) // logged above
        .finally(schedule);
    }, intervalMs);
    timer.unref();
  };
  schedule();

  return {
    runOnce,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}

export interface CapRuntime {
  /** The process's cap store: Redis with REDIS_URL, else the ledger's own count. */
  capStore: CapStore;
  worker: ReleaseWorker;
  /** Stops the worker and disconnects Redis (awards after this are held, never granted unchecked). */
  stop(): Promise<void>;
}

declare global {
  var __roostCapRuntime: CapRuntime | undefined;
}

/**
 * Process wiring, once per process (kept across Vite reloads): with REDIS_URL the Redis cap store
 * becomes the process's (`useCapStore`); the release worker runs either way, so awards held during
 * an earlier Redis outage are released against whichever store is in use.
 */
export function startCapRuntime(db: Database, logger: Logger, env: Record<string, string | undefined> = process.env): CapRuntime {
  if (globalThis.__roostCapRuntime) return globalThis.__roostCapRuntime;
  const redis = env.REDIS_URL ? createRedisCapStore({ url: env.REDIS_URL, logger: logger.child({ component: "cap" }) }) : null;
  if (redis) useCapStore(redis);
  const worker = startReleaseWorker({ db, logger: logger.child({ component: "release" }), intervalMs: releaseIntervalMs(env) });
  const runtime: CapRuntime = {
    capStore: currentCapStore(),
    worker,
    async stop() {
      await worker.stop();
      await redis?.close();
      if (globalThis.__roostCapRuntime === runtime) globalThis.__roostCapRuntime = undefined;
    },
  };
  globalThis.__roostCapRuntime = runtime;
  return runtime;
}
