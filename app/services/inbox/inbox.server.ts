import { Prisma } from "@prisma/client";
import { type Database, type Db, isSqlite } from "../../db.server";
import type { Clock } from "../../lib/clock";
import type { QueueDefinition } from "../jobs/runner.server";
import { DEFAULT_MAX_ATTEMPTS, LEASE_MS, newOwner, retryPlan, storedError } from "../jobs/queue.server";

// The inbox is a queue whose rows are Shopify's deliveries: claimed, renewed, retried and
// dead-lettered by the job queue's rules (app/services/jobs/queue.server.ts), from its own
// table, since each row is also the durable, deduplicated record of what Shopify sent.

/**
 * Processing attempts before a delivery is dead-lettered. With the queue's delays the last
 * attempt runs about 18 hours after the first: longer than Shopify's own retry window
 * (8 tries over 4 hours), so a bad deploy that is fixed the same day loses nothing.
 */
export const MAX_ATTEMPTS = DEFAULT_MAX_ATTEMPTS;
/**
 * Deepest nesting a stored payload may have before anything walks it (the worker's parse, the
 * redact's scrub). Shopify's payloads nest about 6 deep (order → line item → discount
 * allocation → money set).
 */
export const MAX_PAYLOAD_DEPTH = 64;

/**
 * `parked`: for a shop Roost has no installation record for (no Shop row); released to pending
 * when it installs. `unhandled`: arrived on the catch-all route, so its topic is only an
 * unsigned header: kept, never processed, never replayed.
 */
export const DELIVERY_STATUSES = ["pending", "processed", "failed", "dead", "parked", "unhandled"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export type Delivery = Awaited<ReturnType<Database["webhookDelivery"]["findUniqueOrThrow"]>>;

export interface IncomingDelivery {
  shopDomain: string;
  /** As Shopify sends it in X-Shopify-Topic, e.g. "orders/paid". */
  topic: string;
  webhookId: string;
  eventId?: string | null;
  apiVersion: string;
  triggeredAt?: Date | null;
  /** The raw request body. */
  payload: string;
  /** What it is stored as; `pending` (the default) is picked up by the worker. */
  status?: "pending" | "parked" | "unhandled";
}

export type RecordResult =
  | { outcome: "accepted"; id: string }
  | { outcome: "duplicate"; reason: "webhook-id" | "event-id" };

/**
 * Writes the delivery to the inbox, or reports it as a duplicate: the same webhook id, or the
 * same event id for the same shop and topic. Any other database error propagates, and the
 * route answers 5xx so Shopify retries.
 *
 * One raw `INSERT … ON CONFLICT DO NOTHING` (SQLite and PostgreSQL alike): the table's unique
 * constraints (`webhookId`; `shopDomain, topic, eventId`, where a null event id never
 * conflicts) decide what a duplicate is, exactly as they did for Prisma's `create`, without a
 * unique-violation error to catch. Raw because this runs once per delivery on the ingest path
 * and Prisma's `create` costs about twice as much CPU (docs/performance.md, "After B, C and
 * F"). Dates are bound as `Date`s, so Prisma stores them as it stores its own (ISO text on
 * SQLite, `timestamp(3)` UTC on PostgreSQL) and reads them back as it reads its own.
 */
export async function recordDelivery(
  db: Database,
  delivery: IncomingDelivery,
  clock: Clock,
): Promise<RecordResult> {
  const now = clock.now();
  const id = crypto.randomUUID();
  // A raw NUL is never JSON, and PostgreSQL text cannot hold it: a signed body with one is kept
  // (NUL shown as U+FFFD) as failed with the reason, instead of a 503 that Shopify retries for
  // nothing.
  const unstorable = delivery.payload.includes("\u0000");
  const payload = unstorable ? delivery.payload.replaceAll("\u0000", "\uFFFD") : delivery.payload;
  const status = unstorable ? "failed" : (delivery.status ?? "pending");
  const lastError = unstorable ? "the body holds a raw NUL character: not JSON" : null;
  const inserted = await db.$executeRaw`
    INSERT INTO "WebhookDelivery"
      ("id", "shopDomain", "topic", "webhookId", "eventId", "apiVersion", "triggeredAt", "payload", "status", "lastError", "attempts", "nextAttemptAt", "receivedAt")
    VALUES
      (${id}, ${delivery.shopDomain}, ${delivery.topic}, ${delivery.webhookId}, ${delivery.eventId || null}, ${delivery.apiVersion},
       ${delivery.triggeredAt ?? null}, ${payload}, ${status}, ${lastError}, 0, ${now}, ${now})
    ON CONFLICT DO NOTHING`;
  if (inserted === 1) return { outcome: "accepted", id };
  // Only duplicates get here: say which key matched (the CLI and logs tell them apart).
  const seen = await db.webhookDelivery.findUnique({
    where: { webhookId: delivery.webhookId },
    select: { id: true },
  });
  return { outcome: "duplicate", reason: seen ? "webhook-id" : "event-id" };
}

/** Ids of deliveries due for an attempt, oldest first. */
export async function dueDeliveryIds(db: Database, clock: Clock, limit = 50): Promise<string[]> {
  const now = clock.now();
  const rows = await db.webhookDelivery.findMany({
    where: { status: "pending", nextAttemptAt: { lte: now }, OR: [{ lockedUntil: null }, { lockedUntil: { lt: now } }] },
    orderBy: { receivedAt: "asc" },
    take: limit,
    select: { id: true },
  });
  return rows.map((row) => row.id);
}

/**
 * Takes the lease on the oldest pending, due deliveries (up to `limit`) and returns them, oldest
 * first, in one `UPDATE … RETURNING`: what a worker's drain claims. On PostgreSQL the candidates
 * are locked with `FOR UPDATE SKIP LOCKED`, so workers of several processes each take different
 * rows without waiting on one another; SQLite has one writer at a time, so the same statement
 * without the lock clause is atomic there (as the job queue's claimJobs). An expired lease can
 * be taken over, which is how work survives a crash mid-processing.
 */
export function claimDueDeliveries(db: Database, clock: Clock, owner: string, limit: number): Promise<Delivery[]> {
  return claim(db, clock, owner, Prisma.empty, limit);
}

/**
 * The lease on the given deliveries (a route's kick), those of them still pending, due and not
 * held by another worker, by the same statement as claimDueDeliveries: exactly one worker wins
 * each row. Returned in the order of `ids`, whatever order the database returns them in.
 */
export async function claimDeliveries(db: Database, ids: readonly string[], clock: Clock, owner: string = newOwner()): Promise<Delivery[]> {
  if (ids.length === 0) return [];
  const rows = await claim(db, clock, owner, Prisma.sql`"id" IN (${Prisma.join(ids)}) AND`, ids.length);
  const position = new Map(ids.map((id, index) => [id, index]));
  return rows.sort((a, b) => (position.get(a.id) ?? 0) - (position.get(b.id) ?? 0));
}

async function claim(db: Database, clock: Clock, owner: string, which: Prisma.Sql, limit: number): Promise<Delivery[]> {
  const now = clock.now();
  const leaseUntil = new Date(now.getTime() + LEASE_MS);
  const skipLocked = isSqlite(db) ? Prisma.empty : Prisma.sql`FOR UPDATE SKIP LOCKED`;
  const rows = await db.$queryRaw<Delivery[]>`
    UPDATE "WebhookDelivery"
    SET "lockedBy" = ${owner}, "lockedUntil" = ${leaseUntil}, "attempts" = "attempts" + 1
    WHERE "id" IN (
      SELECT "id" FROM "WebhookDelivery"
      WHERE ${which} "status" = 'pending' AND "nextAttemptAt" <= ${now} AND ("lockedUntil" IS NULL OR "lockedUntil" < ${now})
      ORDER BY "receivedAt" LIMIT ${limit}
      ${skipLocked})
    RETURNING *`;
  // RETURNING follows no order: oldest first, as claimed.
  return rows.sort((a, b) => new Date(a.receivedAt).getTime() - new Date(b.receivedAt).getTime());
}

/** One delivery's claim (claimDeliveries); null when another worker holds it or it is not due. */
export async function claimDelivery(db: Database, id: string, clock: Clock, owner: string = newOwner()): Promise<Delivery | null> {
  return (await claimDeliveries(db, [id], clock, owner))[0] ?? null;
}

/** Extends the lease of deliveries still being processed, in one statement; false when one was taken over. */
export async function renewDeliveries(db: Database, ids: readonly string[], owner: string, now: Date): Promise<boolean> {
  if (ids.length === 0) return true;
  const until = new Date(now.getTime() + LEASE_MS);
  const renewed = await db.$executeRaw`UPDATE "WebhookDelivery" SET "lockedUntil" = ${until} WHERE "id" IN (${Prisma.join(ids)}) AND "lockedBy" = ${owner}`;
  return renewed === ids.length;
}

/**
 * Marks deliveries processed, in one statement: on a batch's transaction (`db` a Tx), with the
 * effects it applied, so a batch is applied and marked processed together or not at all.
 * `lockedBy` stays: which worker (which process, docs/scaling.md) processed the delivery.
 */
export async function completeDeliveries(db: Db, ids: readonly string[], clock: Clock): Promise<void> {
  if (ids.length === 0) return;
  await db.$executeRaw`
    UPDATE "WebhookDelivery"
    SET "status" = 'processed', "processedAt" = ${clock.now()}, "lockedUntil" = NULL, "lastError" = NULL
    WHERE "id" IN (${Prisma.join(ids)})`;
}

/** Marks one delivery processed (completeDeliveries). */
export function completeDelivery(db: Db, id: string, clock: Clock): Promise<void> {
  return completeDeliveries(db, [id], clock);
}

/**
 * Records a failed attempt. Terminal failures (the payload can never be processed) are kept
 * as `failed`; others are retried with back-off until MAX_ATTEMPTS, then `dead`.
 */
export async function failDelivery(
  db: Database,
  delivery: Pick<Delivery, "id" | "attempts">,
  error: { message: string; terminal: boolean },
  clock: Clock,
): Promise<DeliveryStatus> {
  const now = clock.now();
  const plan = retryPlan({ attempts: delivery.attempts, maxAttempts: MAX_ATTEMPTS, terminal: error.terminal }, now);
  const status: DeliveryStatus = plan.retry ? "pending" : error.terminal ? "failed" : "dead";
  await db.webhookDelivery.update({
    where: { id: delivery.id },
    data: { status, lastError: storedError(error.message), lockedBy: null, lockedUntil: null, nextAttemptAt: plan.runAt },
  });
  return status;
}

/**
 * Parks a claimed delivery whose shop has no row (it was erased, or never installed): kept
 * with the reason, not retried, released by `releaseParkedDeliveries` when the shop installs.
 */
export async function parkDelivery(db: Database, id: string, reason: string, clock: Clock): Promise<void> {
  await db.$executeRaw`
    UPDATE "WebhookDelivery"
    SET "status" = 'parked', "lastError" = ${reason.slice(0, 2000)}, "lockedBy" = NULL, "lockedUntil" = NULL, "nextAttemptAt" = ${clock.now()}
    WHERE "id" = ${id}`;
}

/**
 * The shop's parked deliveries back to pending, due now, with a fresh set of attempts (its
 * installation has been recorded). Returns their ids, oldest first, for the worker.
 */
export async function releaseParkedDeliveries(db: Database, shopDomain: string, clock: Clock): Promise<string[]> {
  const rows = await db.$queryRaw<{ id: string; receivedAt: Date }[]>`
    UPDATE "WebhookDelivery"
    SET "status" = 'pending', "attempts" = 0, "nextAttemptAt" = ${clock.now()}, "lockedBy" = NULL, "lockedUntil" = NULL, "lastError" = NULL
    WHERE "shopDomain" = ${shopDomain} AND "status" = 'parked'
    RETURNING "id", "receivedAt"`;
  const received = (row: { receivedAt: Date }) => new Date(row.receivedAt).getTime();
  return rows.sort((a, b) => received(a) - received(b)).map((row) => row.id);
}

export interface DeliveryFilter {
  shopDomain?: string;
  status?: DeliveryStatus;
  limit?: number;
}

export function listDeliveries(db: Database, filter: DeliveryFilter = {}): Promise<Delivery[]> {
  return db.webhookDelivery.findMany({
    where: {
      ...(filter.shopDomain ? { shopDomain: filter.shopDomain } : {}),
      ...(filter.status ? { status: filter.status } : {}),
    },
    orderBy: { receivedAt: "desc" },
    take: filter.limit ?? 100,
  });
}

export type InboxCounts = Record<DeliveryStatus, number>;

export async function inboxCounts(db: Database, shopDomain: string): Promise<InboxCounts> {
  const groups = await db.webhookDelivery.groupBy({
    by: ["status"],
    where: { shopDomain },
    _count: { _all: true },
  });
  const counts = Object.fromEntries(DELIVERY_STATUSES.map((status) => [status, 0])) as InboxCounts;
  for (const group of groups) {
    if ((DELIVERY_STATUSES as readonly string[]).includes(group.status)) {
      counts[group.status as DeliveryStatus] = group._count._all;
    }
  }
  return counts;
}

export class DeliveryNotFoundError extends Error {
  constructor(webhookId: string) {
    super(`No delivery with webhook id ${webhookId}`);
    this.name = "DeliveryNotFoundError";
  }
}

export class DeliveryNotReplayableError extends Error {
  constructor(webhookId: string) {
    super(`Delivery ${webhookId} is unhandled: it arrived on no topic's route, so its topic is unverified and it is never processed`);
    this.name = "DeliveryNotReplayableError";
  }
}

/** Puts a delivery back in the queue with a fresh set of attempts (operator action). */
export async function replayDelivery(
  db: Database,
  webhookId: string,
  clock: Clock,
  shopDomain?: string,
): Promise<Delivery> {
  const existing = await db.webhookDelivery.findUnique({ where: { webhookId } });
  if (!existing || (shopDomain && existing.shopDomain !== shopDomain)) throw new DeliveryNotFoundError(webhookId);
  if (existing.status === "unhandled") throw new DeliveryNotReplayableError(webhookId);
  return db.webhookDelivery.update({
    where: { id: existing.id },
    data: { status: "pending", attempts: 0, nextAttemptAt: clock.now(), lockedBy: null, lockedUntil: null, processedAt: null },
  });
}

/** DESIGN, flow rule 7: how long a processed delivery keeps its payload. */
export const DEFAULT_INBOX_RETENTION_DAYS = 30;

/** ROOST_INBOX_RETENTION_DAYS, a whole number of days (0 drops payloads at the next pass). */
export function inboxRetentionDays(env: Record<string, string | undefined> = process.env): number {
  const raw = env.ROOST_INBOX_RETENTION_DAYS?.trim();
  if (!raw) return DEFAULT_INBOX_RETENTION_DAYS;
  if (!/^\d+$/.test(raw)) throw new Error(`ROOST_INBOX_RETENTION_DAYS must be a whole number of days, got "${raw}"`);
  return Number(raw);
}

/** Deliveries whose processing is over: their payload is no longer needed once retention passes. */
const SETTLED_STATUSES = ["processed", "unhandled"];
const PRUNE_BATCH = 500;

export interface PruneResult {
  /** Deliveries processed before this time lost their payload; parked ones received before it were deleted. */
  cutoff: Date;
  dropped: number;
  deleted: number;
}

/**
 * Inbox retention (DESIGN, flow rule 7): a processed (or unhandled) delivery older than
 * `retentionDays` loses its payload, keeping its row and outcome (status, attempts, error) for
 * `inbox:list` and the counts; a `parked` delivery (for a shop Roost has no installation for)
 * older than that is deleted. Pending, failed and dead deliveries keep their payloads for a
 * retry or `inbox:replay`. In batches, so a large backlog never holds SQLite's write lock long.
 */
export async function pruneInbox(
  db: Database,
  clock: Clock,
  options: { retentionDays: number; shopDomain?: string },
): Promise<PruneResult> {
  if (!Number.isInteger(options.retentionDays) || options.retentionDays < 0) {
    throw new RangeError(`retention must be a whole number of days, got ${options.retentionDays}`);
  }
  const now = clock.now();
  const cutoff = new Date(now.getTime() - options.retentionDays * 24 * 3600_000);
  const shop = options.shopDomain ? { shopDomain: options.shopDomain } : {};
  const result: PruneResult = { cutoff, dropped: 0, deleted: 0 };
  for (;;) {
    const rows = await db.webhookDelivery.findMany({
      where: {
        ...shop,
        status: { in: SETTLED_STATUSES },
        payload: { not: null },
        OR: [{ processedAt: { lt: cutoff } }, { processedAt: null, receivedAt: { lt: cutoff } }],
      },
      select: { id: true },
      take: PRUNE_BATCH,
    });
    if (rows.length === 0) break;
    const { count } = await db.webhookDelivery.updateMany({
      where: { id: { in: rows.map((row) => row.id) }, status: { in: SETTLED_STATUSES }, payload: { not: null } },
      data: { payload: null, payloadDroppedAt: now },
    });
    result.dropped += count;
    if (rows.length < PRUNE_BATCH) break;
  }
  for (;;) {
    const rows = await db.webhookDelivery.findMany({
      where: { ...shop, status: "parked", receivedAt: { lt: cutoff } },
      select: { id: true },
      take: PRUNE_BATCH,
    });
    if (rows.length === 0) break;
    const { count } = await db.webhookDelivery.deleteMany({ where: { id: { in: rows.map((row) => row.id) }, status: "parked" } });
    result.deleted += count;
    if (rows.length < PRUNE_BATCH) break;
  }
  return result;
}

export const INBOX_RETENTION_QUEUE = "inbox-retention";
export const INBOX_RETENTION_INTERVAL_MS = 3600_000;

/**
 * The inbox's retention pass (`pruneInbox`) as a recurring job: at the first start, then hourly.
 * Several processes share the one row, so one pass runs at a time; each pass is idempotent.
 */
export function inboxRetentionQueue(retentionDays: number): QueueDefinition {
  return {
    queue: INBOX_RETENTION_QUEUE,
    recurring: { key: "all" },
    async run(_jobs, { db, clock, logger }) {
      const { dropped, deleted } = await pruneInbox(db, clock, { retentionDays });
      if (dropped || deleted) logger.info({ retentionDays, dropped, deleted }, "inbox payloads past retention dropped");
      return { again: new Date(clock.now().getTime() + INBOX_RETENTION_INTERVAL_MS) };
    },
  };
}
