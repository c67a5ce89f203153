import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, type Database } from "../../app/db.server";
import { systemClock } from "../../app/lib/clock";
import { logger } from "../../app/lib/logger.server";
import { claimJobs, completeJob } from "../../app/services/jobs/queue.server";
import { METAFIELDS_QUEUE, metafieldsQueue } from "../../app/services/outbox/metafields.server";
import type { AdminClient } from "../../app/services/shopify/admin-client.server";
import { migrateDatabase } from "../../scripts/db/migrate.mjs";
import { isPostgres, testRunDir } from "../support/database";

// The migration that hands metafield write-back to the queue (queue_takes_over_jobs) turns the
// MetafieldSync rows still to write (pending) and the refused ones (failed) into "metafields"
// jobs with their attempts, next attempt and reason; written ones (done) are not carried over.
// A database left by the release before it (migrated up to job_queue) holds one of each. On the
// provider the run uses (DATABASE_URL): SQLite by default, PostgreSQL when it is a postgresql:// URL.

const BEFORE = "20261204205439_job_queue";
const MIGRATION = "20261204210027_queue_takes_over_jobs";

const postgres = isPostgres(process.env.DATABASE_URL);
let url: string;

/** A database of its own beside the worker's (dropped with the run's databases and folder). */
async function scratchUrl(): Promise<string> {
  const suffix = `outbox_${Date.now().toString(36)}`;
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

/** Runs statements with $1, $2… parameters on either provider, as the release before this one would have. */
async function runRaw(databaseUrl: string, statements: [string, (string | number | null)[]][]): Promise<void> {
  if (postgres) {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      for (const [sql, args] of statements) await client.query(sql, args);
    } finally {
      await client.end();
    }
    return;
  }
  const { createClient } = await import("@libsql/client");
  const client = createClient({ url: databaseUrl });
  try {
    for (const [sql, args] of statements) await client.execute({ sql: sql.replace(/\$(\d+)/g, "?$1"), args });
  } finally {
    client.close();
  }
}

// Timestamps as Prisma stores them on SQLite (PostgreSQL reads the same text into TIMESTAMP(3)).
const at = (iso: string) => iso.replace("Z", "+00:00");
const UPDATED = "2026-12-04T20:00:00.000Z";
const NEXT_ATTEMPT = "2026-12-04T20:05:00.000Z";

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

describe(`migrating queued metafield writes to the outbox (${postgres ? "PostgreSQL" : "SQLite"})`, () => {
  beforeAll(async () => {
    url = await scratchUrl();
    const applied = await migrateDatabase(url, { upTo: BEFORE });
    expect(applied.at(-1)).toBe(BEFORE);
  });

  it("turns pending and failed MetafieldSync rows into metafields jobs, and the writer takes them on", async () => {
    const sync = (id: string, customer: string, balance: number, tier: string, status: string, attempts: number, lastError: string | null) =>
      [
        `INSERT INTO "MetafieldSync" ("id", "shopId", "customerGid", "balance", "tier", "status", "attempts", "lastError", "nextAttemptAt", "updatedAt")
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [id, "shop-1", `gid://shopify/Customer/${customer}`, balance, tier, status, attempts, lastError, at(NEXT_ATTEMPT), at(UPDATED)],
      ] as [string, (string | number | null)[]];
    await runRaw(url, [
      [
        `INSERT INTO "Shop" ("id", "domain", "orgId", "settings", "updatedAt") VALUES ($1, $2, $3, $4, $5)`,
        ["shop-1", "outbox-migration.myshopify.com", "org-outbox-migration", "{}", at(UPDATED)],
      ],
      sync("ana", "1", 637, "Silver", "pending", 2, "Admin API answered 503"),
      sync("bea", "2", 5, "Bronze", "failed", 1, "Shopify refused the input: Owner does not exist"),
      sync("cid", "3", 40, "Bronze", "done", 1, null),
    ]);

    expect(await migrateDatabase(url, { upTo: MIGRATION })).toEqual([MIGRATION]);
    await migrateDatabase(url);

    const db: Database = await createDatabase(url);
    try {
      const jobs = await db.job.findMany({ where: { queue: METAFIELDS_QUEUE }, orderBy: { key: "asc" } });
      expect(jobs.map(({ payload, ...job }) => ({ ...job, payload: JSON.parse(payload) as unknown }))).toEqual([
        {
          id: "metafields:ana",
          shopId: "shop-1",
          queue: METAFIELDS_QUEUE,
          key: "shop-1:gid://shopify/Customer/1",
          payload: { customerGid: "gid://shopify/Customer/1", balance: 637, tier: "Silver" },
          version: 0,
          status: "pending",
          attempts: 2,
          maxAttempts: 6,
          runAt: new Date(NEXT_ATTEMPT),
          lockedBy: null,
          lockedUntil: null,
          lastError: "Admin API answered 503",
          createdAt: new Date(UPDATED),
          updatedAt: new Date(UPDATED),
          finishedAt: null,
        },
        {
          id: "metafields:bea",
          shopId: "shop-1",
          queue: METAFIELDS_QUEUE,
          key: "shop-1:gid://shopify/Customer/2",
          payload: { customerGid: "gid://shopify/Customer/2", balance: 5, tier: "Bronze" },
          version: 0,
          status: "failed",
          attempts: 1,
          maxAttempts: 6,
          runAt: new Date(NEXT_ATTEMPT),
          lockedBy: null,
          lockedUntil: null,
          lastError: "Shopify refused the input: Owner does not exist",
          createdAt: new Date(UPDATED),
          updatedAt: new Date(UPDATED),
          finishedAt: new Date(UPDATED),
        },
      ]);

      // The writer reads the migrated payload: due at its next attempt, the pending one is written.
      const sent: unknown[] = [];
      const admin: AdminClient = {
        async request<T>(_query: string, variables?: Record<string, unknown>): Promise<T> {
          sent.push(variables);
          return { metafieldsSet: { userErrors: [] } } as T;
        },
      };
      const shops = await db.shop.updateMany({ where: { id: "shop-1" }, data: { installed: true } });
      expect(shops.count).toBe(1);
      const now = new Date(NEXT_ATTEMPT);
      const claimed = await claimJobs(db, METAFIELDS_QUEUE, { owner: "migrated", now, limit: 120 });
      expect(claimed.map((job) => job.id)).toEqual(["metafields:ana"]);
      const outcomes = await metafieldsQueue({ adminFor: async () => admin }).run(claimed, { db, clock: systemClock, logger, signal: new AbortController().signal });
      expect([...outcomes.values()]).toEqual([undefined]);
      await completeJob(db, claimed[0], "migrated", now);
      expect(sent).toEqual([
        {
          metafields: [
            { ownerId: "gid://shopify/Customer/1", namespace: "roost", key: "points_balance", type: "number_integer", value: "637" },
            { ownerId: "gid://shopify/Customer/1", namespace: "roost", key: "tier", type: "single_line_text_field", value: "Silver" },
          ],
        },
      ]);
      expect(await db.job.findUniqueOrThrow({ where: { id: "metafields:ana" } })).toMatchObject({ status: "done", attempts: 3 });
    } finally {
      await db.$disconnect();
    }
  });
});
