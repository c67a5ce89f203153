import { createRequire } from "node:module";
import { PrismaLibSQL } from "@prisma/adapter-libsql";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@prisma/client";

export const DEFAULT_DATABASE_URL = "file:./prisma/dev.sqlite";

export type Database = PrismaClient;

export function databaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.DATABASE_URL || DEFAULT_DATABASE_URL;
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

/**
 * The Prisma client for a database URL: `file:` selects SQLite through libsql (the embedded
 * default), `postgresql://` the client generated from the derived PostgreSQL schema. Both are
 * generated from the same models, so they share one type.
 */
export async function createDatabase(url = databaseUrl()): Promise<Database> {
  if (isPostgresUrl(url)) {
    // CommonJS require: the generated client lives at a path ESM cannot name (".prisma/…").
    const require = createRequire(import.meta.url);
    const { PrismaClient: PostgresClient } = require(".prisma/client-postgresql") as {
      PrismaClient: typeof PrismaClient;
    };
    return new PostgresClient({ adapter: new PrismaPg({ connectionString: url }) });
  }
  if (!url.startsWith("file:")) {
    throw new Error(`DATABASE_URL must be a file: (SQLite) or postgresql:// URL, got "${url.split(":")[0]}:"`);
  }
  const db = new PrismaClient({ adapter: new PrismaLibSQL({ url }) });
  // WAL is set on the file by the migrator; these are per connection.
  await db.$queryRawUnsafe("PRAGMA busy_timeout = 5000");
  await db.$queryRawUnsafe("PRAGMA synchronous = NORMAL");
  return db;
}

declare global {
  // Survives Vite's module reloads in development so connections are not leaked.
  var __roostDatabase: Promise<Database> | undefined;
}

globalThis.__roostDatabase ??= createDatabase();

const db: Database = await globalThis.__roostDatabase;
export default db;

/** True when the database answers a trivial query within the timeout. */
export async function pingDatabase(database: Database = db, timeoutMs = 2000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([database.$queryRawUnsafe("SELECT 1").then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A unique-constraint violation (Prisma's P2002). Checked by code, not `instanceof`: the SQLite
 * and PostgreSQL clients each ship their own error classes.
 */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "P2002";
}
