// `npm run bench`: webhook benchmark. Builds Roost if the build is stale, starts the production
// server (fresh SQLite database, migrated, bench shop seeded) and a bare node:http + SQLite
// baseline, and drives both from a separate load-generator process with signed deliveries of
// real shape. Four scenarios, all by default:
//   ingest       the store's topic mix at rising concurrency; waits for Roost's inbox to drain
//                and checks that every acknowledged delivery was stored
//   paid-orders  orders/paid for distinct, already enrolled members, timed from sending to the
//                ledger entry; checks every order earned exactly once with the expected points
//                and runs `roost ledger:verify` (scripts/bench/paid-orders.ts)
//   pixel        the web pixel's POST /ingest/events, batches of 20 events from many visitors,
//                beside a bare node:http + multi-row INSERT baseline; checks every acknowledged
//                event was stored (scripts/bench/pixel.ts)
//   cohorts      the cohort sweep over a shop with a seeded history (100,000 members, six
//                rules): the first sweep, a steady one and one after a day's churn, beside
//                plain SELECTs of the same rows (scripts/bench/cohorts.ts)
// and a fifth, only when asked for (about two minutes, most of it paced by the throttle):
//   tags         the tag writer against the fake Admin API in real time: calls paced by a
//                Standard bucket (100 points/s) from empty, then a backlog through the bulk path;
//                checks every op settled exactly once (scripts/bench/tags.ts)
//   admin        the Dashboard, Members and Cohorts loaders on one shop seeded with 100,000
//                members, 1,000,000 webhook deliveries and 1,000,000 pixel events (about a
//                minute to seed, and slow loaders take their 30 s; scripts/bench/admin.ts)
//   analytics    the Dashboard loader with its analytics on one shop seeded with 100,000 members
//                and 1,000,000 ledger entries (plus customers, deliveries, pixel events and
//                cohorts), its day roll-ups added up, for each date range beside a bare baseline
//                (session token + shop row); goal p95 ≤ 150 ms (scripts/bench/analytics.ts)
// and prints tables and verdicts: each goal met (✓) or missed (✗) with the measured distance
// (scripts/bench/goals.ts). Ingest judges a stage only if it kept up, its inbox backlog drained
// within 2 s of its end: ≥ 1,000 deliveries/s, p99 ≤ 25 ms, ≥ 0.5× the baseline's peak; beside
// them the peak RSS of all Roost processes (the server, and the worker with --worker process)
// against 250 MB, lost 0 and every delivery processed. Paid orders: every order awarded exactly
// once and ledger:verify ok, ≥ 0.5× the baseline's awards/s, end-to-end p99 ≤ 50 ms at c=16
// (or the highest stage run). The run ends with a GOALS block repeating every verdict line of
// the scenarios that ran. See docs/performance.md. Options:
//   --scenario all|ingest|paid-orders|pixel|cohorts|tags|admin|analytics  which scenarios run (default all: not tags, admin or analytics)
//   --stages 1,8,32,64   ingest concurrency per stage   --count 3000   deliveries per stage
//   --max-seconds 10     time bound on sending, per stage (both scenarios)
//   --warmup 200         untimed ingest deliveries first
//   --paid-stages 1,16   paid-order concurrency per stage
//   --paid-count 250     paid orders per stage, each for a member of its own
//   --pixel-stages 8,32  pixel concurrency per stage   --pixel-count 3000   batches per stage
//   --cohort-members 100000  members seeded for the cohort sweep
//   --cohort-repeat 1    fresh databases swept one after the other (the report gives medians)
//   --cohort-levers      also time each rule's match query alone, then ANALYZE and sweep again
//   --cohort-rules       paid orders with the six cohort rules enabled for the bench shop: the
//                        server's job runner evaluates each member on the cohorts queue too
//   --tag-ops 600        tag mutations on the call path (two per customer, so rounded up to even;
//                        at most 998: from 500 customers the writer goes bulk); 600 is 60 s at
//                        the theoretical 10 ops/s
//   --tag-bulk 10000     customers, one tag op each, through the bulk path (0: skip it)
//   --build / --no-build force / skip `npm run build`   --only roost|baseline
//   --worker off         Roost with a do-nothing inbox worker (scripts/bench/no-worker.mjs):
//                        ingestion alone, deliveries stay pending (ingest only)
//   --worker process     as off, plus Roost's inbox worker in a separate process
//                        (scripts/bench/worker-process.ts): processing apart from acknowledgement
//   --profile            CPU-profile the Roost server (summary printed, files in
//                        $TMPDIR/roost-bench-profile and $TMPDIR/roost-bench-profile-paid-orders)
//   --trace-sql          count and time every SQLite statement and connection of the servers
//                        (scripts/bench/sql-trace.mjs; paid orders: Roost's), summary printed
//   --keep               keep the temporary databases and logs ($TMPDIR/roost-bench-<ts>-*/)
//   --json <file>        also write the results as JSON
//   --database sqlite|postgresql  sqlite (default): the scenarios above, one server each;
//                        postgresql: instead, N Roost servers on one fresh database of the local
//                        PostgreSQL (postgresql://postgres@127.0.0.1:5432, dropped after unless
//                        --keep), paid orders spread evenly over them: per process acknowledged,
//                        processed, awards and CPU per delivery; rates, exactly-once and
//                        ledger:verify (scripts/bench/processes.ts, docs/scaling.md)
//   --processes 1        N for --database postgresql (with it: --paid-count orders per process,
//                        the last --paid-stages in flight and --warmup untimed in all)
// Exit code: 0 the run completed (targets missed or not: it is a benchmark); 1 the run broke
// (build, migration, seeding or a server failed, a stage acknowledged nothing, or the baseline
// did not award every paid order exactly once); 2 Roost got something wrong: it lost
// deliveries (acknowledged but not stored), a paid order was not awarded exactly once with the
// expected points, ledger:verify found a violation, or a tag op was lost or written twice. Those
// are bugs, not performance results.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { parse as parseToml } from "smol-toml";
import {
  BrokenRun,
  CLK_TCK,
  children,
  elapsedSeconds,
  fmt,
  freePort,
  inboxCounts,
  type InboxCounts,
  LoadGenerator,
  log,
  loopDelay,
  type LoopFigures,
  readCpuMs,
  readMachineCpu,
  readRssMb,
  roostEnv,
  root,
  runNode,
  sampleErrors,
  SECRET,
  selfCpuMs,
  type Server,
  startServer,
  stopProcess,
  storedIds,
  summariseSqlTrace,
  table,
  waitForDrain,
} from "./harness";
import type { InitMessage, StageResult } from "./load";
import { paidBaselineBroken, type PaidOrdersReport, paidOrdersFailed, reportPaidOrders, runPaidOrders } from "./paid-orders";
import { BENCH_SHOP, EXCLUDED_TOPICS, PayloadFactory } from "./payloads";
import { type CohortReport, reportCohorts, runCohorts } from "./cohorts";
import { type AdminReport, reportAdmin, runAdmin } from "./admin";
import { type AnalyticsReport, reportAnalytics, runAnalytics } from "./analytics";
import { pixelFailed, type PixelReport, reportPixel, runPixel } from "./pixel";
import { MAX_CALL_OPS, reportTags, runTags, tagsFailed, type TagsReport } from "./tags";
import { summariseProfile } from "./profile-summary";
import { benchProcesses, POSTGRES_URL, wantsProcesses } from "./processes";
import { ingestGoals, verdictLines } from "./goals";

process.chdir(root);

const { values: options } = parseArgs({
  options: {
    scenario: { type: "string", default: "all" },
    stages: { type: "string", default: "1,8,32,64" },
    count: { type: "string", default: "3000" },
    "max-seconds": { type: "string", default: "10" },
    warmup: { type: "string", default: "200" },
    "paid-stages": { type: "string", default: "1,16" },
    "paid-count": { type: "string", default: "250" },
    "pixel-stages": { type: "string", default: "8,32" },
    "pixel-count": { type: "string", default: "3000" },
    "cohort-members": { type: "string", default: "100000" },
    "cohort-repeat": { type: "string", default: "1" },
    "cohort-rules": { type: "boolean", default: false },
    "cohort-levers": { type: "boolean", default: false },
    "tag-ops": { type: "string", default: "600" },
    "tag-bulk": { type: "string", default: "10000" },
    build: { type: "boolean" },
    "no-build": { type: "boolean" },
    only: { type: "string" },
    worker: { type: "string", default: "on" },
    profile: { type: "boolean", default: false },
    "trace-sql": { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
    json: { type: "string" },
    database: { type: "string", default: "sqlite" },
    processes: { type: "string", default: "1" },
  },
});
const SCENARIOS = ["all", "ingest", "paid-orders", "pixel", "cohorts", "tags", "admin", "analytics"];
if (!SCENARIOS.includes(options.scenario)) throw new Error(`--scenario ${SCENARIOS.join("|")}`);
const RUN_INGEST = options.scenario === "all" || options.scenario === "ingest";
const RUN_PAID_ORDERS = options.scenario === "all" || options.scenario === "paid-orders";
const RUN_PIXEL = options.scenario === "all" || options.scenario === "pixel";
const RUN_COHORTS = options.scenario === "all" || options.scenario === "cohorts";
const RUN_TAGS = options.scenario === "tags";
const RUN_ADMIN = options.scenario === "admin";
const RUN_ANALYTICS = options.scenario === "analytics";
const TAG_OPS = Number(options["tag-ops"]);
const TAG_BULK = Number(options["tag-bulk"]);
const COHORT_MEMBERS = Number(options["cohort-members"]);
const COHORT_REPEAT = Number(options["cohort-repeat"]);
const PIXEL_STAGES = options["pixel-stages"].split(",").map(Number).filter((n) => n > 0);
const PIXEL_COUNT = Number(options["pixel-count"]);
const STAGES = options.stages.split(",").map(Number).filter((n) => n > 0);
const COUNT = Number(options.count);
const MAX_MS = Number(options["max-seconds"]) * 1000;
const WARMUP = Number(options.warmup);
const PAID_STAGES = options["paid-stages"].split(",").map(Number).filter((n) => n > 0);
const PAID_COUNT = Number(options["paid-count"]);
if (!["on", "off", "process"].includes(options.worker)) throw new Error("--worker on|off|process");
/** The Roost server's own inbox worker runs (on) or is stubbed out (off, process). */
const WORKER_ON = options.worker === "on";
/** Deliveries get processed, by the server (on) or by a separate worker process (process). */
const PROCESSING = options.worker !== "off";
const SEED = 20261102;
// Bounds on waiting for Roost's inbox to drain (after each stage, and after the last): they
// keep the whole run under about three minutes even when processing falls far behind.
const DRAIN_STAGE_MS = 8_000;
const DRAIN_FINAL_MS = 30_000;

const runId = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "").replace("T", "-");
// Not under .tmp/: a test run's global setup removes every entry there except the folders of
// runs still alive (.tmp/run-<pid>/), so a bench database there could vanish mid-run.
const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), `roost-bench-${runId}-`));

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
// One target (Roost or the baseline) through all stages

interface StageReport extends StageResult {
  /** the server alone */
  rssPeakMb: number;
  /** all Roost processes together (the server and, with --worker process, the worker), sampled at once */
  rssAllPeakMb: number;
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
      let rssAllPeakMb = 0;
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
            const serverMb = readRssMb(server.pid);
            rssPeakMb = Math.max(rssPeakMb, serverMb);
            rssAllPeakMb = Math.max(rssAllPeakMb, serverMb + (workerPid ? readRssMb(workerPid) : 0));
          }, 100);
        },
      );
      clearInterval(sampler);
      const serverCpuMs = readCpuMs(server.pid) - cpuStart;
      const machineEnd = readMachineCpu();
      const benchCpuMs = selfCpuMs() - selfStart;
      const workerCpuMs = workerPid ? readCpuMs(workerPid) - workerStart : undefined;
      const rssEndMb = readRssMb(server.pid);
      const rssAllEndMb = rssEndMb + (workerPid ? readRssMb(workerPid) : 0);
      const loop = await loopDelay(server);
      const report: StageReport = {
        ...result,
        loop,
        rssPeakMb: Math.max(rssPeakMb, rssEndMb),
        rssAllPeakMb: Math.max(rssAllPeakMb, rssAllEndMb),
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
          `ok ${result.ok}/${result.sent}  rss ${fmt(report.rssPeakMb, 0)} MB${workerPid ? ` (with the worker ${fmt(report.rssAllPeakMb, 0)} MB)` : ""}  loop blocked max ${fmt(loop?.max, 0)} ms` +
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

/** Prints the ingest tables and verdict; returns the verdict's lines. */
function report(roost: TargetReport | undefined, baseline: TargetReport | undefined, mix: { topic: string; percent: number }[]): string[] {
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
        stage.rssAllPeakMb > stage.rssPeakMb ? `${fmt(stage.rssPeakMb, 0)} (all ${fmt(stage.rssAllPeakMb, 0)})` : fmt(stage.rssPeakMb, 0),
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

  if (!roost) return [];
  const basePeak = baseline?.stages.reduce((best, stage) => Math.max(best, stage.throughput), 0);
  const goals = ingestGoals({
    stages: roost.stages.map((stage) => ({ concurrency: stage.concurrency, throughput: stage.throughput, p99: stage.latency.p99, drained: stage.drained, drainMs: stage.drainMs, rssAllPeakMb: stage.rssAllPeakMb })),
    baselinePeak: basePeak,
    lost: roost.lost,
    acked: roost.acked,
    inbox: PROCESSING ? roost.inbox : undefined,
    processes: options.worker === "process" ? "server + worker process" : "server",
  });
  const lines = verdictLines(`VERDICT (ingest, ${os.cpus().length} cores, Node ${process.versions.node})`, goals);
  console.log("");
  for (const line of lines) console.log(line);
  if (roost.lost > 0) console.error(`\n!!! ROOST LOST ${roost.lost} ACKNOWLEDGED DELIVERIES: acknowledged with 2xx but not in WebhookDelivery. This is a durability bug.\n`);
  return lines;
}

// ---------------------------------------------------------------------------------------
// Main

interface IngestResult {
  roost?: TargetReport;
  baseline?: TargetReport;
  mix: { topic: string; percent: number }[];
  traces: string[];
}

/** The ingest stages: the topic mix at rising concurrency, baseline then Roost. */
async function runIngest(routes: Record<string, string>, startTime: number, wantRoost: boolean, wantBaseline: boolean): Promise<IngestResult> {
  const mix = new PayloadFactory(Object.keys(routes)).shares();
  let baseline: TargetReport | undefined;
  let roost: TargetReport | undefined;
  const traces: string[] = [];

  if (wantBaseline) {
    const databaseUrl = `file:${tmpDir}/baseline.sqlite`;
    const port = await freePort();
    const env = { ...process.env, DATABASE_URL: databaseUrl, SHOPIFY_API_SECRET: SECRET, PORT: String(port), HOST: "127.0.0.1" };
    const trace = path.join(tmpDir, "baseline-sql.json");
    const args = [...(options["trace-sql"] ? ["--import", "./scripts/bench/sql-trace.mjs"] : []), "scripts/bench/baseline-server.mjs"];
    const server = await startServer(tmpDir, "baseline", args, { ...env, ROOST_BENCH_SQL_TRACE: trace }, port, databaseUrl);
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
    const env: NodeJS.ProcessEnv = { ...roostEnv(port, databaseUrl), ...(WORKER_ON ? {} : { ROOST_INBOX_WORKER: "off" }) };
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
    const server = await startServer(tmpDir, "roost", [...nodeArgs, "server.mjs"], env, port, databaseUrl);
    log(`roost: NODE_ENV=production node server.mjs on ${server.origin} (pid ${server.pid}), inbox worker ${options.worker === "process" ? "in a separate process" : options.worker}`);
    let worker: ChildProcess | undefined;
    if (options.worker === "process") {
      const out = fs.openSync(path.join(tmpDir, "worker.log"), "a");
      // The server's env turns its inbox lane off; the worker process is the one that works it.
      const { ROOST_INBOX_WORKER: _off, ...workerEnv } = env;
      worker = spawn(process.execPath, ["--import", "tsx", "scripts/bench/worker-process.ts"], {
        env: { ...workerEnv, ROOST_JOBS_POLL_MS: "100", ROOST_BENCH_SQL_TRACE: "" },
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
  return { roost, baseline, mix, traces };
}

async function main(): Promise<number> {
  if (RUN_INGEST && (!STAGES.length || !(COUNT > 0) || !(MAX_MS > 0))) throw new BrokenRun("bad --stages/--count/--max-seconds");
  if (RUN_PIXEL && (!PIXEL_STAGES.length || !(PIXEL_COUNT > 0))) throw new BrokenRun("bad --pixel-stages/--pixel-count");
  if (RUN_COHORTS && (!Number.isInteger(COHORT_MEMBERS) || COHORT_MEMBERS < 1 || !Number.isInteger(COHORT_REPEAT) || COHORT_REPEAT < 1)) throw new BrokenRun("bad --cohort-members/--cohort-repeat");
  if (RUN_TAGS && (!Number.isInteger(TAG_OPS) || TAG_OPS < 2 || TAG_OPS > MAX_CALL_OPS || !Number.isInteger(TAG_BULK) || TAG_BULK < 0)) throw new BrokenRun(`bad --tag-ops (2–${MAX_CALL_OPS})/--tag-bulk`);
  if (RUN_PAID_ORDERS && (!PAID_STAGES.length || !(PAID_COUNT > 0) || !(MAX_MS > 0))) throw new BrokenRun("bad --paid-stages/--paid-count/--max-seconds");
  log(
    `bench: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), Node ${process.versions.node}, scenario ${options.scenario}` +
      (RUN_INGEST ? `; ingest stages c=${STAGES.join(",")}, ${COUNT} deliveries or ${MAX_MS / 1000} s each` : "") +
      (RUN_PAID_ORDERS ? `; paid-order stages c=${PAID_STAGES.join(",")}, ${PAID_COUNT} orders or ${MAX_MS / 1000} s each` : "") +
      (RUN_PIXEL ? `; pixel stages c=${PIXEL_STAGES.join(",")}, ${PIXEL_COUNT} batches or ${MAX_MS / 1000} s each` : "") +
      (RUN_COHORTS ? `; cohort sweep over ${COHORT_MEMBERS} members, ${COHORT_REPEAT} fresh database(s)` : "") +
      (RUN_TAGS ? `; tag write-back: ${TAG_OPS} ops by call, ${TAG_BULK} by bulk` : ""),
  );
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
  if (RUN_INGEST) {
    log(`webhook routes: ${discovered.length} in app/routes; sending ${sendable.length} topics, not sending ${discovered.filter((route) => !sendable.includes(route)).map((route) => route.topic).join(", ") || "none"}`);
    if (!commerce.length) {
      console.warn(
        "WARNING: no commerce webhook routes (orders/*, products/*, …) exist yet in app/routes: the mix is only " +
          `${sendable.map((route) => route.topic).join(", ")}, with small payloads. The figures measure the inbox, not realistic traffic.`,
      );
    }
  }
  const routes = Object.fromEntries(sendable.map((route) => [route.topic, route.path]));
  const paidRoute = routes["orders/paid"];
  if (RUN_PAID_ORDERS && !paidRoute) throw new BrokenRun("no route for orders/paid in app/routes: the paid-order scenario has nothing to send to");
  const startTime = Date.now();

  if (wantsProcesses(options.database, Number(options.processes))) {
    if (!paidRoute) throw new BrokenRun("no route for orders/paid in app/routes: the processes scenario has nothing to send to");
    ensureBuild();
    const processes = Number(options.processes);
    const concurrency = Math.max(1, Math.round(PAID_STAGES[PAID_STAGES.length - 1] / processes));
    const warmup = Math.round(WARMUP / processes);
    return benchProcesses({ tmpDir, routePath: paidRoute, processes, count: PAID_COUNT, concurrency, warmup, maxMs: MAX_MS, seed: SEED, start: startTime, postgresUrl: POSTGRES_URL, keep: options.keep }, options.json);
  }

  if (wantRoost && (RUN_INGEST || RUN_PAID_ORDERS || RUN_PIXEL)) ensureBuild();

  let ingest: IngestResult | undefined;
  if (RUN_INGEST) ingest = await runIngest(routes, startTime, wantRoost, wantBaseline);

  let paid: PaidOrdersReport | undefined;
  if (RUN_PAID_ORDERS) {
    if (options.worker !== "on") log(`paid orders: always with the server's own inbox worker (--worker ${options.worker} applies to the ingest stages)`);
    paid = await runPaidOrders({
      tmpDir,
      routePath: paidRoute,
      stages: PAID_STAGES,
      count: PAID_COUNT,
      maxMs: MAX_MS,
      seed: SEED,
      start: startTime,
      wantRoost,
      wantBaseline,
      profileDir: options.profile ? path.join(os.tmpdir(), "roost-bench-profile-paid-orders") : undefined,
      traceSql: options["trace-sql"],
      cohortRules: options["cohort-rules"],
    });
  }

  let pixel: PixelReport | undefined;
  if (RUN_PIXEL) {
    pixel = await runPixel({
      tmpDir,
      stages: PIXEL_STAGES,
      count: PIXEL_COUNT,
      maxMs: MAX_MS,
      warmup: WARMUP,
      wantRoost,
      wantBaseline,
      profileDir: options.profile ? path.join(os.tmpdir(), "roost-bench-profile-pixel") : undefined,
      traceSql: options["trace-sql"],
    });
  }

  let cohorts: CohortReport | undefined;
  if (RUN_COHORTS && wantRoost) cohorts = runCohorts({ tmpDir, members: COHORT_MEMBERS, repeat: COHORT_REPEAT, levers: options["cohort-levers"], plans: true });

  let tags: TagsReport | undefined;
  if (RUN_TAGS && wantRoost) tags = runTags({ tmpDir, ops: TAG_OPS, bulk: TAG_BULK });
  let admin: AdminReport | undefined;
  if (RUN_ADMIN && wantRoost) admin = runAdmin({ tmpDir });
  let analytics: AnalyticsReport | undefined;
  if (RUN_ANALYTICS && wantRoost) analytics = runAnalytics({ tmpDir });

  // Every scenario's verdict lines, repeated at the very end.
  const goals: string[] = [];
  if (ingest) {
    goals.push(...report(ingest.roost, ingest.baseline, ingest.mix));
    for (const trace of ingest.traces) console.log(`\n${trace}`);
  }
  if (paid) goals.push(...reportPaidOrders(paid));
  if (pixel) goals.push(...reportPixel(pixel));
  if (cohorts) goals.push(...reportCohorts(cohorts));
  if (tags) goals.push(...reportTags(tags));
  if (admin) goals.push(...reportAdmin(admin));
  if (analytics) goals.push(...reportAnalytics(analytics));
  if (options.json) {
    const json = {
      runId,
      cores: os.cpus().length,
      node: process.versions.node,
      scenario: options.scenario,
      ...(ingest ? { stages: STAGES, count: COUNT, mix: ingest.mix, roost: ingest.roost, baseline: ingest.baseline } : {}),
      ...(paid ? { paidOrders: paid } : {}),
      ...(pixel ? { pixel } : {}),
      ...(cohorts ? { cohorts } : {}),
      ...(tags ? { tags } : {}),
      ...(admin ? { admin } : {}),
      ...(analytics ? { analytics } : {}),
      goals,
    };
    fs.writeFileSync(options.json, `${JSON.stringify(json, null, 2)}\n`);
  }
  log(`done in ${elapsedSeconds().toFixed(0)} s`);
  if (goals.length) console.log(`\nGOALS (${options.scenario}${options.worker === "on" ? "" : `, --worker ${options.worker}`})\n${goals.join("\n")}`);
  const lost = (ingest?.roost?.lost ?? 0) > 0;
  if (lost || (paid && paidOrdersFailed(paid)) || (pixel && pixelFailed(pixel)) || (tags && tagsFailed(tags))) return 2;
  return paid && paidBaselineBroken(paid) ? 1 : 0;
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
