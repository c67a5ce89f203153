import { randomUUID } from "node:crypto";
import type { Prisma } from "@prisma/client";
import { type Database, isUniqueViolation } from "../../db.server";
import type { Clock } from "../../lib/clock";
import type { Logger } from "../../lib/logger.server";
import { type Periodic, runPeriodically } from "../../lib/periodic.server";
import { formatWhen } from "../members/format";
import type { ProgramSettings } from "./form";
import { parseShopSettings, type Program } from "./settings";
import { shopDay } from "../../lib/shop-day";
import type { AwardResult } from "../ledger/earn.server";
import type { LedgerDeps, LedgerShop } from "../ledger/types";
import { settleShopifyOrder, shopifyOrderKey } from "../ledger/settle.server";

// The program catch-up (DESIGN, "Eligible amount": the mirror keeps the components so the amount
// can be recomputed when the setting changes; "Earning": orders before the start date earn only
// with the retroactive backfill opted in). A settings change that reaches back into stored orders
// queues a ProgramJob in the same transaction as the change and its audit row; a worker in the
// server process walks the shop's orders in batches:
//   1. recompute: every order's eligibleAmount = linesAmount (+ shippingAmount when counted), one
//      set-based UPDATE per batch;
//   2. award: paid orders the change made eligible and that have no award go through
//      settleShopifyOrder, the same path as live orders (caps, tiers, journeys, refunds,
//      write-back). Awards already granted keep their terms: the ledger is append-only.
// The cursor is saved after every batch, so a crash resumes where it stopped; the ledger's
// idempotency keys make a batch done twice award once. A lease keeps two workers apart.

export const CATCH_UP = "catch-up";
const OPEN = ["pending", "running"];
/** A paid order, as the ledger's earning rule reads financial status (ledger.server.ts PAID_STATES). */
const PAID = ["paid", "partially_refunded", "refunded"];
const DAY_MS = 24 * 3600_000;

export const DEFAULT_BATCH_SIZE = 200;
/** How long a worker owns a claimed job; renewed after every batch (one batch takes seconds). */
export const LEASE_MS = 5 * 60_000;
export const MAX_ATTEMPTS = 5;
/** Wait after the Nth failed attempt (seconds). */
export const RETRY_DELAYS_SECONDS = [10, 60, 300, 900] as const;

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
 * and starts over. Done or failed jobs stay as the record of what happened.
 */
export async function queueCatchUp(tx: Tx | Database, shopId: string, scope: CatchUpScope, clock: Clock): Promise<ProgramJob> {
  const now = clock.now();
  // After the shop row's update in the same transaction: on PostgreSQL a concurrent save waits
  // on that row lock and then sees this job, so two saves never queue two jobs.
  const open = await tx.programJob.findFirst({ where: { shopId, kind: CATCH_UP, status: { in: OPEN } }, orderBy: { createdAt: "desc" } });
  if (!open) {
    return tx.programJob.create({
      data: { shopId, kind: CATCH_UP, ...scope, phase: scope.recompute ? "recompute" : "award", createdAt: now, nextAttemptAt: now },
    });
  }
  const merged: CatchUpScope = {
    recompute: open.recompute || scope.recompute,
    awardBackfilled: open.awardBackfilled || scope.awardBackfilled,
    awardBeforeDay: laterDay(open.awardBeforeDay, scope.awardBeforeDay),
  };
  return tx.programJob.update({
    where: { id: open.id },
    data: {
      ...merged,
      phase: merged.recompute ? "recompute" : "award",
      cursor: null,
      total: 0,
      processed: 0,
      generation: { increment: 1 },
      attempts: 0,
      lastError: null,
      nextAttemptAt: now,
    },
  });
}

// ------------------------------------------------------------------- running

export type SettleOrder = (deps: LedgerDeps, shop: LedgerShop, orderGid: string) => Promise<AwardResult | null>;

export interface CatchUpOptions {
  batchSize?: number;
  leaseMs?: number;
  maxAttempts?: number;
  /** The one settle path (default settleShopifyOrder); tests pass one that fails on cue. */
  settle?: SettleOrder;
}

export type CatchUpOutcome =
  /** Finished: every order walked. */
  | "done"
  /** An attempt failed; the job is pending again from its cursor, after a back-off. */
  | "retrying"
  /** Attempts exhausted: kept as failed with its reason until retried. */
  | "failed"
  /** Another worker holds the lease. */
  | "busy"
  /** Already done or failed: nothing to run. */
  | "closed"
  /** The shop is not installed: Roost writes nothing for it; the job waits for a reinstall. */
  | "inactive"
  /** A worker that outlived its lease found the job taken over and stopped. */
  | "lost-lease"
  | "not-found";

export interface CatchUpRun {
  outcome: CatchUpOutcome;
  job: CatchUpView | null;
  error?: string;
}

/** Takes the lease on an unfinished job whose lease is free (a conditional update: one worker wins). */
export async function claimCatchUp(db: Database, jobId: string, clock: Clock, leaseMs = LEASE_MS): Promise<{ job: ProgramJob; token: string } | null> {
  const now = clock.now();
  const token = randomUUID();
  const { count } = await db.programJob.updateMany({
    where: { id: jobId, status: { in: OPEN }, OR: [{ lockedUntil: null }, { lockedUntil: { lt: now } }] },
    data: { status: "running", lockedBy: token, lockedUntil: new Date(now.getTime() + leaseMs), attempts: { increment: 1 } },
  });
  if (count === 0) return null;
  await db.programJob.updateMany({ where: { id: jobId, startedAt: null }, data: { startedAt: now } });
  return { job: await db.programJob.findUniqueOrThrow({ where: { id: jobId } }), token };
}

interface Step {
  /** Where the next batch starts; null when this phase is complete. */
  cursor: string | null;
  processed: number;
  recomputed: number;
  awarded: number;
}

/**
 * Runs one job to the end (or until it fails, loses its lease or its shop uninstalls), batch by
 * batch, saving the cursor and counts after each. Called by the worker and the CLI; tests call
 * it directly. Expected failures are outcomes; the error is kept on the job.
 */
export async function runCatchUpJob(deps: LedgerDeps, jobId: string, options: CatchUpOptions = {}): Promise<CatchUpRun> {
  const { db, clock } = deps;
  const leaseMs = options.leaseMs ?? LEASE_MS;
  const existing = await db.programJob.findUnique({ where: { id: jobId } });
  if (!existing) return { outcome: "not-found", job: null };
  if (!OPEN.includes(existing.status)) return { outcome: "closed", job: toView(existing) };
  const shopRow = await db.shop.findUnique({ where: { id: existing.shopId }, select: { installed: true } });
  if (!shopRow?.installed) return { outcome: "inactive", job: toView(existing) };
  const claimed = await claimCatchUp(db, jobId, clock, leaseMs);
  if (!claimed) return { outcome: "busy", job: toView(existing) };
  let { job } = claimed;
  const { token } = claimed;
  const settle = options.settle ?? settleShopifyOrder;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;

  try {
    for (;;) {
      // Fresh each batch: the settings (and installed state) may change while the job runs.
      const shop = await db.shop.findUnique({ where: { id: job.shopId } });
      if (!shop?.installed) {
        await db.programJob.updateMany({ where: { id: job.id, lockedBy: token }, data: { status: "pending", lockedBy: null, lockedUntil: null } });
        return { outcome: "inactive", job: toView(await db.programJob.findUniqueOrThrow({ where: { id: job.id } })) };
      }
      if (job.cursor === null && job.processed === 0) {
        // A phase starts: its total is saved first, so progress reads "n of total" from the start.
        const total = await phaseTotal(db, shop, job);
        const { count } = await db.programJob.updateMany({ where: { id: job.id, lockedBy: token, generation: job.generation }, data: { total } });
        if (count === 1) job = { ...job, total };
      }
      const step = job.phase === "recompute" ? await recomputeBatch(db, shop, job, batchSize, clock) : await awardBatch({ ...deps, settle }, shop, job, batchSize);
      const now = clock.now();
      const processed = job.processed + step.processed;
      const total = Math.max(job.total, processed);
      const counts = { processed, total, recomputed: job.recomputed + step.recomputed, awarded: job.awarded + step.awarded };
      const nextPhase = step.cursor === null && job.phase === "recompute" && hasAwardScope(job) ? "award" : null;
      const finished = step.cursor === null && !nextPhase;
      const data = finished
        ? { ...counts, cursor: null, status: "done", finishedAt: now, lockedBy: null, lockedUntil: null, lastError: null }
        : nextPhase
          ? { ...counts, phase: nextPhase, cursor: null, processed: 0, total: 0, lockedUntil: new Date(now.getTime() + leaseMs) }
          : { ...counts, cursor: step.cursor, lockedUntil: new Date(now.getTime() + leaseMs) };
      const { count } = await db.programJob.updateMany({ where: { id: job.id, lockedBy: token, generation: job.generation }, data });
      const fresh = await db.programJob.findUniqueOrThrow({ where: { id: job.id } });
      if (count === 0) {
        // Widened by a later change (same lease, new generation): what this batch did still
        // counts; the walk starts over.
        if (fresh.lockedBy === token && OPEN.includes(fresh.status)) {
          await db.programJob.updateMany({
            where: { id: job.id, lockedBy: token },
            data: { recomputed: { increment: step.recomputed }, awarded: { increment: step.awarded }, lockedUntil: new Date(now.getTime() + leaseMs) },
          });
          job = await db.programJob.findUniqueOrThrow({ where: { id: job.id } });
          continue;
        }
        deps.logger.warn({ job: job.id }, "program catch-up lease was taken over; stopping");
        return { outcome: "lost-lease", job: toView(fresh) };
      }
      job = fresh;
      if (finished) {
        deps.logger.info({ job: job.id, recomputed: job.recomputed, processed: job.processed, awarded: job.awarded }, "program catch-up done");
        return { outcome: "done", job: toView(job) };
      }
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const current = await db.programJob.findUniqueOrThrow({ where: { id: job.id } });
    const maxAttempts = options.maxAttempts ?? MAX_ATTEMPTS;
    const failed = current.attempts >= maxAttempts;
    const now = clock.now();
    const delay = RETRY_DELAYS_SECONDS[Math.min(current.attempts, RETRY_DELAYS_SECONDS.length) - 1] ?? 0;
    await db.programJob.updateMany({
      where: { id: job.id, lockedBy: token },
      data: {
        status: failed ? "failed" : "pending",
        lastError: message.slice(0, 1000),
        lockedBy: null,
        lockedUntil: null,
        nextAttemptAt: new Date(now.getTime() + delay * 1000),
        ...(failed ? { finishedAt: now } : {}),
      },
    });
    deps.logger.warn({ err: error, job: job.id, attempts: current.attempts, failed }, "program catch-up attempt failed");
    return { outcome: failed ? "failed" : "retrying", job: toView(await db.programJob.findUniqueOrThrow({ where: { id: job.id } })), error: message };
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

// ------------------------------------------------------------------- worker, status, retry

/** Runs every due, unleased job of an installed shop; resolves with how many it ran. */
export async function runDueCatchUps(deps: LedgerDeps, options: CatchUpOptions & { shopId?: string } = {}): Promise<CatchUpRun[]> {
  const { db, clock } = deps;
  const now = clock.now();
  const due = await db.programJob.findMany({
    where: { status: { in: OPEN }, nextAttemptAt: { lte: now }, OR: [{ lockedUntil: null }, { lockedUntil: { lt: now } }], ...(options.shopId ? { shopId: options.shopId } : {}) },
    orderBy: { createdAt: "asc" },
    take: 20,
    select: { id: true, shopId: true },
  });
  if (due.length === 0) return [];
  const installed = await db.shop.findMany({ where: { id: { in: [...new Set(due.map((job) => job.shopId))] }, installed: true }, select: { id: true } });
  const active = new Set(installed.map((shop) => shop.id));
  const runs: CatchUpRun[] = [];
  for (const job of due) if (active.has(job.shopId)) runs.push(await runCatchUpJob(deps, job.id, options));
  return runs;
}

/** `ROOST_CATCHUP_INTERVAL_MS`, default 5 s. */
export function catchUpIntervalMs(env: Record<string, string | undefined> = process.env): number {
  const value = Number(env.ROOST_CATCHUP_INTERVAL_MS);
  return Number.isFinite(value) && value > 0 ? value : 5000;
}

/** Runs due catch-ups every `intervalMs` in this process, one pass at a time. */
export function startCatchUpWorker(deps: () => LedgerDeps, logger: Logger, intervalMs: number): Periodic {
  return runPeriodically(() => runDueCatchUps(deps()), { intervalMs, logger, failure: "program catch-up pass failed" });
}

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
  attempts: number;
  lastError: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

function toView(job: ProgramJob): CatchUpView {
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
    attempts: job.attempts,
    lastError: job.lastError,
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
  };
}

/** The shop's latest catch-up, for the Settings page and the CLI; null when there never was one. */
export async function latestCatchUp(db: Database, shopId: string): Promise<CatchUpView | null> {
  const job = await db.programJob.findFirst({ where: { shopId, kind: CATCH_UP }, orderBy: { createdAt: "desc" } });
  return job ? toView(job) : null;
}

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
 * attempts. Null when the latest one did not fail (an unfinished one runs anyway).
 */
export async function retryCatchUp(db: Database, shopId: string, clock: Clock): Promise<CatchUpView | null> {
  const job = await db.programJob.findFirst({ where: { shopId, kind: CATCH_UP }, orderBy: { createdAt: "desc" } });
  if (job?.status !== "failed") return null;
  const { count } = await db.programJob.updateMany({
    where: { id: job.id, status: "failed" },
    data: { status: "pending", attempts: 0, nextAttemptAt: clock.now(), finishedAt: null },
  });
  if (count === 0) return null;
  return toView(await db.programJob.findUniqueOrThrow({ where: { id: job.id } }));
}
