import { type Database, isSqlite, type Tx } from "../../db.server";
import type { Clock } from "../../lib/clock";
import type { QueueDefinition } from "../jobs/runner.server";
import type { DispatchedEvent, DispatchShop, JourneyOutput } from "./outputs";
import { parseEventData } from "./events";

// The journey dispatcher (DESIGN, "Journey events"): events on members' timelines go out to the
// outputs (the shop's webhook endpoints, Shopify Flow). A recurring job reads the events not yet
// dispatched, oldest first, and in one transaction per batch hands each shop's events to every
// output (which only queues rows and jobs) and marks them dispatched. Either all of a batch's
// fan-out and its marks commit, or none: no event is lost, none fanned out twice.
//
// Two processes never hand one event over twice: the recurring job is claimed by one runner at a
// time (its lease), and a run that outlived its lease (or `roost`/a test dispatching beside the
// server) is still safe — on PostgreSQL the batch is read `FOR UPDATE SKIP LOCKED` and marked in
// the same transaction, so a second reader skips locked rows and, once the first commits, no longer
// sees them as undispatched; SQLite has one writer at a time and the transaction is the whole batch.

export const JOURNEYS_DISPATCH_QUEUE = "journeys-dispatch";
export const DISPATCH_BATCH = 500;
export const DEFAULT_DISPATCH_INTERVAL_MS = 1_000;
/** A run dispatches batches until none is left or this much time has gone by (the next run goes on). */
const RUN_BUDGET_MS = 10_000;

export interface DispatchDeps {
  db: Database;
  clock: Clock;
}

/** `ROOST_JOURNEYS_DISPATCH_MS`: how often the dispatcher looks for new events, default 1 s. */
export function dispatchIntervalMs(env: Record<string, string | undefined> = process.env): number {
  const value = Number(env.ROOST_JOURNEYS_DISPATCH_MS);
  return Number.isFinite(value) && value >= 50 ? value : DEFAULT_DISPATCH_INTERVAL_MS;
}

/** The ids of the oldest undispatched events, locked for this transaction on PostgreSQL. */
async function claimBatch(tx: Tx, limit: number): Promise<string[]> {
  if (isSqlite(tx)) {
    const rows = await tx.journeyEvent.findMany({ where: { dispatchedAt: null }, orderBy: [{ createdAt: "asc" }, { id: "asc" }], take: limit, select: { id: true } });
    return rows.map((row) => row.id);
  }
  const rows = await tx.$queryRaw<{ id: string }[]>`
    SELECT "id" FROM "JourneyEvent" WHERE "dispatchedAt" IS NULL
    ORDER BY "createdAt", "id" LIMIT ${limit} FOR UPDATE SKIP LOCKED`;
  return rows.map((row) => row.id);
}

/** One batch: fanned out and marked in one transaction. Resolves with how many events it took. */
export async function dispatchBatch(deps: DispatchDeps, outputs: readonly JourneyOutput[], options: { limit?: number } = {}): Promise<{ events: number; queued: number }> {
  const now = deps.clock.now();
  return deps.db.$transaction(
    async (tx) => {
      const ids = await claimBatch(tx, options.limit ?? DISPATCH_BATCH);
      if (ids.length === 0) return { events: 0, queued: 0 };
      const rows = await tx.journeyEvent.findMany({ where: { id: { in: ids } }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
      const byShop = new Map<string, DispatchedEvent[]>();
      for (const row of rows) {
        const list = byShop.get(row.shopId) ?? [];
        byShop.set(row.shopId, list);
        list.push({ id: row.id, shopId: row.shopId, memberId: row.memberId, type: row.type, data: parseEventData(row.data), occurredAt: row.occurredAt, createdAt: row.createdAt });
      }
      // An uninstalled shop's events are marked and go nowhere: Roost acts for installed shops only.
      const shops: DispatchShop[] = await tx.shop.findMany({ where: { id: { in: [...byShop.keys()] }, installed: true }, select: { id: true, domain: true } });
      let queued = 0;
      for (const shop of shops) {
        for (const output of outputs) queued += await output.fanOut(tx, shop, byShop.get(shop.id) ?? [], now);
      }
      await tx.journeyEvent.updateMany({ where: { id: { in: ids } }, data: { dispatchedAt: now } });
      return { events: ids.length, queued };
    },
    { timeout: 60_000, maxWait: 10_000 },
  );
}

/** Dispatches batches until no undispatched event is left (or the budget is spent). */
export async function dispatchJourneys(deps: DispatchDeps, outputs: readonly JourneyOutput[], options: { budgetMs?: number } = {}): Promise<{ events: number; queued: number }> {
  const total = { events: 0, queued: 0 };
  const started = Date.now();
  for (;;) {
    const batch = await dispatchBatch(deps, outputs);
    total.events += batch.events;
    total.queued += batch.queued;
    if (batch.events < DISPATCH_BATCH || Date.now() - started > (options.budgetMs ?? RUN_BUDGET_MS)) return total;
  }
}

/** The dispatcher as a recurring job on the runner. */
export function journeysDispatchQueue(outputs: readonly JourneyOutput[], intervalMs: number): QueueDefinition {
  return {
    queue: JOURNEYS_DISPATCH_QUEUE,
    recurring: { key: "all" },
    async run(_jobs, { db, clock, logger }) {
      const result = await dispatchJourneys({ db, clock }, outputs);
      if (result.events > 0) logger.debug({ events: result.events, queued: result.queued }, "journey events dispatched");
      return { again: new Date(clock.now().getTime() + intervalMs) };
    },
  };
}

/** Dispatches every pending journey event now, in this process (tests, `roost`), as the recurring job would: the caller passes the outputs (runtime.server's `journeyOutputs`). */
export async function dispatchJourneysNow(deps: DispatchDeps, outputs: readonly JourneyOutput[]): Promise<{ events: number; queued: number }> {
  return dispatchJourneys(deps, outputs, { budgetMs: Number.POSITIVE_INFINITY });
}
