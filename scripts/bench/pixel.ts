// `npm run bench -- --scenario pixel`: the web pixel's POST /ingest/events against Roost's
// production build (server.mjs, SQLite), beside a bare baseline (scripts/bench/pixel-baseline.mjs:
// node:http + one multi-row INSERT) in the same run. Batches of 20 events from many visitors
// (scripts/bench/pixel-load.mjs, a process of its own); per stage: events/s, batches/s, p50/p99,
// server CPU ms per batch; at the end every acknowledged event must be stored exactly once
// (rows = acknowledged unique events). docs/performance.md, "Pixel ingest".
import { spawn } from "node:child_process";
import path from "node:path";
import fs from "node:fs";
import { createClient } from "@libsql/client";
import { BrokenRun, CLK_TCK, children, fmt, freePort, log, readCpuMs, readMachineCpu, roostEnv, root, runNode, type Server, startServer, stopProcess, summariseSqlTrace, table } from "./harness";
import { BENCH_SHOP } from "./payloads";
import { summariseProfile } from "./profile-summary";

const BATCH = 20;
const VARIANTS = 200;
export const PIXEL_TARGETS = { eventsPerSecond: 20_000, p99: 25, ratio: 0.5 };

interface LoadResult {
  batches: number;
  ok: number;
  statuses: Record<string, number>;
  elapsedMs: number;
  ackedEvents: number;
  accepted: number;
  meanBodyBytes: number;
  loadgenCpuMs: number;
  p50: number;
  p99: number;
  max: number;
}

export interface PixelStage extends LoadResult {
  concurrency: number;
  eventsPerSecond: number;
  batchesPerSecond: number;
  serverCpuMsPerBatch: number;
  serverCpuPercent: number;
  /** Whatever else ran on the machine meanwhile, in % of one core (other people's tests, builds). */
  otherCpuPercent: number;
}

export interface PixelTarget {
  name: "roost" | "baseline";
  stages: PixelStage[];
  ackedEvents: number;
  stored: number;
  lost: number;
}

export interface PixelReport {
  roost?: PixelTarget;
  baseline?: PixelTarget;
}

function runLoad(env: Record<string, string>): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, "scripts/bench/pixel-load.mjs")], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
    children.add(child);
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.once("exit", (code) => {
      children.delete(child);
      if (code !== 0) return reject(new BrokenRun(`pixel load generator exited with ${code}`));
      resolve(JSON.parse(output.trim().split("\n").at(-1)!) as LoadResult);
    });
  });
}

async function benchTarget(server: Server, name: "roost" | "baseline", orgId: string, options: { stages: number[]; count: number; maxMs: number; warmup: number }, storedRows: () => Promise<number>): Promise<PixelTarget> {
  const stages: PixelStage[] = [];
  let ackedEvents = 0;
  const plan = [...(options.warmup > 0 ? [{ label: "warmup", concurrency: 8, count: options.warmup }] : []), ...options.stages.map((concurrency) => ({ label: `c${concurrency}`, concurrency, count: options.count }))];
  for (const stage of plan) {
    const cpuStart = readCpuMs(server.pid);
    const machineStart = readMachineCpu();
    const result = await runLoad({
      PIXEL_ORIGIN: server.origin,
      PIXEL_ORG_ID: orgId,
      PIXEL_CONCURRENCY: String(stage.concurrency),
      PIXEL_COUNT: String(stage.count),
      PIXEL_MAX_MS: String(options.maxMs),
      PIXEL_BATCH: String(BATCH),
      PIXEL_VARIANTS: String(VARIANTS),
      PIXEL_PREFIX: `${name}-${stage.label}`,
    });
    const serverCpuMs = readCpuMs(server.pid) - cpuStart;
    const machineEnd = readMachineCpu();
    const machineBusyMs = ((machineEnd.busy - machineStart.busy) / CLK_TCK) * 1000;
    ackedEvents += result.ackedEvents;
    if (result.ok === 0) throw new BrokenRun(`${name} pixel ${stage.label}: no batch was acknowledged (${JSON.stringify(result.statuses)})`);
    const report: PixelStage = {
      ...result,
      concurrency: stage.concurrency,
      eventsPerSecond: (result.ackedEvents * 1000) / result.elapsedMs,
      batchesPerSecond: (result.ok * 1000) / result.elapsedMs,
      serverCpuMsPerBatch: serverCpuMs / Math.max(1, result.batches),
      serverCpuPercent: (100 * serverCpuMs) / result.elapsedMs,
      otherCpuPercent: Math.max(0, (100 * (machineBusyMs - serverCpuMs - result.loadgenCpuMs)) / result.elapsedMs),
    };
    log(
      `${name.padEnd(8)} pixel ${stage.label.padEnd(6)} ${fmt(report.eventsPerSecond, 0)} events/s (${fmt(report.batchesPerSecond, 0)} batches/s)  p50 ${fmt(result.p50, 1)} ms  p99 ${fmt(result.p99, 1)} ms  ` +
        `ok ${result.ok}/${result.batches}  server CPU ${fmt(report.serverCpuMsPerBatch, 2)} ms/batch`,
    );
    if (stage.label !== "warmup") stages.push(report);
  }
  const stored = await storedRows();
  return { name, stages, ackedEvents, stored, lost: Math.max(0, ackedEvents - stored) };
}

async function count(databaseUrl: string, sql: string, args: string[] = []): Promise<number> {
  const client = createClient({ url: databaseUrl });
  try {
    return Number((await client.execute({ sql, args })).rows[0][0]);
  } finally {
    client.close();
  }
}

/** The bench shop's catalogue in the mirror: variants 1 … VARIANTS, every tenth low on stock. */
async function seedVariants(databaseUrl: string): Promise<{ shopId: string; orgId: string }> {
  const client = createClient({ url: databaseUrl });
  try {
    const row = (await client.execute({ sql: `SELECT "id", "orgId" FROM "Shop" WHERE "domain" = ?`, args: [BENCH_SHOP] })).rows[0];
    if (!row) throw new BrokenRun("the bench shop was not seeded");
    const shopId = String(row[0]);
    const now = new Date().toISOString();
    const statements = Array.from({ length: VARIANTS }, (_, index) => ({
      sql: `INSERT INTO "Variant" ("id", "shopId", "gid", "productGid", "price", "available", "lowStock", "shopifyUpdatedAt", "createdAt", "updatedAt") VALUES (?, ?, ?, ?, 1999, ?, ?, ?, ?, ?)`,
      args: [crypto.randomUUID(), shopId, `gid://shopify/ProductVariant/${index + 1}`, `gid://shopify/Product/${index + 1}`, index % 10 === 0 ? 2 : 50, index % 10 === 0 ? 1 : 0, now, now, now],
    }));
    await client.batch(statements, "write");
    return { shopId, orgId: String(row[1]) };
  } finally {
    client.close();
  }
}

export async function runPixel(options: { tmpDir: string; stages: number[]; count: number; maxMs: number; warmup: number; wantRoost: boolean; wantBaseline: boolean; profileDir?: string; traceSql?: boolean }): Promise<PixelReport> {
  const result: PixelReport = {};
  if (options.wantBaseline) {
    const databaseUrl = `file:${options.tmpDir}/pixel-baseline.sqlite`;
    const port = await freePort();
    const server = await startServer(options.tmpDir, "pixel-baseline", ["scripts/bench/pixel-baseline.mjs"], { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), HOST: "127.0.0.1" }, port, databaseUrl);
    log(`pixel baseline: node:http + @libsql/client, one multi-row INSERT per batch, on ${server.origin} (pid ${server.pid})`);
    try {
      result.baseline = await benchTarget(server, "baseline", "bench-org", options, () => count(databaseUrl, "SELECT count(*) FROM pixel_event"));
    } finally {
      await stopProcess(server.process);
    }
  }
  if (options.wantRoost) {
    const databaseUrl = `file:${options.tmpDir}/pixel-roost.sqlite`;
    const port = await freePort();
    // Behind one trusted proxy, as in production: each visitor's address comes in X-Forwarded-For.
    const trace = path.join(options.tmpDir, "pixel-roost-sql.json");
    const env: NodeJS.ProcessEnv = { ...roostEnv(port, databaseUrl), ROOST_TRUST_PROXY: "1", ROOST_BENCH_SQL_TRACE: trace };
    runNode(["scripts/db/migrate.mjs"], env, "migration");
    runNode(["--import", "tsx", "scripts/bench/seed.ts"], env, "seeding the bench shop");
    const { shopId, orgId } = await seedVariants(databaseUrl);
    const profile = options.profileDir ? [`--cpu-prof`, `--cpu-prof-dir=${options.profileDir}`] : [];
    if (options.profileDir) fs.rmSync(options.profileDir, { recursive: true, force: true });
    const tracing = options.traceSql ? ["--import", "./scripts/bench/sql-trace.mjs"] : [];
    const server = await startServer(options.tmpDir, "pixel-roost", [...profile, ...tracing, "server.mjs"], env, port, databaseUrl);
    log(`pixel roost: NODE_ENV=production node server.mjs on ${server.origin} (pid ${server.pid})`);
    try {
      result.roost = await benchTarget(server, "roost", orgId, options, () => count(databaseUrl, `SELECT count(*) FROM "PixelEvent" WHERE "shopId" = ?`, [shopId]));
    } finally {
      await stopProcess(server.process);
    }
    // Everything the server ran (the batches and its background queues), per batch sent.
    if (options.traceSql && result.roost) {
      const batches = result.roost.ackedEvents / BATCH;
      console.log(`\n${summariseSqlTrace("roost, pixel", trace, batches, "batch", `${Math.round(batches)} batches incl. warm-up`)}`);
    }
    const profileDir = options.profileDir;
    if (profileDir && fs.existsSync(profileDir)) {
      for (const file of fs.readdirSync(profileDir).filter((name) => name.endsWith(".cpuprofile"))) {
        console.log(`\nCPU profile of the Roost server, pixel scenario (${path.join(profileDir, file)}):\n${summariseProfile(path.join(profileDir, file))}`);
      }
    }
  }
  return result;
}

export function pixelFailed(report: PixelReport): boolean {
  return (report.roost?.lost ?? 0) > 0;
}

/** Prints the pixel tables and verdict; returns the verdict line. */
export function reportPixel(report: PixelReport): string[] {
  const rows: string[][] = [];
  const base = new Map(report.baseline?.stages.map((stage) => [stage.concurrency, stage]) ?? []);
  for (const target of [report.roost, report.baseline]) {
    for (const stage of target?.stages ?? []) {
      const baseline = base.get(stage.concurrency);
      rows.push([
        target!.name,
        String(stage.concurrency),
        String(stage.batches),
        String(stage.batches - stage.ok),
        fmt(stage.eventsPerSecond, 0),
        fmt(stage.batchesPerSecond, 0),
        fmt(stage.p50, 2),
        fmt(stage.p99, 2),
        fmt(stage.max, 1),
        fmt(stage.serverCpuMsPerBatch, 2),
        fmt(stage.serverCpuPercent, 0),
        fmt(stage.loadgenCpuMs / Math.max(1, stage.batches), 2),
        fmt(stage.otherCpuPercent, 0),
        target!.name === "roost" && baseline ? `${fmt(stage.eventsPerSecond / baseline.eventsPerSecond, 2)}×` : "",
      ]);
    }
  }
  console.log("");
  console.log("PIXEL INGEST (POST /ingest/events, batches of 20 events)");
  console.log(table(["server", "conc", "batches", "non-2xx", "events/s", "batches/s", "p50 ms", "p99 ms", "max ms", "server CPU ms/batch", "server CPU %", "loadgen CPU ms/batch", "other procs CPU %", "Roost/baseline"], rows));
  for (const target of [report.roost, report.baseline]) {
    if (target) console.log(`${target.name}: ${target.ackedEvents} events acknowledged, ${target.stored} stored, lost ${target.lost}`);
  }
  const busy = [...(report.roost?.stages ?? []), ...(report.baseline?.stages ?? [])].filter((stage) => stage.otherCpuPercent > 15);
  if (busy.length) console.log(`WARNING: other processes used ${busy.map((stage) => `${fmt(stage.otherCpuPercent, 0)}%`).join(", ")} of a core during ${busy.length} stage(s): figures are depressed by contention.`);
  const roost = report.roost;
  if (!roost?.stages.length) return [];
  const peak = roost.stages.reduce((best, stage) => (stage.eventsPerSecond > best.eventsPerSecond ? stage : best));
  const basePeak = report.baseline?.stages.reduce((best, stage) => (stage.eventsPerSecond > best.eventsPerSecond ? stage : best));
  const operating = roost.stages.filter((stage) => stage.eventsPerSecond >= PIXEL_TARGETS.eventsPerSecond && stage.p99 <= PIXEL_TARGETS.p99);
  const ratio = basePeak ? peak.eventsPerSecond / basePeak.eventsPerSecond : undefined;
  const checks = [
    { ok: peak.eventsPerSecond >= PIXEL_TARGETS.eventsPerSecond, text: `${fmt(peak.eventsPerSecond, 0)} events/s at c=${peak.concurrency} (target ≥ ${PIXEL_TARGETS.eventsPerSecond})` },
    { ok: operating.length > 0, text: `p99 ≤ ${PIXEL_TARGETS.p99} ms at ≥ ${PIXEL_TARGETS.eventsPerSecond} events/s: ${operating.length ? `c=${operating.map((stage) => stage.concurrency).join(",")}` : `no stage (p99 ${roost.stages.map((stage) => `c${stage.concurrency} ${fmt(stage.p99, 1)}`).join(", ")} ms)`}` },
    { ok: ratio !== undefined && ratio >= PIXEL_TARGETS.ratio, text: ratio !== undefined ? `${fmt(ratio, 2)}× the baseline's ${fmt(basePeak!.eventsPerSecond, 0)} events/s (target ≥ ${PIXEL_TARGETS.ratio}×)` : "baseline not run" },
    { ok: roost.lost === 0, text: `lost ${roost.lost} (target 0)` },
  ];
  const verdict = `PIXEL VERDICT: ${checks.filter((check) => check.ok).length}/${checks.length} targets met — ${checks.map((check) => `${check.ok ? "✓" : "✗"} ${check.text}`).join("; ")}`;
  console.log(verdict);
  if (roost.lost > 0) console.error(`\n!!! ROOST LOST ${roost.lost} ACKNOWLEDGED PIXEL EVENTS: acknowledged with 200 but not in PixelEvent.\n`);
  return [verdict];
}
