import { describe, expect, it } from "vitest";
import { type IngestFigures, type IngestStageFigures, ingestGoals, paidGoals, verdictLines } from "./goals";

const stage = (concurrency: number, throughput: number, p99: number, drainMs = 100, extra: Partial<IngestStageFigures> = {}): IngestStageFigures => ({
  concurrency,
  throughput,
  p99,
  drained: true,
  drainMs,
  rssAllPeakMb: 200,
  ...extra,
});

const figures = (stages: IngestStageFigures[], extra: Partial<IngestFigures> = {}): IngestFigures => ({
  stages,
  baselinePeak: 2000,
  lost: 0,
  acked: 1000,
  inbox: { processed: 1000, pending: 0, failed: 0, dead: 0 },
  processes: "server",
  ...extra,
});

describe("ingestGoals", () => {
  it("meets every goal at a stage that kept up at 1,000/s with p99 ≤ 25 ms", () => {
    const goals = ingestGoals(figures([stage(8, 600, 10), stage(32, 1200, 20, 1500)]));
    expect(goals.map((goal) => goal.ok)).toEqual([true, true, true, true, true, true]);
    expect(goals[0].text).toContain("c=32 1200/s, drained in 1.5 s");
  });

  it("counts only the stages whose backlog drained within 2 s, and says how far the best one is", () => {
    const goals = ingestGoals(figures([stage(8, 169, 12), stage(32, 1500, 20, 2600), stage(64, 1800, 30, 8000, { drained: false })]));
    expect(goals[0]).toEqual({
      ok: false,
      text: expect.stringContaining("best stage that kept up: c=8 169/s, drained in 0.1 s, 831/s short; behind: c32 1500/s drained in 2.6 s, c64 1800/s not drained in 8 s"),
    });
    expect(goals[1]).toEqual({ ok: false, text: expect.stringContaining("at the best that did, c=8 (169/s), 12.0 ms, 13 ms to spare") });
    expect(goals[2]).toEqual({ ok: false, text: expect.stringContaining("c=8 169/s is 0.08×, 831/s short") });
  });

  it("misses p99 by the distance of the closest stage that kept up at 1,000/s", () => {
    const goals = ingestGoals(figures([stage(32, 1100, 40), stage(64, 1300, 31)]));
    expect(goals[0].ok).toBe(true);
    expect(goals[1]).toEqual({ ok: false, text: expect.stringContaining("c=64 31.0 ms, 6 ms over") });
  });

  it("judges memory on the peak of all Roost processes, and every delivery processed", () => {
    const goals = ingestGoals(
      figures([stage(8, 600, 10, 100, { rssAllPeakMb: 240 }), stage(32, 700, 20, 100, { rssAllPeakMb: 312 })], {
        processes: "server + worker process",
        inbox: { processed: 990, pending: 4, failed: 6, dead: 0 },
      }),
    );
    expect(goals[3]).toEqual({ ok: false, text: "memory: all Roost processes (server + worker process) ≤ 250 MB RSS under load: peak 312 MB at c=32, 62 MB over" });
    expect(goals[5]).toEqual({ ok: false, text: "every delivery processed: 990 processed, 6 failed, 0 dead, 4 pending after the run" });
  });

  it("does not judge throughput when nothing processes deliveries", () => {
    const goals = ingestGoals(figures([stage(8, 1500, 10, undefined, { drained: undefined })], { inbox: undefined }));
    expect(goals[0]).toEqual({ ok: false, text: expect.stringContaining("not judged, nothing processed deliveries (--worker off)") });
    expect(goals).toHaveLength(5);
  });
});

describe("paidGoals", () => {
  it("judges the ratio on the best stages and p99 at c=16", () => {
    const goals = paidGoals(
      [{ concurrency: 1, awardsPerSecond: 30, p99: 160 }, { concurrency: 16, awardsPerSecond: 39, p99: 4710 }],
      [{ concurrency: 16, awardsPerSecond: 681, p99: 135 }],
    );
    expect(goals[0]).toEqual({ ok: false, text: expect.stringContaining("Roost 39/s at c=16 is 0.057× the baseline's 681/s at c=16, 302 awards/s short") });
    expect(goals[1]).toEqual({ ok: false, text: "end-to-end p99 ≤ 50 ms at c=16: 4710.0 ms, 4660 ms over" });
  });

  it("falls back to the highest stage run when c=16 was not", () => {
    const goals = paidGoals([{ concurrency: 1, awardsPerSecond: 400, p99: 8 }, { concurrency: 8, awardsPerSecond: 500, p99: 30 }], [{ concurrency: 8, awardsPerSecond: 600, p99: 10 }]);
    expect(goals.map((goal) => goal.ok)).toEqual([true, true]);
    expect(goals[1].text).toBe("end-to-end p99 ≤ 50 ms at c=16: c=8 (the highest stage run) 30.0 ms, 20 ms to spare");
  });
});

describe("verdictLines", () => {
  it("counts the goals met and gives each a line", () => {
    expect(verdictLines("X VERDICT", [{ ok: true, text: "a" }, { ok: false, text: "b" }])).toEqual(["X VERDICT: 1/2 goals met", "  ✓ a", "  ✗ b"]);
  });
});
