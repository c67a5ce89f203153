import { Prisma } from "@prisma/client";
import { type Database, sqlTime } from "../../db.server";
import { byDay, quarterOf } from "./buckets.server";
import type { PointsDay } from "./types";

// Points moved per shop-local day (docs/analytics.md): the day roll-ups (rollup.server.ts) for
// the entries recorded up to the shop's watermark, plus the entries recorded since, counted live.

type Figures = Omit<PointsDay, "day">;

/** Entries recorded after the watermark counted live at most; a longer tail waits for the roll-up job. */
export const LIVE_TAIL_CAP = 10_000;

/** Where a kind's points count: what a positive and what a negative entry of it adds to. */
export function addKind(figures: Figures, kind: string, credit: number, debit: number): void {
  switch (kind) {
    case "earn":
    case "released":
    case "bonus":
      figures.issued += credit;
      break;
    case "adjustment":
      figures.issued += credit;
      figures.clawedBack += debit;
      break;
    case "redemption":
      figures.redeemed += debit;
      break;
    case "returned":
      // Counted on its redemption's day (countedEntries): that day's redemptions, less those returned.
      figures.redeemed -= credit;
      break;
    case "expiry":
      figures.expired += debit;
      break;
    case "clawback":
      figures.clawedBack += debit;
      break;
    default:
      // capped and held grant nothing (their points are 0).
      break;
  }
}

const emptyFigures = (): Figures => ({ issued: 0, redeemed: 0, expired: 0, clawedBack: 0 });

/**
 * The entries `where` selects (alias e, with points), each with the instant it counts at, "at":
 * its occurredAt, or for a returned entry (`redemption:<id>:returned`) its redemption's
 * (`redemption:<id>`), so a day's redemptions are netted of their own returns.
 */
export function countedEntries(where: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`
    SELECT e."kind", e."points", COALESCE(r."occurredAt", e."occurredAt") AS "at"
    FROM "LedgerEntry" e
    LEFT JOIN "LedgerEntry" r ON e."kind" = 'returned' AND r."shopId" = e."shopId"
      AND r."idempotencyKey" = replace(e."idempotencyKey", ':returned', '')
    WHERE e."points" <> 0 AND ${where}`;
}

/** SUMs of the positive points of alias c, and of its negative ones as a positive number. */
export const creditDebit = Prisma.sql`SUM(CASE WHEN c."points" > 0 THEN c."points" ELSE 0 END) AS "credit", SUM(CASE WHEN c."points" < 0 THEN -c."points" ELSE 0 END) AS "debit"`;

export interface QuarterSums {
  quarter: string;
  kind: string;
  credit: number | bigint | null;
  debit: number | bigint | null;
  n: number | bigint;
}

/** The entries `where` selects (alias e), summed per quarter hour of the instant they count at and kind. */
export function quarterSums(db: Database, where: Prisma.Sql): Promise<QuarterSums[]> {
  return db.$queryRaw<QuarterSums[]>`
    SELECT c."quarter", c."kind", ${creditDebit}, COUNT(*) AS "n" FROM (
      SELECT x."kind", x."points", ${quarterOf(db, Prisma.sql`x."at"`)} AS "quarter"
      FROM (${countedEntries(where)}) x
    ) c GROUP BY c."quarter", c."kind"`;
}

/** The epoch: the watermark of a shop whose roll-ups have counted nothing yet. */
export const NOTHING_COUNTED = new Date(0);

export interface LedgerDays {
  points: PointsDay[];
  /** Null when every entry is counted; else the entries recorded up to this instant are (ISO). */
  asOf: string | null;
}

/** Points per day of the range: roll-ups plus the live tail, or the roll-ups alone when the tail is longer than LIVE_TAIL_CAP. */
export async function ledgerDays(db: Database, shop: { id: string; timezone: string }, days: readonly string[], cap = LIVE_TAIL_CAP): Promise<LedgerDays> {
  const state = await db.ledgerRollupState.findUnique({ where: { shopId: shop.id } });
  // Roll-ups counted in another time zone are not this one's days: everything is tail until the job recounts.
  const usable = state !== null && state.timezone === shop.timezone;
  const through = usable ? state.through : NOTHING_COUNTED;
  const [rollups, tailLength] = await Promise.all([
    usable ? db.ledgerDayRollup.findMany({ where: { shopId: shop.id, day: { gte: days[0], lte: days[days.length - 1] } }, select: { day: true, kind: true, credit: true, debit: true } }) : [],
    db.$queryRaw<{ n: number | bigint }[]>`
      SELECT COUNT(*) AS "n" FROM (
        SELECT 1 FROM "LedgerEntry" e WHERE e."shopId" = ${shop.id} AND e."createdAt" > ${sqlTime(db, through)} LIMIT ${cap + 1}
      ) t`,
  ]);
  const figures = new Map(days.map((day) => [day, emptyFigures()]));
  for (const row of rollups) {
    const day = figures.get(row.day);
    if (day) addKind(day, row.kind, Number(row.credit), Number(row.debit));
  }
  const live = Number(tailLength[0]?.n ?? 0) <= cap;
  if (live) {
    const tail = await quarterSums(db, Prisma.sql`e."shopId" = ${shop.id} AND e."createdAt" > ${sqlTime(db, through)}`);
    byDay(tail, days, shop.timezone, (index, row) => {
      if (index >= 0) addKind(figures.get(days[index])!, row.kind, Number(row.credit ?? 0), Number(row.debit ?? 0));
    });
  }
  return { points: days.map((day) => ({ day, ...figures.get(day)! })), asOf: live ? null : through.toISOString() };
}
