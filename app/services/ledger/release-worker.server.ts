import type { Database } from "../../db.server";
import type { Clock } from "../../lib/clock";
import { throttledLog } from "../../lib/log-throttle.server";
import type { Logger } from "../../lib/logger.server";
import type { QueueDefinition } from "../jobs/runner.server";
import type { CapStore } from "./cap.server";
import { releaseHeldAwards } from "./release.server";

export const RELEASE_QUEUE = "release";
export const DEFAULT_RELEASE_INTERVAL_MS = 30_000;

export interface ReleasePass {
  shops: number;
  released: number;
  stillHeld: number;
  failedShops: number;
}

/** `ROOST_RELEASE_INTERVAL_MS`, default 30 s. */
export function releaseIntervalMs(env: Record<string, string | undefined> = process.env): number {
  const value = Number(env.ROOST_RELEASE_INTERVAL_MS);
  return Number.isFinite(value) && value > 0 ? value : DEFAULT_RELEASE_INTERVAL_MS;
}

/**
 * One pass over the installed shops: `releaseHeldAwards` with the given cap store for each shop
 * that has held awards (DESIGN, "Daily cap"). Awards stay held while the store still cannot
 * answer and are tried again next pass; one shop's failure is logged and does not stop the others.
 */
export async function releasePass(deps: { db: Database; clock: Clock; logger: Logger; capStore: CapStore; signal?: AbortSignal }): Promise<ReleasePass> {
  const { db, clock, capStore } = deps;
  const result: ReleasePass = { shops: 0, released: 0, stillHeld: 0, failedShops: 0 };
  const shops = await db.shop.findMany({
    where: { installed: true },
    select: { id: true, domain: true, currency: true, timezone: true, settings: true, installedAt: true },
    orderBy: { domain: "asc" },
  });
  for (const shop of shops) {
    if (deps.signal?.aborted) break;
    result.shops += 1;
    const logger = deps.logger.child({ shop: shop.domain });
    try {
      // Most shops never had an award held: one indexed look-up (shopId, kind) and on.
      if (!(await db.ledgerEntry.findFirst({ where: { shopId: shop.id, kind: "held" }, select: { id: true } }))) continue;
      const { released, stillHeld } = await releaseHeldAwards({ db, clock, logger, capStore }, shop);
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
}

/**
 * Releasing held awards as a recurring job: at the first start, then every `intervalMs`, with
 * the cap store of the dependencies it is built with (Redis when REDIS_URL is set, so awards held
 * during an outage are released against the store that held them). The queue runs one pass at a
 * time across processes. A pass that fails is logged and runs again at its next time, as before:
 * a dead letter would stop releases until a restart.
 */
export function releaseQueue(deps: { capStore: CapStore }, intervalMs = DEFAULT_RELEASE_INTERVAL_MS): QueueDefinition {
  return {
    queue: RELEASE_QUEUE,
    recurring: { key: "all" },
    async run(_jobs, { db, clock, logger, signal }) {
      try {
        await releasePass({ db, clock, logger, capStore: deps.capStore, signal });
      } catch (error) {
        throttledLog(logger, "release").error({ err: error }, "release pass failed");
      }
      return { again: new Date(clock.now().getTime() + intervalMs) };
    },
  };
}
