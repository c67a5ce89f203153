import fs from "node:fs";
import path from "node:path";
import pg from "pg";
import { isPostgres } from "./support/database";

/**
 * Every run gets its own scratch: `.tmp/run-<pid>/` for SQLite files and `<db>_r<pid>_w<N>`
 * PostgreSQL databases, so two runs in one checkout (a developer's watch mode beside CI, two
 * people on one machine) never wipe each other's databases. Leftovers of runs whose process is
 * gone are removed here; a run removes its own at the end.
 */
export default async function globalSetup() {
  const run = `r${process.pid}`;
  const runDir = path.join(".tmp", `run-${process.pid}`);
  fs.mkdirSync(".tmp", { recursive: true });
  for (const entry of fs.readdirSync(".tmp")) {
    const pid = /^run-(\d+)$/.exec(entry)?.[1];
    // Files of the layout before per-run folders, and folders of finished runs.
    if (!pid || !alive(Number(pid))) fs.rmSync(path.join(".tmp", entry), { recursive: true, force: true });
  }
  fs.mkdirSync(runDir, { recursive: true });
  // Read by test/support (worker databases, demo servers); workers inherit it.
  process.env.ROOST_TEST_RUN = run;
  process.env.ROOST_TEST_RUN_DIR = runDir;

  const baseUrl = process.env.DATABASE_URL;
  if (isPostgres(baseUrl)) await dropDatabases(baseUrl, (name, base) => {
    const pid = new RegExp(`^${base}_r(\\d+)_w`).exec(name)?.[1];
    return pid ? !alive(Number(pid)) : new RegExp(`^${base}_w\\d+$`).test(name);
  });

  return async () => {
    fs.rmSync(runDir, { recursive: true, force: true });
    if (isPostgres(baseUrl)) await dropDatabases(baseUrl, (name, base) => name.startsWith(`${base}_${run}_w`));
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function dropDatabases(baseUrl: string, drop: (name: string, base: string) => boolean): Promise<void> {
  const base = new URL(baseUrl).pathname.slice(1) || "roost";
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE $1", [`${base}\\_%`]);
    for (const { datname } of rows) {
      if (drop(datname, base)) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
}
