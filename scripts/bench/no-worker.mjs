// Preloaded into the Roost server (`node --import`) by `npm run bench -- --worker off`: puts a
// runtime whose inbox does nothing where app/runtime.server.ts looks for the process's
// (globalThis.__roostRuntime, `??=`), so deliveries are stored and acknowledged but never
// processed. A diagnostic to measure ingestion alone.
const inbox = { kick() {}, drain: async () => 0, idle: async () => {} };
globalThis.__roostRuntime = {
  inbox,
  runner: { start() {}, stop: async () => {}, tick: async () => {}, kick() {}, kickDelivery() {}, idle: async () => {}, drain: async () => 0 },
};
