import { type Database, type Db, refreshStatistics } from "../../db.server";
import { throttledLog } from "../../lib/log-throttle.server";
import { enqueueMany, type NewJob } from "../jobs/queue.server";
import type { QueueDefinition } from "../jobs/runner.server";
import { type CohortScope, type EvaluationSummary, evaluateCohorts, sweepShop } from "./evaluate.server";

// Cohort evaluation off the signal's path: a signal queues its members and visitors (one job
// row each, in the signal's transaction), and the `cohorts` queue evaluates them in batches, all
// of a shop's enabled rules in one transaction per batch. Time-based conditions (an abandonment
// window passing, a member lapsing) change with no signal at all: the `cohort-sweep` queue
// evaluates every shop's rules over all its shoppers on a schedule.

export const COHORTS_QUEUE = "cohorts";
export const COHORT_SWEEP_QUEUE = "cohort-sweep";
/** Jobs claimed per evaluation: the members and visitors of up to this many signals at once. */
export const COHORTS_BATCH = 200;
export const DEFAULT_SWEEP_INTERVAL_MS = 5 * 60_000;
/**
 * A pixel batch's visitors wait this long: a visitor's next batches replace the job (latest
 * wins, due later), so a browsing session is evaluated once it pauses, not per batch.
 */
export const PIXEL_SETTLE_MS = 5_000;

interface CohortJob {
  memberId?: string;
  clientId?: string;
}

/** A shop as signals hand it on: with its count of enabled rules when the row was read. */
export interface CohortSignalShop {
  id: string;
  cohortRulesEnabled?: number;
}

/** Whether a shop's signals queue cohort work: not when its row says it has no enabled rule. */
export const hasCohortRules = (shop: CohortSignalShop): boolean => shop.cohortRulesEnabled === undefined || shop.cohortRulesEnabled > 0;

/**
 * Queues the evaluation of members and visitors a signal touched, in the caller's transaction.
 * One statement, however many; a shopper queued again before the run is evaluated once.
 */
export async function queueCohortEvaluation(db: Db, shop: CohortSignalShop, subjects: CohortScope, now: Date, delayMs = 0): Promise<void> {
  if (!hasCohortRules(shop)) return;
  const runAt = new Date(now.getTime() + delayMs);
  const jobs: NewJob[] = [
    ...(subjects.memberIds ?? []).map((memberId) => ({ queue: COHORTS_QUEUE, key: `${shop.id}:m:${memberId}`, shopId: shop.id, payload: { memberId }, runAt })),
    ...(subjects.clientIds ?? []).map((clientId) => ({ queue: COHORTS_QUEUE, key: `${shop.id}:v:${clientId}`, shopId: shop.id, payload: { clientId }, runAt })),
  ];
  await enqueueMany(db, jobs, now);
}

/** The `cohorts` queue: each run evaluates the claimed shoppers, grouped by shop. */
export function cohortsQueue(): QueueDefinition {
  return {
    queue: COHORTS_QUEUE,
    batch: COHORTS_BATCH,
    async run(jobs, { db, clock }) {
      const byShop = new Map<string, { memberIds: string[]; clientIds: string[] }>();
      for (const job of jobs) {
        if (!job.shopId) continue;
        const scope = byShop.get(job.shopId) ?? { memberIds: [], clientIds: [] };
        byShop.set(job.shopId, scope);
        const payload = JSON.parse(job.payload) as CohortJob;
        if (payload.memberId) scope.memberIds.push(payload.memberId);
        if (payload.clientId) scope.clientIds.push(payload.clientId);
      }
      const shops = await db.shop.findMany({ where: { id: { in: [...byShop.keys()] }, installed: true }, select: { id: true, settings: true } });
      for (const shop of shops) await evaluateCohorts({ db, clock }, shop, { scope: byShop.get(shop.id) });
    },
  };
}

/** Every installed shop with an enabled rule, all its shoppers, rule by rule: `roost cohorts:sweep` and the schedule. */
export async function sweepCohorts(deps: { db: Database; clock: { now(): Date } }, options: { shopId?: string; now?: Date } = {}): Promise<Map<string, EvaluationSummary>> {
  const shops = await deps.db.shop.findMany({
    where: { installed: true, cohortRulesEnabled: { gt: 0 }, ...(options.shopId ? { id: options.shopId } : {}) },
    select: { id: true, settings: true },
  });
  if (shops.length > 0) await refreshStatistics(deps.db);
  const results = new Map<string, EvaluationSummary>();
  for (const shop of shops) results.set(shop.id, await sweepShop(deps, shop, { now: options.now }));
  return results;
}

export function cohortSweepIntervalMs(env: Record<string, string | undefined>): number {
  const value = Number(env.ROOST_COHORT_SWEEP_MS);
  return Number.isFinite(value) && value >= 1_000 ? value : DEFAULT_SWEEP_INTERVAL_MS;
}

/** The sweep as a recurring job; one shop's failure is logged and the others still run. */
export function cohortSweepQueue(intervalMs: number): QueueDefinition {
  return {
    queue: COHORT_SWEEP_QUEUE,
    recurring: { key: "all" },
    async run(_jobs, { db, clock, logger }) {
      const shops = await db.shop.findMany({ where: { installed: true, cohortRulesEnabled: { gt: 0 } }, select: { id: true, settings: true } });
      if (shops.length > 0) await refreshStatistics(db);
      for (const shop of shops) {
        try {
          const summary = await sweepShop({ db, clock }, shop);
          if (summary.entered + summary.exited > 0) logger.info({ shopId: shop.id, entered: summary.entered, exited: summary.exited }, "cohort sweep");
        } catch (error) {
          throttledLog(logger, "cohort-sweep").error({ err: error, shopId: shop.id }, "cohort sweep of a shop failed; it runs again at the next sweep");
        }
      }
      return { again: new Date(clock.now().getTime() + intervalMs) };
    },
  };
}
