// Shared by the bench's scenarios (scripts/bench/run.ts, scripts/bench/paid-orders.ts): the
// processes it starts (servers, the load generator) and how it measures them (CPU and RSS from
// /proc, event-loop delay, the inbox straight from the SQLite file), plus table formatting.
import { type ChildProcess, fork, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createClient } from "@libsql/client";
import type { ChildMessage, ParentMessage } from "./load";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** The API secret both servers verify deliveries with; the load generator signs with it. */
export const SECRET = "roost-bench-api-secret";
export const CLK_TCK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;
/** Every process the bench started and has not seen exit: stopped on the way out. */
export const children = new Set<ChildProcess>();
const t0 = Date.now();

/** The run itself broke (build, migration, a server, the load generator): exit 1. */
export class BrokenRun extends Error {}

export function log(message: string): void {
  const seconds = ((Date.now() - t0) / 1000).toFixed(1).padStart(5);
  console.log(`[${seconds}s] ${message}`);
}

export function elapsedSeconds(): number {
  return (Date.now() - t0) / 1000;
}

// ---------------------------------------------------------------------------------------
// Processes

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The environment of a Roost production server on 127.0.0.1:`port` over `databaseUrl`. */
export function roostEnv(port: number, databaseUrl: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: "production",
    DATABASE_URL: databaseUrl,
    SHOPIFY_API_KEY: "roost-bench-api-key",
    SHOPIFY_API_SECRET: SECRET,
    SHOPIFY_APP_URL: `http://127.0.0.1:${port}`,
    PORT: String(port),
    HOST: "127.0.0.1",
    LOG_LEVEL: "warn",
  };
}

export function runNode(args: string[], env: NodeJS.ProcessEnv, what: string): void {
  const result = spawnSync(process.execPath, args, { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (result.status !== 0) {
    console.error(`${result.stdout}\n${result.stderr}`.trim().split("\n").slice(-20).join("\n"));
    throw new BrokenRun(`${what} failed (exit ${result.status})`);
  }
}

export interface Server {
  name: string;
  process: ChildProcess;
  pid: number;
  origin: string;
  logFile: string;
  databaseUrl: string;
  /** scripts/bench/loop-delay.mjs writes here on SIGUSR2 */
  loopFile: string;
  loopRequests: number;
}

export interface LoopFigures {
  sequence: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/** Asks the server for its event-loop delay since the last ask (and resets it there). */
export async function loopDelay(server: Server, wait = true): Promise<LoopFigures | undefined> {
  server.loopRequests += 1;
  const expected = server.loopRequests;
  server.process.kill("SIGUSR2");
  if (!wait) return undefined;
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    try {
      const figures = JSON.parse(fs.readFileSync(server.loopFile, "utf8")) as LoopFigures;
      if (figures.sequence >= expected) return figures;
    } catch {
      // not written yet
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return undefined;
}

export async function startServer(dir: string, name: string, args: string[], env: NodeJS.ProcessEnv, port: number, databaseUrl: string): Promise<Server> {
  const logFile = path.join(dir, `${name}.log`);
  const loopFile = path.join(dir, `${name}-loop.json`);
  const out = fs.openSync(logFile, "a");
  const child = spawn(process.execPath, ["--import", "./scripts/bench/loop-delay.mjs", ...args], {
    env: { ...env, ROOST_BENCH_LOOP_FILE: loopFile },
    stdio: ["ignore", out, out],
  });
  fs.closeSync(out);
  children.add(child);
  let exited: string | undefined;
  child.once("exit", (code, signal) => {
    exited = `exit ${code ?? signal}`;
    children.delete(child);
  });
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 45_000;
  for (;;) {
    if (exited) break;
    try {
      const response = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.ok) return { name, process: child, pid: child.pid!, origin, logFile, databaseUrl, loopFile, loopRequests: 0 };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  console.error(fs.readFileSync(logFile, "utf8").split("\n").slice(-30).join("\n"));
  throw new BrokenRun(`${name} server did not become healthy (${exited ?? "timed out after 45 s"}); log: ${logFile}`);
}

export async function stopProcess(child: ChildProcess, graceMs = 8000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

export function readRssMb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU time (user + system) a process has used, in ms. */
export function readCpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) / CLK_TCK) * 1000;
  } catch {
    return 0;
  }
}

export function selfCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** Busy and total jiffies of the whole machine. */
export function readMachineCpu(): { busy: number; total: number } {
  if (!fs.existsSync("/proc/stat")) return { busy: 0, total: 0 }; // not Linux: no CPU figures
  const line = fs.readFileSync("/proc/stat", "utf8").split("\n")[0];
  const values = line.split(/\s+/).slice(1).map(Number);
  const total = values.reduce((sum, value) => sum + value, 0);
  const idle = values[3] + (values[4] ?? 0);
  return { busy: total - idle, total };
}

export class LoadGenerator {
  private readonly child: ChildProcess;
  private waiters: ((message: ChildMessage) => void)[] = [];
  private exited: string | undefined;

  constructor() {
    this.child = fork(path.join(root, "scripts/bench/load.ts"), [], {
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    children.add(this.child);
    this.child.on("message", (message: ChildMessage) => {
      if (message.type === "error") {
        console.error(message.message);
        this.exited = `load generator error: ${message.message.split("\n")[0]}`;
      }
      const waiters = this.waiters;
      this.waiters = [];
      for (const waiter of waiters) waiter(message);
    });
    this.child.once("exit", (code) => {
      this.exited ??= `load generator exited (${code})`;
      children.delete(this.child);
      const waiters = this.waiters;
      this.waiters = [];
      for (const waiter of waiters) waiter({ type: "error", message: this.exited });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Sends a message and resolves with the next reply of the given type. */
  request<T extends ChildMessage["type"]>(message: ParentMessage, reply: T, onOther?: (m: ChildMessage) => void): Promise<Extract<ChildMessage, { type: T }>> {
    return new Promise((resolve, reject) => {
      const wait = (incoming: ChildMessage) => {
        if (incoming.type === reply) resolve(incoming as Extract<ChildMessage, { type: T }>);
        else if (incoming.type === "error") reject(new BrokenRun(incoming.message));
        else {
          onOther?.(incoming);
          this.waiters.push(wait);
        }
      };
      if (this.exited) return reject(new BrokenRun(this.exited));
      this.waiters.push(wait);
      this.child.send(message);
    });
  }

  async close(): Promise<void> {
    if (this.child.connected) this.child.send({ type: "exit" } satisfies ParentMessage);
    await Promise.race([new Promise((resolve) => this.child.once("exit", resolve)), new Promise((resolve) => setTimeout(resolve, 3000))]);
    if (this.child.exitCode === null) await stopProcess(this.child, 1000);
  }
}

// ---------------------------------------------------------------------------------------
// Database reads (straight from the SQLite file, not through the server)

export type InboxCounts = Record<"pending" | "processed" | "failed" | "dead", number> & { total: number };

export async function inboxCounts(databaseUrl: string): Promise<InboxCounts> {
  const client = createClient({ url: databaseUrl });
  try {
    const rows = (await client.execute(`SELECT "status", COUNT(*) AS n FROM "WebhookDelivery" GROUP BY "status"`)).rows;
    const counts: InboxCounts = { pending: 0, processed: 0, failed: 0, dead: 0, total: 0 };
    for (const row of rows) {
      const status = String(row.status) as keyof InboxCounts;
      counts[status] = (counts[status] ?? 0) + Number(row.n);
      counts.total += Number(row.n);
    }
    return counts;
  } finally {
    client.close();
  }
}

export async function storedIds(databaseUrl: string, sql: string): Promise<Set<string>> {
  const client = createClient({ url: databaseUrl });
  try {
    return new Set((await client.execute(sql)).rows.map((row) => String(row[0])));
  } finally {
    client.close();
  }
}

export async function sampleErrors(databaseUrl: string): Promise<string[]> {
  const client = createClient({ url: databaseUrl });
  try {
    const rows = (await client.execute(
      `SELECT "status", "topic", "lastError", COUNT(*) AS n FROM "WebhookDelivery" WHERE "lastError" IS NOT NULL GROUP BY 1, 2, 3 ORDER BY n DESC LIMIT 5`,
    )).rows;
    return rows.map((row) => `${row.n}× ${row.status} ${row.topic}: ${String(row.lastError).slice(0, 160)}`);
  } finally {
    client.close();
  }
}

/**
 * Pending deliveries still to process: never attempted, or claimed by a worker and not finished.
 * Rows that failed an attempt and wait for their retry (lease released) are not counted.
 */
export async function backlogRows(databaseUrl: string): Promise<number> {
  const client = createClient({ url: databaseUrl });
  try {
    const { rows } = await client.execute(`SELECT COUNT(*) FROM "WebhookDelivery" WHERE "status" = 'pending' AND ("attempts" = 0 OR "lockedUntil" IS NOT NULL)`);
    return Number(rows[0][0]);
  } finally {
    client.close();
  }
}

/** Waits until the backlog (backlogRows) is empty, or the bound; returns the counts and the time it took. */
export async function waitForDrain(databaseUrl: string, boundMs: number): Promise<{ counts: InboxCounts; ms: number; drained: boolean }> {
  const started = Date.now();
  for (;;) {
    const counts = await inboxCounts(databaseUrl);
    if ((await backlogRows(databaseUrl)) === 0) return { counts, ms: Date.now() - started, drained: true };
    if (Date.now() - started > boundMs) return { counts, ms: Date.now() - started, drained: false };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

// ---------------------------------------------------------------------------------------
// SQL trace (--trace-sql)

export interface SqlTrace {
  statements: number;
  prepareMs: number;
  execMs: number;
  connectionsOpened: number;
  unsynced: { statements: number; writes: number; connections: number };
  connections: { at: number; firstSql: string; synchronousAtOpen: number; busyTimeoutAtOpen: number }[];
  top: { sql: string; count: number; prepareMs: number; execMs: number }[];
}

/** The summary scripts/bench/sql-trace.mjs wrote on the server's exit, per delivery (or award). */
export function summariseSqlTrace(name: string, file: string, deliveries: number, unit = "delivery", counted = `${deliveries} deliveries incl. warm-up`): string {
  if (!fs.existsSync(file)) return `${name}: no SQL trace written (${file})`;
  const trace = JSON.parse(fs.readFileSync(file, "utf8")) as SqlTrace;
  const per = (value: number) => fmt(value / Math.max(1, deliveries), 2);
  const synchronous = ["OFF", "NORMAL", "FULL", "EXTRA"];
  const lines = [
    `SQL trace, ${name} (${counted}): ${per(trace.statements)} statements/${unit}, ` +
      `${per(trace.prepareMs)} ms prepare + ${per(trace.execMs)} ms execute per ${unit} inside SQLite; ` +
      `${trace.connectionsOpened} connections opened (${per(trace.connectionsOpened)}/${unit})`,
    trace.unsynced.writes > 0
      ? `  ${trace.unsynced.connections} connections never got PRAGMA synchronous=NORMAL (SQLite's default in WAL is FULL: an fsync per commit, and busy_timeout=0); ` +
        `they ran ${per(trace.unsynced.statements)} statements/${unit}, ${per(trace.unsynced.writes)} of them writes or COMMIT`
      : "  every write ran on a connection with PRAGMA synchronous=NORMAL",
    `  connections at open: ${trace.connections.map((c) => `synchronous=${synchronous[c.synchronousAtOpen] ?? c.synchronousAtOpen} busy_timeout=${c.busyTimeoutAtOpen}`).slice(0, 3).join("; ")}`,
    `  statements by time (count/${unit}, ms/${unit}):`,
    ...trace.top.slice(0, 12).map((row) => `    ${per(row.count).padStart(6)}  ${per(row.prepareMs + row.execMs).padStart(6)} ms  ${row.sql.slice(0, 150)}`),
  ];
  return lines.join("\n");
}

// ---------------------------------------------------------------------------------------
// Tables

export function fmt(value: number | undefined, digits = 1): string {
  return value === undefined || Number.isNaN(value) ? "-" : value.toFixed(digits);
}

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(" | ")} |`;
  return [line(headers), `|${widths.map((w, i) => (i < 2 ? ` ${"-".repeat(w)} ` : ` ${"-".repeat(w - 1)}: `)).join("|")}|`, ...rows.map(line)].join("\n");
}
