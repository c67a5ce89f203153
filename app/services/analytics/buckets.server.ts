import { Prisma } from "@prisma/client";
import { type Database, isSqlite } from "../../db.server";
import { shopDay } from "../../lib/shop-day";

// SQL that puts instants into the analytics' days and hours, the same on SQLite and PostgreSQL.

export function hourOf(db: Database, column: Prisma.Sql): Prisma.Sql {
  // SQLite keeps instants as ISO text in UTC ("2026-12-06T23:40:12.345+00:00").
  return isSqlite(db) ? Prisma.sql`substr(${column}, 1, 13)` : Prisma.sql`to_char(date_trunc('hour', ${column}), 'YYYY-MM-DD"T"HH24')`;
}


const QUARTER_MS = 15 * 60_000;

/** "2026-12-06T23:3": the quarter hour an instant falls in (every time zone's offset is a whole number of quarter hours). */
export function quarterOf(db: Database, column: Prisma.Sql): Prisma.Sql {
  // SQLite keeps instants as UTC ISO text ("2026-12-06T23:40:12.345+00:00").
  return isSqlite(db)
    ? Prisma.sql`substr(${column}, 1, 14) || CAST(CAST(substr(${column}, 15, 2) AS INTEGER) / 15 AS TEXT)`
    : Prisma.sql`to_char(${column}, 'YYYY-MM-DD"T"HH24:') || CAST(CAST(EXTRACT(MINUTE FROM ${column}) AS INTEGER) / 15 AS TEXT)`;
}

/** The first instant of a quarterOf key. */
export const quarterStart = (key: string) => new Date(Date.parse(`${key.slice(0, 13)}:00:00.000Z`) + Number(key.slice(14)) * QUARTER_MS);

/**
 * Sums per shop-local day from sums per quarterOf key: `add(dayIndex, row)` for each row whose
 * quarter falls on a day of `days` (dayIndex -1: before the first day); later days are left out.
 */
export function byDay<Row extends { quarter: string }>(rows: readonly Row[], days: readonly string[], timezone: string, add: (dayIndex: number, row: Row) => void): void {
  const index = new Map(days.map((day, at) => [day, at]));
  const dayOf = new Map<string, string>();
  for (const row of rows) {
    const day = dayOf.get(row.quarter) ?? shopDay(quarterStart(row.quarter), timezone);
    dayOf.set(row.quarter, day);
    if (day < days[0]) add(-1, row);
    else if (index.has(day)) add(index.get(day)!, row);
  }
}
