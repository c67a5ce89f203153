// `npm run bench -- --worker process`: the job runner (inbox lane included) in a process of its
// own, next to a Roost server whose own is stubbed out (scripts/bench/no-worker.mjs). A what-if
// for running processing apart from acknowledgement; it runs Roost's runner from the sources (tsx).
//   DATABASE_URL=file:… ROOST_JOBS_POLL_MS=100 tsx scripts/bench/worker-process.ts
import { appRuntime, jobsPollMs } from "../../app/runtime.server";

appRuntime().runner.start();
console.log(`job runner process ${process.pid} polling every ${jobsPollMs()} ms`);
setInterval(() => {}, 1 << 30);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(0));
