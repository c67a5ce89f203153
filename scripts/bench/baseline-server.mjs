// The bench's bare baseline: the least a webhook receiver can do and still be correct.
// node:http, HMAC-SHA256 of the raw body checked with a timing-safe compare, one INSERT per
// delivery into SQLite through the same driver Roost uses (@libsql/client, file URL, WAL,
// synchronous=NORMAL), 200 once the row is written (503 if not), duplicates (same webhook
// id) acknowledged without a second row. No framework, no logging, no processing.
//   DATABASE_URL=file:… SHOPIFY_API_SECRET=… PORT=… node scripts/bench/baseline-server.mjs
//
// BASELINE_MODE=award (the paid-order scenario) adds the least a points ledger can do: in the
// same transaction as the delivery row, an orders/paid that is paid and not a test becomes
// floor(eligible × EARN_RATE × TIER_MULTIPLIER) points (eligible per DESIGN: non-gift-card
// lines, less their discounts, less their tax when prices include it), one ledger row per order
// (ON CONFLICT DO NOTHING on the order's key) for the member with the order's customer GID,
// and that member's balance. Members are rows the bench inserts before it sends anything.
import { createHmac, timingSafeEqual } from "node:crypto";
import http from "node:http";
import { createClient } from "@libsql/client";

const url = process.env.DATABASE_URL;
const secret = process.env.SHOPIFY_API_SECRET ?? "";
const award = process.env.BASELINE_MODE === "award";
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
if (award) {
  await db.execute("CREATE TABLE IF NOT EXISTS member (customer_gid TEXT PRIMARY KEY, balance INTEGER NOT NULL DEFAULT 0)");
  await db.execute(`CREATE TABLE IF NOT EXISTS ledger_entry (
  award_key TEXT PRIMARY KEY,
  order_gid TEXT NOT NULL,
  customer_gid TEXT NOT NULL,
  eligible INTEGER NOT NULL,
  points INTEGER NOT NULL,
  created_at INTEGER NOT NULL
)`);
}

/** "1.25" → [125n, 100n]: rates stay exact, as in Roost. */
function decimal(value) {
  const [whole, fraction = ""] = value.split(".");
  return [BigInt(whole + fraction), 10n ** BigInt(fraction.length)];
}
const [rateUnits, rateScale] = decimal(process.env.EARN_RATE ?? "1");
const [multiplierUnits, multiplierScale] = decimal(process.env.TIER_MULTIPLIER ?? "1");

/** "12.34" → 1234 (USD: two decimals, like the bench's orders). */
function cents(amount) {
  const [whole, fraction = ""] = amount.split(".");
  return Number(whole + fraction.padEnd(2, "0").slice(0, 2));
}

/** The ledger statements for a paid order, run in the delivery's transaction; none for anything else. */
function awardStatements(topic, body) {
  if (topic !== "orders/paid") return [];
  const order = JSON.parse(body);
  const customerGid = order.customer?.admin_graphql_api_id;
  if (!customerGid || order.test || order.financial_status !== "paid") return [];
  let eligible = 0;
  for (const line of order.line_items) {
    if (line.gift_card) continue;
    eligible += cents(line.price_set.shop_money.amount) * line.quantity;
    for (const allocation of line.discount_allocations) eligible -= cents(allocation.amount_set.shop_money.amount);
    if (order.taxes_included) for (const tax of line.tax_lines) eligible -= cents(tax.price_set.shop_money.amount);
  }
  const points = eligible > 0 ? Number((BigInt(eligible) * rateUnits * multiplierUnits) / (100n * rateScale * multiplierScale)) : 0;
  const key = `shopify-order:${order.admin_graphql_api_id}`;
  return [
    {
      sql: `INSERT INTO ledger_entry (award_key, order_gid, customer_gid, eligible, points, created_at)
            SELECT ?, ?, customer_gid, ?, ?, ? FROM member WHERE customer_gid = ? ON CONFLICT (award_key) DO NOTHING`,
      args: [key, order.admin_graphql_api_id, eligible, points, Date.now(), customerGid],
    },
    // changes() is the row count of the INSERT just before: a repeat of the order adds nothing.
    { sql: "UPDATE member SET balance = balance + ? WHERE customer_gid = ? AND changes() = 1", args: [points, customerGid] },
  ];
}

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
    const payload = body.toString("utf8");
    const insert = {
      sql: `INSERT INTO delivery (webhook_id, event_id, shop, topic, api_version, triggered_at, payload, received_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (webhook_id) DO NOTHING`,
      args: [
        h["x-shopify-webhook-id"],
        h["x-shopify-event-id"] ?? null,
        h["x-shopify-shop-domain"],
        h["x-shopify-topic"],
        h["x-shopify-api-version"],
        h["x-shopify-triggered-at"] ?? null,
        payload,
        new Date().toISOString(),
      ],
    };
    let ledger = [];
    if (award) {
      try {
        ledger = awardStatements(h["x-shopify-topic"], payload);
      } catch {
        res.writeHead(400).end();
        return;
      }
    }
    // One statement alone, or the delivery and its award in one write transaction.
    const write = ledger.length ? db.batch([insert, ...ledger], "write") : db.execute(insert);
    write.then(
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
