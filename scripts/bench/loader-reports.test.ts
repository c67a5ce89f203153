import { describe, expect, it, vi } from "vitest";
import { type AdminReport, reportAdmin } from "./admin";
import { type AnalyticsReport, reportAnalytics } from "./analytics";

// The admin and analytics scenarios' verdicts from a report (no seeding, no timing:
// scripts/bench/admin.ts, analytics.ts).

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

describe("the admin bench report", () => {
  it("judges every loader but the baseline against 150 ms, the baseline beside each", () => {
    vi.spyOn(console, "log").mockImplementation(() => undefined);
    const report: AdminReport = {
      members: 100_000,
      deliveries: 1_000_000,
      pixelEvents: 1_000_000,
      seeded: { seconds: 44, rows: { Member: 100_000 } },
      warmup: 5,
      loaders: [figure("baseline: session + shop row", 2), figure("dashboard", 93), figure("members, cohort search", 162)],
    };
    expect(reportAdmin(report)).toEqual([
      "admin dashboard p95 93 ms (baseline 2 ms) (goal ≤ 150 ms: met)",
      "admin members, cohort search p95 162 ms (baseline 2 ms) (goal ≤ 150 ms: missed by 12 ms)",
    ]);
  });
});
