// A Roost worker process: the job runner with its inbox lane and every queue, without the HTTP
// server. N of them (and servers) may share one PostgreSQL; test/scale runs two from the sources.
//   DATABASE_URL=postgresql://… ROOST_JOBS_POLL_MS=100 tsx scripts/roost-worker.ts
// Prints one JSON line once the runner is started: {"ready":true,"pid":…,"owner":…}, where
// `owner` is what it writes in `lockedBy` on the deliveries and jobs it claims.
import { appRuntime } from "../app/runtime.server";

const runtime = appRuntime();
runtime.runner.start();
process.stdout.write(`${JSON.stringify({ ready: true, pid: process.pid, owner: runtime.runner.owner, name: process.env.ROOST_PROCESS_NAME ?? null })}\n`);
// The runner's timer is unref'd: this keeps the process up until it is told to stop.
const keepAlive = setInterval(() => {}, 1 << 30);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    clearInterval(keepAlive);
    // The runs in progress finish (and commit) before the process exits.
    void runtime.stop().finally(() => process.exit(0));
  });
}
