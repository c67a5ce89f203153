// The bench's bare baseline: the least a webhook receiver can do and still be correct.
// node:http, HMAC-SHA256 of the raw body checked with a timing-safe compare, one INSERT per
// delivery into SQLite through the same driver Roost uses (@libsql/client, file URL, WAL,
// synchronous=NORMAL), 200 once the row is written (503 if not), duplicates (same webhook
// id) acknowledged without a second row. No framework, no logging, no processing.
//   DATABASE_URL=file:… SHOPIFY_API_SECRET=… PORT=… node scripts/bench/baseline-server.mjs
import { createHmac, timingSafeEqual } from "node:crypto";
import http from "node:http";
import { createClient } from "@libsql/client";

const url = process.env.DATABASE_URL;
const secret = process.env.SHOPIFY_API_SECRET ?? "";
const port = Number(process.env.PORT ?? 0);
const host = process.env.HOST ?? "127.0.0.1";
if (!url?.startsWith("file:") || !secret) {
  console.error("baseline-server: DATABASE_URL=file:… and SHOPIFY_API_SECRET are required");
  process.exit(1);
}

const db = createClient({ url });
await db.execute("PRAGMA journal_mode=WAL");
await db.execute("PRAGMA synchronous=NORMAL");
await db.execute("PRAGMA busy_timeout=5000");
await db.execute(`CREATE TABLE IF NOT EXISTS delivery (
  id INTEGER PRIMARY KEY,
  webhook_id TEXT NOT NULL UNIQUE,
  event_id TEXT,
  shop TEXT NOT NULL,
  topic TEXT NOT NULL,
  api_version TEXT NOT NULL,
  triggered_at TEXT,
  payload TEXT NOT NULL,
  received_at TEXT NOT NULL
)`);

const REQUIRED = ["x-shopify-hmac-sha256", "x-shopify-topic", "x-shopify-shop-domain", "x-shopify-webhook-id", "x-shopify-api-version"];

function verified(body, header) {
  const expected = createHmac("sha256", secret).update(body).digest();
  const given = Buffer.from(header, "base64");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

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
    const h = req.headers;
    if (REQUIRED.some((name) => typeof h[name] !== "string")) {
      res.writeHead(400).end();
      return;
    }
    const body = Buffer.concat(chunks);
    if (!verified(body, h["x-shopify-hmac-sha256"])) {
      res.writeHead(401).end();
      return;
    }
    db.execute({
      sql: `INSERT INTO delivery (webhook_id, event_id, shop, topic, api_version, triggered_at, payload, received_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (webhook_id) DO NOTHING`,
      args: [
        h["x-shopify-webhook-id"],
        h["x-shopify-event-id"] ?? null,
        h["x-shopify-shop-domain"],
        h["x-shopify-topic"],
        h["x-shopify-api-version"],
        h["x-shopify-triggered-at"] ?? null,
        body.toString("utf8"),
        new Date().toISOString(),
      ],
    }).then(
      () => res.writeHead(200).end(),
      (error) => {
        console.error("baseline-server: insert failed", error);
        res.writeHead(503).end();
      },
    );
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, host, () => {
  console.log(`baseline listening on http://${host}:${server.address().port}`);
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    server.close();
    db.close();
    process.exit(0);
  });
}
