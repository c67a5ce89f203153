import { Prisma } from "@prisma/client";
import { type Database, sqlTime } from "../../db.server";
import type { Clock } from "../../lib/clock";
import { shopDay } from "../../lib/shop-day";
import { quarterStart } from "./buckets.server";
import { NOTHING_COUNTED, quarterSums } from "./ledger-days.server";

// The ledger's day roll-ups (LedgerDayRollup, docs/analytics.md), kept off the award path: a
// watermark refresher adds the entries recorded since the shop's watermark (up to a safety lag
// behind now, for transactions still committing) to the sums of their shop-local day and kind.
// The ledger is append-only, so each entry is added exactly once and the sums stay exact.

/** Entries younger than this may belong to a transaction not committed yet: the next pass counts them. */
export const ROLLUP_LAG_MS = 120_000;
/** Entries one pass adds up at most, so a write lock is never held long. */
export const ROLLUP_BATCH = 50_000;

export interface RollupPass {
  /** Entries added to the roll-ups. */
  added: number;
  through: Date;
  /** Whether the watermark reached now less the lag. */
  caughtUp: boolean;
}

/**
 * One pass for one shop: at most `batch` entries past the watermark added to their days. A shop
 * whose time zone changed is counted again from the start. Two passes at once add nothing twice:
 * the watermark moves only from the value the pass read (else the pass writes nothing).
 */
export async function refreshLedgerRollup(db: Database, shop: { id: string; timezone: string }, clock: Clock, options: { batch?: number; lagMs?: number } = {}): Promise<RollupPass> {
  const batch = options.batch ?? ROLLUP_BATCH;
  const upto = new Date(clock.now().getTime() - (options.lagMs ?? ROLLUP_LAG_MS));
  let state = await db.ledgerRollupState.findUnique({ where: { shopId: shop.id } });
  if (!state || state.timezone !== shop.timezone) {
    const [, fresh] = await db.$transaction([
      db.ledgerDayRollup.deleteMany({ where: { shopId: shop.id } }),
      db.ledgerRollupState.upsert({
        where: { shopId: shop.id },
        create: { shopId: shop.id, timezone: shop.timezone, through: NOTHING_COUNTED },
        update: { timezone: shop.timezone, through: NOTHING_COUNTED },
      }),
    ]);
    state = fresh;
  }
  const from = state.through;
  if (from >= upto) return { added: 0, through: from, caughtUp: true };
  // This pass ends at the batch-th entry's createdAt (its whole millisecond), or at the lag.
  const [last] = await db.ledgerEntry.findMany({
    where: { shopId: shop.id, createdAt: { gt: from, lte: upto } },
    orderBy: { createdAt: "asc" },
    skip: batch - 1,
    take: 1,
    select: { createdAt: true },
  });
  const through = last ? last.createdAt : upto;

  const rows = await quarterSums(db, Prisma.sql`e."shopId" = ${shop.id} AND e."createdAt" > ${sqlTime(db, from)} AND e."createdAt" <= ${sqlTime(db, through)}`);
  const sums = new Map<string, { day: string; kind: string; credit: number; debit: number }>();
  let added = 0;
  for (const row of rows) {
    const day = shopDay(quarterStart(row.quarter), shop.timezone);
    const key = `${day} ${row.kind}`;
    const sum = sums.get(key) ?? { day, kind: row.kind, credit: 0, debit: 0 };
    sum.credit += Number(row.credit ?? 0);
    sum.debit += Number(row.debit ?? 0);
    sums.set(key, sum);
    added += Number(row.n);
  }

  const moved = await db.$transaction(async (tx) => {
    const { count } = await tx.ledgerRollupState.updateMany({ where: { shopId: shop.id, timezone: shop.timezone, through: from }, data: { through } });
    if (count !== 1) return false;
    if (sums.size === 0) return true;
    const values = [...sums.values()].map((sum) => Prisma.sql`(${crypto.randomUUID()}, ${shop.id}, ${sum.day}, ${sum.kind}, ${sum.credit}, ${sum.debit})`);
    await tx.$executeRaw`
      INSERT INTO "LedgerDayRollup" ("id", "shopId", "day", "kind", "credit", "debit") VALUES ${Prisma.join(values)}
      ON CONFLICT ("shopId", "day", "kind") DO UPDATE SET "credit" = "LedgerDayRollup"."credit" + excluded."credit", "debit" = "LedgerDayRollup"."debit" + excluded."debit"`;
    return true;
  });
  if (!moved) return { added: 0, through: from, caughtUp: false };
  return { added, through, caughtUp: !last };
}

/** Passes for one shop until it is caught up or `budgetMs` is spent. */
export async function catchUpLedgerRollup(db: Database, shop: { id: string; timezone: string }, clock: Clock, budgetMs: number): Promise<RollupPass> {
  const ends = performance.now() + budgetMs;
  let pass: RollupPass;
  let added = 0;
  do {
    pass = await refreshLedgerRollup(db, shop, clock);
    added += pass.added;
  } while (!pass.caughtUp && performance.now() < ends);
  return { ...pass, added };
}
