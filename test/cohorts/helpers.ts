import db from "../../app/db.server";
import { logger } from "../../app/lib/logger.server";
import { cohortsQueue, COHORTS_QUEUE } from "../../app/services/cohorts/queue.server";
import { createRule } from "../../app/services/cohorts/rules.server";
import { TAGS_QUEUE, type TagOp } from "../../app/services/cohorts/outbox";

export const clockAt = (iso: string | Date) => ({ now: () => new Date(iso) });
export const hoursAfter = (iso: string, hours: number) => new Date(new Date(iso).getTime() + hours * 3_600_000).toISOString();

/** A rule created and enabled (evaluated at once) as of `at`. */
export async function enabledRule(shopId: string, template: string, params: Record<string, unknown>, at: string, key?: string) {
  const shop = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
  const result = await createRule({ db, clock: clockAt(at) }, shop, { template, key, params, enabled: true }, "test");
  if (!result.ok) throw new Error(`rule refused: ${JSON.stringify(result.errors)}`);
  return result.rule;
}

/**
 * Runs the cohort evaluation the signals queued, as the job runner would, with the clock at
 * `at` (the jobs' own times are the real clock's), then removes the jobs.
 */
export async function runQueuedEvaluations(shopId: string, at: string): Promise<number> {
  const jobs = await db.job.findMany({ where: { queue: COHORTS_QUEUE, shopId, status: "pending" } });
  if (jobs.length === 0) return 0;
  await cohortsQueue().run(jobs, { db, clock: clockAt(at), logger, signal: new AbortController().signal });
  await db.job.deleteMany({ where: { id: { in: jobs.map((job) => job.id) } } });
  return jobs.length;
}

export async function transitionsOf(shopId: string, ruleId: string) {
  return db.cohortTransition.findMany({ where: { shopId, ruleId }, orderBy: [{ occurredAt: "asc" }, { direction: "asc" }] });
}

export async function tagOps(shopId: string): Promise<TagOp[]> {
  const jobs = await db.job.findMany({ where: { queue: TAGS_QUEUE, shopId }, orderBy: { createdAt: "asc" } });
  return jobs.map((job) => JSON.parse(job.payload) as TagOp);
}
