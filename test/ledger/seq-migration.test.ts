import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, type Database } from "../../app/db.server";
import { systemClock } from "../../app/lib/clock";
import { logger } from "../../app/lib/logger.server";
import { adjustPoints } from "../../app/services/ledger/adjustment.server";
import { memberSummary, verifyLedger } from "../../app/services/ledger/verify.server";
import { migrateDatabase } from "../../scripts/db/migrate.mjs";
import { isPostgres, testRunDir } from "../support/database";

// The hardening migration numbers the entries a database already holds (LedgerEntry.seq,
// Member.ledgerSeq). A database left by the release before it (migrated up to program_catch_up)
// holds an award whose earn and capped entries share a millisecond, with ids that put capped
// first: after the migration, seq puts earn first and the ledger verifies. On the provider the
// run uses (DATABASE_URL): SQLite by default, PostgreSQL when it is a postgresql:// URL.

const BEFORE_HARDENING = "20261122024134_program_catch_up";
const HARDENING = "20261204173259_hardening";

interface RawDatabase {
  run(sql: string, args?: (string | number)[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

const postgres = isPostgres(process.env.DATABASE_URL);
let url: string;

/** A database of its own beside the worker's (dropped with the run's databases and folder). */
async function scratchUrl(): Promise<string> {
  const suffix = `seq_${Date.now().toString(36)}`;
  if (!postgres) return `file:${path.join(testRunDir(), `migration-${process.env.VITEST_POOL_ID ?? "1"}-${suffix}.sqlite`)}`;
  const target = new URL(process.env.DATABASE_URL!);
  target.pathname = `${target.pathname}_${suffix}`;
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${target.pathname.slice(1)}"`);
  } finally {
    await admin.end();
  }
  return target.toString();
}

async function raw(databaseUrl: string): Promise<RawDatabase> {
  if (postgres) {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    return { run: async (sql, args = []) => (await client.query(sql, args)).rows, close: () => client.end() };
  }
  const { createClient } = await import("@libsql/client");
  const client = createClient({ url: databaseUrl });
  return {
    // $1, $2… are ?1, ?2… in SQLite.
    run: async (sql, args = []) => (await client.execute({ sql: sql.replace(/\$(\d+)/g, "?$1"), args })).rows as unknown as Record<string, unknown>[],
    close: async () => client.close(),
  };
}

// Timestamps as Prisma stores them on SQLite (PostgreSQL reads the same text into TIMESTAMP(3)).
const at = (iso: string) => iso.replace("Z", "+00:00");
const T0 = at("2026-11-20T15:00:00.100Z");
const T1 = at("2026-11-20T15:00:01.200Z");
const T2 = at("2026-11-21T09:00:00.300Z");
// Ids that sort capped before earn, as a random uuid did about half the time.
const FIRST = "00000000-0000-4000-8000-000000000001";
const LAST = "ffffffff-0000-4000-8000-000000000001";

afterAll(async () => {
  if (!postgres || !url) return;
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${new URL(url).pathname.slice(1)}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
});

describe(`migrating a ledger to seq (${postgres ? "PostgreSQL" : "SQLite"})`, () => {
  let applied: string[];

  beforeAll(async () => {
    url = await scratchUrl();
    applied = await migrateDatabase(url, { upTo: BEFORE_HARDENING });
  });

  it("migrateDatabase stops at the migration named by upTo, and refuses a name it does not have", async () => {
    expect(applied.at(-1)).toBe(BEFORE_HARDENING);
    expect(applied).not.toContain(HARDENING);
    expect(await migrateDatabase(url, { upTo: BEFORE_HARDENING })).toEqual([]);
    await expect(migrateDatabase(url, { upTo: "20991231000000_nothing" })).rejects.toThrow("no migration named 20991231000000_nothing");
    const before = await raw(url);
    try {
      const columns = postgres
        ? (await before.run(`SELECT "column_name" AS "name" FROM information_schema.columns WHERE "table_name" = 'LedgerEntry'`)).map((row) => row.name)
        : (await before.run(`PRAGMA table_info("LedgerEntry")`)).map((row) => row.name);
      expect(columns).toContain("createdAt");
      expect(columns).not.toContain("seq");
    } finally {
      await before.close();
    }
  });

  it("numbers each member's entries earn before capped, sets ledgerSeq to the last, and the ledger verifies", async () => {
    const shopId = "shop-1";
    const before = await raw(url);
    try {
      await before.run(`INSERT INTO "Shop" ("id", "domain", "orgId", "settings", "updatedAt") VALUES ($1, $2, $3, $4, $5)`, [
        shopId,
        "seq-migration.myshopify.com",
        "org-seq-migration",
        JSON.stringify({ program: { startDate: "2026-01-01", dailyCap: 100 } }),
        T0,
      ]);
      for (const [id, balance] of [["ana", 85], ["bea", 100], ["cid", 0]] as const) {
        await before.run(`INSERT INTO "Member" ("id", "shopId", "email", "balance", "updatedAt") VALUES ($1, $2, $3, $4, $5)`, [id, shopId, `${id}@example.com`, balance, T0]);
      }
      const entry = (id: string, memberId: string, kind: string, points: number, balanceAfter: number, key: string, awardKey: string, withheld: number, createdAt: string) =>
        before.run(
          `INSERT INTO "LedgerEntry" ("id", "shopId", "memberId", "kind", "points", "balanceAfter", "idempotencyKey", "awardKey", "withheld", "capDay", "occurredAt", "createdAt")
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
          [id, shopId, memberId, kind, points, balanceAfter, key, awardKey, withheld, "2026-11-20", createdAt, createdAt],
        );
      // Ana: 70 earned; 30 of 50 granted and 20 capped in one millisecond; a refund claws back 15.
      await entry("ana-1", "ana", "earn", 70, 70, "order:1", "order:1", 0, T0);
      await entry(LAST, "ana", "earn", 30, 100, "order:2", "order:2", 20, T1);
      await entry(FIRST, "ana", "capped", 0, 100, "order:2:capped", "order:2", 20, T1);
      await entry("ana-4", "ana", "clawback", -15, 85, "refund:1", "order:1", 0, T2);
      // Bea: 50 earned; 80 held; the release grants 50 and caps 30 in one millisecond.
      await entry("bea-1", "bea", "earn", 50, 50, "order:3", "order:3", 0, T0);
      await entry("bea-2", "bea", "held", 0, 50, "order:4:held", "order:4", 80, T0.replace(".100", ".101"));
      await entry(LAST.replace(/1$/, "2"), "bea", "released", 50, 100, "order:4:released", "order:4", 30, T1);
      await entry(FIRST.replace(/1$/, "2"), "bea", "capped", 0, 100, "order:4:capped", "order:4", 30, T1);

      // The order the ledger used to be read in puts each capped entry first.
      const oldOrder = async (memberId: string) =>
        (await before.run(`SELECT "idempotencyKey" FROM "LedgerEntry" WHERE "memberId" = $1 ORDER BY "createdAt", "id"`, [memberId])).map((row) => row.idempotencyKey);
      expect(await oldOrder("ana")).toEqual(["order:1", "order:2:capped", "order:2", "refund:1"]);
      expect(await oldOrder("bea")).toEqual(["order:3", "order:4:held", "order:4:capped", "order:4:released"]);
    } finally {
      await before.close();
    }

    expect(await migrateDatabase(url, { upTo: HARDENING })).toEqual([HARDENING]);
    // The migrations after it (the job queue) leave the ledger as it is.
    expect(await migrateDatabase(url)).not.toContain(HARDENING);

    const db: Database = await createDatabase(url);
    try {
      const numbered = async (memberId: string) =>
        (await db.ledgerEntry.findMany({ where: { memberId }, orderBy: { seq: "asc" }, select: { seq: true, idempotencyKey: true } })).map((row) => [row.seq, row.idempotencyKey]);
      expect(await numbered("ana")).toEqual([[1, "order:1"], [2, "order:2"], [3, "order:2:capped"], [4, "refund:1"]]);
      expect(await numbered("bea")).toEqual([[1, "order:3"], [2, "order:4:held"], [3, "order:4:released"], [4, "order:4:capped"]]);
      expect(await db.member.findMany({ orderBy: { id: "asc" }, select: { id: true, ledgerSeq: true } })).toEqual([
        { id: "ana", ledgerSeq: 4 },
        { id: "bea", ledgerSeq: 4 },
        { id: "cid", ledgerSeq: 0 },
      ]);
      expect(await verifyLedger(db, shopId)).toEqual({ members: 3, entries: 8, violations: [] });
      expect((await memberSummary(db, shopId, "ana"))!.entries.map((row) => [row.seq, row.kind, row.balanceAfter])).toEqual([
        [1, "earn", 70],
        [2, "earn", 100],
        [3, "capped", 100],
        [4, "clawback", 85],
      ]);

      // The writers carry on from ledgerSeq.
      const shop = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
      const adjustment = await adjustPoints({ db, clock: systemClock, logger }, shop, { memberId: "ana", points: 5, reason: "goodwill", actor: "test" });
      expect(adjustment).toMatchObject({ seq: 5, balanceAfter: 90 });
      expect((await verifyLedger(db, shopId)).violations).toEqual([]);
    } finally {
      await db.$disconnect();
    }
  });
});
