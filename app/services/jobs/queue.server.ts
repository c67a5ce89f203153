import { randomUUID } from "node:crypto";
import { Prisma } from "@prisma/client";
import { type Database, isSqlite } from "../../db.server";
import type { Tx } from "../ledger/types";

// The job queue (docs/decisions/0004-job-queue.md): one table, `Job`, for background work and
// for the outbox of side effects toward Shopify and merchants. This module is the one place
// that claims, renews, completes, retries and dead-letters work. The webhook inbox keeps its own
// table (a delivery is also the durable record of what Shopify sent) but follows the same
// lease, renewal and retry rules from here (app/services/inbox/inbox.server.ts).

/** A claimed row is its worker's until this long after the last renewal. */
export const LEASE_MS = 6_000;
/** A worker renews its lease this often while the work runs, so only a dead worker's lapses. */
export const RENEW_EVERY_MS = 2_000;
/** Wait after the Nth failed attempt, then the last delay again until the attempts run out. */
export const RETRY_DELAYS_MS = [10_000, 60_000, 300_000, 900_000, 3_600_000, 4 * 3_600_000, 12 * 3_600_000] as const;
export const DEFAULT_MAX_ATTEMPTS = 8;

export type JobStatus = "pending" | "running" | "done" | "failed";

export interface Job {
  id: string;
  shopId: string | null;
  queue: string;
  key: string;
  payload: string;
  version: number;
  status: string;
  attempts: number;
  maxAttempts: number;
  runAt: Date;
  lockedBy: string | null;
  lockedUntil: Date | null;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

/**
 * Whether an error can never succeed on retry. Errors say so themselves (`terminal = true`:
 * an unprocessable payload, Shopify's 401/402/403/404/423 or `userErrors`); a RangeError is a
 * value out of range, which fails the same way every time. Everything else is retried.
 */
export function isTerminalError(error: unknown): boolean {
  if (error instanceof RangeError) return true;
  return typeof error === "object" && error !== null && (error as { terminal?: unknown }).terminal === true;
}

/** What a failed attempt leads to: another try after the back-off, or the dead letter. */
export function retryPlan(
  attempt: { attempts: number; maxAttempts: number; terminal: boolean },
  now: Date,
  delaysMs: readonly number[] = RETRY_DELAYS_MS,
): { retry: boolean; runAt: Date } {
  if (attempt.terminal || attempt.attempts >= attempt.maxAttempts) return { retry: false, runAt: now };
  const delay = delaysMs[Math.min(attempt.attempts, delaysMs.length) - 1] ?? 0;
  return { retry: true, runAt: new Date(now.getTime() + delay) };
}

/** An error message as stored: PostgreSQL text cannot hold NUL, and messages may quote payloads. */
export function storedError(error: unknown, max = 2000): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replaceAll("\u0000", "\uFFFD").slice(0, max);
}

/** A worker's identity on the rows it claims. */
export const newOwner = (): string => randomUUID();

// ------------------------------------------------------------------- enqueueing

export interface NewJob {
  queue: string;
  key: string;
  shopId?: string | null;
  payload?: unknown;
  runAt?: Date;
  maxAttempts?: number;
}

/**
 * Queues work, in the caller's transaction when it is given one (the outbox: the side effect is
 * written with its cause, or not at all). A key already queued gets the new payload and is due
 * again (latest wins): a row that is running keeps its lease, and its run, finishing on the old
 * version, leaves it pending for the new one. One statement.
 */
export async function enqueue(db: Database | Tx, job: NewJob, now: Date): Promise<void> {
  const payload = JSON.stringify(job.payload ?? {});
  const runAt = job.runAt ?? now;
  await db.$executeRaw`
    INSERT INTO "Job" ("id", "shopId", "queue", "key", "payload", "status", "maxAttempts", "runAt", "createdAt", "updatedAt")
    VALUES (${randomUUID()}, ${job.shopId ?? null}, ${job.queue}, ${job.key}, ${payload}, 'pending', ${job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS}, ${runAt}, ${now}, ${now})
    ON CONFLICT ("queue", "key") DO UPDATE SET
      "payload" = excluded."payload", "version" = "Job"."version" + 1, "status" = 'pending', "attempts" = 0,
      "maxAttempts" = excluded."maxAttempts", "runAt" = excluded."runAt", "lastError" = NULL, "finishedAt" = NULL,
      "updatedAt" = excluded."updatedAt"`;
}

/**
 * Queues several jobs in one statement, as `enqueue` does each (latest payload wins, due at its
 * time): a pixel batch queues its visitors' cohort evaluation so, on the ingest's path.
 */
export async function enqueueMany(db: Database | Tx, jobs: readonly NewJob[], now: Date): Promise<void> {
  // One row per key (PostgreSQL refuses to update a row twice in one statement): the last wins.
  const unique = [...new Map(jobs.map((job) => [`${job.queue}\u0000${job.key}`, job])).values()];
  if (unique.length === 0) return;
  const rows = unique.map(
    (job) =>
      Prisma.sql`(${randomUUID()}, ${job.shopId ?? null}, ${job.queue}, ${job.key}, ${JSON.stringify(job.payload ?? {})}, 'pending', ${job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS}, ${job.runAt ?? now}, ${now}, ${now})`,
  );
  await db.$executeRaw`
    INSERT INTO "Job" ("id", "shopId", "queue", "key", "payload", "status", "maxAttempts", "runAt", "createdAt", "updatedAt")
    VALUES ${Prisma.join(rows)}
    ON CONFLICT ("queue", "key") DO UPDATE SET
      "payload" = excluded."payload", "version" = "Job"."version" + 1, "status" = 'pending', "attempts" = 0,
      "maxAttempts" = excluded."maxAttempts", "runAt" = excluded."runAt", "lastError" = NULL, "finishedAt" = NULL,
      "updatedAt" = excluded."updatedAt"`;
}

/** Queues work unless the key exists already, whatever its state (recurring jobs seed themselves so). */
export async function enqueueOnce(db: Database | Tx, job: NewJob, now: Date): Promise<void> {
  await db.$executeRaw`
    INSERT INTO "Job" ("id", "shopId", "queue", "key", "payload", "status", "maxAttempts", "runAt", "createdAt", "updatedAt")
    VALUES (${randomUUID()}, ${job.shopId ?? null}, ${job.queue}, ${job.key}, ${JSON.stringify(job.payload ?? {})}, 'pending', ${job.maxAttempts ?? DEFAULT_MAX_ATTEMPTS}, ${job.runAt ?? now}, ${now}, ${now})
    ON CONFLICT ("queue", "key") DO NOTHING`;
}

/**
 * A recurring job's row, created at its first start (due now) and revived when it was
 * dead-lettered, so a restart resumes the schedule; a pending or running one is left alone.
 */
export async function ensureRecurring(db: Database, job: NewJob, now: Date): Promise<void> {
  await enqueueOnce(db, job, now);
  await db.$executeRaw`
    UPDATE "Job" SET "status" = 'pending', "attempts" = 0, "runAt" = ${now}, "finishedAt" = NULL, "updatedAt" = ${now}
    WHERE "queue" = ${job.queue} AND "key" = ${job.key} AND "status" IN ('failed', 'done')`;
}

// ------------------------------------------------------------------- claiming and finishing

/**
 * Claims up to `limit` due jobs of one queue: pending ones whose time has come, and running ones
 * whose worker stopped renewing (it died). On PostgreSQL the candidates are locked with
 * `FOR UPDATE SKIP LOCKED`, so workers in several processes each take different rows without
 * waiting on one another; SQLite has one writer at a time, so the same statement without the
 * lock clause is atomic there.
 */
export async function claimJobs(db: Database, queue: string, options: { owner: string; now: Date; limit?: number; leaseMs?: number }): Promise<Job[]> {
  const { owner, now } = options;
  const limit = options.limit ?? 1;
  const until = new Date(now.getTime() + (options.leaseMs ?? LEASE_MS));
  // RETURNING follows no order: the oldest due first, as claimed.
  const oldestFirst = (jobs: Job[]) => jobs.sort((a, b) => new Date(a.runAt).getTime() - new Date(b.runAt).getTime());
  if (isSqlite(db)) {
    return oldestFirst(await db.$queryRaw<Job[]>`
      UPDATE "Job" SET "status" = 'running', "lockedBy" = ${owner}, "lockedUntil" = ${until}, "attempts" = "attempts" + 1, "updatedAt" = ${now}
      WHERE "id" IN (
        SELECT "id" FROM "Job"
        WHERE "queue" = ${queue} AND "status" IN ('pending', 'running') AND "runAt" <= ${now} AND ("lockedUntil" IS NULL OR "lockedUntil" < ${now})
        ORDER BY "runAt" LIMIT ${limit})
      RETURNING *`);
  }
  return oldestFirst(await db.$queryRaw<Job[]>`
    UPDATE "Job" SET "status" = 'running', "lockedBy" = ${owner}, "lockedUntil" = ${until}, "attempts" = "attempts" + 1, "updatedAt" = ${now}
    WHERE "id" IN (
      SELECT "id" FROM "Job"
      WHERE "queue" = ${queue} AND "status" IN ('pending', 'running') AND "runAt" <= ${now} AND ("lockedUntil" IS NULL OR "lockedUntil" < ${now})
      ORDER BY "runAt" LIMIT ${limit}
      FOR UPDATE SKIP LOCKED)
    RETURNING *`);
}

/** The queues with work due now: one statement per runner tick, however many queues there are. */
export async function dueQueues(db: Database, now: Date): Promise<string[]> {
  const rows = await db.$queryRaw<{ queue: string }[]>`
    SELECT DISTINCT "queue" FROM "Job"
    WHERE "status" IN ('pending', 'running') AND "runAt" <= ${now} AND ("lockedUntil" IS NULL OR "lockedUntil" < ${now})`;
  return rows.map((row) => row.queue);
}

/** Extends the lease while the work runs; false when another worker has taken the job over. */
export async function renewJobs(db: Database, ids: readonly string[], owner: string, now: Date, leaseMs = LEASE_MS): Promise<boolean> {
  const until = new Date(now.getTime() + leaseMs);
  let renewed = 0;
  for (const id of ids) {
    renewed += await db.$executeRaw`UPDATE "Job" SET "lockedUntil" = ${until} WHERE "id" = ${id} AND "lockedBy" = ${owner}`;
  }
  return renewed === ids.length;
}

/**
 * A run finished. Done, unless the job was queued again meanwhile (its version moved: it stays
 * pending for the newer payload) or it asks to run `again` (a recurring job, or a long one that
 * continues later: its attempts start afresh).
 */
export async function completeJob(db: Database, job: Pick<Job, "id" | "version">, owner: string, now: Date, again?: Date): Promise<void> {
  if (again) {
    await db.$executeRaw`
      UPDATE "Job" SET "status" = 'pending', "runAt" = ${again}, "attempts" = 0, "lockedBy" = NULL, "lockedUntil" = NULL, "lastError" = NULL, "updatedAt" = ${now}
      WHERE "id" = ${job.id} AND "lockedBy" = ${owner}`;
    return;
  }
  const done = await db.$executeRaw`
    UPDATE "Job" SET "status" = 'done', "finishedAt" = ${now}, "lockedBy" = NULL, "lockedUntil" = NULL, "lastError" = NULL, "updatedAt" = ${now}
    WHERE "id" = ${job.id} AND "lockedBy" = ${owner} AND "version" = ${job.version}`;
  if (done === 0) await requeueChanged(db, job.id, owner, now, null);
}

/** Queued again while it ran: due now, fresh attempts, for the newer payload. */
async function requeueChanged(db: Database, id: string, owner: string, now: Date, lastError: string | null): Promise<void> {
  await db.$executeRaw`
    UPDATE "Job" SET "status" = 'pending', "runAt" = ${now}, "attempts" = 0, "lockedBy" = NULL, "lockedUntil" = NULL, "lastError" = ${lastError}, "updatedAt" = ${now}
    WHERE "id" = ${id} AND "lockedBy" = ${owner}`;
}

/**
 * A run failed: retried after the back-off, or kept as failed with its reason (the dead letter)
 * when the error is terminal or the attempts are spent. A job queued again meanwhile is due at
 * once with fresh attempts: the failure was the old payload's.
 */
export async function failJob(
  db: Database,
  job: Pick<Job, "id" | "version" | "attempts" | "maxAttempts">,
  owner: string,
  error: unknown,
  now: Date,
  delaysMs?: readonly number[],
): Promise<"retrying" | "failed"> {
  const plan = retryPlan({ attempts: job.attempts, maxAttempts: job.maxAttempts, terminal: isTerminalError(error) }, now, delaysMs);
  const message = storedError(error);
  const updated = plan.retry
    ? await db.$executeRaw`
        UPDATE "Job" SET "status" = 'pending', "runAt" = ${plan.runAt}, "lastError" = ${message}, "lockedBy" = NULL, "lockedUntil" = NULL, "updatedAt" = ${now}
        WHERE "id" = ${job.id} AND "lockedBy" = ${owner} AND "version" = ${job.version}`
    : await db.$executeRaw`
        UPDATE "Job" SET "status" = 'failed', "finishedAt" = ${now}, "lastError" = ${message}, "lockedBy" = NULL, "lockedUntil" = NULL, "updatedAt" = ${now}
        WHERE "id" = ${job.id} AND "lockedBy" = ${owner} AND "version" = ${job.version}`;
  if (updated === 0) {
    await requeueChanged(db, job.id, owner, now, message);
    return "retrying";
  }
  return plan.retry ? "retrying" : "failed";
}

// ------------------------------------------------------------------- operators

/** A failed job (or a done one) due again now, with fresh attempts: `roost jobs:replay`, Retry buttons. */
export async function replayJob(db: Database | Tx, where: { id: string } | { queue: string; key: string }, now: Date): Promise<boolean> {
  const filter = "id" in where ? { id: where.id } : { queue: where.queue, key: where.key };
  const { count } = await db.job.updateMany({
    where: { ...filter, status: { in: ["failed", "done"] } },
    data: { status: "pending", attempts: 0, runAt: now, lastError: null, finishedAt: null, updatedAt: now },
  });
  return count > 0;
}

export interface JobFilter {
  queue?: string;
  shopId?: string;
  status?: JobStatus;
  limit?: number;
}

/** Jobs, newest first: the CLI's `jobs` and the dead letters an operator looks at. */
export function listJobs(db: Database, filter: JobFilter = {}): Promise<Job[]> {
  return db.job.findMany({
    where: { ...(filter.queue ? { queue: filter.queue } : {}), ...(filter.shopId ? { shopId: filter.shopId } : {}), ...(filter.status ? { status: filter.status } : {}) },
    orderBy: { updatedAt: "desc" },
    take: filter.limit ?? 50,
  });
}

/** How many jobs of each queue are in each state (operators, the health page). */
export async function jobCounts(db: Database, shopId?: string): Promise<Record<string, Partial<Record<JobStatus, number>>>> {
  const rows = await db.job.groupBy({ by: ["queue", "status"], where: shopId ? { shopId } : {}, _count: { _all: true } });
  const counts: Record<string, Partial<Record<JobStatus, number>>> = {};
  for (const row of rows) (counts[row.queue] ??= {})[row.status as JobStatus] = row._count._all;
  return counts;
}

// ------------------------------------------------------------------- holding a lease

/** The lease on claimed work was taken over: the worker stops, and leaves the rows alone. */
export class LeaseLostError extends Error {
  constructor() {
    super("the lease was taken over by another worker");
    this.name = "LeaseLostError";
  }
}

/**
 * Runs `work` while renewing its lease every `everyMs`; the signal aborts when a renewal finds
 * the lease taken over. Work that finishes within one interval costs no renewal at all.
 */
export async function holdLease<T>(renew: () => Promise<boolean>, work: (signal: AbortSignal) => Promise<T>, everyMs = RENEW_EVERY_MS): Promise<T> {
  const controller = new AbortController();
  const timer = setInterval(() => {
    renew().then(
      (held) => {
        if (!held) controller.abort(new LeaseLostError());
      },
      () => undefined, // a renewal that fails (database briefly away) is tried again next interval
    );
  }, everyMs);
  timer.unref();
  try {
    return await work(controller.signal);
  } finally {
    clearInterval(timer);
  }
}
