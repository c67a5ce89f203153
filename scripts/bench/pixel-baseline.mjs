// The pixel scenario's baseline (scripts/bench/pixel.ts): the least a server could do per batch
// and still be honest: node:http, the body read and parsed as JSON, and the batch's events stored
// with one multi-row INSERT … ON CONFLICT DO NOTHING into SQLite (WAL), before the answer. No
// validation, no shop lookup, no stock, no roll-ups, no limits.
import http from "node:http";
import { createClient } from "@libsql/client";

const url = process.env.DATABASE_URL;
const port = Number(process.env.PORT ?? 0);
const host = process.env.HOST ?? "127.0.0.1";
if (!url?.startsWith("file:")) {
  console.error("pixel-baseline: DATABASE_URL=file:… is required");
  process.exit(1);
}

const db = createClient({ url });
await db.execute("PRAGMA journal_mode=WAL");
await db.execute("PRAGMA synchronous=NORMAL");
await db.execute("PRAGMA busy_timeout=5000");
await db.execute(`CREATE TABLE IF NOT EXISTS pixel_event (
  id INTEGER PRIMARY KEY,
  org_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  client_id TEXT NOT NULL,
  name TEXT NOT NULL,
  occurred_at TEXT NOT NULL,
  variant_id TEXT,
  received_at TEXT NOT NULL,
  UNIQUE (org_id, event_id)
)`);

const server = http.createServer((req, res) => {
  if (req.method === "GET" && req.url === "/healthz") {
    res.writeHead(200, { "Content-Type": "application/json" }).end('{"status":"ok"}');
    return;
  }
  if (req.method !== "POST") {
    res.writeHead(405).end();
    return;
  }
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    let batch;
    try {
      batch = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      res.writeHead(400).end();
      return;
    }
    const events = Array.isArray(batch?.events) ? batch.events : [];
    if (!events.length) {
      res.writeHead(400).end();
      return;
    }
    const now = new Date().toISOString();
    const args = [];
    for (const event of events) {
      const variant = event.data?.productVariant?.id ?? event.data?.cartLine?.merchandise?.id ?? null;
      args.push(String(batch.orgId), String(event.id), String(event.clientId), String(event.name), String(event.timestamp), variant, now);
    }
    const sql = `INSERT INTO pixel_event (org_id, event_id, client_id, name, occurred_at, variant_id, received_at) VALUES ${events.map(() => "(?, ?, ?, ?, ?, ?, ?)").join(", ")} ON CONFLICT DO NOTHING`;
    db.execute({ sql, args }).then(
      (result) => res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ accepted: result.rowsAffected, duplicates: events.length - result.rowsAffected, rejected: [] })),
      (error) => {
        console.error(error);
        res.writeHead(503).end();
      },
    );
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, host, () => console.log(`pixel baseline listening on http://${host}:${port}`));
