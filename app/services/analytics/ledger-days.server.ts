import { Prisma } from "@prisma/client";
import { type Database, sqlTime } from "../../db.server";
import type { PointsDay } from "./types";
import { dayBucket } from "./buckets.server";

// Points moved per shop-local day (docs/analytics.md), from the ledger.

type Figures = Omit<PointsDay, "day">;

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
      // Counted on its redemption's day (see the query): that day's redemptions, less those returned.
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

export const emptyFigures = (): Figures => ({ issued: 0, redeemed: 0, expired: 0, clawedBack: 0 });

/**
 * Every entry's points on its day, a returned one's on the day of the redemption it returns
 * (`redemption:<id>:returned` returns `redemption:<id>`).
 */
export async function ledgerDays(db: Database, shop: { id: string }, days: readonly string[], starts: readonly Date[], _now: Date): Promise<PointsDay[]> {
  const start = starts[0];
  const end = starts[starts.length - 1];
  const at = Prisma.sql`COALESCE(r."occurredAt", e."occurredAt")`;
  const rows = await db.$queryRaw<{ bucket: number | bigint; kind: string; credit: number | bigint | null; debit: number | bigint | null }[]>`
    SELECT b."bucket", b."kind",
      SUM(CASE WHEN b."points" > 0 THEN b."points" ELSE 0 END) AS "credit",
      SUM(CASE WHEN b."points" < 0 THEN -b."points" ELSE 0 END) AS "debit"
    FROM (
      SELECT e."kind", e."points", ${dayBucket(db, at, starts)} AS "bucket"
      FROM "LedgerEntry" e
      LEFT JOIN "LedgerEntry" r ON e."kind" = 'returned' AND r."shopId" = e."shopId"
        AND r."idempotencyKey" = substr(e."idempotencyKey", 1, length(e."idempotencyKey") - 9)
      WHERE e."shopId" = ${shop.id} AND e."points" <> 0
        AND (e."kind" = 'returned' OR (e."occurredAt" >= ${sqlTime(db, start)} AND e."occurredAt" < ${sqlTime(db, end)}))
    ) b WHERE b."bucket" >= 0 GROUP BY b."bucket", b."kind"`;
  const figures = days.map(() => emptyFigures());
  for (const row of rows) addKind(figures[Number(row.bucket)], row.kind, Number(row.credit ?? 0), Number(row.debit ?? 0));
  return days.map((day, index) => ({ day, ...figures[index] }));
}
