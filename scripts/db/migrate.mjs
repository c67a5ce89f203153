// Applies Roost's migrations to DATABASE_URL (default: the embedded SQLite file).
// One small migrator for both providers: Prisma's own `migrate deploy` cannot run against
// PostgreSQL through the driver adapter (no native engine here), so Roost records applied
// migrations in its own `_roost_migrations` table and applies each file in a transaction.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { migrationNames, providers, root } from "./lib.mjs";

export const DEFAULT_DATABASE_URL = "file:./prisma/dev.sqlite";

/**
 * Applies the migrations not yet applied, in order. `upTo` stops after the migration of that
 * name (tests build a database as an older release left it, then apply the rest).
 * @param {string} [url]
 * @param {{ upTo?: string }} [options]
 * @returns {Promise<string[]>} the names applied now
 */
export async function migrateDatabase(url = process.env.DATABASE_URL || DEFAULT_DATABASE_URL, { upTo } = {}) {
  const isPostgres = /^postgres(ql)?:\/\//.test(url);
  const dir = isPostgres ? providers.postgresql.migrations : providers.sqlite.migrations;
  let names = migrationNames(dir);
  if (upTo !== undefined) {
    if (!names.includes(upTo)) throw new Error(`no migration named ${upTo}`);
    names = names.slice(0, names.indexOf(upTo) + 1);
  }
  const db = isPostgres ? await postgres(url) : await sqlite(url);
  try {
    await db.exec(
      `CREATE TABLE IF NOT EXISTS "_roost_migrations" ("name" TEXT PRIMARY KEY, "checksum" TEXT NOT NULL, "appliedAt" TEXT NOT NULL)`,
    );
    const applied = new Map((await db.applied()).map((row) => [row.name, row.checksum]));
    const done = [];
    for (const name of names) {
      const sql = fs.readFileSync(path.join(dir, name, "migration.sql"), "utf8");
      const checksum = crypto.createHash("sha256").update(sql).digest("hex");
      if (applied.has(name)) {
        if (applied.get(name) !== checksum) {
          throw new Error(`migration ${name} was edited after it was applied; write a new migration instead`);
        }
        continue;
      }
      await db.apply(name, checksum, sql);
      done.push(name);
    }
    return done;
  } finally {
    await db.close();
  }
}

async function sqlite(url) {
  const { createClient } = await import("@libsql/client");
  const filePath = url.replace(/^file:/, "");
  fs.mkdirSync(path.dirname(path.resolve(filePath)), { recursive: true });
  const client = createClient({ url });
  // WAL is a property of the file: set once here, every later connection gets it.
  await client.execute("PRAGMA journal_mode=WAL");
  return {
    exec: (sql) => client.execute(sql),
    applied: async () => (await client.execute(`SELECT "name", "checksum" FROM "_roost_migrations"`)).rows,
    apply: async (name, checksum, sql) => {
      // executeMultiple cannot run inside a libsql transaction object: wrap it in SQL.
      await client.executeMultiple(`BEGIN;\n${sql}\n;INSERT INTO "_roost_migrations" VALUES ('${name}', '${checksum}', '${new Date().toISOString()}');\nCOMMIT;`);
    },
    close: async () => client.close(),
  };
}

async function postgres(url) {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    exec: (sql) => client.query(sql),
    applied: async () => (await client.query(`SELECT "name", "checksum" FROM "_roost_migrations"`)).rows,
    apply: async (name, checksum, sql) => {
      await client.query("BEGIN");
      try {
        await client.query(sql);
        await client.query(`INSERT INTO "_roost_migrations" VALUES ($1, $2, $3)`, [name, checksum, new Date().toISOString()]);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw error;
      }
    },
    close: () => client.end(),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.chdir(root);
  const url = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  const done = await migrateDatabase(url);
  console.log(done.length ? `Applied ${done.join(", ")}` : "Database is up to date.");
}
