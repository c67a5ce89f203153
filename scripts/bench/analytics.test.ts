import { describe, expect, it, vi } from "vitest";
import { type AnalyticsReport, reportAnalytics } from "./analytics";

// The analytics scenario's verdicts from a report (no seeding, no timing: scripts/bench/analytics.ts).

const figure = (name: string, p95: number) => ({ name, path: "/app", runs: 40, p50: p95 / 2, p95, max: p95 + 1, shows: "30 days" });

describe("the analytics bench report", () => {
  it("judges each Dashboard range against 150 ms and names the baseline beside it", () => {
    vi.spyOn(console, "log").mockImplementation(() => undefined);
    const report: AnalyticsReport = {
      members: 100_000,
      ledgerEntries: 1_000_500,
      tail: 500,
      seeded: { seconds: 200, rows: { Member: 100_000, LedgerEntry: 1_000_000 } },
      rollupSeconds: 80,
      snapshotSeconds: 2,
      warmup: 5,
      loaders: [figure("baseline: session + shop row", 5), figure("dashboard, last 30 days", 120), figure("dashboard, 366 days", 180), figure("loadAnalytics alone, 30 days", 40)],
    };
    expect(reportAnalytics(report)).toEqual([
      "analytics dashboard, last 30 days p95 120 ms (baseline 5 ms) (goal ≤ 150 ms: met)",
      "analytics dashboard, 366 days p95 180 ms (baseline 5 ms) (goal ≤ 150 ms: missed by 30 ms)",
    ]);
  });
});
