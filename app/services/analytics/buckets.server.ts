import { Prisma } from "@prisma/client";
import { type Database, isSqlite, sqlTime } from "../../db.server";

// SQL that puts instants into the analytics' days and hours, the same on SQLite and PostgreSQL.

/** A CASE naming the day an instant column falls in: k for starts[k] ≤ at < starts[k + 1] (starts ascending), else -1. */
export function dayBucket(db: Database, column: Prisma.Sql, starts: readonly Date[]): Prisma.Sql {
  const whens = [Prisma.sql`WHEN ${column} >= ${sqlTime(db, starts[starts.length - 1])} THEN -1`];
  for (let k = starts.length - 2; k >= 0; k -= 1) whens.push(Prisma.sql`WHEN ${column} >= ${sqlTime(db, starts[k])} THEN ${k}`);
  return Prisma.sql`CASE ${Prisma.join(whens, " ")} ELSE -1 END`;
}

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
