// Preloaded into a server (`node --import`) by `npm run bench -- --trace-sql`: counts and times
// every SQLite statement the process runs through the `libsql` driver (which @libsql/client,
// and so Prisma's libsql adapter, use), and every connection it opens with its `synchronous` and
// `busy_timeout` settings. On exit it writes a JSON summary to ROOST_BENCH_SQL_TRACE.
// A diagnostic: it patches the driver's Database.prototype.prepare before anything uses it.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { performance } from "node:perf_hooks";

const out = process.env.ROOST_BENCH_SQL_TRACE;
// The driver is CommonJS: the class patched here is the one every importer gets.
const require = createRequire(path.join(process.cwd(), "package.json"));
const Database = require("libsql");

const statements = new Map(); // normalised SQL → { count, prepareMs, execMs }
const connections = [];
let prepareMs = 0;
let execMs = 0;

function normalise(sql) {
  return sql.replace(/\s+/g, " ").replace(/`main`\./g, "").slice(0, 240);
}

function entry(sql) {
  const key = normalise(sql);
  let stats = statements.get(key);
  if (!stats) statements.set(key, (stats = { count: 0, prepareMs: 0, execMs: 0 }));
  return stats;
}

// ESM importers (@libsql/client) get the class itself, not require.cache's exports: patch the
// prototype. A connection is counted the first time it prepares a statement.
const seen = new WeakMap(); // connection → { synchronousSet, busyTimeoutSet }
// Statements and commits run on connections that never got `PRAGMA synchronous = NORMAL`
// (SQLite's default in WAL mode is FULL: an fsync of the WAL at every commit).
const unsynced = { statements: 0, writes: 0, connections: 0 };
const originalPrepare = Database.prototype.prepare;
Database.prototype.prepare = function prepare(sql) {
  let info = seen.get(this);
  if (!info) {
    info = { synchronousSet: false, busyTimeoutSet: false };
    seen.set(this, info);
    let synchronous;
    let busyTimeout;
    try {
      synchronous = originalPrepare.call(this, "PRAGMA synchronous").raw(true).get()?.[0];
      busyTimeout = originalPrepare.call(this, "PRAGMA busy_timeout").raw(true).get()?.[0];
    } catch {
      // best effort
    }
    connections.push({ at: Math.round(performance.now()), firstSql: normalise(sql).slice(0, 60), synchronousAtOpen: Number(synchronous), busyTimeoutAtOpen: Number(busyTimeout) });
  }
  if (/PRAGMA\s+synchronous\s*=\s*(NORMAL|1|OFF|0)/i.test(sql)) info.synchronousSet = true;
  if (/PRAGMA\s+busy_timeout\s*=/i.test(sql)) info.busyTimeoutSet = true;
  if (!info.synchronousSet && !sql.startsWith("SELECT 1 AS checkThatTheDatabaseCanBeOpened")) {
    if (!info.counted) {
      info.counted = true;
      unsynced.connections += 1;
    }
    unsynced.statements += 1;
    if (/^\s*(INSERT|UPDATE|DELETE|COMMIT)/i.test(sql)) unsynced.writes += 1;
  }
  const started = performance.now();
  const statement = originalPrepare.call(this, sql);
  const elapsed = performance.now() - started;
  prepareMs += elapsed;
  const stats = entry(sql);
  stats.count += 1;
  stats.prepareMs += elapsed;
  for (const method of ["run", "all", "get", "iterate"]) {
    const original = statement[method];
    statement[method] = function traced(...params) {
      const t0 = performance.now();
      try {
        return original.apply(this, params);
      } finally {
        const ms = performance.now() - t0;
        execMs += ms;
        stats.execMs += ms;
      }
    };
  }
  return statement;
};

function write() {
  if (!out) return;
  const rows = [...statements.entries()]
    .map(([sql, stats]) => ({ sql, ...stats }))
    .sort((a, b) => b.prepareMs + b.execMs - (a.prepareMs + a.execMs));
  fs.writeFileSync(
    out,
    JSON.stringify({
      statements: rows.reduce((sum, row) => sum + row.count, 0),
      prepareMs,
      execMs,
      connectionsOpened: connections.length,
      unsynced,
      connections: connections.slice(0, 5).concat(connections.length > 5 ? connections.slice(-3) : []),
      top: rows.slice(0, 40),
    }),
  );
}
process.on("exit", write);
