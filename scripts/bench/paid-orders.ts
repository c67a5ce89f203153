// The bench's paid-order scenario (`npm run bench -- --scenario paid-orders`, and by default
// after the ingest stages): signed orders/paid deliveries, one per distinct member, timed from
// sending each to its ledger entry existing, beside a bare baseline that does the minimal
// equivalent (scripts/bench/baseline-server.mjs, BASELINE_MODE=award). Members are seeded
// through Roost's own services before the clock starts (scripts/bench/seed.ts --members). After
// the run every acknowledged order must have exactly one earn entry with the points the
// payload earns (scripts/bench/awards.ts) and `roost ledger:verify` must pass; anything else
// fails the run. See docs/performance.md, "Paid orders → points".
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { type Client, createClient } from "@libsql/client";
import { parseShopSettings, type Program } from "../../app/services/program/settings";
import { type AwardCheck, type AwardRow, type AwardTerms, checkAwards, expectedPoints, type SentOrder } from "./awards";
import {
  BrokenRun,
  CLK_TCK,
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
  runNode,
  sampleErrors,
  SECRET,
  selfCpuMs,
  type Server,
  startServer,
  stopProcess,
  summariseSqlTrace,
  table,
} from "./harness";
import type { InitMessage, PaidDelivery, StageResult } from "./load";
import { BENCH_SHOP, benchMember } from "./payloads";
import { paidGoals, verdictLines } from "./goals";
import { summariseProfile } from "./profile-summary";
import { percentile } from "./stats";

export interface PaidOrdersConfig {
  tmpDir: string;
  /** URL path of Roost's orders/paid route. */
  routePath: string;
  /** Concurrency of each stage. */
  stages: number[];
  /** Orders (so distinct members) per stage. */
  count: number;
  /** Time bound on sending a stage's orders. */
  maxMs: number;
  seed: number;
  start: number;
  wantRoost: boolean;
  wantBaseline: boolean;
  /** CPU-profile the Roost server into this directory. */
  profileDir?: string;
  /** Count and time the Roost server's SQLite statements (scripts/bench/sql-trace.mjs). */
  traceSql?: boolean;
  /**
   * The six bench cohort rules enabled for the shop (scripts/bench/seed.ts --cohort-rules): each
   * order also queues its member on the cohorts queue, and a stage ends when that queue is empty.
   */
  cohortRules?: boolean;
}

/**
 * How long a stage may take to turn its orders into ledger entries after the last one was
 * sent. Roost processes paid orders at tens per second; the default stages need about 15 s.
 */
const PROCESS_BOUND_MS = 90_000;

interface Latency {
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

export interface PaidStageReport {
  name: string;
  concurrency: number;
  sent: number;
  acked: number;
  /** Acknowledgement latency (send → 2xx). */
  ack: StageResult["latency"];
  /** Acknowledged orders awarded exactly once with the expected points. */
  awarded: number;
  problems: number;
  /** awarded ÷ (last award written − first order sent). */
  awardsPerSecond: number;
  /** Send → ledger entry written, per awarded order. */
  endToEnd: Latency;
  /**
   * Roost: send → its inbox row marked processed, per acknowledged order. The entry's createdAt
   * is stamped when its INSERT is built; the award's transaction commits a little later.
   */
  toProcessed?: Latency;
  /** Stage start until nothing was left to process. */
  elapsedMs: number;
  /** Last order sent until nothing was left to process (Roost's backlog at the end of sending). */
  processingTailMs: number;
  drained: boolean;
  serverCpuMs: number;
  cpuMsPerAward: number;
  loadgenCpuMs: number;
  otherCpuPercent: number;
  rssPeakMb: number;
  loop?: LoopFigures;
}

export interface LedgerVerifyResult {
  exitCode: number;
  ok: boolean;
  members: number;
  entries: number;
  violations: { memberId: string; rule: string; detail: string }[];
}

export interface PaidTargetReport {
  name: "roost" | "baseline";
  stages: PaidStageReport[];
  check: Omit<AwardCheck, "endToEndMs">;
  endToEnd: Latency;
  awardsPerSecond: number;
  /** Roost: inbox state after the run, and `roost ledger:verify --json` on its database. */
  inbox?: InboxCounts;
  errorsSample?: string[];
  verify?: LedgerVerifyResult;
}

export interface PaidOrdersReport {
  stages: number[];
  count: number;
  members: number;
  terms: AwardTerms & { startDate: string | null };
  roost?: PaidTargetReport;
  baseline?: PaidTargetReport;
  seedSeconds?: number;
  cohortRules?: boolean;
  /** With cohort rules: the cohorts queue's jobs by state, and the transitions written, after the run. */
  cohorts?: { jobs: Record<string, number>; transitions: number };
}

// ---------------------------------------------------------------------------------------
// Reading the databases

async function withClient<T>(databaseUrl: string, read: (client: Client) => Promise<T>): Promise<T> {
  const client = createClient({ url: databaseUrl });
  try {
    return await read(client);
  } finally {
    client.close();
  }
}

/** SQLite DATETIME as Prisma writes it (ISO text) or as the baseline does (epoch ms). */
function epochMs(value: unknown): number {
  if (typeof value === "number" || typeof value === "bigint") return Number(value);
  const ms = Date.parse(String(value));
  if (Number.isNaN(ms)) throw new BrokenRun(`unreadable timestamp ${String(value)}`);
  return ms;
}

interface LedgerState {
  rows: AwardRow[];
  balances: Map<string, number>;
  tiers: Map<string, string>;
  unmatched: Set<string>;
}

async function roostLedger(databaseUrl: string): Promise<LedgerState & { program: Program; countShipping: boolean; currency: string }> {
  return withClient(databaseUrl, async (client) => {
    const shop = (await client.execute({ sql: `SELECT "id", "currency", "settings" FROM "Shop" WHERE "domain" = ?`, args: [BENCH_SHOP] })).rows[0];
    if (!shop) throw new BrokenRun(`${BENCH_SHOP} is not in ${databaseUrl}`);
    const shopId = String(shop.id);
    const entries = await client.execute({
      sql: `SELECT e."idempotencyKey", e."awardKey", e."orderGid", e."kind", e."points", e."withheld", e."createdAt", m."customerGid"
            FROM "LedgerEntry" e LEFT JOIN "Member" m ON m."id" = e."memberId" WHERE e."shopId" = ?`,
      args: [shopId],
    });
    const members = await client.execute({ sql: `SELECT "customerGid", "balance", "tier" FROM "Member" WHERE "shopId" = ? AND "customerGid" IS NOT NULL`, args: [shopId] });
    const unmatched = await client.execute({ sql: `SELECT "orderKey" FROM "UnmatchedOrder" WHERE "shopId" = ?`, args: [shopId] });
    const settings = parseShopSettings(String(shop.settings));
    return {
      rows: entries.rows.map((row) => ({
        idempotencyKey: String(row.idempotencyKey),
        awardKey: row.awardKey === null ? null : String(row.awardKey),
        orderGid: row.orderGid === null ? null : String(row.orderGid),
        kind: String(row.kind),
        points: Number(row.points),
        withheld: Number(row.withheld),
        customerGid: row.customerGid === null ? null : String(row.customerGid),
        createdAt: epochMs(row.createdAt),
      })),
      balances: new Map(members.rows.map((row) => [String(row.customerGid), Number(row.balance)])),
      tiers: new Map(members.rows.map((row) => [String(row.customerGid), String(row.tier)])),
      unmatched: new Set(unmatched.rows.map((row) => String(row.orderKey))),
      program: settings.program,
      countShipping: settings.countShipping,
      currency: String(shop.currency),
    };
  });
}

async function baselineLedger(databaseUrl: string): Promise<LedgerState> {
  return withClient(databaseUrl, async (client) => {
    const entries = await client.execute(`SELECT award_key, order_gid, customer_gid, points, created_at FROM ledger_entry`);
    const members = await client.execute(`SELECT customer_gid, balance FROM member`);
    return {
      rows: entries.rows.map((row) => ({
        idempotencyKey: String(row.award_key),
        awardKey: String(row.award_key),
        orderGid: String(row.order_gid),
        kind: "earn",
        points: Number(row.points),
        withheld: 0,
        customerGid: String(row.customer_gid),
        createdAt: epochMs(row.created_at),
      })),
      balances: new Map(members.rows.map((row) => [String(row.customer_gid), Number(row.balance)])),
      tiers: new Map(),
      unmatched: new Set(),
    };
  });
}

/**
 * Waits (bounded) until Roost's inbox has nothing pending, retries included, and with cohort
 * rules until the cohorts queue the orders filled is empty too.
 */
async function waitForProcessing(databaseUrl: string, boundMs: number, cohorts = false): Promise<{ at: number; drained: boolean }> {
  return withClient(databaseUrl, async (client) => {
    const started = Date.now();
    const pendingCohorts = cohorts ? ` + (SELECT COUNT(*) FROM "Job" WHERE "queue" = 'cohorts' AND "status" IN ('pending', 'running'))` : "";
    for (;;) {
      const { rows } = await client.execute(`SELECT (SELECT COUNT(*) FROM "WebhookDelivery" WHERE "status" = 'pending')${pendingCohorts}`);
      if (Number(rows[0][0]) === 0) return { at: Date.now(), drained: true };
      if (Date.now() - started > boundMs) return { at: Date.now(), drained: false };
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
}

/** `npm run roost -- ledger:verify --json --shop <bench shop>` against the bench database. */
function ledgerVerify(databaseUrl: string): LedgerVerifyResult {
  const result = spawnSync(process.execPath, ["--import", "tsx", "scripts/roost.ts", "ledger:verify", "--json", "--shop", BENCH_SHOP], {
    env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: "warn" },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  let parsed: Omit<LedgerVerifyResult, "exitCode">;
  try {
    parsed = JSON.parse(result.stdout) as Omit<LedgerVerifyResult, "exitCode">;
  } catch {
    console.error(`${result.stdout}\n${result.stderr}`.trim().split("\n").slice(-20).join("\n"));
    throw new BrokenRun(`roost ledger:verify printed no JSON (exit ${result.status})`);
  }
  // 0 clean, 1 violations: anything else is the command failing, not a verdict on the ledger.
  if (result.status !== 0 && result.status !== 1) throw new BrokenRun(`roost ledger:verify failed (exit ${result.status}): ${result.stderr.trim().split("\n")[0]}`);
  return { exitCode: result.status, ...parsed };
}

// ---------------------------------------------------------------------------------------
// One target through the stages

function latency(values: number[]): Latency {
  const sorted = Float64Array.from(values).sort();
  const sum = values.reduce((total, value) => total + value, 0);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.length ? sorted[sorted.length - 1] : 0, mean: values.length ? sum / values.length : 0 };
}

function rate(check: AwardCheck): number {
  if (!check.awarded || check.firstSentAt === undefined || check.lastAwardAt === undefined) return 0;
  return (check.awarded / Math.max(1, check.lastAwardAt - check.firstSentAt)) * 1000;
}

interface StageRun {
  name: string;
  concurrency: number;
  result: StageResult;
  deliveries: PaidDelivery[];
  elapsedMs: number;
  processingTailMs: number;
  drained: boolean;
  serverCpuMs: number;
  otherCpuPercent: number;
  rssPeakMb: number;
  loop?: LoopFigures;
}

async function runStages(server: Server, config: PaidOrdersConfig, afterSending: () => Promise<{ at: number; drained: boolean }>): Promise<StageRun[]> {
  const load = new LoadGenerator();
  const runs: StageRun[] = [];
  try {
    const init: InitMessage = { type: "init", origin: server.origin, secret: SECRET, routes: { "orders/paid": config.routePath }, seed: config.seed, start: config.start };
    await load.request(init, "ready");
    for (const [index, concurrency] of config.stages.entries()) {
      const name = `c${concurrency}`;
      let sampler: NodeJS.Timeout | undefined;
      let rssPeakMb = 0;
      let cpuStart = 0;
      let selfStart = 0;
      let startedAt = 0;
      let machineStart = readMachineCpu();
      const { result, deliveries } = await load.request(
        { type: "paid-stage", name, concurrency, first: index * config.count, count: config.count, maxMs: config.maxMs },
        "paid-done",
        (message) => {
          if (message.type !== "started") return;
          void loopDelay(server, false);
          startedAt = Date.now();
          cpuStart = readCpuMs(server.pid);
          selfStart = selfCpuMs();
          machineStart = readMachineCpu();
          sampler = setInterval(() => {
            rssPeakMb = Math.max(rssPeakMb, readRssMb(server.pid));
          }, 100);
        },
      );
      const sentAt = Date.now();
      if (result.ok === 0) throw new BrokenRun(`${server.name} paid orders ${name}: no delivery was acknowledged (${JSON.stringify({ ...result.statuses, ...result.errors })})`);
      const processed = await afterSending();
      clearInterval(sampler);
      const serverCpuMs = readCpuMs(server.pid) - cpuStart;
      const machineEnd = readMachineCpu();
      const benchCpuMs = selfCpuMs() - selfStart;
      const elapsedMs = processed.at - startedAt;
      const loop = await loopDelay(server);
      runs.push({
        name,
        concurrency,
        result,
        deliveries,
        elapsedMs,
        processingTailMs: processed.at - sentAt,
        drained: processed.drained,
        serverCpuMs,
        // As in the ingest stages: machine busy time minus the server, the load generator and
        // this process, in % of one core, over the whole stage (sending and processing).
        otherCpuPercent: Math.max(0, (100 * (((machineEnd.busy - machineStart.busy) / CLK_TCK) * 1000 - serverCpuMs - result.cpuMs - benchCpuMs)) / Math.max(1, elapsedMs)),
        rssPeakMb: Math.max(rssPeakMb, readRssMb(server.pid)),
        loop,
      });
      log(
        `${server.name.padEnd(8)} paid ${name.padEnd(4)} sent ${result.sent} (ok ${result.ok}) at ${fmt(result.throughput, 0)}/s, ack p99 ${fmt(result.latency.p99, 1)} ms; ` +
          `${processed.drained ? "all processed" : "NOT all processed"} ${fmt((processed.at - sentAt) / 1000, 1)} s after the last was sent`,
      );
    }
  } finally {
    await load.close();
  }
  return runs;
}

function targetReport(
  name: "roost" | "baseline",
  runs: StageRun[],
  ledger: LedgerState,
  before: Map<string, number>,
  expected: (delivery: PaidDelivery) => number,
  processedAt?: Map<string, number>,
): PaidTargetReport {
  const toOrders = (deliveries: PaidDelivery[]): SentOrder[] =>
    deliveries.map((delivery) => ({
      orderGid: delivery.orderGid,
      customerGid: delivery.customerGid,
      sentAt: delivery.sentAt,
      acked: delivery.status >= 200 && delivery.status < 300,
      expectedPoints: expected(delivery),
    }));
  const stages = runs.map((run): PaidStageReport => {
    const orders = toOrders(run.deliveries);
    // The stage's own orders; entries of the other stages are theirs ("unexpected" is for the whole run).
    const gids = new Set(orders.map((order) => order.orderGid));
    const check = checkAwards(orders, ledger.rows.filter((row) => row.orderGid !== null && gids.has(row.orderGid)), null, ledger.unmatched);
    const processed = processedAt && run.deliveries.flatMap((delivery) => (processedAt.has(delivery.webhookId) ? [processedAt.get(delivery.webhookId)! - delivery.sentAt] : []));
    return {
      name: run.name,
      concurrency: run.concurrency,
      sent: run.result.sent,
      acked: run.result.ok,
      ack: run.result.latency,
      awarded: check.awarded,
      problems: check.problems.length,
      awardsPerSecond: rate(check),
      endToEnd: latency(check.endToEndMs),
      ...(processed ? { toProcessed: latency(processed) } : {}),
      elapsedMs: run.elapsedMs,
      processingTailMs: run.processingTailMs,
      drained: run.drained,
      serverCpuMs: run.serverCpuMs,
      cpuMsPerAward: run.serverCpuMs / Math.max(1, check.awarded),
      loadgenCpuMs: run.result.cpuMs,
      otherCpuPercent: run.otherCpuPercent,
      rssPeakMb: run.rssPeakMb,
      loop: run.loop,
    };
  });
  const all = checkAwards(
    toOrders(runs.flatMap((run) => run.deliveries)),
    ledger.rows,
    { before, after: ledger.balances },
    ledger.unmatched,
  );
  const { endToEndMs, ...check } = all;
  return { name, stages, check, endToEnd: latency(endToEndMs), awardsPerSecond: Math.max(0, ...stages.map((stage) => stage.awardsPerSecond)) };
}

// ---------------------------------------------------------------------------------------
// The scenario

export async function runPaidOrders(config: PaidOrdersConfig): Promise<PaidOrdersReport> {
  const members = config.stages.length * config.count;
  if (!config.stages.length || !(config.count > 0)) throw new BrokenRun("bad --paid-stages/--paid-count");
  log(`paid orders: stages c=${config.stages.join(",")}, ${config.count} orders (distinct members) or ${config.maxMs / 1000} s each`);
  // The program terms the orders are awarded under: Roost's seeded settings, or the defaults.
  let settings = parseShopSettings("{}");
  let currency = "USD";
  const report: PaidOrdersReport = { stages: config.stages, count: config.count, members, terms: termsOf(settings.program, settings.program.tiers[0].name, settings.countShipping, currency) };

  let roostUrl: string | undefined;
  let roostBefore: LedgerState | undefined;
  if (config.wantRoost) {
    roostUrl = `file:${config.tmpDir}/paid-orders.sqlite`;
    const env = roostEnv(0, roostUrl);
    const seeding = Date.now();
    runNode(["scripts/db/migrate.mjs"], env, "migration (paid orders)");
    runNode(["--import", "tsx", "scripts/bench/seed.ts", "--members", String(members), ...(config.cohortRules ? ["--cohort-rules"] : [])], env, "seeding the paid-order members");
    report.cohortRules = config.cohortRules;
    report.seedSeconds = (Date.now() - seeding) / 1000;
    const seeded = await roostLedger(roostUrl);
    if (seeded.tiers.size !== members) throw new BrokenRun(`seeded ${seeded.tiers.size} members, expected ${members}`);
    if (seeded.rows.length) throw new BrokenRun(`the seeded ledger is not empty (${seeded.rows.length} entries)`);
    settings = { ...settings, program: seeded.program, countShipping: seeded.countShipping };
    currency = seeded.currency;
    roostBefore = seeded;
    report.terms = termsOf(seeded.program, seeded.program.tiers[0].name, seeded.countShipping, currency);
    log(`paid orders: seeded ${members} members through Roost's services in ${fmt(report.seedSeconds, 1)} s (program on since ${seeded.program.startDate}, earn rate ${seeded.program.earnRate})`);
  }
  const { program, countShipping } = settings;
  if (!program.enabled || !program.channels.includes("online_store")) throw new BrokenRun("the bench program does not let online-store orders earn");

  if (config.wantBaseline) {
    const databaseUrl = `file:${config.tmpDir}/baseline-paid-orders.sqlite`;
    const port = await freePort();
    const tier = program.tiers[0];
    const env = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      SHOPIFY_API_SECRET: SECRET,
      PORT: String(port),
      HOST: "127.0.0.1",
      BASELINE_MODE: "award",
      EARN_RATE: program.earnRate,
      TIER_MULTIPLIER: tier.multiplier,
    };
    const server = await startServer(config.tmpDir, "baseline-paid-orders", ["scripts/bench/baseline-server.mjs"], env, port, databaseUrl);
    log(`baseline (award mode): node:http + @libsql/client on ${server.origin} (pid ${server.pid})`);
    try {
      await withClient(databaseUrl, (client) =>
        client.batch(
          Array.from({ length: members }, (_, index) => ({ sql: "INSERT INTO member (customer_gid) VALUES (?)", args: [`gid://shopify/Customer/${benchMember(index).id}`] })),
          "write",
        ),
      );
      // Awards are written before the acknowledgement: nothing is left to process after sending.
      const runs = await runStages(server, config, async () => ({ at: Date.now(), drained: true }));
      const ledger = await baselineLedger(databaseUrl);
      const before = new Map([...ledger.balances.keys()].map((gid) => [gid, 0]));
      const terms = termsOf(program, tier.name, false, currency);
      report.baseline = targetReport("baseline", runs, ledger, before, (delivery) => expectedPoints(delivery.eligible, terms));
    } finally {
      await stopProcess(server.process);
    }
  }

  if (config.wantRoost && roostUrl && roostBefore) {
    const port = await freePort();
    const trace = path.join(config.tmpDir, "roost-paid-orders-sql.json");
    const env = { ...roostEnv(port, roostUrl), ROOST_BENCH_SQL_TRACE: trace };
    const nodeArgs = [
      ...(config.profileDir ? ["--cpu-prof", `--cpu-prof-dir=${config.profileDir}`] : []),
      ...(config.traceSql ? ["--import", "./scripts/bench/sql-trace.mjs"] : []),
    ];
    if (config.profileDir) fs.rmSync(config.profileDir, { recursive: true, force: true });
    const server = await startServer(config.tmpDir, "roost-paid-orders", [...nodeArgs, "server.mjs"], env, port, roostUrl);
    log(`roost: NODE_ENV=production node server.mjs on ${server.origin} (pid ${server.pid}), inbox worker on${config.cohortRules ? ", six cohort rules enabled" : ""}`);
    let runs: StageRun[];
    try {
      runs = await runStages(server, config, () => waitForProcessing(roostUrl, PROCESS_BOUND_MS, config.cohortRules));
    } finally {
      await stopProcess(server.process);
    }
    const ledger = await roostLedger(roostUrl);
    const before = roostBefore;
    const expected = (delivery: PaidDelivery) => {
      // The multiplier is the member's tier before this order (DESIGN, "Earning").
      const tier = before.tiers.get(delivery.customerGid) ?? program.tiers[0].name;
      return expectedPoints(delivery.eligible, termsOf(program, tier, countShipping, currency));
    };
    const processedAt = await withClient(roostUrl, async (client) => {
      const { rows } = await client.execute(`SELECT "webhookId", "processedAt" FROM "WebhookDelivery" WHERE "processedAt" IS NOT NULL`);
      return new Map(rows.map((row) => [String(row.webhookId), epochMs(row.processedAt)]));
    });
    const target = targetReport("roost", runs, ledger, before.balances, expected, processedAt);
    target.inbox = await inboxCounts(roostUrl);
    target.errorsSample = await sampleErrors(roostUrl);
    log("paid orders: running roost ledger:verify --json on the bench database");
    target.verify = ledgerVerify(roostUrl);
    if (config.cohortRules) {
      report.cohorts = await withClient(roostUrl, async (client) => {
        const jobs = await client.execute(`SELECT "status", COUNT(*) AS n FROM "Job" WHERE "queue" = 'cohorts' GROUP BY "status"`);
        const transitions = await client.execute(`SELECT COUNT(*) AS n FROM "CohortTransition"`);
        return { jobs: Object.fromEntries(jobs.rows.map((row) => [String(row.status), Number(row.n)])), transitions: Number(transitions.rows[0].n) };
      });
    }
    report.roost = target;
    // The trace counts everything the server ran, ingest and processing, over the awards made.
    if (config.traceSql) console.log(`\n${summariseSqlTrace("roost, paid orders", trace, target.check.awarded, "award", `${target.check.awarded} orders/paid delivered and awarded`)}`);
    if (config.profileDir) {
      const files = fs.existsSync(config.profileDir) ? fs.readdirSync(config.profileDir).filter((file) => file.endsWith(".cpuprofile")) : [];
      for (const file of files) console.log(`\nCPU profile of the Roost server, paid orders (${path.join(config.profileDir, file)}):\n${summariseProfile(path.join(config.profileDir, file))}`);
    }
  }
  return report;
}

function termsOf(program: Program, tierName: string, countShipping: boolean, currency: string): AwardTerms & { startDate: string | null } {
  const tier = program.tiers.find((candidate) => candidate.name === tierName) ?? program.tiers[0];
  return { currency, earnRate: program.earnRate, multiplier: tier.multiplier, countShipping, startDate: program.startDate };
}

// ---------------------------------------------------------------------------------------
// Report

/**
 * Whether the baseline failed its own award check: its figures would then be for less work
 * than Roost's, and the comparison is void (the run is broken, exit 1).
 */
export function paidBaselineBroken(report: PaidOrdersReport): boolean {
  return !!report.baseline && (report.baseline.check.problems.length > 0 || report.baseline.check.awarded !== report.baseline.check.acked);
}

/** Whether the scenario failed Roost's correctness checks (exit 2 with a banner). */
export function paidOrdersFailed(report: PaidOrdersReport): boolean {
  const roost = report.roost;
  if (!roost) return false;
  return roost.check.problems.length > 0 || roost.check.awarded !== roost.check.acked || !roost.verify?.ok;
}

/** Prints the paid-order tables and verdict; returns the verdict's lines. */
export function reportPaidOrders(report: PaidOrdersReport): string[] {
  const rows: string[][] = [];
  const baseByConcurrency = new Map(report.baseline?.stages.map((stage) => [stage.concurrency, stage]) ?? []);
  for (const target of [report.roost, report.baseline]) {
    if (!target) continue;
    for (const stage of target.stages) {
      const base = baseByConcurrency.get(stage.concurrency);
      rows.push([
        target.name,
        String(stage.concurrency),
        String(stage.sent),
        String(stage.acked),
        String(stage.awarded),
        String(stage.problems),
        fmt(stage.awardsPerSecond, 0),
        fmt(stage.endToEnd.p50, 1),
        fmt(stage.endToEnd.p99, 1),
        fmt(stage.endToEnd.max, 1),
        fmt(stage.ack.p99, 1),
        target.name === "roost" ? `${fmt(stage.processingTailMs / 1000, 1)} s${stage.drained ? "" : " (bound)"}` : "",
        fmt(stage.rssPeakMb, 0),
        fmt(stage.cpuMsPerAward, 2),
        fmt(stage.otherCpuPercent, 0),
        target.name === "roost" && base ? `${fmt(stage.awardsPerSecond / Math.max(1, base.awardsPerSecond), 3)}×` : "",
      ]);
    }
  }
  const { terms } = report;
  console.log("");
  console.log(
    `PAID ORDERS → POINTS: signed orders/paid, one per distinct member (${report.members} seeded before the clock), program on since ${terms.startDate}, earn rate ${terms.earnRate} × tier ${terms.multiplier}` +
      (report.cohortRules ? "; six cohort rules enabled (each order's member evaluated on the cohorts queue, counted until it is empty)" : "; no cohort rules"),
  );
  console.log(
    table(
      ["server", "conc", "orders", "acked", "awarded ok", "problems", "awards/s", "e2e p50 ms", "e2e p99 ms", "e2e max ms", "ack p99 ms", "processing after last send", "RSS MB", "server CPU ms/award", "other procs CPU %", "Roost/baseline"],
      rows,
    ),
  );
  console.log("");
  for (const target of [report.roost, report.baseline]) {
    if (!target) continue;
    const { check } = target;
    const counts = Object.entries(check.counts).map(([kind, count]) => `${count} ${kind}`).join(", ");
    console.log(
      `${target.name}: ${check.sent} orders sent, ${check.acked} acknowledged, ${check.awarded} awarded exactly once with the expected points; ${counts}` +
        (check.awardedUnacked ? `; ${check.awardedUnacked} awarded though not acknowledged (timeouts)` : "") +
        (target.inbox ? `; inbox: ${target.inbox.processed} processed, ${target.inbox.pending} pending, ${target.inbox.failed} failed, ${target.inbox.dead} dead` : ""),
    );
    const toProcessed = target.stages.filter((stage) => stage.toProcessed);
    if (toProcessed.length) {
      console.log(
        `${target.name}: sent → inbox row marked processed (the award committed): ` +
          toProcessed.map((stage) => `c${stage.concurrency} p50 ${fmt(stage.toProcessed!.p50, 1)} / p99 ${fmt(stage.toProcessed!.p99, 1)} ms`).join(", "),
      );
    }
    for (const problem of check.problems.slice(0, 8)) console.log(`  ${problem.kind}: ${problem.subject}: ${problem.detail}`);
    if (check.problems.length > 8) console.log(`  … and ${check.problems.length - 8} more`);
    for (const line of target.errorsSample ?? []) console.log(`  ${line}`);
    if (target.verify) {
      const { verify } = target;
      console.log(
        `${target.name}: roost ledger:verify --json --shop ${BENCH_SHOP}: exit ${verify.exitCode}, ${verify.ok ? "ok" : `${verify.violations.length} VIOLATION(S)`} (${verify.members} members, ${verify.entries} entries)`,
      );
      for (const violation of verify.violations.slice(0, 8)) console.log(`  ${violation.rule}: member ${violation.memberId}: ${violation.detail}`);
    }
  }
  if (report.cohorts) {
    console.log(`cohorts queue after the run: ${Object.entries(report.cohorts.jobs).map(([status, count]) => `${count} ${status}`).join(", ") || "no jobs"}; ${report.cohorts.transitions} cohort transitions written`);
  }
  if (paidBaselineBroken(report)) console.error("\n!!! The baseline did not award every order exactly once: its figures are not comparable (a bench bug).\n");
  const busy = [...(report.roost?.stages ?? []), ...(report.baseline?.stages ?? [])].filter((stage) => stage.otherCpuPercent > 15);
  if (busy.length) console.log(`WARNING: other processes used ${busy.map((stage) => `${fmt(stage.otherCpuPercent, 0)}%`).join(", ")} of a core during ${busy.length} paid-order stage(s): figures are depressed by contention.`);

  const roost = report.roost;
  const baseline = report.baseline;
  if (!roost) return [];
  const failed = paidOrdersFailed(report);
  const best = roost.stages.reduce((top, stage) => (stage.awardsPerSecond > top.awardsPerSecond ? stage : top), roost.stages[0]);
  const baseBest = baseline?.stages.reduce((top, stage) => (stage.awardsPerSecond > top.awardsPerSecond ? stage : top), baseline.stages[0]);
  const e2e = (stages: PaidStageReport[]) => stages.map((stage) => `c${stage.concurrency} ${fmt(stage.endToEnd.p99, 1)} ms`).join(", ");
  const figures =
    `Roost ${fmt(best.awardsPerSecond, 0)} awards/s at c=${best.concurrency} (e2e p99 ${e2e(roost.stages)})` +
    (baseBest ? `; baseline ${fmt(baseBest.awardsPerSecond, 0)} awards/s at c=${baseBest.concurrency} (e2e p99 ${e2e(baseline!.stages)})` : "");
  const correctness = failed
    ? `${roost.check.acked - roost.check.awarded} of ${roost.check.acked} acknowledged orders not awarded exactly once with the expected points (${roost.check.problems.length} problems), ledger:verify ${roost.verify?.ok ? "ok" : "FAILED"}`
    : `${roost.check.awarded}/${roost.check.acked} acknowledged orders awarded exactly once with the expected points, ledger:verify ok`;
  const awardFigures = (stage: PaidStageReport) => ({ concurrency: stage.concurrency, awardsPerSecond: stage.awardsPerSecond, p99: stage.endToEnd.p99 });
  const goals = [{ ok: !failed, text: correctness }, ...paidGoals(roost.stages.map(awardFigures), baseline?.stages.map(awardFigures))];
  const lines = verdictLines("PAID ORDERS VERDICT", goals);
  console.log("");
  for (const line of lines) console.log(line);
  console.log(`  ${figures}`);
  if (failed) {
    console.error(
      `\n!!! PAID ORDERS FAILED: ${Object.entries(roost.check.counts).filter(([, count]) => count > 0).map(([kind, count]) => `${count} ${kind}`).join(", ") || "no problem listed"}` +
        `${roost.verify?.ok ? "" : `; ledger:verify found ${roost.verify?.violations.length ?? "?"} violation(s)`}. A paid order must earn exactly once: this is a ledger bug, not a performance result.\n`,
    );
  }
  return lines;
}
