import { execFile, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { dirWithExecutables, pathDirs } from "./binaries";
import { freePort } from "./redis";

/**
 * A throwaway PostgreSQL server for one test file, like test/support/redis.ts for Redis: its own
 * data directory under the system's temp folder, its own free loopback port, fsync off (it is
 * thrown away). It can be stopped and started again on the same data directory, so a fault test
 * can take the database away under load and bring it back. The shared server on 5432 is never
 * touched.
 *
 * initdb and postgres refuse to run as root, and CI runs the tests as root: then they run as the
 * `postgres` user (created by the Debian packages), which owns the data directory.
 */

const VERSIONS = ["17", "16", "15", "14", "13"];

const findPostgresBin = (): string | null =>
  dirWithExecutables([process.env.POSTGRES_BIN_DIR, ...VERSIONS.map((version) => `/usr/lib/postgresql/${version}/bin`), ...pathDirs()], ["initdb", "pg_ctl", "postgres"]);

export const POSTGRES_BIN = findPostgresBin();
/** PostgreSQL fault tests run when the server binaries are installed; on CI their absence is a failure, elsewhere a skip. */
export const postgresAvailable = POSTGRES_BIN !== null || process.env.CI === "true";
export const postgresSkipNote = POSTGRES_BIN
  ? ""
  : " (SKIPPED: the PostgreSQL server binaries (initdb, pg_ctl, postgres) are not installed; `apt-get install postgresql` or set POSTGRES_BIN_DIR)";

/** Who runs the server: this process's user, or `postgres` when this process is root. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = fs
    .readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((entry) => entry.startsWith("postgres:"));
  const [, , uid, gid] = line?.split(":") ?? [];
  if (!uid || !gid) throw new Error("running as root, PostgreSQL needs an unprivileged user to run as: no `postgres` user in /etc/passwd");
  return { uid: Number(uid), gid: Number(gid) };
}

export interface ThrowawayPostgres {
  port: number;
  /** The `postgres` database as superuser `postgres` (trust authentication on loopback). */
  url: string;
  /** A URL for another database on this server (see `createDatabase`). */
  databaseUrl(name: string): string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  running(): boolean;
  /** Starts (again) on the same port and data directory: what was committed is still there. */
  start(): Promise<void>;
  /** Stops the server: `fast` (default) rolls back open transactions and closes connections; `immediate` is a crash. */
  stop(mode?: "fast" | "immediate"): Promise<void>;
  /** Stops the server and removes its data directory. */
  teardown(): Promise<void>;
}

const live = new Set<string>();
process.once("exit", () => {
  // A test process that dies leaves no server behind.
  for (const dataDir of live) {
    spawnSync(path.join(POSTGRES_BIN ?? "", "pg_ctl"), ["-D", dataDir, "-m", "immediate", "-w", "stop"], { stdio: "ignore", ...serverUser() });
  }
});

export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  if (!POSTGRES_BIN) throw new Error("the PostgreSQL server binaries are not installed (CI=true requires them): apt-get install postgresql");
  const bin = POSTGRES_BIN;
  const user = serverUser();
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "roost-pg-"));
  const dataDir = path.join(dir, "data");
  const logFile = path.join(dir, "server.log");
  if (user) fs.chownSync(dir, user.uid, user.gid);

  const run = (tool: string, args: string[]) =>
    new Promise<string>((resolve, reject) => {
      // LC_ALL=C: initdb picks its locale from the environment, and a test machine may have none installed.
      execFile(path.join(bin, tool), args, { cwd: dir, env: { ...process.env, LC_ALL: "C", LANG: "C" }, timeout: 60_000, ...user }, (error, stdout, stderr) => {
        if (error) reject(new Error(`${tool} ${args.join(" ")} failed: ${error.message}\n${stdout}${stderr}${readLog()}`));
        else resolve(stdout);
      });
    });
  const readLog = () => {
    try {
      return `\nserver log:\n${fs.readFileSync(logFile, "utf8").slice(-4000)}`;
    } catch {
      return "";
    }
  };

  await run("initdb", ["-D", dataDir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
  // Speed over durability: the data is thrown away. Only loopback TCP and a socket in the data folder.
  const settings = [
    `-p ${port}`,
    "-c listen_addresses=127.0.0.1",
    `-c unix_socket_directories=${dir}`,
    "-c fsync=off",
    "-c synchronous_commit=off",
    "-c full_page_writes=off",
    "-c shared_buffers=32MB",
    "-c max_connections=40",
  ].join(" ");

  let up = false;
  const start = async () => {
    if (up) return;
    await run("pg_ctl", ["-D", dataDir, "-l", logFile, "-o", settings, "-w", "-t", "30", "start"]);
    up = true;
    live.add(dataDir);
  };
  const stop = async (mode: "fast" | "immediate" = "fast") => {
    if (!up) return;
    await run("pg_ctl", ["-D", dataDir, "-m", mode, "-w", "-t", "30", "stop"]);
    up = false;
    live.delete(dataDir);
  };

  const base = `postgresql://postgres@127.0.0.1:${port}`;
  const databaseUrl = (name: string) => `${base}/${name}`;
  await start();
  return {
    port,
    url: databaseUrl("postgres"),
    databaseUrl,
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
      const { default: pg } = await import("pg");
      const admin = new pg.Client({ connectionString: databaseUrl("postgres") });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE "${name}"`);
      } finally {
        await admin.end();
      }
      return databaseUrl(name);
    },
    running: () => up,
    start,
    stop,
    async teardown() {
      await stop("immediate").catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
