// The bench's multi-process scenario (`npm run bench -- --database postgresql --processes N`, or
// alone: `tsx scripts/bench/processes.ts --processes N`): N Roost production servers, each with
// its own job runner and inbox worker, on one fresh PostgreSQL database (created on the server
// at --postgres, migrated, the bench shop and its members seeded through Roost's own services;
// dropped afterwards unless --keep). One load-generator process per server sends it every Nth
// share of the signed orders/paid deliveries (one per distinct, already enrolled member), all
// at once, so the requests are spread evenly over the servers. After an untimed warm-up, it
// reports per process what it acknowledged, what its worker processed (WebhookDelivery.lockedBy
// holds the owner of the worker that processed a delivery; scripts/bench/owner-file.mjs tells
// which process each owner is), the awards of those deliveries and its CPU per delivery (/proc);
// overall the acknowledgements/s, deliveries processed/s, awards/s, the CPU of PostgreSQL's
// processes for the bench database, and the exactly-once checks: every acknowledged order
// earned exactly once with the expected points (scripts/bench/awards.ts), no delivery claimed
// twice, and `roost ledger:verify`. See docs/scaling.md.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";
import { parseShopSettings } from "../../app/services/program/settings";
import { type AwardCheck, type AwardRow, checkAwards, expectedPoints, type SentOrder } from "./awards";
import {
  BrokenRun,
  children,
  CLK_TCK,
  fmt,
  freePort,
  LoadGenerator,
  log,
  readCpuMs,
  readMachineCpu,
  readRssMb,
  root,
  roostEnv,
  runNode,
  SECRET,
  type Server,
  startServer,
  stopProcess,
  table,
} from "./harness";
import type { PaidDelivery, StageResult } from "./load";
import { BENCH_SHOP } from "./payloads";

export interface ProcessesConfig {
  tmpDir: string;
  /** URL path of Roost's orders/paid route. */
  routePath: string;
  processes: number;
  /** Timed orders per process (each for a member of its own). */
  count: number;
  /** Requests in flight per process. */
  concurrency: number;
  /** Untimed orders per process first (JIT, connection pools), processed before the clock starts. */
  warmup: number;
  /** Time bound on sending. */
  maxMs: number;
  seed: number;
  start: number;
  /** The PostgreSQL server, without a database: a fresh one is created on it for the run. */
  postgresUrl: string;
  keep: boolean;
}

export interface ProcessFigures {
  name: string;
  port: number;
  pid: number;
  owner: string;
  acked: number;
  processed: number;
  awards: number;
  cpuMs: number;
  /** The process's CPU over the timed part (acknowledging and processing) ÷ the deliveries it processed. */
  cpuMsPerDelivery: number;
  rssPeakMb: number;
}

export interface ProcessesReport {
  database: string;
  concurrency: number;
  processes: ProcessFigures[];
  sent: number;
  acked: number;
  /** Timed deliveries processed, and of them by no process of the run (should be 0). */
  processed: number;
  processedElsewhere: number;
  /** Deliveries (warm-up included) claimed more than once. */
  claimedTwice: number;
  sendingMs: number;
  acksPerSecond: number;
  processedPerSecond: number;
  awardsPerSecond: number;
  drained: boolean;
  roostCpuMsPerDelivery: number;
  /** CPU of PostgreSQL's backends on the bench database and its shared writers, per timed delivery. */
  postgresCpuMsPerDelivery: number;
  /** From the timed part's start until all was processed: the machine's busy CPU, and what of it no process of the run used (other work on the machine). */
  machineBusyPercent: number;
  otherCpuPercent: number;
  inbox: Record<string, number>;
  check: Omit<AwardCheck, "endToEndMs">;
  verify: { exitCode: number; ok: boolean; members: number; entries: number; violations: { memberId: string; rule: string; detail: string }[] };
}

/** The PostgreSQL that CI machines run (trust authentication); a database is created on it per run. */
export const POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432";

/** How long the inbox may take to drain after the last order was sent. */
const PROCESS_BOUND_MS = 90_000;

// ---------------------------------------------------------------------------------------
// PostgreSQL

async function withPg<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * CPU ms of PostgreSQL's processes that serve the bench: the backends connected to `database`
 * and the shared writers, by pid. A backend that exits between two readings loses its share,
 * so the figure is a lower bound (the servers' pools keep theirs open while they are busy).
 */
function postgresCpu(database: string): Map<number, number> {
  const cpu = new Map<number, number>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const title = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ");
      if (!title.startsWith("postgres: ")) continue;
      if (!title.includes(` ${database} `) && !/(walwriter|background writer|checkpointer|autovacuum)/.test(title)) continue;
      cpu.set(Number(entry), readCpuMs(Number(entry)));
    } catch {
      // gone meanwhile
    }
  }
  return cpu;
}

interface DeliveryRow {
  webhookId: string;
  status: string;
  attempts: number;
  lockedBy: string | null;
  processedAt: number | null;
}

interface Ledger {
  rows: AwardRow[];
  balances: Map<string, number>;
  tiers: Map<string, string>;
  unmatched: Set<string>;
}

/** Epoch ms of a timestamp(3) column (stored as UTC, whatever this machine's time zone). */
const epoch = (column: string) => `(EXTRACT(EPOCH FROM ${column}) * 1000)::float8`;

async function readLedger(client: pg.Client, shopId: string): Promise<Ledger> {
  const entries = await client.query(
    `SELECT e."idempotencyKey", e."awardKey", e."orderGid", e."kind", e."points", e."withheld", ${epoch(`e."createdAt"`)} AS "createdAt", m."customerGid"
     FROM "LedgerEntry" e LEFT JOIN "Member" m ON m."id" = e."memberId" WHERE e."shopId" = $1`,
    [shopId],
  );
  const members = await client.query(`SELECT "customerGid", "balance", "tier" FROM "Member" WHERE "shopId" = $1 AND "customerGid" IS NOT NULL`, [shopId]);
  const unmatched = await client.query(`SELECT "orderKey" FROM "UnmatchedOrder" WHERE "shopId" = $1`, [shopId]);
  return {
    rows: entries.rows.map((row) => ({ ...row, points: Number(row.points), withheld: Number(row.withheld), createdAt: Number(row.createdAt) }) as AwardRow),
    balances: new Map(members.rows.map((row) => [String(row.customerGid), Number(row.balance)])),
    tiers: new Map(members.rows.map((row) => [String(row.customerGid), String(row.tier)])),
    unmatched: new Set(unmatched.rows.map((row) => String(row.orderKey))),
  };
}

/** Waits (bounded) until nothing is pending in the inbox; returns when that was. */
async function waitForDrain(client: pg.Client, boundMs: number): Promise<{ at: number; drained: boolean }> {
  const started = Date.now();
  for (;;) {
    const { rows } = await client.query(`SELECT COUNT(*)::int AS n FROM "WebhookDelivery" WHERE "status" = 'pending'`);
    if (rows[0].n === 0) return { at: Date.now(), drained: true };
    if (Date.now() - started > boundMs) return { at: Date.now(), drained: false };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** `roost ledger:verify --json --shop <bench shop>` against the bench database. */
function verifyLedger(url: string): ProcessesReport["verify"] {
  const result = spawnSync(process.execPath, ["--import", "tsx", "scripts/roost.ts", "ledger:verify", "--json", "--shop", BENCH_SHOP], {
    env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: "warn" },
    encoding: "utf8",
  });
  // 0 clean, 1 violations: anything else is the command failing, not a verdict on the ledger.
  if (result.status !== 0 && result.status !== 1) throw new BrokenRun(`roost ledger:verify failed (exit ${result.status}): ${result.stderr.trim().split("\n").slice(-3).join(" ")}`);
  return { exitCode: result.status, ...(JSON.parse(result.stdout) as Omit<ProcessesReport["verify"], "exitCode">) };
}

// ---------------------------------------------------------------------------------------
// The scenario

interface Roost {
  server: Server;
  port: number;
  owner: string;
  load: LoadGenerator;
}

async function startRoost(config: ProcessesConfig, index: number, url: string): Promise<Roost> {
  const port = await freePort();
  const ownerFile = path.join(config.tmpDir, `roost-${index}-owner.json`);
  const env = { ...roostEnv(port, url), ROOST_BENCH_OWNER_FILE: ownerFile };
  const server = await startServer(config.tmpDir, `roost-${index}`, ["--import", "./scripts/bench/owner-file.mjs", "server.mjs"], env, port, url);
  const deadline = Date.now() + 10_000;
  while (!fs.existsSync(ownerFile)) {
    if (Date.now() > deadline) throw new BrokenRun(`roost-${index} wrote no worker owner to ${ownerFile}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const { owner } = JSON.parse(fs.readFileSync(ownerFile, "utf8")) as { owner: string };
  const load = new LoadGenerator();
  await load.request({ type: "init", origin: server.origin, secret: SECRET, routes: { "orders/paid": config.routePath }, seed: config.seed, start: config.start }, "ready");
  return { server, port, owner, load };
}

/** Each process's generator sends its share of orders (members first … first + count − 1 of process `index`). */
function sendAll(roosts: Roost[], name: string, concurrency: number, first: (index: number) => number, count: number, maxMs: number) {
  return Promise.all(
    roosts.map((roost, index) => roost.load.request({ type: "paid-stage", name, concurrency, first: first(index), count, maxMs }, "paid-done")),
  );
}

export async function runProcesses(config: ProcessesConfig): Promise<ProcessesReport> {
  const n = config.processes;
  if (!Number.isInteger(n) || n < 1 || !(config.count > 0) || !(config.concurrency > 0) || config.warmup < 0) throw new BrokenRun("bad --processes/--count/--concurrency/--warmup");
  // The servers serve ROOST_BUILD_DIR (server.mjs), build/ by default.
  const build = path.resolve(root, process.env.ROOST_BUILD_DIR ?? "build", "server/index.js");
  if (!fs.existsSync(build)) throw new BrokenRun(`${build} is missing: run npm run build first`);
  const database = `roost_bench_${new Date().toISOString().replace(/\D/g, "").slice(0, 14)}_${process.pid}`;
  const url = databaseUrl(config.postgresUrl, database);
  const admin = databaseUrl(config.postgresUrl, "postgres");
  await withPg(admin, (client) => client.query(`CREATE DATABASE "${database}"`));
  log(`processes: ${n} Roost server(s) on PostgreSQL database ${database} (${config.postgresUrl}), ${config.count} orders each at c=${config.concurrency} after ${config.warmup} untimed`);
  const roosts: Roost[] = [];
  try {
    const env = roostEnv(0, url);
    const members = n * (config.warmup + config.count);
    runNode(["scripts/db/migrate.mjs"], env, "migration (PostgreSQL)");
    const seeding = Date.now();
    runNode(["--import", "tsx", "scripts/bench/seed.ts", "--members", String(members)], env, "seeding the members");
    log(`processes: seeded ${members} members through Roost's services in ${fmt((Date.now() - seeding) / 1000, 1)} s`);
    const { shopId, terms } = await withPg(url, async (client) => {
      const shop = (await client.query(`SELECT "id", "currency", "settings" FROM "Shop" WHERE "domain" = $1`, [BENCH_SHOP])).rows[0];
      const settings = parseShopSettings(String(shop.settings));
      return { shopId: String(shop.id), terms: { ...settings, currency: String(shop.currency) } };
    });
    const before = await withPg(url, (client) => readLedger(client, shopId));

    for (let index = 0; index < n; index += 1) roosts.push(await startRoost(config, index, url));
    log(`processes: ${roosts.map((roost) => `roost-${roosts.indexOf(roost)} pid ${roost.server.pid} port ${roost.port}`).join(", ")}`);

    const warmup = config.warmup > 0 ? await sendAll(roosts, "warmup", config.concurrency, (index) => index * config.warmup, config.warmup, config.maxMs) : [];
    await withPg(url, (client) => waitForDrain(client, PROCESS_BOUND_MS));

    const cpuBefore = roosts.map((roost) => readCpuMs(roost.server.pid));
    const postgresBefore = postgresCpu(database);
    const machineBefore = readMachineCpu();
    const timedFrom = Date.now();
    const rssPeak = roosts.map(() => 0);
    const sampler = setInterval(() => roosts.forEach((roost, index) => (rssPeak[index] = Math.max(rssPeak[index], readRssMb(roost.server.pid)))), 200);
    const timed = await sendAll(roosts, "timed", config.concurrency, (index) => n * config.warmup + index * config.count, config.count, config.maxMs);
    const drain = await withPg(url, (client) => waitForDrain(client, PROCESS_BOUND_MS));
    clearInterval(sampler);
    const cpuMs = roosts.map((roost, index) => readCpuMs(roost.server.pid) - cpuBefore[index]);
    const postgresAfter = postgresCpu(database);
    const postgresCpuMs = [...postgresAfter].reduce((sum, [pid, ms]) => sum + ms - (postgresBefore.get(pid) ?? 0), 0);
    const machineAfter = readMachineCpu();
    const machine = { busyMs: ((machineAfter.busy - machineBefore.busy) / CLK_TCK) * 1000, wallMs: Date.now() - timedFrom };
    log(`processes: ${drain.drained ? "all processed" : "NOT all processed"}; stopping the servers`);
    for (const roost of roosts) await roost.load.close();
    await Promise.all(roosts.map((roost) => stopProcess(roost.server.process)));

    const { after, deliveries, inbox } = await withPg(url, async (client) => ({
      after: await readLedger(client, shopId),
      deliveries: (
        await client.query(
          `SELECT "webhookId", "status", "attempts", "lockedBy", CASE WHEN "processedAt" IS NULL THEN NULL ELSE ${epoch(`"processedAt"`)} END AS "processedAt" FROM "WebhookDelivery"`,
        )
      ).rows as DeliveryRow[],
      inbox: Object.fromEntries((await client.query(`SELECT "status", COUNT(*)::int AS n FROM "WebhookDelivery" GROUP BY "status"`)).rows.map((row) => [row.status, row.n])),
    }));
    log("processes: running roost ledger:verify --json on the bench database");
    const verify = verifyLedger(url);
    return figures({ config, database, roosts, warmup, timed, before, after, deliveries, inbox, verify, terms, cpuMs, rssPeak, postgresCpuMs, machine, drained: drain.drained });
  } finally {
    for (const roost of roosts) {
      await roost.load.close();
      await stopProcess(roost.server.process);
    }
    if (config.keep) log(`processes: kept database ${database}`);
    else await withPg(admin, (client) => client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
  }
}

type Sent = { result: StageResult; deliveries: PaidDelivery[] }[];

function figures(run: {
  config: ProcessesConfig;
  database: string;
  roosts: Roost[];
  warmup: Sent;
  timed: Sent;
  before: Ledger;
  after: Ledger;
  deliveries: DeliveryRow[];
  inbox: Record<string, number>;
  verify: ProcessesReport["verify"];
  terms: ReturnType<typeof parseShopSettings> & { currency: string };
  cpuMs: number[];
  rssPeak: number[];
  postgresCpuMs: number;
  machine: { busyMs: number; wallMs: number };
  drained: boolean;
}): ProcessesReport {
  const { program, countShipping, currency } = run.terms;
  const toOrders = (sent: Sent): SentOrder[] =>
    sent.flatMap(({ deliveries }) =>
      deliveries.map((delivery) => {
        // The multiplier is the member's tier before this order (DESIGN, "Earning").
        const tier = program.tiers.find((candidate) => candidate.name === run.before.tiers.get(delivery.customerGid)) ?? program.tiers[0];
        const points = expectedPoints(delivery.eligible, { currency, earnRate: program.earnRate, multiplier: tier.multiplier, countShipping });
        return { orderGid: delivery.orderGid, customerGid: delivery.customerGid, sentAt: delivery.sentAt, acked: delivery.status >= 200 && delivery.status < 300, expectedPoints: points };
      }),
    );
  // The whole run (warm-up included) for exactly-once and the balances; the timed orders for the rates.
  const all = checkAwards(toOrders([...run.warmup, ...run.timed]), run.after.rows, { before: run.before.balances, after: run.after.balances }, run.after.unmatched);
  const timedOrders = toOrders(run.timed);
  const timedGids = new Set(timedOrders.map((order) => order.orderGid));
  const timedCheck = checkAwards(timedOrders, run.after.rows.filter((row) => row.orderGid !== null && timedGids.has(row.orderGid)), null, run.after.unmatched);

  const byWebhookId = new Map(run.deliveries.map((row) => [row.webhookId, row]));
  const timedDeliveries = run.timed.flatMap(({ deliveries }) => deliveries);
  const processedTimed = timedDeliveries.flatMap((delivery) => {
    const row = byWebhookId.get(delivery.webhookId);
    return row?.status === "processed" ? [{ delivery, row }] : [];
  });
  const grants = new Map<string, number>();
  for (const row of run.after.rows) if (row.orderGid && (row.kind === "earn" || row.kind === "released")) grants.set(row.orderGid, (grants.get(row.orderGid) ?? 0) + 1);

  const processes = run.roosts.map((roost, index): ProcessFigures => {
    const mine = processedTimed.filter(({ row }) => row.lockedBy === roost.owner);
    return {
      name: `roost-${index}`,
      port: roost.port,
      pid: roost.server.pid,
      owner: roost.owner,
      acked: run.timed[index].result.ok,
      processed: mine.length,
      awards: mine.filter(({ delivery }) => grants.get(delivery.orderGid) === 1).length,
      cpuMs: run.cpuMs[index],
      cpuMsPerDelivery: run.cpuMs[index] / Math.max(1, mine.length),
      rssPeakMb: run.rssPeak[index],
    };
  });
  const owners = new Set(run.roosts.map((roost) => roost.owner));
  const sendingMs = Math.max(...run.timed.map(({ result }) => result.elapsedMs));
  const firstSent = Math.min(...timedDeliveries.map((delivery) => delivery.sentAt));
  const lastProcessed = Math.max(...processedTimed.map(({ row }) => row.processedAt ?? 0));
  const acked = run.timed.reduce((sum, { result }) => sum + result.ok, 0);
  const roostCpuMs = run.cpuMs.reduce((sum, ms) => sum + ms, 0);
  const { endToEndMs: _endToEnd, ...check } = all;
  return {
    database: run.database,
    concurrency: run.config.concurrency,
    processes,
    sent: timedDeliveries.length,
    acked,
    processed: processedTimed.length,
    processedElsewhere: processedTimed.filter(({ row }) => !owners.has(row.lockedBy ?? "")).length,
    claimedTwice: run.deliveries.filter((row) => row.attempts > 1).length,
    sendingMs,
    acksPerSecond: (acked / Math.max(1, sendingMs)) * 1000,
    processedPerSecond: (processedTimed.length / Math.max(1, lastProcessed - firstSent)) * 1000,
    awardsPerSecond:
      timedCheck.awarded && timedCheck.firstSentAt !== undefined && timedCheck.lastAwardAt !== undefined
        ? (timedCheck.awarded / Math.max(1, timedCheck.lastAwardAt - timedCheck.firstSentAt)) * 1000
        : 0,
    drained: run.drained,
    roostCpuMsPerDelivery: roostCpuMs / Math.max(1, processedTimed.length),
    postgresCpuMsPerDelivery: run.postgresCpuMs / Math.max(1, processedTimed.length),
    machineBusyPercent: (100 * run.machine.busyMs) / Math.max(1, run.machine.wallMs),
    // The machine's busy time less the servers, PostgreSQL and the load generators, in % of one core.
    otherCpuPercent: Math.max(0, (100 * (run.machine.busyMs - roostCpuMs - run.postgresCpuMs - run.timed.reduce((sum, { result }) => sum + result.cpuMs, 0))) / Math.max(1, run.machine.wallMs)),
    inbox: run.inbox,
    check,
    verify: run.verify,
  };
}

// ---------------------------------------------------------------------------------------
// Report

/** Whether Roost got something wrong: an order not awarded exactly once, a delivery claimed twice, a ledger violation. */
export function processesFailed(report: ProcessesReport): boolean {
  return report.check.problems.length > 0 || report.check.awarded !== report.check.acked || report.claimedTwice > 0 || !report.verify.ok;
}

/** Prints the per-process table and the overall lines; returns the lines for the GOALS block. */
export function reportProcesses(report: ProcessesReport): string[] {
  const rows = report.processes.map((process) => [
    process.name,
    String(process.port),
    String(process.pid),
    String(process.acked),
    String(process.processed),
    String(process.awards),
    fmt(process.cpuMs, 0),
    fmt(process.cpuMsPerDelivery, 2),
    fmt(process.rssPeakMb, 0),
  ]);
  console.log("");
  console.log(`PROCESSES: ${report.processes.length} Roost server(s) on one PostgreSQL database (${report.database}), c=${report.concurrency} each, orders/paid for distinct members`);
  console.log(table(["process", "port", "pid", "acknowledged", "processed", "awards", "CPU ms", "CPU ms/delivery", "RSS MB"], rows));
  const { check } = report;
  const lines = [
    `processes: ${report.processes.length}; ${report.acked}/${report.sent} acknowledged at ${fmt(report.acksPerSecond, 0)}/s; ${report.processed} processed at ${fmt(report.processedPerSecond, 0)}/s` +
      `${report.drained ? "" : " (NOT all processed within the bound)"}; ${fmt(report.awardsPerSecond, 0)} awards/s`,
    `processes: CPU per delivery: Roost ${fmt(report.roostCpuMsPerDelivery, 2)} ms (all processes), PostgreSQL ${fmt(report.postgresCpuMsPerDelivery, 2)} ms (its backends for the bench database and shared writers)`,
    `processes: exactly once: ${check.awarded}/${check.acked} acknowledged orders (warm-up included) awarded exactly once with the expected points` +
      `${check.problems.length ? ` (${Object.entries(check.counts).filter(([, count]) => count > 0).map(([kind, count]) => `${count} ${kind}`).join(", ")})` : ""}; ` +
      `${report.claimedTwice} deliveries claimed more than once; ${report.processedElsewhere} processed by no process of the run; ` +
      `ledger:verify ${report.verify.ok ? "ok" : `${report.verify.violations.length} VIOLATION(S)`} (${report.verify.members} members, ${report.verify.entries} entries)`,
  ];
  console.log("");
  for (const line of lines) console.log(line);
  console.log(
    `processes: the machine was busy ${fmt(report.machineBusyPercent, 0)}% of one core (of ${os.cpus().length * 100}%) from the timed part's start until all was processed; ` +
      `${fmt(report.otherCpuPercent, 0)}% of it was other work than this run's${report.otherCpuPercent > 15 ? ": figures are depressed by contention" : ""}`,
  );
  console.log(`processes: inbox after the run: ${Object.entries(report.inbox).map(([status, count]) => `${count} ${status}`).join(", ")}`);
  for (const problem of check.problems.slice(0, 8)) console.log(`  ${problem.kind}: ${problem.subject}: ${problem.detail}`);
  for (const violation of report.verify.violations.slice(0, 8)) console.log(`  ${violation.rule}: member ${violation.memberId}: ${violation.detail}`);
  if (os.cpus().length <= report.processes.length) console.log(`processes: ${os.cpus().length} cores for ${report.processes.length} servers, PostgreSQL and the load generators: this shows the work splitting, not a speed-up (docs/scaling.md)`);
  if (processesFailed(report)) console.error("\n!!! PROCESSES FAILED: a delivery or an award was not exactly once, or the ledger has a violation. This is a bug, not a performance result.\n");
  return lines;
}

// ---------------------------------------------------------------------------------------
// Entry points: scripts/bench/run.ts (--database, --processes) and this file alone

/** Whether `--database`/`--processes` ask for this scenario; throws on a combination that cannot run. */
export function wantsProcesses(database: string, processes: number): boolean {
  if (database !== "sqlite" && database !== "postgresql") throw new BrokenRun("--database sqlite|postgresql");
  if (!Number.isInteger(processes) || processes < 1) throw new BrokenRun("--processes takes a whole number, 1 or more");
  if (database === "sqlite" && processes > 1) throw new BrokenRun("several processes share one PostgreSQL: add --database postgresql (SQLite is the one-process default)");
  return database === "postgresql";
}

/** Runs the scenario and prints its report; resolves with the exit code (2 when Roost got something wrong). */
export async function benchProcesses(config: ProcessesConfig, json?: string): Promise<number> {
  const report = await runProcesses(config);
  const lines = reportProcesses(report);
  if (json) fs.writeFileSync(json, `${JSON.stringify({ processes: report }, null, 2)}\n`);
  console.log(`\nGOALS (processes, PostgreSQL)\n${lines.join("\n")}`);
  return processesFailed(report) ? 2 : 0;
}

// tsx scripts/bench/processes.ts [--processes 2] [--count 1000] [--concurrency 8] [--warmup 100] [--keep] [--json F]
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.chdir(root);
  const { values } = parseArgs({
    options: {
      processes: { type: "string", default: "2" },
      count: { type: "string", default: "1000" },
      concurrency: { type: "string", default: "8" },
      warmup: { type: "string", default: "100" },
      "max-seconds": { type: "string", default: "60" },
      postgres: { type: "string", default: POSTGRES_URL },
      keep: { type: "boolean", default: false },
      json: { type: "string" },
    },
  });
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), "roost-bench-processes-"));
  let code: number;
  try {
    const config = {
      tmpDir,
      routePath: "/webhooks/orders/paid",
      processes: Number(values.processes),
      count: Number(values.count),
      concurrency: Number(values.concurrency),
      warmup: Number(values.warmup),
      maxMs: Number(values["max-seconds"]) * 1000,
      seed: 20261102,
      start: Date.now(),
      postgresUrl: values.postgres,
      keep: values.keep,
    };
    code = await benchProcesses(config, values.json);
  } catch (error) {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    code = 1;
  } finally {
    await Promise.all([...children].map((child) => stopProcess(child, 2000)));
    if (!values.keep) fs.rmSync(tmpDir, { recursive: true, force: true });
  }
  process.exit(code);
}
