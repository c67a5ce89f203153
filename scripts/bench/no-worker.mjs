// Preloaded into the Roost server (`node --import`) by `npm run bench -- --worker off`: puts a
// do-nothing inbox worker where app/services/inbox/runtime.server.ts looks for the process's
// worker (globalThis.__roostInboxWorker, `??=`), so deliveries are stored and acknowledged but
// never processed. A diagnostic to measure ingestion alone; ROOST_INBOX_WORKER=off only stops
// the poll, the route still kicks the worker after every delivery.
globalThis.__roostInboxWorker = {
  start() {},
  stop() {},
  kick() {},
  drain: async () => 0,
  idle: async () => {},
};
