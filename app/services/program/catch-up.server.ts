import type { Prisma } from "@prisma/client";
import { type Database, isUniqueViolation } from "../../db.server";
import type { Clock } from "../../lib/clock";
import { enqueue, type Job, LeaseLostError, replayJob, storedError } from "../jobs/queue.server";
import type { JobContext, JobOutcome, QueueDefinition } from "../jobs/runner.server";
import type { CapStore } from "../ledger/cap.server";
import { formatWhen } from "../members/format";
import type { ProgramSettings } from "./form";
import { parseShopSettings, type Program } from "./settings";
import { shopDay } from "../../lib/shop-day";
import type { AwardResult } from "../ledger/earn.server";
import type { LedgerDeps, LedgerShop } from "../ledger/types";
import { shopifyOrderKey } from "../ledger/keys";
import type { SignalDeps, SignalShop } from "../signals/deps";
import { settleStoredOrder } from "../signals/orders.server";

// The program catch-up (DESIGN, "Eligible amount": the mirror keeps the components so the amount
// can be recomputed when the setting changes; "Earning": orders before the start date earn only
// with the retroactive backfill opted in). A settings change that reaches back into stored orders
// queues a ProgramJob, and its `catch-up` job on the queue (key: the ProgramJob id), in the same
// transaction as the change and its audit row; the job runner walks the shop's orders in batches:
//   1. recompute: every order's eligibleAmount = linesAmount (+ shippingAmount when counted), one
//      set-based UPDATE per batch;
//   2. award: paid orders the change made eligible and that have no award go through
//      settleShopifyOrder, the same path as live orders (caps, tiers, journeys, refunds,
//      write-back). Awards already granted keep their terms: the ledger is append-only.
// The cursor is saved after every batch, so a crash resumes where it stopped; the ledger's
// idempotency keys make a batch done twice award once. The queue's lease keeps two workers
// apart, and every write to the ProgramJob checks that the lease is still the run's. The
// ProgramJob stays the merchant-facing record (status, phase, progress, last error); attempts,
// back-off and the dead letter are its Job row's.

/** The queue's name, and the ProgramJob's kind. */
export const CATCH_UP = "catch-up";
const OPEN = ["pending", "running"];
/** A paid order, as the ledger's earning rule reads financial status (ledger.server.ts PAID_STATES). */
const PAID = ["paid", "partially_refunded", "refunded"];
const DAY_MS = 24 * 3600_000;

export const DEFAULT_BATCH_SIZE = 200;
export const MAX_ATTEMPTS = 5;
/** Wait after the Nth failed attempt: 10 s, 1 min, 5 min, then 15 min. */
export const RETRY_DELAYS_MS = [10_000, 60_000, 300_000, 900_000] as const;
/**
 * How often the job of an uninstalled shop looks again. It waits rather than fails: failing
 * would spend its attempts, and a merchant who reinstalls next week would find it failed.
 */
export const INACTIVE_RECHECK_MS = 5 * 60_000;

export type ProgramJob = Awaited<ReturnType<Database["programJob"]["findUniqueOrThrow"]>>;
type Tx = Parameters<Parameters<Database["$transaction"]>[0]>[0];

/** What a program change leaves to do on the orders Roost already stores. */
export interface CatchUpScope {
  /** count-shipping changed: every stored order's eligible amount follows it. */
  recompute: boolean;
  /** Backfilled orders may earn now (retroactive turned on, or the program back on with it). */
  awardBackfilled: boolean;
  /** The start moved earlier: live orders processed before this shop-local day (the old start) may earn now. */
  awardBeforeDay: string | null;
}

/**
 * The catch-up a change from `before` to `after` calls for, or null. Turning retroactive on (or
 * the program back on while it is retroactive) opens the backfilled orders; moving the effective
 * start earlier (unset = the install day) opens the live orders between the two starts.
 * Changes that only narrow earning (later start, retroactive off) leave past awards alone.
 */
export function catchUpFor(before: ProgramSettings, after: ProgramSettings, shop: { timezone: string; installedAt: Date }): CatchUpScope | null {
  const installDay = shopDay(shop.installedAt, shop.timezone);
  const wasStart = before.program.startDate ?? installDay;
  const nowStart = after.program.startDate ?? installDay;
  const scope: CatchUpScope = {
    recompute: before.countShipping !== after.countShipping,
    awardBackfilled: after.program.enabled && after.program.retroactive && !(before.program.enabled && before.program.retroactive),
    awardBeforeDay: nowStart < wasStart ? wasStart : null,
  };
  return scope.recompute || scope.awardBackfilled || scope.awardBeforeDay ? scope : null;
}

const laterDay = (a: string | null, b: string | null) => (a && b ? (a > b ? a : b) : (a ?? b));

/**
 * Queues the catch-up inside the settings transaction. A shop keeps at most one unfinished job:
 * a later change widens it (the union of what both ask) and restarts its walk from the first
 * order, since the settings it reads have changed; a worker mid-walk sees the new generation
 * and starts over. Either way its queue job is due now with fresh attempts (latest wins). Done
 * or failed jobs stay as the record of what happened.
 */
export async function queueCatchUp(tx: Tx | Database, shopId: string, scope: CatchUpScope, clock: Clock): Promise<ProgramJob> {
  const now = clock.now();
  // After the shop row's update in the same transaction: on PostgreSQL a concurrent save waits
  // on that row lock and then sees this job, so two saves never queue two jobs.
  const open = await tx.programJob.findFirst({ where: { shopId, kind: CATCH_UP, status: { in: OPEN } }, orderBy: { createdAt: "desc" } });
  let job: ProgramJob;
  if (!open) {
    job = await tx.programJob.create({ data: { shopId, kind: CATCH_UP, ...scope, phase: scope.recompute ? "recompute" : "award", createdAt: now } });
  } else {
    const merged: CatchUpScope = {
      recompute: open.recompute || scope.recompute,
      awardBackfilled: open.awardBackfilled || scope.awardBackfilled,
      awardBeforeDay: laterDay(open.awardBeforeDay, scope.awardBeforeDay),
    };
    job = await tx.programJob.update({
      where: { id: open.id },
      data: { ...merged, phase: merged.recompute ? "recompute" : "award", cursor: null, total: 0, processed: 0, generation: { increment: 1 }, lastError: null },
    });
  }
  await enqueue(tx, { queue: CATCH_UP, key: job.id, shopId, maxAttempts: MAX_ATTEMPTS }, now);
  return job;
}

// ------------------------------------------------------------------- running

/** The order signal's entry for a stored order (app/services/signals), or a test's stand-in. */
export type SettleOrder = (deps: SignalDeps, shop: SignalShop, orderGid: string) => Promise<AwardResult | null>;

export interface CatchUpOptions {
  batchSize?: number;
  /** The one settle path (default settleStoredOrder); tests pass one that fails on cue. */
  settle?: SettleOrder;
}

/**
 * The `catch-up` queue: one job per ProgramJob. A run walks its job to the end, batch by batch.
 * A failure throws, so the queue retries it from the saved cursor after the back-off; when the
 * attempts are spent (or the error is terminal), `onFailed` keeps the ProgramJob as failed.
 */
export function catchUpQueue(deps: { capStore?: CapStore }, options: CatchUpOptions = {}): QueueDefinition {
  return {
    queue: CATCH_UP,
    retryDelaysMs: RETRY_DELAYS_MS,
    run: async ([job], context) => runCatchUp({ ...context, capStore: deps.capStore }, job, options),
    onFailed: async (job, error, { db, clock }) => {
      await db.programJob.updateMany({
        where: { id: job.key, status: { not: "done" } },
        data: { status: "failed", lastError: storedError(error, 1000), finishedAt: clock.now() },
      });
    },
  };
}

interface Step {
  /** Where the next batch starts; null when this phase is complete. */
  cursor: string | null;
  processed: number;
  recomputed: number;
  awarded: number;
}

/**
 * Writes to the ProgramJob only while the run holds its Job's lease, in one transaction that
 * first touches the Job row: on PostgreSQL that row lock makes a worker taking the job over wait
 * until the write is in, and once one has, this run finds no row and writes nothing more.
 */
async function whileHeld<T>(db: Database, queued: Job, clock: Clock, write: (tx: Tx) => Promise<T>): Promise<T> {
  return db.$transaction(async (tx) => {
    const { count } = await tx.job.updateMany({ where: { id: queued.id, lockedBy: queued.lockedBy }, data: { updatedAt: clock.now() } });
    if (count === 0) throw new LeaseLostError();
    return write(tx);
  });
}

/** Between batches: a lost lease stops the run (a throw); the runner stopping leaves the rest for later. */
function interrupted(signal: AbortSignal, clock: Clock): JobOutcome | null {
  if (!signal.aborted) return null;
  if (signal.reason instanceof LeaseLostError) throw signal.reason;
  return { again: clock.now() };
}

/**
 * Runs one claimed job until it is done, its shop uninstalls (it waits: `{ again }`), its lease
 * is lost or the runner stops, saving the cursor and counts after every batch. A failure is noted
 * on the ProgramJob and thrown: the queue retries or dead-letters it.
 */
async function runCatchUp(deps: LedgerDeps & Pick<JobContext, "signal">, queued: Job, options: CatchUpOptions): Promise<JobOutcome> {
  const { db, clock, signal } = deps;
  const id = queued.key;
  let job = await db.programJob.findUnique({ where: { id } });
  // Erased with its shop, or finished by an earlier run (the row was queued again while that run
  // walked): nothing to do. A failed one claimed again was replayed (Retry, `roost jobs:replay`).
  if (!job || job.status === "done") return;
  const wait = async (): Promise<JobOutcome> => {
    await whileHeld(db, queued, clock, (tx) => tx.programJob.updateMany({ where: { id, status: { in: OPEN } }, data: { status: "pending" } }));
    return { again: new Date(clock.now().getTime() + INACTIVE_RECHECK_MS) };
  };
  if (!(await db.shop.findUnique({ where: { id: job.shopId }, select: { installed: true } }))?.installed) return wait();
  const settle = options.settle ?? settleStoredOrder;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;

  try {
    const startedAt = clock.now();
    await whileHeld(db, queued, clock, async (tx) => {
      await tx.programJob.update({ where: { id }, data: { status: "running", finishedAt: null } });
      await tx.programJob.updateMany({ where: { id, startedAt: null }, data: { startedAt } });
    });
    job = await db.programJob.findUniqueOrThrow({ where: { id } });
    for (;;) {
      const stop = interrupted(signal, clock);
      if (stop) return stop;
      // Fresh each batch: the settings (and installed state) may change while the job runs.
      const shop = await db.shop.findUnique({ where: { id: job.shopId } });
      if (!shop?.installed) return await wait();
      const walking: ProgramJob = job;
      if (walking.cursor === null && walking.processed === 0) {
        // A phase starts: its total is saved first, so progress reads "n of total" from the start.
        const total = await phaseTotal(db, shop, walking);
        const { count } = await whileHeld(db, queued, clock, (tx) => tx.programJob.updateMany({ where: { id, generation: walking.generation }, data: { total } }));
        if (count === 1) walking.total = total;
      }
      const step = walking.phase === "recompute" ? await recomputeBatch(db, shop, walking, batchSize, clock) : await awardBatch({ ...deps, settle }, shop, walking, batchSize);
      const processed = walking.processed + step.processed;
      const counts = { processed, total: Math.max(walking.total, processed), recomputed: walking.recomputed + step.recomputed, awarded: walking.awarded + step.awarded };
      const nextPhase = step.cursor === null && walking.phase === "recompute" && hasAwardScope(walking) ? "award" : null;
      const finished = step.cursor === null && !nextPhase;
      const data = finished
        ? { ...counts, cursor: null, status: "done", finishedAt: clock.now(), lastError: null }
        : nextPhase
          ? { ...counts, phase: nextPhase, cursor: null, processed: 0, total: 0 }
          : { ...counts, cursor: step.cursor };
      const saved = await whileHeld(db, queued, clock, async (tx) => {
        const { count } = await tx.programJob.updateMany({ where: { id, generation: walking.generation }, data });
        // Widened by a later change (a new generation): what this batch did still counts; the
        // walk starts over.
        if (count === 0) await tx.programJob.updateMany({ where: { id }, data: { recomputed: { increment: step.recomputed }, awarded: { increment: step.awarded } } });
        return count === 1;
      });
      const fresh = await db.programJob.findUnique({ where: { id } });
      if (!fresh) return;
      job = fresh;
      if (saved && finished) {
        deps.logger.info({ job: id, recomputed: job.recomputed, processed: job.processed, awarded: job.awarded }, "program catch-up done");
        return;
      }
    }
  } catch (error) {
    if (error instanceof LeaseLostError) {
      deps.logger.warn({ job: id }, "program catch-up lease was taken over; stopping");
      throw error;
    }
    // Shown on the Settings page while the queue retries it.
    try {
      await whileHeld(db, queued, clock, (tx) => tx.programJob.updateMany({ where: { id, status: { in: OPEN } }, data: { status: "pending", lastError: storedError(error, 1000) } }));
    } catch (noted) {
      if (noted instanceof LeaseLostError) throw noted;
    }
    throw error;
  }
}

const hasAwardScope = (job: Pick<ProgramJob, "awardBackfilled" | "awardBeforeDay">) => job.awardBackfilled || job.awardBeforeDay !== null;

/** The orders a phase walks: every stored order to recompute; the candidates to award. */
async function phaseTotal(db: Database, shop: LedgerShop, job: ProgramJob): Promise<number> {
  if (job.phase === "recompute") return db.order.count({ where: { shopId: shop.id } });
  const where = candidates(job, shop, parseShopSettings(shop.settings).program);
  return where ? db.order.count({ where }) : 0;
}

/** Phase 1: eligibleAmount from its stored components, one set-based statement per batch of orders. */
async function recomputeBatch(db: Database, shop: LedgerShop, job: ProgramJob, batchSize: number, clock: Clock): Promise<Step> {
  const rows = await db.order.findMany({
    where: { shopId: shop.id, ...(job.cursor !== null ? { gid: { gt: job.cursor } } : {}) },
    orderBy: { gid: "asc" },
    take: batchSize,
    select: { gid: true },
  });
  if (rows.length === 0) return { cursor: null, processed: 0, recomputed: 0, awarded: 0 };
  const shipping = parseShopSettings(shop.settings).countShipping ? 1 : 0;
  const first = rows[0].gid;
  const last = rows[rows.length - 1].gid;
  // A range over the (shopId, gid) index rather than an id list: a composed IN (…) fragment is
  // tied to one generated client (see members/search.server.ts). An order created inside the
  // range meanwhile is recomputed too, which is what it needs. Only rows that differ are written.
  // The sum is eligibleFromParts (mirror/eligible.ts), in SQL.
  const recomputed = await db.$executeRaw`
    UPDATE "Order" SET "eligibleAmount" = "linesAmount" + "shippingAmount" * ${shipping}, "updatedAt" = ${clock.now()}
    WHERE "shopId" = ${shop.id} AND "gid" >= ${first} AND "gid" <= ${last}
      AND "eligibleAmount" <> "linesAmount" + "shippingAmount" * ${shipping}`;
  return { cursor: rows.length < batchSize ? null : last, processed: rows.length, recomputed, awarded: 0 };
}

/**
 * The orders a catch-up may award, as a superset the ledger's own rule (`ineligibility`) then
 * decides on exactly: paid, not deleted, and either backfilled (when retroactive) or live and
 * processed between the current start and the old one. Day bounds are widened by a day for the
 * shop's timezone; the exact shop-local day is checked per order. Null: nothing can earn.
 */
function candidates(job: ProgramJob, shop: LedgerShop, program: Program): Prisma.OrderWhereInput | null {
  if (!program.enabled) return null;
  const branches: Prisma.OrderWhereInput[] = [];
  if (job.awardBackfilled && program.retroactive) branches.push({ backfilled: true });
  if (job.awardBeforeDay) {
    const start = program.startDate ?? shopDay(shop.installedAt, shop.timezone);
    if (start < job.awardBeforeDay) {
      branches.push({
        backfilled: false,
        processedAt: { gte: new Date(Date.parse(`${start}T00:00:00Z`) - DAY_MS), lt: new Date(Date.parse(`${job.awardBeforeDay}T00:00:00Z`) + DAY_MS) },
      });
    }
  }
  if (branches.length === 0) return null;
  return { shopId: shop.id, deletedAt: null, financialStatus: { in: PAID }, OR: branches };
}

const awardCursor = (at: Date, gid: string) => `${at.toISOString()} ${gid}`;
function afterCursor(cursor: string | null): Prisma.OrderWhereInput {
  if (cursor === null) return {};
  const space = cursor.indexOf(" ");
  const at = new Date(cursor.slice(0, space));
  const gid = cursor.slice(space + 1);
  return { OR: [{ processedAt: { gt: at } }, { processedAt: at, gid: { gt: gid } }] };
}

/**
 * Phase 2: oldest first, so first purchases, tier promotions and multipliers follow the order the
 * purchases happened in. An order that already has an award (earn or held) is skipped: its terms
 * stand. Each other one goes through the one settle path.
 */
async function awardBatch(deps: LedgerDeps & { settle: SettleOrder }, shop: LedgerShop, job: ProgramJob, batchSize: number): Promise<Step> {
  const { db } = deps;
  const { program } = parseShopSettings(shop.settings);
  const where = candidates(job, shop, program);
  if (!where) return { cursor: null, processed: 0, recomputed: 0, awarded: 0 };
  const rows = await db.order.findMany({
    where: { AND: [where, afterCursor(job.cursor)] },
    orderBy: [{ processedAt: "asc" }, { gid: "asc" }],
    take: batchSize,
    select: { gid: true, processedAt: true, backfilled: true },
  });
  if (rows.length === 0) return { cursor: null, processed: 0, recomputed: 0, awarded: 0 };
  const keys = rows.map((row) => shopifyOrderKey(row.gid));
  const existing = await db.ledgerEntry.findMany({ where: { shopId: shop.id, awardKey: { in: keys }, kind: { in: ["earn", "held"] } }, select: { awardKey: true } });
  const awarded = new Set(existing.map((entry) => entry.awardKey));
  let count = 0;
  for (const row of rows) {
    if (awarded.has(shopifyOrderKey(row.gid))) continue;
    if (!row.backfilled && job.awardBeforeDay && shopDay(row.processedAt, shop.timezone) >= job.awardBeforeDay) continue;
    const result = await settleOnce(deps, shop, row.gid);
    if (result?.status === "awarded" || result?.status === "held") count += 1;
  }
  const last = rows[rows.length - 1];
  return { cursor: rows.length < batchSize ? null : awardCursor(last.processedAt, last.gid), processed: rows.length, recomputed: 0, awarded: count };
}

/** A live delivery settling the same order at the same moment wins its unique key; settling again then finds its award. */
async function settleOnce(deps: LedgerDeps & { settle: SettleOrder }, shop: LedgerShop, gid: string): Promise<AwardResult | null> {
  try {
    return await deps.settle(deps, shop, gid);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return deps.settle(deps, shop, gid);
  }
}

// ------------------------------------------------------------------- status, retry

export interface CatchUpView {
  id: string;
  status: string;
  phase: string;
  recompute: boolean;
  awardBackfilled: boolean;
  awardBeforeDay: string | null;
  total: number;
  processed: number;
  recomputed: number;
  awarded: number;
  /** Its queue job's attempts since it was last queued or retried. */
  attempts: number;
  lastError: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

function toView(job: ProgramJob, queued: Pick<Job, "attempts"> | null): CatchUpView {
  return {
    id: job.id,
    status: job.status,
    phase: job.phase,
    recompute: job.recompute,
    awardBackfilled: job.awardBackfilled,
    awardBeforeDay: job.awardBeforeDay,
    total: job.total,
    processed: job.processed,
    recomputed: job.recomputed,
    awarded: job.awarded,
    attempts: queued?.attempts ?? 0,
    lastError: job.lastError,
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
  };
}

/** The shop's latest catch-up, for the Settings page and the CLI; null when there never was one. */
export async function latestCatchUp(db: Database, shopId: string): Promise<CatchUpView | null> {
  const job = await db.programJob.findFirst({ where: { shopId, kind: CATCH_UP }, orderBy: { createdAt: "desc" } });
  return job ? toView(job, await queueJob(db, job.id)) : null;
}

const queueJob = (db: Database | Tx, id: string) => db.job.findUnique({ where: { queue_key: { queue: CATCH_UP, key: id } }, select: { attempts: true } });

const count = (value: number) => value.toLocaleString("en-US");

/** "backfilled orders", or with a count: "1 backfilled order", "6 backfilled orders". */
function awardTarget(scope: Pick<CatchUpScope, "awardBackfilled" | "awardBeforeDay">, n?: number): string {
  const noun = n === 1 ? "order" : "orders";
  const counted = n === undefined ? "" : `${count(n)} `;
  if (scope.awardBackfilled && scope.awardBeforeDay) return `${counted}${noun} the change made eligible`;
  if (scope.awardBackfilled) return `${counted}backfilled ${noun}`;
  return `${counted}${noun} processed before ${scope.awardBeforeDay}`;
}

/** What a save leaves to the background, in the merchant's words ("Backfilled orders will be awarded"). */
export function catchUpPlan(scope: CatchUpScope): string {
  const award = `${awardTarget(scope)} that earn under the new settings`;
  const awarding = scope.awardBackfilled || scope.awardBeforeDay !== null;
  if (scope.recompute && awarding) return `The eligible amounts of stored orders will be recomputed and ${award} awarded, in the background`;
  if (scope.recompute) return "The eligible amounts of stored orders will be recomputed in the background";
  return `${award[0].toUpperCase()}${award.slice(1)} will be awarded in the background`;
}

/** The latest catch-up with a sentence for the Settings page; null when there never was one. */
export async function catchUpStatus(db: Database, shop: { id: string; timezone: string }): Promise<(CatchUpView & { message: string }) | null> {
  const job = await latestCatchUp(db, shop.id);
  return job ? { ...job, message: describeCatchUp(job, shop.timezone) } : null;
}

export function describeCatchUp(job: CatchUpView, timezone: string): string {
  const awarding = job.awardBackfilled || job.awardBeforeDay !== null;
  const progress =
    job.phase === "recompute"
      ? `recomputing eligible amounts: ${count(job.processed)} of ${count(job.total)} stored orders`
      : `awarding ${awardTarget(job)}: ${count(job.processed)} of ${count(job.total)} processed, ${count(job.awarded)} awarded`;
  if (job.status === "done") {
    const parts = [
      ...(job.recompute ? [`${count(job.recomputed)} ${job.recomputed === 1 ? "eligible amount" : "eligible amounts"} changed`] : []),
      ...(awarding ? [`${awardTarget(job, job.processed)} checked, ${count(job.awarded)} awarded`] : []),
    ];
    return `Stored orders updated ${job.finishedAt ? formatWhen(job.finishedAt, timezone) : ""}: ${parts.join("; ")}.`;
  }
  if (job.status === "failed") return `Updating stored orders failed: ${job.lastError ?? "unknown error"}. Stopped while ${progress}.`;
  if (!job.startedAt) return `Queued: ${catchUpPlan(job).replace(/^./, (first) => first.toLowerCase())}.`;
  const retry = job.lastError ? ` The last attempt failed (${job.lastError}); it is retried.` : "";
  return `Updating stored orders, ${progress}.${retry}`;
}

/**
 * Queues the shop's latest catch-up again after it failed, from its cursor, with a fresh set of
 * attempts (the Settings page's Retry, the CLI): its Job is replayed. Null when the latest one
 * did not fail (an unfinished one runs anyway).
 */
export async function retryCatchUp(db: Database, shopId: string, clock: Clock): Promise<CatchUpView | null> {
  const now = clock.now();
  return db.$transaction(async (tx) => {
    const job = await tx.programJob.findFirst({ where: { shopId, kind: CATCH_UP }, orderBy: { createdAt: "desc" } });
    if (job?.status !== "failed") return null;
    const { count } = await tx.programJob.updateMany({ where: { id: job.id, status: "failed" }, data: { status: "pending", finishedAt: null } });
    if (count === 0) return null;
    // One that failed before the queue took catch-ups over has no Job row: it gets one.
    if (!(await replayJob(tx, { queue: CATCH_UP, key: job.id }, now))) await enqueue(tx, { queue: CATCH_UP, key: job.id, shopId, maxAttempts: MAX_ATTEMPTS }, now);
    return toView(await tx.programJob.findUniqueOrThrow({ where: { id: job.id } }), await queueJob(tx, job.id));
  });
}
