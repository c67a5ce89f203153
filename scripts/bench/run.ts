// `npm run bench`: webhook ingest benchmark. Builds Roost if the build is stale, starts the
// production server (fresh SQLite database, migrated, bench shop seeded) and a bare
// node:http + SQLite baseline, drives both from a separate load-generator process with
// signed deliveries of real shape at rising concurrency, waits for Roost's inbox to drain,
// checks that every acknowledged delivery was stored, and prints a table and a verdict.
// See docs/performance.md. Options:
//   --stages 1,8,32,64   concurrency per stage          --count 3000   deliveries per stage
//   --max-seconds 10     time bound per stage           --warmup 200   untimed deliveries first
//   --build / --no-build force / skip `npm run build`   --only roost|baseline
//   --worker off         Roost with a do-nothing inbox worker (scripts/bench/no-worker.mjs):
//                        ingestion alone, deliveries stay pending
//   --worker process     as off, plus Roost's inbox worker in a separate process
//                        (scripts/bench/worker-process.ts): processing apart from acknowledgement
//   --profile            CPU-profile the Roost server (summary printed, files in $TMPDIR/roost-bench-profile)
//   --trace-sql          count and time every SQLite statement and connection of both servers
//                        (scripts/bench/sql-trace.mjs), summary printed
//   --keep               keep the temporary databases and logs ($TMPDIR/roost-bench-<ts>-*/)
//   --json <file>        also write the results as JSON
// Exit code: 0 the run completed (targets missed or not: it is a benchmark), 1 the run broke
// (build, migration or a server failed, or a stage acknowledged nothing), 2 Roost lost
// deliveries (acknowledged but not stored: a durability bug, never a performance result).
import { type ChildProcess, fork, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createClient } from "@libsql/client";
import { parse as parseToml } from "smol-toml";
import type { ChildMessage, InitMessage, ParentMessage, StageResult } from "./load";
import { BENCH_SHOP, EXCLUDED_TOPICS, PayloadFactory } from "./payloads";
import { summariseProfile } from "./profile-summary";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
process.chdir(root);

const { values: options } = parseArgs({
  options: {
    stages: { type: "string", default: "1,8,32,64" },
    count: { type: "string", default: "3000" },
    "max-seconds": { type: "string", default: "10" },
    warmup: { type: "string", default: "200" },
    build: { type: "boolean" },
    "no-build": { type: "boolean" },
    only: { type: "string" },
    worker: { type: "string", default: "on" },
    profile: { type: "boolean", default: false },
    "trace-sql": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    json: { type: "string" },
  },
});
const STAGES = options.stages.split(",").map(Number).filter((n) => n > 0);
const COUNT = Number(options.count);
const MAX_MS = Number(options["max-seconds"]) * 1000;
const WARMUP = Number(options.warmup);
if (!["on", "off", "process"].includes(options.worker)) throw new Error("--worker on|off|process");
/** The Roost server's own inbox worker runs (on) or is stubbed out (off, process). */
const WORKER_ON = options.worker === "on";
/** Deliveries get processed, by the server (on) or by a separate worker process (process). */
const PROCESSING = options.worker !== "off";
const SECRET = "roost-bench-api-secret";
const SEED = 20261102;
// Bounds on waiting for Roost's inbox to drain (after each stage, and after the last): they
// keep the whole run under about three minutes even when processing falls far behind.
const DRAIN_STAGE_MS = 8_000;
const DRAIN_FINAL_MS = 30_000;
const TARGETS = { throughput: 1000, p99: 25, ratio: 0.5 };
const CLK_TCK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

const runId = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "").replace("T", "-");
// Not under .tmp/: the test suite's global setup empties .tmp/ whenever someone runs it.
const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), `roost-bench-${runId}-`));
const children = new Set<ChildProcess>();
const t0 = Date.now();

class BrokenRun extends Error {}

function log(message: string): void {
  const seconds = ((Date.now() - t0) / 1000).toFixed(1).padStart(5);
  console.log(`[${seconds}s] ${message}`);
}

// ---------------------------------------------------------------------------------------
// Build

function newestMtime(entry: string): number {
  if (!fs.existsSync(entry)) return 0;
  const stat = fs.statSync(entry);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const name of fs.readdirSync(entry)) newest = Math.max(newest, newestMtime(path.join(entry, name)));
  return newest;
}

function ensureBuild(): void {
  const output = "build/server/index.js";
  const built = fs.existsSync(output) ? fs.statSync(output).mtimeMs : 0;
  const sources = Math.max(...["app", "vite.config.ts", "package.json", "package-lock.json"].map(newestMtime));
  if (options["no-build"]) {
    if (!built) throw new BrokenRun(`${output} is missing: run without --no-build`);
    log(`build: --no-build, using ${output}${built < sources ? " (OLDER than app/ sources)" : ""}`);
    return;
  }
  if (!options.build && built >= sources) {
    log(`build: ${output} is newer than app/ sources, not rebuilding (--build forces)`);
    return;
  }
  log(built ? "build: sources changed since the last build, running npm run build" : "build: no build yet, running npm run build");
  const started = Date.now();
  const result = spawnSync("npm", ["run", "build"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (result.status !== 0) {
    console.error(`${result.stdout}\n${result.stderr}`.trim().split("\n").slice(-30).join("\n"));
    throw new BrokenRun("npm run build failed");
  }
  log(`build: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

// ---------------------------------------------------------------------------------------
// Webhook routes → topic mix

interface Route {
  topic: string;
  path: string;
  file: string;
}

/** shopify.app.toml's subscriptions: URL path → the topics Shopify sends there. */
function subscribedTopics(): Map<string, string[]> {
  const byUri = new Map<string, string[]>();
  try {
    const toml = parseToml(fs.readFileSync("shopify.app.toml", "utf8")) as {
      webhooks?: { subscriptions?: { uri: string; topics?: string[]; compliance_topics?: string[] }[] };
    };
    for (const subscription of toml.webhooks?.subscriptions ?? []) {
      byUri.set(subscription.uri, [...(byUri.get(subscription.uri) ?? []), ...(subscription.topics ?? []), ...(subscription.compliance_topics ?? [])]);
    }
  } catch (error) {
    console.warn(`shopify.app.toml not read (${error instanceof Error ? error.message : String(error)}): topics derived from file names only`);
  }
  return byUri;
}

/**
 * `app/routes/webhooks.orders.paid.tsx` → URL `/webhooks/orders/paid`, topic `orders/paid`; the
 * topic is the one shopify.app.toml subscribes at that URL when it says (e.g.
 * `customer.tags_added` at `/webhooks/customer/tags_added`), else derived from the file name.
 */
export function discoverWebhookRoutes(dir = "app/routes"): Route[] {
  const subscribed = subscribedTopics();
  const routes: Route[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    let name: string | undefined;
    if (entry.isFile()) name = /^(webhooks\..+)\.[jt]sx?$/.exec(entry.name)?.[1];
    else if (entry.isDirectory() && entry.name.startsWith("webhooks.")) {
      const hasRoute = fs.readdirSync(path.join(dir, entry.name)).some((file) => /^route\.[jt]sx?$/.test(file));
      if (hasRoute) name = entry.name;
    }
    if (!name || /\.test$/.test(name)) continue;
    const segments = name.split(".").slice(1);
    // Dynamic, pathless, escaped or optional segments name no single topic.
    if (segments.some((s) => /^[$_]|_$|[[\]()]/.test(s))) continue;
    const url = `/webhooks/${segments.join("/")}`;
    for (const topic of subscribed.get(url) ?? [segments.join("/")]) routes.push({ topic, path: url, file: path.join(dir, entry.name) });
  }
  return routes.sort((a, b) => a.topic.localeCompare(b.topic));
}

// ---------------------------------------------------------------------------------------
// Processes

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function runNode(args: string[], env: NodeJS.ProcessEnv, what: string): void {
  const result = spawnSync(process.execPath, args, { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  if (result.status !== 0) {
    console.error(`${result.stdout}\n${result.stderr}`.trim().split("\n").slice(-20).join("\n"));
    throw new BrokenRun(`${what} failed (exit ${result.status})`);
  }
}

interface Server {
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

interface LoopFigures {
  sequence: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/** Asks the server for its event-loop delay since the last ask (and resets it there). */
async function loopDelay(server: Server, wait = true): Promise<LoopFigures | undefined> {
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

async function startServer(name: string, args: string[], env: NodeJS.ProcessEnv, port: number, databaseUrl: string): Promise<Server> {
  const logFile = path.join(tmpDir, `${name}.log`);
  const loopFile = path.join(tmpDir, `${name}-loop.json`);
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

async function stopProcess(child: ChildProcess, graceMs = 8000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

function readRssMb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU time (user + system) a process has used, in ms. */
function readCpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) / CLK_TCK) * 1000;
  } catch {
    return 0;
  }
}

function selfCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** Busy and total jiffies of the whole machine. */
function readMachineCpu(): { busy: number; total: number } {
  if (!fs.existsSync("/proc/stat")) return { busy: 0, total: 0 }; // not Linux: no CPU figures
  const line = fs.readFileSync("/proc/stat", "utf8").split("\n")[0];
  const values = line.split(/\s+/).slice(1).map(Number);
  const total = values.reduce((sum, value) => sum + value, 0);
  const idle = values[3] + (values[4] ?? 0);
  return { busy: total - idle, total };
}

class LoadGenerator {
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

type InboxCounts = Record<"pending" | "processed" | "failed" | "dead", number> & { total: number };

async function inboxCounts(databaseUrl: string): Promise<InboxCounts> {
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

async function storedIds(databaseUrl: string, sql: string): Promise<Set<string>> {
  const client = createClient({ url: databaseUrl });
  try {
    return new Set((await client.execute(sql)).rows.map((row) => String(row[0])));
  } finally {
    client.close();
  }
}

async function sampleErrors(databaseUrl: string): Promise<string[]> {
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

async function neverAttempted(databaseUrl: string): Promise<number> {
  const client = createClient({ url: databaseUrl });
  try {
    const { rows } = await client.execute(`SELECT COUNT(*) FROM "WebhookDelivery" WHERE "status" = 'pending' AND "attempts" = 0`);
    return Number(rows[0][0]);
  } finally {
    client.close();
  }
}

/** Waits until nothing is pending (or the bound); returns the counts and the time it took. */
async function waitForDrain(databaseUrl: string, boundMs: number): Promise<{ counts: InboxCounts; ms: number; drained: boolean }> {
  const started = Date.now();
  for (;;) {
    const counts = await inboxCounts(databaseUrl);
    // Rows that failed an attempt and wait for their retry are not a backlog.
    if ((await neverAttempted(databaseUrl)) === 0) return { counts, ms: Date.now() - started, drained: true };
    if (Date.now() - started > boundMs) return { counts, ms: Date.now() - started, drained: false };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

// ---------------------------------------------------------------------------------------
// One target (Roost or the baseline) through all stages

interface StageReport extends StageResult {
  rssPeakMb: number;
  rssEndMb: number;
  serverCpuMs: number;
  machineCpuPercent: number;
  otherCpuPercent: number;
  /** how long the server's event loop was blocked during the stage (ms) */
  loop?: LoopFigures;
  /** --worker process: CPU the separate worker process used during the stage */
  workerCpuMs?: number;
  /** Roost: deliveries still pending when the stage ended, and how long they took to drain */
  backlog?: number;
  drainMs?: number;
  /** false: the next stage started with part of this stage's backlog still to process */
  drained?: boolean;
  processedDuringStage?: number;
}

interface TargetReport {
  name: "roost" | "baseline";
  stages: StageReport[];
  acked: number;
  stored: number;
  lost: number;
  storedNotAcked: number;
  inbox?: InboxCounts;
  drained?: boolean;
  finalDrainMs?: number;
  errorsSample?: string[];
  rssIdleMb: number;
}

async function benchTarget(
  server: Server,
  routes: Record<string, string>,
  startTime: number,
  isRoost: boolean,
  workerPid?: number,
): Promise<TargetReport> {
  const load = new LoadGenerator();
  try {
    const init: InitMessage = { type: "init", origin: server.origin, secret: SECRET, routes, seed: SEED, start: startTime };
    await load.request(init, "ready");
    const rssIdleMb = readRssMb(server.pid);
    const stages: StageReport[] = [];
    const plan = [
      ...(WARMUP > 0 ? [{ name: "warmup", concurrency: 8, count: WARMUP }] : []),
      ...STAGES.map((concurrency) => ({ name: `c${concurrency}`, concurrency, count: COUNT })),
    ];
    for (const stage of plan) {
      let sampler: NodeJS.Timeout | undefined;
      let rssPeakMb = 0;
      let cpuStart = 0;
      let selfStart = 0;
      let workerStart = 0;
      let machineStart = readMachineCpu();
      let processedBefore = 0;
      if (isRoost && PROCESSING) processedBefore = (await inboxCounts(server.databaseUrl)).processed;
      const { result } = await load.request(
        { type: "stage", name: stage.name, concurrency: stage.concurrency, count: stage.count, maxMs: MAX_MS },
        "done",
        (message) => {
          if (message.type !== "started") return;
          void loopDelay(server, false);
          cpuStart = readCpuMs(server.pid);
          workerStart = workerPid ? readCpuMs(workerPid) : 0;
          selfStart = selfCpuMs();
          machineStart = readMachineCpu();
          sampler = setInterval(() => {
            rssPeakMb = Math.max(rssPeakMb, readRssMb(server.pid));
          }, 100);
        },
      );
      clearInterval(sampler);
      const serverCpuMs = readCpuMs(server.pid) - cpuStart;
      const machineEnd = readMachineCpu();
      const benchCpuMs = selfCpuMs() - selfStart;
      const workerCpuMs = workerPid ? readCpuMs(workerPid) - workerStart : undefined;
      const rssEndMb = readRssMb(server.pid);
      const loop = await loopDelay(server);
      const report: StageReport = {
        ...result,
        loop,
        rssPeakMb: Math.max(rssPeakMb, rssEndMb),
        rssEndMb,
        serverCpuMs,
        machineCpuPercent: (100 * (machineEnd.busy - machineStart.busy)) / Math.max(1, machineEnd.total - machineStart.total),
        // Whatever else ran on the machine meanwhile (other people's tests, builds), in % of
        // one core: machine busy time minus the server, the load generator and this process.
        otherCpuPercent: Math.max(
          0,
          (100 * (((machineEnd.busy - machineStart.busy) / CLK_TCK) * 1000 - serverCpuMs - (workerCpuMs ?? 0) - result.cpuMs - benchCpuMs)) / result.elapsedMs,
        ),
        workerCpuMs,
      };
      if (result.ok === 0) throw new BrokenRun(`${server.name} ${stage.name}: no delivery was acknowledged (${JSON.stringify({ ...result.statuses, ...result.errors })})`);
      if (isRoost && PROCESSING) {
        const atEnd = await inboxCounts(server.databaseUrl);
        report.processedDuringStage = atEnd.processed - processedBefore;
        report.backlog = atEnd.pending;
        const drain = await waitForDrain(server.databaseUrl, DRAIN_STAGE_MS);
        report.drainMs = drain.ms;
        report.drained = drain.drained;
      }
      if (stage.name !== "warmup") stages.push(report);
      log(
        `${server.name.padEnd(8)} ${stage.name.padEnd(6)} ${fmt(result.throughput, 0).padStart(6)}/s  p50 ${fmt(result.latency.p50, 1)} ms  p99 ${fmt(result.latency.p99, 1)} ms  ` +
          `ok ${result.ok}/${result.sent}  rss ${fmt(report.rssPeakMb, 0)} MB  loop blocked max ${fmt(loop?.max, 0)} ms` +
          (report.backlog !== undefined
            ? `  backlog ${report.backlog} (${report.drained ? "drained in" : "NOT drained in"} ${fmt((report.drainMs ?? 0) / 1000, 1)} s)`
            : "") +
          (workerCpuMs !== undefined ? `  worker process CPU ${fmt((100 * workerCpuMs) / result.elapsedMs, 0)}%, processed ${report.processedDuringStage} during the stage` : ""),
      );
    }
    const { ids } = await load.request({ type: "acked" }, "acked");
    const acked = new Set(ids);
    const target: TargetReport = {
      name: isRoost ? "roost" : "baseline",
      stages,
      acked: acked.size,
      stored: 0,
      lost: 0,
      storedNotAcked: 0,
      rssIdleMb,
    };
    let stored: Set<string>;
    if (isRoost) {
      if (PROCESSING) {
        const drain = await waitForDrain(server.databaseUrl, DRAIN_FINAL_MS);
        target.drained = drain.drained;
        target.finalDrainMs = drain.ms;
      }
      target.inbox = await inboxCounts(server.databaseUrl);
      target.errorsSample = await sampleErrors(server.databaseUrl);
      stored = await storedIds(server.databaseUrl, `SELECT "webhookId" FROM "WebhookDelivery" WHERE "shopDomain" = '${BENCH_SHOP}'`);
    } else {
      stored = await storedIds(server.databaseUrl, `SELECT webhook_id FROM delivery`);
    }
    target.stored = stored.size;
    for (const id of acked) if (!stored.has(id)) target.lost += 1;
    for (const id of stored) if (!acked.has(id)) target.storedNotAcked += 1;
    return target;
  } finally {
    await load.close();
  }
}

// ---------------------------------------------------------------------------------------
// Report

interface SqlTrace {
  statements: number;
  prepareMs: number;
  execMs: number;
  connectionsOpened: number;
  unsynced: { statements: number; writes: number; connections: number };
  connections: { at: number; firstSql: string; synchronousAtOpen: number; busyTimeoutAtOpen: number }[];
  top: { sql: string; count: number; prepareMs: number; execMs: number }[];
}

function summariseSqlTrace(name: string, file: string, deliveries: number): string {
  if (!fs.existsSync(file)) return `${name}: no SQL trace written (${file})`;
  const trace = JSON.parse(fs.readFileSync(file, "utf8")) as SqlTrace;
  const per = (value: number) => fmt(value / Math.max(1, deliveries), 2);
  const synchronous = ["OFF", "NORMAL", "FULL", "EXTRA"];
  const lines = [
    `SQL trace, ${name} (${deliveries} deliveries incl. warm-up): ${per(trace.statements)} statements/delivery, ` +
      `${per(trace.prepareMs)} ms prepare + ${per(trace.execMs)} ms execute per delivery inside SQLite; ` +
      `${trace.connectionsOpened} connections opened (${per(trace.connectionsOpened)}/delivery)`,
    trace.unsynced.writes > 0
      ? `  ${trace.unsynced.connections} connections never got PRAGMA synchronous=NORMAL (SQLite's default in WAL is FULL: an fsync per commit, and busy_timeout=0); ` +
        `they ran ${per(trace.unsynced.statements)} statements/delivery, ${per(trace.unsynced.writes)} of them writes or COMMIT`
      : "  every write ran on a connection with PRAGMA synchronous=NORMAL",
    `  connections at open: ${trace.connections.map((c) => `synchronous=${synchronous[c.synchronousAtOpen] ?? c.synchronousAtOpen} busy_timeout=${c.busyTimeoutAtOpen}`).slice(0, 3).join("; ")}`,
    "  statements by time (count/delivery, ms/delivery):",
    ...trace.top.slice(0, 12).map((row) => `    ${per(row.count).padStart(6)}  ${per(row.prepareMs + row.execMs).padStart(6)} ms  ${row.sql.slice(0, 150)}`),
  ];
  return lines.join("\n");
}

function fmt(value: number | undefined, digits = 1): string {
  return value === undefined || Number.isNaN(value) ? "-" : value.toFixed(digits);
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(" | ")} |`;
  return [line(headers), `|${widths.map((w, i) => (i < 2 ? ` ${"-".repeat(w)} ` : ` ${"-".repeat(w - 1)}: `)).join("|")}|`, ...rows.map(line)].join("\n");
}

function report(roost: TargetReport | undefined, baseline: TargetReport | undefined, mix: { topic: string; percent: number }[]) {
  const rows: string[][] = [];
  const baselineByConcurrency = new Map(baseline?.stages.map((stage) => [stage.concurrency, stage]) ?? []);
  for (const target of [roost, baseline]) {
    if (!target) continue;
    for (const stage of target.stages) {
      const base = baselineByConcurrency.get(stage.concurrency);
      const failures = stage.sent - stage.ok;
      rows.push([
        target.name,
        String(stage.concurrency),
        String(stage.sent),
        String(failures),
        fmt(stage.throughput, 0),
        fmt(stage.latency.p50, 2),
        fmt(stage.latency.p99, 2),
        fmt(stage.latency.max, 1),
        fmt(stage.rssPeakMb, 0),
        `${fmt(stage.loop?.p99, 0)} / ${fmt(stage.loop?.max, 0)}`,
        fmt(stage.serverCpuMs / Math.max(1, stage.sent), 2),
        fmt((100 * stage.serverCpuMs) / stage.elapsedMs, 0),
        fmt(stage.cpuMs / Math.max(1, stage.sent), 2),
        fmt(stage.otherCpuPercent, 0),
        target.name === "roost" && base ? `${fmt(stage.throughput / base.throughput, 2)}×` : "",
        stage.backlog !== undefined ? `${stage.backlog} / ${stage.drained ? fmt((stage.drainMs ?? 0) / 1000, 1) + " s" : "not in " + fmt((stage.drainMs ?? 0) / 1000, 0) + " s"}` : "",
      ]);
    }
  }
  console.log("");
  console.log(
    table(
      ["server", "conc", "sent", "non-2xx/err", "deliveries/s", "p50 ms", "p99 ms", "max ms", "RSS MB", "loop delay p99/max ms", "server CPU ms/dlv", "server CPU %", "loadgen CPU ms/dlv", "other procs CPU %", "Roost/baseline", "inbox backlog / drain"],
      rows,
    ),
  );
  console.log("");
  console.log(`topic mix: ${mix.map(({ topic, percent }) => `${topic} ${percent.toFixed(1)}%`).join(", ")}`);
  const stages = roost?.stages ?? baseline?.stages ?? [];
  const bytes = stages.reduce((sum, stage) => sum + stage.bodyBytes, 0);
  const sent = stages.reduce((sum, stage) => sum + stage.sent, 0);
  if (sent) console.log(`mean body ${fmt(bytes / sent / 1024, 1)} KB over ${sent} deliveries per server`);
  for (const target of [roost, baseline]) {
    if (!target) continue;
    const inbox = target.inbox
      ? `; inbox: ${target.inbox.processed} processed, ${target.inbox.pending} pending, ${target.inbox.failed} failed, ${target.inbox.dead} dead` +
        (target.finalDrainMs !== undefined ? ` (${target.drained ? "drained" : "NOT drained"} ${fmt(target.finalDrainMs / 1000, 1)} s after the load)` : " (worker off)")
      : "";
    console.log(
      `${target.name}: ${target.acked} acknowledged, ${target.stored} stored, lost ${target.lost}${target.storedNotAcked ? `, ${target.storedNotAcked} stored but not acknowledged (timeouts/errors)` : ""}${inbox}; idle RSS ${fmt(target.rssIdleMb, 0)} MB`,
    );
    for (const line of target.errorsSample ?? []) console.log(`  ${line}`);
  }
  const busy = [...(roost?.stages ?? []), ...(baseline?.stages ?? [])].filter((stage) => stage.otherCpuPercent > 15);
  if (busy.length) {
    console.log(`WARNING: other processes used ${busy.map((stage) => `${fmt(stage.otherCpuPercent, 0)}%`).join(", ")} of a core during ${busy.length} stage(s): figures are depressed by contention.`);
  }
  const errors = [...(roost?.stages ?? []), ...(baseline?.stages ?? [])].filter((stage) => stage.sent !== stage.ok);
  for (const stage of errors) {
    console.log(`  non-2xx at c=${stage.concurrency}: ${JSON.stringify({ ...stage.statuses, ...stage.errors })}`);
  }

  if (!roost) return;
  const peak = roost.stages.reduce((best, stage) => (stage.throughput > best.throughput ? stage : best), roost.stages[0]);
  const basePeak = baseline?.stages.reduce((best, stage) => (stage.throughput > best.throughput ? stage : best), baseline.stages[0]);
  const operating = roost.stages.filter((stage) => stage.throughput >= TARGETS.throughput && stage.latency.p99 <= TARGETS.p99);
  const ratio = basePeak ? peak.throughput / basePeak.throughput : undefined;
  const checks = [
    {
      ok: peak.throughput >= TARGETS.throughput,
      text: `throughput ${fmt(peak.throughput, 0)}/s at c=${peak.concurrency} (target ≥ ${TARGETS.throughput})`,
    },
    {
      ok: operating.length > 0,
      text: operating.length
        ? `p99 ≤ ${TARGETS.p99} ms while ≥ ${TARGETS.throughput}/s at c=${operating.map((stage) => stage.concurrency).join(",")}`
        : `p99 ≤ ${TARGETS.p99} ms while ≥ ${TARGETS.throughput}/s: no stage (p99 ${roost.stages.map((s) => `c${s.concurrency} ${fmt(s.latency.p99, 1)}`).join(", ")} ms)`,
    },
    {
      ok: ratio !== undefined && ratio >= TARGETS.ratio,
      text: ratio !== undefined ? `${fmt(ratio, 2)}× the baseline's peak ${fmt(basePeak!.throughput, 0)}/s (target ≥ ${TARGETS.ratio}×)` : "baseline not run",
    },
    { ok: roost.lost === 0, text: `lost ${roost.lost} (target 0)` },
  ];
  const met = checks.filter((check) => check.ok).length;
  console.log("");
  console.log(`VERDICT (${os.cpus().length} cores, Node ${process.versions.node}): ${met}/${checks.length} targets met — ${checks.map((check) => `${check.ok ? "✓" : "✗"} ${check.text}`).join("; ")}`);
  if (roost.lost > 0) console.error(`\n!!! ROOST LOST ${roost.lost} ACKNOWLEDGED DELIVERIES: acknowledged with 2xx but not in WebhookDelivery. This is a durability bug.\n`);
}

// ---------------------------------------------------------------------------------------
// Main

async function main(): Promise<number> {
  if (!STAGES.length || !(COUNT > 0) || !(MAX_MS > 0)) throw new BrokenRun("bad --stages/--count/--max-seconds");
  log(`bench: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), Node ${process.versions.node}, stages c=${STAGES.join(",")}, ${COUNT} deliveries or ${MAX_MS / 1000} s each`);
  fs.mkdirSync(tmpDir, { recursive: true });
  const only = options.only;
  const wantRoost = only !== "baseline";
  const wantBaseline = only !== "roost";

  const discovered = discoverWebhookRoutes();
  const usable = discovered.filter((route) => !EXCLUDED_TOPICS.has(route.topic));
  let sendable = usable;
  const commerce = usable.filter((route) => !route.topic.startsWith("app/"));
  if (commerce.length) sendable = commerce;
  if (!sendable.length) throw new BrokenRun("no webhooks.* route in app/routes to send deliveries to");
  log(`webhook routes: ${discovered.length} in app/routes; sending ${sendable.length} topics, not sending ${discovered.filter((route) => !sendable.includes(route)).map((route) => route.topic).join(", ") || "none"}`);
  if (!commerce.length) {
    console.warn(
      "WARNING: no commerce webhook routes (orders/*, products/*, …) exist yet in app/routes: the mix is only " +
        `${sendable.map((route) => route.topic).join(", ")}, with small payloads. The figures measure the inbox, not realistic traffic.`,
    );
  }
  const routes = Object.fromEntries(sendable.map((route) => [route.topic, route.path]));
  const mix = new PayloadFactory(Object.keys(routes)).shares();
  const startTime = Date.now();

  if (wantRoost) ensureBuild();

  let baseline: TargetReport | undefined;
  let roost: TargetReport | undefined;
  const traces: string[] = [];

  if (wantBaseline) {
    const databaseUrl = `file:${tmpDir}/baseline.sqlite`;
    const port = await freePort();
    const env = { ...process.env, DATABASE_URL: databaseUrl, SHOPIFY_API_SECRET: SECRET, PORT: String(port), HOST: "127.0.0.1" };
    const trace = path.join(tmpDir, "baseline-sql.json");
    const args = [...(options["trace-sql"] ? ["--import", "./scripts/bench/sql-trace.mjs"] : []), "scripts/bench/baseline-server.mjs"];
    const server = await startServer("baseline", args, { ...env, ROOST_BENCH_SQL_TRACE: trace }, port, databaseUrl);
    log(`baseline: node:http + @libsql/client on ${server.origin} (pid ${server.pid})`);
    try {
      // Every route of the mix maps to the same handler; keep Roost's paths for identical requests.
      baseline = await benchTarget(server, routes, startTime, false);
    } finally {
      await stopProcess(server.process);
    }
    if (options["trace-sql"]) traces.push(summariseSqlTrace("baseline", trace, baseline.acked));
  }

  if (wantRoost) {
    const databaseUrl = `file:${tmpDir}/roost.sqlite`;
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: "production",
      DATABASE_URL: databaseUrl,
      SHOPIFY_API_KEY: "roost-bench-api-key",
      SHOPIFY_API_SECRET: SECRET,
      SHOPIFY_APP_URL: `http://127.0.0.1:${port}`,
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      ...(WORKER_ON ? {} : { ROOST_INBOX_WORKER: "off" }),
    };
    runNode(["scripts/db/migrate.mjs"], env, "migration");
    runNode(["--import", "tsx", "scripts/bench/seed.ts"], env, "seeding the bench shop");
    const profileDir = path.join(os.tmpdir(), "roost-bench-profile");
    const nodeArgs = [
      ...(options.profile ? [`--cpu-prof`, `--cpu-prof-dir=${profileDir}`] : []),
      ...(WORKER_ON ? [] : ["--import", "./scripts/bench/no-worker.mjs"]),
      ...(options["trace-sql"] ? ["--import", "./scripts/bench/sql-trace.mjs"] : []),
    ];
    const trace = path.join(tmpDir, "roost-sql.json");
    env.ROOST_BENCH_SQL_TRACE = trace;
    if (options.profile) fs.rmSync(profileDir, { recursive: true, force: true });
    const server = await startServer("roost", [...nodeArgs, "server.mjs"], env, port, databaseUrl);
    log(`roost: NODE_ENV=production node server.mjs on ${server.origin} (pid ${server.pid}), inbox worker ${options.worker === "process" ? "in a separate process" : options.worker}`);
    let worker: ChildProcess | undefined;
    if (options.worker === "process") {
      const out = fs.openSync(path.join(tmpDir, "worker.log"), "a");
      worker = spawn(process.execPath, ["--import", "tsx", "scripts/bench/worker-process.ts"], {
        env: { ...env, ROOST_INBOX_POLL_MS: "100", ROOST_BENCH_SQL_TRACE: "" },
        stdio: ["ignore", out, out],
      });
      fs.closeSync(out);
      children.add(worker);
      worker.once("exit", () => children.delete(worker!));
    }
    try {
      roost = await benchTarget(server, routes, startTime, true, worker?.pid);
    } finally {
      await stopProcess(server.process);
      if (worker) await stopProcess(worker);
    }
    if (options["trace-sql"]) traces.push(summariseSqlTrace("roost", trace, roost.acked));
    if (options.profile) {
      const files = fs.existsSync(profileDir) ? fs.readdirSync(profileDir).filter((file) => file.endsWith(".cpuprofile")) : [];
      for (const file of files) console.log(`\nCPU profile of the Roost server (${path.join(profileDir, file)}):\n${summariseProfile(path.join(profileDir, file))}`);
    }
  }

  report(roost, baseline, mix);
  for (const trace of traces) console.log(`\n${trace}`);
  if (options.json) {
    fs.writeFileSync(options.json, `${JSON.stringify({ runId, cores: os.cpus().length, node: process.versions.node, stages: STAGES, count: COUNT, mix, roost, baseline }, null, 2)}\n`);
  }
  log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return roost && roost.lost > 0 ? 2 : 0;
}

async function cleanup(): Promise<void> {
  await Promise.all([...children].map((child) => stopProcess(child, 2000)));
  if (!options.keep) fs.rmSync(tmpDir, { recursive: true, force: true });
  else log(`kept ${tmpDir}`);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping`);
    void cleanup().finally(() => process.exit(130));
  });
}

let code: number;
try {
  code = await main();
} catch (error) {
  console.error(`\nbench broke: ${error instanceof Error ? error.message : String(error)}`);
  if (!(error instanceof BrokenRun) && error instanceof Error) console.error(error.stack);
  code = 1;
}
await cleanup();
process.exit(code);
