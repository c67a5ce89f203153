// The bench's analytics scenario (`npm run bench -- --scenario analytics`, only when named): a
// fresh SQLite database seeded with one large shop (scripts/bench/analytics-loaders.ts: 100,000
// members, 1,000,000 ledger entries, 150,000 customers, 100,000 webhook deliveries and 100,000
// pixel events), the ledger's day roll-ups added up, then the Dashboard loader (loadDashboard
// with loadAnalytics) timed for each range beside a bare baseline. docs/analytics.md, "Speed".
import fs from "node:fs";
import path from "node:path";
import { goalLines } from "./admin";
import type { LoaderFigure } from "./large-shop";
import { fmt, log, roostEnv, runNode, table } from "./harness";

export interface AnalyticsReport {
  members: number;
  ledgerEntries: number;
  tail: number;
  seeded: { seconds: number; rows: Record<string, number> };
  rollupSeconds: number;
  snapshotSeconds: number;
  warmup: number;
  loaders: LoaderFigure[];
}

export function runAnalytics(config: { tmpDir: string }): AnalyticsReport {
  const file = path.join(config.tmpDir, "analytics.sqlite");
  const env = roostEnv(0, `file:${file}`);
  runNode(["scripts/db/migrate.mjs"], env, "migration (analytics)");
  const out = path.join(config.tmpDir, "analytics.json");
  log("analytics: seeding 100,000 members and 1,000,000 ledger entries, rolling them up, then timing the Dashboard loader");
  runNode(["--import", "tsx", "scripts/bench/analytics-loaders.ts", "--out", out], env, "the analytics loaders");
  const report = JSON.parse(fs.readFileSync(out, "utf8")) as AnalyticsReport;
  for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(`${file}${suffix}`, { force: true });
  return report;
}

/** Prints the loader table and one goal line per Dashboard range; returns those lines. */
export function reportAnalytics(report: AnalyticsReport): string[] {
  console.log("");
  console.log(
    `ANALYTICS: one shop with ${Object.entries(report.seeded.rows).map(([name, count]) => `${count.toLocaleString("en-US")} ${name}`).join(", ")}; ` +
      `seeded in ${fmt(report.seeded.seconds, 1)} s; the ledger rolled up in ${fmt(report.rollupSeconds, 1)} s and the snapshot counted in ${fmt(report.snapshotSeconds, 1)} s, then ${report.tail} entries recorded after the watermark (counted live); ` +
      `each loader ${report.warmup} warm-up calls, then timed (up to 40 calls or 30 s). Figures on a shared machine vary with its load.`,
  );
  console.log(table(["loader", "request", "calls", "p50 ms", "p95 ms", "max ms", "shows"], report.loaders.map((l) => [l.name, l.path, String(l.runs), fmt(l.p50, 1), fmt(l.p95, 1), fmt(l.max, 1), l.shows])));
  const lines = goalLines("analytics", report.loaders, (loader) => loader.name.startsWith("dashboard"));
  for (const line of lines) console.log(line);
  return lines;
}
