// The bench's cohort scenario (`npm run bench -- --scenario cohorts`): a fresh SQLite database
// with a shop's history (members, visitor links, paid orders with lines, pixel events, 10% of
// variants low on stock), six rules enabled, and `sweepCohorts` timed three times — the first
// sweep (mass entry), a second with nothing changed, and one a day later after 1% of members
// ordered again — beside a bare baseline in the same run: plain SELECTs of the rows each rule
// reads, grouped per shopper, nothing written. The work runs in its own process
// (scripts/bench/cohort-sweep.ts); this prints it. docs/performance.md, "Cohort sweep".
import fs from "node:fs";
import path from "node:path";
import { BrokenRun, fmt, log, roostEnv, runNode, table } from "./harness";

export const COHORT_TARGET = { members: 100_000, rules: 6, ms: 2000 };

interface RuleFigure {
  key: string;
  ms: number;
  entered: number;
  exited: number;
}

interface Written {
  transitions: number;
  memberships: number;
  journeyEvents: number;
  outbox: number;
}

interface SweepFigures {
  ms: number;
  rules: RuleFigure[];
  statements: Record<string, number>;
  entered: number;
  exited: number;
  written: Written;
}

interface MatchFigure {
  key: string;
  ms: number;
  rows: number;
  plan: string[];
}

export interface CohortRun {
  members: number;
  anonymous: number;
  seeded: { seconds: number; rows: Record<string, number> };
  rules: { key: string; template: string; params: Record<string, unknown> }[];
  baseline: { key: string; ms: number; rows: number }[];
  first: SweepFigures;
  steady: SweepFigures;
  matchesSteady: MatchFigure[];
  churned: number;
  afterChurn: SweepFigures;
  levers: { analyze?: { seconds: number; matches: MatchFigure[]; steadySweep: SweepFigures } };
}

export interface CohortReport {
  runs: CohortRun[];
  otherCpuPercent?: number;
}

export interface CohortConfig {
  tmpDir: string;
  members: number;
  /** Fresh databases, one after the other: the report gives medians. */
  repeat: number;
  /** Also time each rule's match query alone and the levers (ANALYZE) after the timed sweeps (first run). */
  levers: boolean;
  plans: boolean;
}

export function runCohorts(config: CohortConfig): CohortReport {
  const runs: CohortRun[] = [];
  for (let index = 0; index < config.repeat; index += 1) {
    const file = path.join(config.tmpDir, `cohorts-${index}.sqlite`);
    const env = roostEnv(0, `file:${file}`);
    runNode(["scripts/db/migrate.mjs"], env, "migration (cohorts)");
    const out = path.join(config.tmpDir, `cohorts-${index}.json`);
    log(`cohorts: run ${index + 1}/${config.repeat}, ${config.members} members: seeding, then three sweeps of six rules`);
    runNode(["--import", "tsx", "scripts/bench/cohort-sweep.ts", "--members", String(config.members), "--out", out, ...(config.levers && index === 0 ? ["--levers"] : [])], env, "the cohort sweep");
    const run = JSON.parse(fs.readFileSync(out, "utf8")) as CohortRun;
    runs.push(run);
    log(`cohorts: seeded in ${fmt(run.seeded.seconds, 1)} s; sweeps ${fmt(run.first.ms, 0)} / ${fmt(run.steady.ms, 0)} / ${fmt(run.afterChurn.ms, 0)} ms`);
    for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(`${file}${suffix}`, { force: true });
  }
  if (!runs.length) throw new BrokenRun("no cohort run");
  return { runs };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Prints the cohort sweep tables and verdict; returns the verdict line. */
export function reportCohorts(report: CohortReport, plans = true): string[] {
  const { runs } = report;
  const first = runs[0];
  const n = runs.length;
  const sweeps = [
    { name: "first (mass entry)", pick: (run: CohortRun) => run.first },
    { name: "steady (nothing changed)", pick: (run: CohortRun) => run.steady },
    { name: `+1 day, ${first.churned} members ordered`, pick: (run: CohortRun) => run.afterChurn },
  ];
  const baselineMs = (run: CohortRun) => run.baseline.reduce((sum, rule) => sum + rule.ms, 0);
  const baseMedian = median(runs.map(baselineMs));
  console.log("");
  console.log(
    `COHORT SWEEP: ${first.members.toLocaleString("en-US")} members (+${first.anonymous.toLocaleString("en-US")} anonymous visitors), ` +
      `${Object.entries(first.seeded.rows).map(([name, count]) => `${count.toLocaleString("en-US")} ${name}`).join(", ")}; ` +
      `seeded in ${runs.map((run) => fmt(run.seeded.seconds, 1)).join(" / ")} s; ${first.rules.length} rules; medians of ${n} fresh database${n > 1 ? "s" : ""}`,
  );
  console.log(`rules: ${first.rules.map((rule) => `${rule.key} ${JSON.stringify(rule.params)}`).join("; ")}`);
  const rows = sweeps.map(({ name, pick }) => {
    const figures = runs.map(pick);
    const written = figures[0].written;
    const ms = median(figures.map((figure) => figure.ms));
    return [
      name,
      fmt(ms, 0),
      figures.map((figure) => fmt(figure.ms, 0)).join(" / "),
      String(figures[0].entered),
      String(figures[0].exited),
      String(written.transitions),
      String(written.memberships),
      String(written.journeyEvents),
      String(written.outbox),
      `${fmt(ms / Math.max(1, baseMedian), 1)}×`,
    ];
  });
  rows.push(["baseline: plain SELECTs, no writes", fmt(baseMedian, 0), runs.map((run) => fmt(baselineMs(run), 0)).join(" / "), "", "", "", "", "", "", "1.0×"]);
  console.log(table(["sweep", "ms (median)", "ms per run", "entered", "exited", "transitions", "memberships Δ", "journey events", "outbox rows", "÷ baseline"], rows));

  console.log("");
  const ruleRows = first.rules.map((rule, index) => {
    const cell = (pick: (run: CohortRun) => SweepFigures) => fmt(median(runs.map((run) => pick(run).rules[index].ms)), 0);
    const match = runs[0].matchesSteady[index];
    return [
      rule.key,
      cell((run) => run.first),
      cell((run) => run.steady),
      cell((run) => run.afterChurn),
      match.ms == null || Number.isNaN(match.ms) ? "- (--cohort-levers)" : `${fmt(match.ms, 0)} (${match.rows})`,
      `${fmt(median(runs.map((run) => run.baseline[index].ms)), 0)} (${runs[0].baseline[index].rows})`,
      first.levers.analyze ? fmt(first.levers.analyze.matches[index].ms, 0) : "-",
    ];
  });
  console.log(table(["rule", "first ms", "steady ms", "+1 day ms", "match query alone ms (rows)", "baseline ms (rows read, grouped)", "match after ANALYZE ms"], ruleRows));
  console.log("");
  const kinds = Object.keys(first.first.statements);
  console.log(
    table(
      ["statement (all rules)", ...sweeps.map((sweep) => sweep.name)],
      kinds.map((kind) => [kind, ...sweeps.map(({ pick }) => fmt(median(runs.map((run) => pick(run).statements[kind] ?? 0)), 0))]),
    ),
  );
  if (first.levers.analyze) {
    const { analyze } = first.levers;
    console.log(`lever, measured on run 1's database after its sweeps: ANALYZE took ${fmt(analyze.seconds, 1)} s; a steady sweep after it ${fmt(analyze.steadySweep.ms, 0)} ms (before: ${fmt(first.steady.ms, 0)} ms)`);
  }
  if (plans) {
    console.log("\nQUERY PLANS (each rule's match query, whole shop, SQLite EXPLAIN QUERY PLAN):");
    for (const match of first.matchesSteady) console.log(`${match.key}:\n${match.plan.map((line) => `  ${line}`).join("\n")}`);
  }
  const steadyMs = median(runs.map((run) => run.steady.ms));
  const worst = Math.max(...sweeps.map(({ pick }) => median(runs.map((run) => pick(run).ms))));
  const scaled = first.members === COHORT_TARGET.members && first.rules.length === COHORT_TARGET.rules;
  const verdict =
    `COHORT VERDICT: ${worst <= COHORT_TARGET.ms ? "MET" : "MISSED"} — slowest sweep ${fmt(worst, 0)} ms, steady ${fmt(steadyMs, 0)} ms ` +
      `(target ≤ ${COHORT_TARGET.ms / 1000} s for ${COHORT_TARGET.members.toLocaleString("en-US")} members × ${COHORT_TARGET.rules} rules${scaled ? "" : `; this run: ${first.members} members, so not the target's scale`}); ` +
      `baseline ${fmt(baseMedian, 0)} ms`;
  console.log("");
  console.log(verdict);
  return [verdict];
}
