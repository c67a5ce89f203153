import type { Database } from "../../db.server";
import type { Clock } from "../../lib/clock";
import { plural } from "../cohorts/why";

/**
 * Thresholds for the overall status (documented in docs/sync-health.md).
 *   failing:  a delivery dead-lettered in the last 24 h; a delivery waiting over 1 h; the
 *             latest backfill failed; the latest reconciliation failed.
 *   degraded: a delivery kept as failed (unprocessable) in the last 24 h; a delivery waiting
 *             over 5 min; the latest reconciliation had to repair something; a backfill is in
 *             progress; the last successful reconciliation is older than 1 h.
 */
export const HEALTH_THRESHOLDS = {
  recentWindowMs: 24 * 3600_000,
  pendingDegradedMs: 5 * 60_000,
  pendingFailingMs: 3600_000,
  reconcileStaleMs: 3600_000,
} as const;

export type SyncStatus = "healthy" | "degraded" | "failing";

export interface SyncHealth {
  shop: string;
  status: SyncStatus;
  reasons: string[];
  lastSyncAt: string | null;
  counts: { products: number; variants: number; customers: number; orders: number; refunds: number };
  /** `processed`: deliveries received in the last 24 h and processed; the others, every delivery in that status. */
  inbox: { pending: number; failed: number; dead: number; processed: number; unhandled: number; parked: number; oldestPendingAt: string | null };
  lastDeliveryByTopic: { topic: string; receivedAt: string }[];
  problems: { webhookId: string; topic: string; status: string; attempts: number; error: string | null; receivedAt: string }[];
  reconcile: { lastRunAt: string | null; status: string | null; repaired: Record<string, number>; repairedTotal: number } | null;
  backfill: { resource: string; status: string; done: number; total: number | null; records: number | null; error: string | null }[];
}

const iso = (date: Date | null | undefined) => (date ? date.toISOString() : null);

/** The statuses counted in full: a backlog or a problem, few rows next to the processed ones. */
const BACKLOG_STATUSES = ["pending", "failed", "dead", "unhandled", "parked"] as const;

/**
 * Each topic's latest delivery: the shop's topics found by a loose index scan (the next topic
 * after the last one, one seek each), then each topic's newest receivedAt from the
 * (shopDomain, topic, receivedAt) index, instead of grouping every delivery of the shop.
 */
async function latestDeliveryByTopic(db: Database, shopDomain: string): Promise<{ topic: string; receivedAt: string }[]> {
  const rows = await db.$queryRaw<{ topic: string; receivedAt: Date | string | number }[]>`
    WITH RECURSIVE "topics"("topic") AS (
      SELECT MIN("topic") FROM "WebhookDelivery" WHERE "shopDomain" = ${shopDomain}
      UNION ALL
      SELECT (SELECT MIN(w."topic") FROM "WebhookDelivery" w WHERE w."shopDomain" = ${shopDomain} AND w."topic" > t."topic")
      FROM "topics" t WHERE t."topic" IS NOT NULL
    )
    SELECT t."topic",
      (SELECT w."receivedAt" FROM "WebhookDelivery" w WHERE w."shopDomain" = ${shopDomain} AND w."topic" = t."topic" ORDER BY w."receivedAt" DESC LIMIT 1) AS "receivedAt"
    FROM "topics" t WHERE t."topic" IS NOT NULL`;
  return rows.map((row) => ({ topic: row.topic, receivedAt: new Date(row.receivedAt).toISOString() }));
}

export async function syncHealth(db: Database, shopDomain: string, clock: Clock): Promise<SyncHealth> {
  const now = clock.now();
  const shop = await db.shop.findUnique({ where: { domain: shopDomain } });
  const shopId = shop?.id ?? "";
  const live = { shopId, deletedAt: null };
  const recent = new Date(now.getTime() - HEALTH_THRESHOLDS.recentWindowMs);

  const [products, variants, customers, orders, refunds, statusCounts, processedRecently, latestByTopic, oldestPending, problems, reconcile, backfills, lastProcessed, lastSuccessfulReconcile] =
    await Promise.all([
      db.product.count({ where: live }),
      db.variant.count({ where: live }),
      db.customer.count({ where: live }),
      db.order.count({ where: live }),
      db.refund.count({ where: { shopId } }),
      // Each status a range of the (shopDomain, status, receivedAt) index; processed deliveries,
      // nearly all of a shop's, are counted over the last 24 h only (the page says so).
      Promise.all(BACKLOG_STATUSES.map((status) => db.webhookDelivery.count({ where: { shopDomain, status } }))),
      db.webhookDelivery.count({ where: { shopDomain, status: "processed", receivedAt: { gte: recent } } }),
      latestDeliveryByTopic(db, shopDomain),
      db.webhookDelivery.findFirst({ where: { shopDomain, status: "pending" }, orderBy: { receivedAt: "asc" }, select: { receivedAt: true } }),
      db.webhookDelivery.findMany({
        where: { shopDomain, status: { in: ["failed", "dead"] }, receivedAt: { gte: recent } },
        orderBy: { receivedAt: "desc" },
        take: 10,
      }),
      db.reconcileRun.findFirst({ where: { shopId }, orderBy: { startedAt: "desc" } }),
      db.backfillRun.findMany({ where: { shopId }, orderBy: { startedAt: "desc" }, take: 6 }),
      // The newest processed delivery, found in the index by receivedAt (a seek, where the
      // latest processedAt read every processed row).
      db.webhookDelivery.findFirst({ where: { shopDomain, status: "processed" }, orderBy: { receivedAt: "desc" }, select: { processedAt: true } }),
      db.reconcileRun.findFirst({ where: { shopId, status: "completed" }, orderBy: { finishedAt: "desc" }, select: { finishedAt: true } }),
    ]);

  const byStatus = Object.fromEntries(BACKLOG_STATUSES.map((status, index) => [status, statusCounts[index]])) as Record<(typeof BACKLOG_STATUSES)[number], number>;
  // The latest run of each resource is what matters for progress.
  const latestBackfill = new Map<string, (typeof backfills)[number]>();
  for (const run of backfills) if (!latestBackfill.has(run.resource)) latestBackfill.set(run.resource, run);
  const repaired: Record<string, number> = reconcile ? JSON.parse(reconcile.repaired) : {};
  const repairedTotal = Object.values(repaired).reduce((sum, count) => sum + count, 0);

  const failing: string[] = [];
  const degraded: string[] = [];
  const recentDead = problems.filter((problem) => problem.status === "dead").length;
  const recentFailed = problems.filter((problem) => problem.status === "failed").length;
  if (recentDead > 0) failing.push(`${recentDead} delivery(ies) dead-lettered in the last 24 h`);
  if (recentFailed > 0) degraded.push(`${recentFailed} delivery(ies) could not be processed in the last 24 h`);
  const waited = oldestPending ? now.getTime() - oldestPending.receivedAt.getTime() : 0;
  if (waited > HEALTH_THRESHOLDS.pendingFailingMs) failing.push("deliveries have waited over an hour to be processed");
  else if (waited > HEALTH_THRESHOLDS.pendingDegradedMs) degraded.push("deliveries have waited over 5 minutes to be processed");
  for (const run of latestBackfill.values()) {
    if (run.status === "failed") failing.push(`the ${run.resource} backfill failed: ${run.error ?? "unknown error"}`);
    else if (run.status !== "completed") degraded.push(`the ${run.resource} backfill is in progress`);
  }
  if (reconcile?.status === "failed") failing.push(`the last reconciliation failed: ${reconcile.error ?? "unknown error"}`);
  if (reconcile?.status === "completed" && repairedTotal > 0) degraded.push(`the last reconciliation repaired ${plural(repairedTotal, "record")} webhooks missed`);
  if (lastSuccessfulReconcile?.finishedAt && now.getTime() - lastSuccessfulReconcile.finishedAt.getTime() > HEALTH_THRESHOLDS.reconcileStaleMs) {
    degraded.push("no reconciliation has completed in the last hour");
  }

  const syncTimes = [lastProcessed?.processedAt, lastSuccessfulReconcile?.finishedAt, ...backfills.map((run) => run.finishedAt)]
    .filter((date): date is Date => !!date)
    .map((date) => date.getTime());

  return {
    shop: shopDomain,
    status: failing.length ? "failing" : degraded.length ? "degraded" : "healthy",
    reasons: [...failing, ...degraded],
    lastSyncAt: syncTimes.length ? new Date(Math.max(...syncTimes)).toISOString() : null,
    counts: { products, variants, customers, orders, refunds },
    inbox: {
      pending: byStatus.pending,
      failed: byStatus.failed,
      dead: byStatus.dead,
      processed: processedRecently,
      // Arrived on the catch-all route: kept, never processed (docs/webhooks.md).
      unhandled: byStatus.unhandled,
      // Held while Roost had no installation record for the shop; released when it installs.
      parked: byStatus.parked,
      oldestPendingAt: iso(oldestPending?.receivedAt),
    },
    lastDeliveryByTopic: latestByTopic.sort((a, b) => a.topic.localeCompare(b.topic)),
    problems: problems.map((problem) => ({
      webhookId: problem.webhookId,
      topic: problem.topic,
      status: problem.status,
      attempts: problem.attempts,
      error: problem.lastError,
      receivedAt: problem.receivedAt.toISOString(),
    })),
    reconcile: reconcile
      ? { lastRunAt: iso(reconcile.finishedAt ?? reconcile.startedAt), status: reconcile.status, repaired, repairedTotal }
      : null,
    backfill: [...latestBackfill.values()].map((run) => ({
      resource: run.resource,
      status: run.status,
      done: run.linesDone,
      total: run.objectCount,
      records: run.recordsDone,
      error: run.error,
    })),
  };
}
