// Preloaded into each Roost server of the multi-process bench (scripts/bench/processes.ts,
// `node --import`): once the process's runtime exists, writes its worker owner (the id its inbox
// worker stamps on the deliveries it claims and processes: WebhookDelivery.lockedBy) to
// ROOST_BENCH_OWNER_FILE, so the bench can tell which process processed which delivery.
import fs from "node:fs";

const file = process.env.ROOST_BENCH_OWNER_FILE;
if (file) {
  const timer = setInterval(() => {
    const owner = globalThis.__roostRuntime?.runner?.owner;
    if (!owner) return;
    clearInterval(timer);
    fs.writeFileSync(file, JSON.stringify({ pid: process.pid, owner }));
  }, 50);
  timer.unref();
}
