import type { Database } from "../../db.server";
import type { Clock } from "../../lib/clock";
import type { QueueDefinition } from "../jobs/runner.server";

// Raw pixel events are kept for ROOST_EVENTS_RETENTION_DAYS (default 90); their hourly roll-ups
// (PixelEventRollup) are kept.

export const DEFAULT_EVENTS_RETENTION_DAYS = 90;
export const EVENTS_RETENTION_QUEUE = "events-retention";
export const EVENTS_RETENTION_INTERVAL_MS = 3600_000;
const PRUNE_BATCH = 1000;

/** ROOST_EVENTS_RETENTION_DAYS, a whole number of days (0 deletes every event received before now). */
export function eventsRetentionDays(env: Record<string, string | undefined> = process.env): number {
  const raw = env.ROOST_EVENTS_RETENTION_DAYS?.trim();
  if (!raw) return DEFAULT_EVENTS_RETENTION_DAYS;
  if (!/^\d+$/.test(raw)) throw new Error(`ROOST_EVENTS_RETENTION_DAYS must be a whole number of days, got "${raw}"`);
  return Number(raw);
}

/**
 * Deletes raw events received before the cutoff, shop by shop (the (shopId, receivedAt) index)
 * and in batches, so a large backlog never holds SQLite's write lock long. Idempotent.
 */
export async function prunePixelEvents(db: Database, clock: Clock, options: { retentionDays: number }): Promise<{ cutoff: Date; deleted: number }> {
  if (!Number.isInteger(options.retentionDays) || options.retentionDays < 0) {
    throw new RangeError(`retention must be a whole number of days, got ${options.retentionDays}`);
  }
  const cutoff = new Date(clock.now().getTime() - options.retentionDays * 24 * 3600_000);
  let deleted = 0;
  const shops = await db.shop.findMany({ select: { id: true } });
  for (const { id: shopId } of shops) {
    for (;;) {
      const rows = await db.pixelEvent.findMany({ where: { shopId, receivedAt: { lt: cutoff } }, select: { id: true }, take: PRUNE_BATCH });
      if (rows.length === 0) break;
      const { count } = await db.pixelEvent.deleteMany({ where: { id: { in: rows.map((row) => row.id) } } });
      deleted += count;
      if (rows.length < PRUNE_BATCH) break;
    }
  }
  return { cutoff, deleted };
}

/** `prunePixelEvents` as a recurring job: at the first start, then hourly; one pass at a time across processes. */
export function eventsRetentionQueue(retentionDays: number): QueueDefinition {
  return {
    queue: EVENTS_RETENTION_QUEUE,
    recurring: { key: "all" },
    async run(_jobs, { db, clock, logger }) {
      const { deleted } = await prunePixelEvents(db, clock, { retentionDays });
      if (deleted) logger.info({ retentionDays, deleted }, "pixel events past retention deleted");
      return { again: new Date(clock.now().getTime() + EVENTS_RETENTION_INTERVAL_MS) };
    },
  };
}
