// `npm run bench -- --worker process`: the inbox worker in a process of its own, next to a Roost
// server whose own worker is stubbed out (scripts/bench/no-worker.mjs). A what-if for running
// processing apart from acknowledgement; it runs Roost's InboxWorker from the sources (tsx).
//   DATABASE_URL=file:… ROOST_INBOX_POLL_MS=100 tsx scripts/bench/worker-process.ts
import { inboxWorker } from "../../app/services/inbox/runtime.server";

inboxWorker().start();
console.log(`inbox worker process ${process.pid} polling every ${process.env.ROOST_INBOX_POLL_MS ?? 5000} ms`);
setInterval(() => {}, 1 << 30);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(0));
