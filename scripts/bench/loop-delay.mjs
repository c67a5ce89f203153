// Preloaded into each server the bench starts (`node --import`): measures how long the event
// loop was blocked (perf_hooks.monitorEventLoopDelay). On SIGUSR2 it writes the figures since the
// previous SIGUSR2 to ROOST_BENCH_LOOP_FILE and starts over, so the bench gets them per stage.
// A request that arrives while the loop is blocked waits at least that long for its answer.
import fs from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";

const file = process.env.ROOST_BENCH_LOOP_FILE;
if (file) {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  let sequence = 0;
  process.on("SIGUSR2", () => {
    sequence += 1;
    const ms = (ns) => Math.round(ns / 1e4) / 100;
    const figures = {
      sequence,
      p50: ms(histogram.percentile(50)),
      p99: ms(histogram.percentile(99)),
      max: ms(histogram.max),
      mean: ms(histogram.mean),
    };
    histogram.reset();
    fs.writeFileSync(file, JSON.stringify(figures));
  });
}
