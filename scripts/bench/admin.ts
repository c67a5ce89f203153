// The bench's admin scenario (`npm run bench -- --scenario admin`, only when named): a fresh
// SQLite database seeded with one large shop (scripts/bench/admin-loaders.ts: 100,000 members,
// 1,000,000 webhook deliveries, 1,000,000 pixel events), then the Dashboard, Members and
// Cohorts route loaders timed with signed session-token requests, beside a bare baseline. docs/performance.md,
// "Admin loaders".
import fs from "node:fs";
import path from "node:path";
import type { LoaderFigure } from "./large-shop";
import { fmt, log, roostEnv, runNode, table } from "./harness";

export const ADMIN_TARGET_MS = 150;
/** The loader each scenario times first, for its figures to stand beside (large-shop.ts, baselineLoader). */
export const BASELINE_NAME = "baseline: session + shop row";

export interface AdminReport {
  members: number;
  deliveries: number;
  pixelEvents: number;
  seeded: { seconds: number; rows: Record<string, number> };
  warmup: number;
  loaders: LoaderFigure[];
}

export function runAdmin(config: { tmpDir: string }): AdminReport {
  const file = path.join(config.tmpDir, "admin.sqlite");
  const env = roostEnv(0, `file:${file}`);
  runNode(["scripts/db/migrate.mjs"], env, "migration (admin)");
  const out = path.join(config.tmpDir, "admin.json");
  log("admin: seeding 100,000 members, 1,000,000 deliveries and 1,000,000 pixel events, then timing the loaders");
  runNode(["--import", "tsx", "scripts/bench/admin-loaders.ts", "--out", out], env, "the admin loaders");
  const report = JSON.parse(fs.readFileSync(out, "utf8")) as AdminReport;
  log(`admin: seeded in ${fmt(report.seeded.seconds, 1)} s`);
  for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(`${file}${suffix}`, { force: true });
  return report;
}

/**
 * One line a timed loader (not the baseline), its p95 beside the same run's baseline and judged
 * against ADMIN_TARGET_MS; `judged` picks which loaders carry the goal.
 */
export function goalLines(scenario: string, loaders: LoaderFigure[], judged: (loader: LoaderFigure) => boolean): string[] {
  const baseline = loaders.find((loader) => loader.name === BASELINE_NAME);
  return loaders
    .filter((loader) => loader !== baseline && judged(loader))
    .map(
      (loader) =>
        `${scenario} ${loader.name} p95 ${fmt(loader.p95, 0)} ms${baseline ? ` (baseline ${fmt(baseline.p95, 0)} ms)` : ""} (goal ≤ ${ADMIN_TARGET_MS} ms: ${loader.p95 <= ADMIN_TARGET_MS ? "met" : `missed by ${fmt(loader.p95 - ADMIN_TARGET_MS, 0)} ms`})`,
    );
}

/** Prints the loader table and one goal line a loader; returns those lines. */
export function reportAdmin(report: AdminReport): string[] {
  console.log("");
  console.log(
    `ADMIN LOADERS: one shop with ${Object.entries(report.seeded.rows).map(([name, count]) => `${count.toLocaleString("en-US")} ${name}`).join(", ")}; ` +
      `seeded in ${fmt(report.seeded.seconds, 1)} s; each loader ${report.warmup} warm-up calls, then timed (up to 40 calls or 30 s)`,
  );
  console.log(table(["loader", "request", "calls", "p50 ms", "p95 ms", "max ms", "shows"], report.loaders.map((l) => [l.name, l.path, String(l.runs), fmt(l.p50, 1), fmt(l.p95, 1), fmt(l.max, 1), l.shows])));
  const lines = goalLines("admin", report.loaders, () => true);
  for (const line of lines) console.log(line);
  return lines;
}
