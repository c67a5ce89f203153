import { createRequire } from "node:module";
import { type Client, type Config, createClient, type InStatement, type Transaction, type TransactionMode } from "@libsql/client";
import { PrismaLibSql } from "@prisma/adapter-libsql";
import { PrismaPg } from "@prisma/adapter-pg";
import { Prisma, PrismaClient } from "@prisma/client";
import type { SqlDriverAdapter, SqlDriverAdapterFactory, SqlQuery, Transaction as AdapterTransaction } from "@prisma/driver-adapter-utils";

export const DEFAULT_DATABASE_URL = "file:./prisma/dev.sqlite";

export type Database = PrismaClient;

/** A client inside an interactive transaction (`db.$transaction(async (tx) => …)`). */
export type Tx = Parameters<Parameters<Database["$transaction"]>[0]>[0];

/** The root client, or a transaction a caller opened: what services that may join one take. */
export type Db = Database | Tx;

/**
 * Runs `work` in the caller's transaction when given one, else in a new one on the root client,
 * so a caller can apply several operations (a whole delivery, later a batch) atomically. Not
 * Prisma's nested `$transaction`: that costs a SAVEPOINT and a RELEASE per call.
 */
export function inTransaction<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  return "$connect" in db ? db.$transaction(work) : work(db);
}

/** Whether `db` is a transaction a caller opened (its statements commit or roll back together). */
export function isTransaction(db: Db): boolean {
  return !("$connect" in db);
}

export function databaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.DATABASE_URL || DEFAULT_DATABASE_URL;
}

/** node-postgres's own default: connections a process's PostgreSQL pool opens at most. */
export const DEFAULT_POOL_MAX = 10;

/**
 * `ROOST_DATABASE_POOL_MAX`: the most PostgreSQL connections one process opens (default 10).
 * With N processes PostgreSQL's `max_connections` must cover N × this (docs/scaling.md).
 */
export function databasePoolMax(env: Record<string, string | undefined> = process.env): number {
  const raw = env.ROOST_DATABASE_POOL_MAX;
  if (raw === undefined || raw === "") return DEFAULT_POOL_MAX;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`ROOST_DATABASE_POOL_MAX must be a whole number of connections, at least 1 (got "${raw}")`);
  return value;
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

/**
 * libsql's local `transaction()` hands its connection to the transaction and opens a new one
 * for what follows, never closing the old one: every interactive transaction leaked a
 * connection (file descriptors, memory) and the new ones lacked the PRAGMAs set above
 * (synchronous=FULL, busy_timeout=0). Here a transaction is BEGIN IMMEDIATE … COMMIT on the
 * one connection; the adapter's mutex already gives a transaction the connection to itself,
 * and IMMEDIATE takes the write lock up front so a second writing process waits, not fails.
 */
class OneConnectionLibSQL extends PrismaLibSql {
  override createClient(config: Config): Client {
    const client = createClient(config);
    const run = (sql: string) => client.execute(sql);
    const transaction = async (mode: TransactionMode = "deferred"): Promise<Transaction> => {
      await run(mode === "read" ? "BEGIN DEFERRED" : "BEGIN IMMEDIATE");
      let open = true;
      const tx = {
        execute: (statement: InStatement) => client.execute(statement),
        batch: async (statements: InStatement[]) => {
          const results = [];
          for (const statement of statements) results.push(await client.execute(statement));
          return results;
        },
        executeMultiple: (sql: string) => client.executeMultiple(sql),
        commit: async () => {
          try {
            await run("COMMIT");
          } catch (error) {
            await run("ROLLBACK").catch(() => undefined);
            throw error;
          } finally {
            open = false;
          }
        },
        rollback: async () => {
          if (!open) return;
          open = false;
          await run("ROLLBACK");
        },
        close: () => {
          if (open) void tx.rollback();
        },
        get closed() {
          return !open;
        },
      };
      return tx as unknown as Transaction;
    };
    return new Proxy(client, {
      get: (target, property) => {
        if (property === "transaction") return transaction;
        const value = Reflect.get(target, property, target);
        // The client keeps its connection in private fields: call its methods on the client.
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }
}

/**
 * The Prisma client for a database URL: `file:` selects SQLite through libsql (the embedded
 * default), `postgresql://` the client generated from the derived PostgreSQL schema. Both are
 * generated from the same models, so they share one type.
 */
export interface DatabaseOptions {
  /**
   * Called with every statement the driver runs, transaction control included (BEGIN, COMMIT,
   * ROLLBACK, savepoints): for tests and diagnostics that count or inspect them.
   */
  onStatement?: (sql: string) => void;
}

export async function createDatabase(url = databaseUrl(), options: DatabaseOptions = {}): Promise<Database> {
  const adapter = <F extends SqlDriverAdapterFactory>(factory: F): F => (options.onStatement ? tracedAdapter(factory, options.onStatement) : factory);
  if (isPostgresUrl(url)) {
    // CommonJS require: the generated client lives at a path ESM cannot name (".prisma/…").
    const require = createRequire(import.meta.url);
    const { PrismaClient: PostgresClient } = require(".prisma/client-postgresql") as {
      PrismaClient: typeof PrismaClient;
    };
    return new PostgresClient({ adapter: adapter(new PrismaPg({ connectionString: url, max: databasePoolMax() })) });
  }
  if (!url.startsWith("file:")) {
    throw new Error(`DATABASE_URL must be a file: (SQLite) or postgresql:// URL, got "${url.split(":")[0]}:"`);
  }
  const db = new PrismaClient({ adapter: adapter(new OneConnectionLibSQL({ url })) });
  // WAL is set on the file by the migrator; these are per connection.
  await db.$queryRawUnsafe("PRAGMA busy_timeout = 5000");
  await db.$queryRawUnsafe("PRAGMA synchronous = NORMAL");
  // Deleted and overwritten content is zeroed, so what a redact or the inbox retention erases
  // does not linger in free pages and free space of the file (DESIGN, flow rule 7).
  await db.$queryRawUnsafe("PRAGMA secure_delete = ON");
  return db;
}

/** The adapter factory with every statement reported to `onStatement` (DatabaseOptions). */
function tracedAdapter<F extends SqlDriverAdapterFactory>(factory: F, onStatement: (sql: string) => void): F {
  // Adapters keep state in private fields: their methods are called on the adapter itself.
  const traced = <T extends object>(target: T, wrap: (name: string | symbol, method: (...args: never[]) => unknown) => unknown): T =>
    new Proxy(target, {
      get: (object, property) => {
        const value = Reflect.get(object, property, object);
        return typeof value === "function" ? wrap(property, value.bind(object) as (...args: never[]) => unknown) : value;
      },
    });
  const queries = (name: string | symbol, method: (...args: never[]) => unknown) => {
    if (name === "queryRaw" || name === "executeRaw") return (query: SqlQuery) => (onStatement(query.sql), (method as (query: SqlQuery) => unknown)(query));
    return undefined;
  };
  const transaction = (tx: AdapterTransaction) =>
    traced(tx, (name, method) => {
      // Without phantom queries (PostgreSQL) Prisma sends COMMIT and ROLLBACK as statements of
      // their own, and commit() only hands the connection back.
      const phantom = tx.options.usePhantomQuery;
      const control: Record<string, (savepoint?: string) => string> = {
        ...(phantom ? { commit: () => "COMMIT", rollback: () => "ROLLBACK" } : {}),
        createSavepoint: (savepoint) => `SAVEPOINT ${savepoint}`,
        rollbackToSavepoint: (savepoint) => `ROLLBACK TO SAVEPOINT ${savepoint}`,
        releaseSavepoint: (savepoint) => `RELEASE SAVEPOINT ${savepoint}`,
      };
      if (typeof name === "string" && control[name]) return (savepoint?: string) => (onStatement(control[name](savepoint)), (method as (savepoint?: string) => unknown)(savepoint));
      return queries(name, method) ?? method;
    });
  const connection = (adapter: SqlDriverAdapter) =>
    traced(adapter, (name, method) => {
      if (name === "startTransaction") {
        return async (...args: unknown[]) => {
          onStatement("BEGIN");
          return transaction(await (method as (...args: unknown[]) => Promise<AdapterTransaction>)(...args));
        };
      }
      if (name === "executeScript") return (script: string) => (onStatement(script), (method as (script: string) => unknown)(script));
      return queries(name, method) ?? method;
    });
  return traced(factory, (name, method) => (name === "connect" ? async () => connection((await method()) as SqlDriverAdapter) : method));
}

/** Whether a client talks to SQLite (one writer at a time) rather than PostgreSQL. */
export function isSqlite(database: Db): boolean {
  // From the client's own provider, not a registry of clients this module made: a dev server's
  // reloaded modules (and the demo's) hold clients another instance of this module created.
  return (database as { _activeProvider?: string })._activeProvider === "sqlite";
}

/**
 * A time as a raw-query parameter where PostgreSQL cannot infer its type (a SELECT list, a
 * UNION, a CASE); SQLite takes it as it is.
 */
export function sqlTime(database: Db, at: Date): Prisma.Sql {
  return isSqlite(database) ? Prisma.sql`${at}` : Prisma.sql`CAST(${at} AS TIMESTAMP(3))`;
}

/**
 * SQLite's planner has no statistics until ANALYZE runs, and without them it guesses between
 * indexes (a customer's orders or the shop's orders by date). `PRAGMA optimize` analyzes the
 * tables that changed enough since the last time, sampling at most `analysis_limit` rows per
 * index so it stays cheap; the periodic cohort sweep calls it. PostgreSQL's autovacuum keeps its
 * own statistics.
 */
export async function refreshStatistics(database: Database): Promise<void> {
  if (!isSqlite(database)) return;
  await database.$queryRawUnsafe("PRAGMA analysis_limit = 1000");
  await database.$queryRawUnsafe("PRAGMA optimize = 0x10002");
}

/**
 * After an erasure on SQLite: copy the write-ahead log into the database file and truncate it,
 * so the erased rows' earlier page images leave the -wal file too (secure_delete zeroes them
 * in the main file). Best effort: while another process reads, SQLite checkpoints what it can
 * and the rest goes at a later checkpoint. Nothing to do on PostgreSQL.
 */
export async function checkpointErasure(database: Database): Promise<void> {
  if (!isSqlite(database)) return;
  await database.$queryRawUnsafe("PRAGMA wal_checkpoint(TRUNCATE)");
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
