import path from "node:path";
import pg from "pg";
import { migrateDatabase } from "../../scripts/db/migrate.mjs";

export function isPostgres(url: string | undefined): url is string {
  return !!url && /^postgres(ql)?:\/\//.test(url);
}

/**
 * One database per test worker: a SQLite file in this run's folder under .tmp/, or (when
 * DATABASE_URL is a postgresql:// URL) a database named after the given one, the run and the
 * worker id (see test/global-setup.ts).
 */
export async function prepareWorkerDatabase(baseUrl: string | undefined, workerId: string): Promise<string> {
  let url: string;
  if (isPostgres(baseUrl)) {
    const target = new URL(baseUrl);
    const name = `${target.pathname.slice(1) || "roost"}_${testRun()}_w${workerId}`;
    target.pathname = `/${name}`;
    url = target.toString();
    const admin = new pg.Client({ connectionString: baseUrl });
    await admin.connect();
    try {
      const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
      if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${name}"`);
    } finally {
      await admin.end();
    }
  } else {
    url = `file:${path.join(testRunDir(), `test-worker-${workerId}.sqlite`)}`;
  }
  await migrateDatabase(url);
  return url;
}

/** This run's id and scratch folder, set by test/global-setup.ts. */
export function testRun(): string {
  return process.env.ROOST_TEST_RUN ?? "r0";
}

export function testRunDir(): string {
  return process.env.ROOST_TEST_RUN_DIR ?? ".tmp";
}
