// One large shop for the admin and analytics bench scenarios: seeded with bulk INSERT … SELECT
// statements (SQLite), and its loaders timed as the embedded admin calls them.
import { getJwt } from "@shopify/shopify-api/test-helpers";
import db, { type Database } from "../../app/db.server";
import { systemClock } from "../../app/lib/clock";
import { loadDashboard } from "../../app/services/dashboard.server";
import { authenticate } from "../../app/shopify.server";
import { BENCH_SHOP } from "./payloads";
import { counter, hash, isoSql, numbers, type Seeded } from "./seed-sql";
import { percentile } from "./stats";

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const DAYS = 90;

// ---------------------------------------------------------------------------------------
// Seeding: INSERT … SELECT over a counter, deterministic pseudo-random columns from hashes
// (as scripts/bench/cohort-sweep.ts)

/** A time within the last DAYS days, in epoch ms, from a hash of i (newer as i grows when `ordered`). */
const agoMs = (x: string, seed: number) => `((${hash(x, seed)} % ${DAYS}) * ${DAY_MS} + ${hash(x, seed + 1)} % ${DAY_MS})`;

const FIRST = ["ava", "liam", "noah", "emma", "olivia", "mia", "lucas", "zoe", "ethan", "ivy", "jack", "nora"];
const LAST = ["smith", "jones", "brown", "garcia", "miller", "davis", "wilson", "moore", "taylor", "thomas", "martin", "lee", "walker"];
const pick = (list: string[], x: string) => `CASE (${x}) % ${list.length} ${list.map((word, index) => `WHEN ${index} THEN '${word}'`).join(" ")} END`;

// The topic mix of a store (orders bring several deliveries each); statuses mostly processed.
const TOPICS = ["orders/create", "orders/paid", "orders/updated", "inventory_levels/update", "customers/create", "customers/update", "products/update", "refunds/create", "orders/cancelled", "app/scopes_update"];

export interface LargeShop {
  members: number;
  deliveries: number;
  pixelEvents: number;
  /** Ledger entries per member, over the last 365 days (see the kinds below). */
  ledgerPerMember: number;
}

/** Seeds one large shop (the admin and analytics scenarios) with bulk INSERT … SELECT statements. */
export async function seedLargeShop(db: Database, shopId: string, nowMs: number, size: LargeShop): Promise<Seeded> {
  const started = performance.now();
  const N = size.members;
  const DELIVERIES = size.deliveries;
  const PIXEL_EVENTS = size.pixelEvents;
  const E = size.ledgerPerMember;
  const shop = `'${shopId}'`;
  const domain = `'${BENCH_SHOP}'`;
  const now = `${nowMs}`;
  const customerGid = (i: string) => `'gid://shopify/Customer/' || (1000000 + ${i})`;
  const memberAt = (i: string) => `(${now} - ${365 * DAY_MS} + (${i}) * ${Math.floor((365 * DAY_MS) / N)})`;
  const orderAt = (i: string) => `(${now} - ${agoMs(i, 2246822519)})`;
  const rules = await db.cohortRule.findMany({ where: { shopId }, orderBy: { createdAt: "asc" } });
  // Each rule holds a slice of the members (1 in 3 … 1 in 13) and, for the browsing rules, visitors.
  const ruleValues = rules.map((rule, index) => `SELECT '${rule.id}' AS id, '${rule.key}' AS key, ${index} AS k, ${3 + 2 * index} AS every`).join(" UNION ALL ");
  const statements = [
    `${counter(N)} INSERT INTO "Customer" ("id", "shopId", "gid", "email", "firstName", "lastName", "ordersCount", "totalSpent", "shopifyUpdatedAt", "createdAt", "updatedAt")
      SELECT 'cus-' || i, ${shop}, ${customerGid("i")}, ${pick(FIRST, "i")} || '.' || ${pick(LAST, "i / 12")} || i || '@example.com', ${pick(FIRST, "i")}, ${pick(LAST, "i / 12")}, 3, 30000,
        ${isoSql(memberAt("i"))}, ${isoSql(memberAt("i"))}, ${isoSql(memberAt("i"))} FROM n`,
    // Tiers: 60% Bronze, 30% Silver, 10% Gold; balances as a merchant's would spread.
    `${counter(N)} INSERT INTO "Member" ("id", "shopId", "customerGid", "email", "firstName", "lastName", "balance", "ledgerSeq", "tier", "createdAt", "updatedAt")
      SELECT 'mem-' || i, ${shop}, ${customerGid("i")}, ${pick(FIRST, "i")} || '.' || ${pick(LAST, "i / 12")} || i || '@example.com', ${pick(FIRST, "i")}, ${pick(LAST, "i / 12")},
        100 + i % 400 + CASE WHEN i % 3 = 0 THEN -100 ELSE 50 END, ${E},
        CASE WHEN i % 10 < 6 THEN 'Bronze' WHEN i % 10 < 9 THEN 'Silver' ELSE 'Gold' END, ${isoSql(memberAt("i"))}, ${isoSql(memberAt("i"))} FROM n`,
    // E entries per member over the last 365 days, the kinds of a live program: 62% earn, 4%
    // capped, 2% held, 2% released, 6% bonus, 10% redemption (one in ten of them returned by the
    // next entry), 5% clawback, 4% adjustment (a quarter negative), 5% expiry. Recorded when they
    // happened (createdAt = occurredAt).
    `${counter(E * N)}, x AS (SELECT i, i % ${N} AS m, i / ${N} AS s, ${hash("i", 362437)} % 100 AS roll, ${now} - (${hash("i", 521288629)} % 365) * ${DAY_MS} - ${hash("i", 521288630)} % ${DAY_MS} AS at FROM n)
      INSERT INTO "LedgerEntry" ("id", "shopId", "memberId", "seq", "kind", "points", "balanceAfter", "idempotencyKey", "occurredAt", "createdAt")
      SELECT 'le-' || i, ${shop}, 'mem-' || m, s + 1,
        CASE WHEN roll < 62 THEN 'earn' WHEN roll < 66 THEN 'capped' WHEN roll < 68 THEN 'held' WHEN roll < 70 THEN 'released' WHEN roll < 76 THEN 'bonus'
          WHEN roll < 85 THEN 'redemption' WHEN roll < 86 THEN 'returned' WHEN roll < 91 THEN 'clawback' WHEN roll < 95 THEN 'adjustment' ELSE 'expiry' END,
        CASE WHEN roll < 62 THEN 20 + i % 480 WHEN roll < 68 THEN 0 WHEN roll < 70 THEN 50 WHEN roll < 76 THEN 100 WHEN roll < 85 THEN -500 WHEN roll < 86 THEN 500
          WHEN roll < 91 THEN -(10 + i % 90) WHEN roll < 95 THEN CASE WHEN i % 4 = 0 THEN -25 ELSE 25 END ELSE -(5 + i % 200) END,
        0,
        CASE WHEN roll >= 76 AND roll < 85 THEN 'redemption:' || i WHEN roll >= 85 AND roll < 86 THEN 'redemption:' || (i - ${N}) || ':returned' ELSE 'bench:' || i END,
        ${isoSql("at")}, ${isoSql("at")} FROM x`,
    // Three orders per member over the last 90 days.
    `${counter(3 * N)} INSERT INTO "Order" ("id", "shopId", "gid", "name", "customerGid", "financialStatus", "processedAt", "currency", "linesAmount", "eligibleAmount", "shopifyUpdatedAt", "createdAt", "updatedAt")
      SELECT 'ord-' || i, ${shop}, 'gid://shopify/Order/' || (5000000 + i), '#' || (1000 + i), ${customerGid(`i % ${N}`)}, 'paid', ${isoSql(orderAt("i"))}, 'USD', 10000, 10000,
        ${isoSql(orderAt("i"))}, ${isoSql(orderAt("i"))}, ${isoSql(orderAt("i"))} FROM n`,
    `${counter(500)} INSERT INTO "Product" ("id", "shopId", "gid", "title", "shopifyUpdatedAt", "createdAt", "updatedAt")
      SELECT 'prd-' || i, ${shop}, 'gid://shopify/Product/' || i, 'Product ' || i, ${isoSql(now)}, ${isoSql(now)}, ${isoSql(now)} FROM n`,
    `${counter(2000)} INSERT INTO "Variant" ("id", "shopId", "gid", "productGid", "price", "available", "lowStock", "shopifyUpdatedAt", "createdAt", "updatedAt")
      SELECT 'var-' || i, ${shop}, 'gid://shopify/ProductVariant/' || i, 'gid://shopify/Product/' || (i / 4), 2500, CASE WHEN i % 10 = 0 THEN 3 ELSE 50 END, i % 10 = 0, ${isoSql(now)}, ${isoSql(now)}, ${isoSql(now)} FROM n`,
    // Memberships: member i is in rule k when i % every(k) = 0 (33% … 8% of members), and the
    // browsing rules (k < 2) also hold 2,000 anonymous visitors each. Everyone entered within the
    // last 60 days; one in five of them left once and came back (an out and an in transition).
    `WITH RECURSIVE r AS (${ruleValues}), ${numbers(N)}
      INSERT INTO "CohortTransition" ("id", "shopId", "ruleId", "ruleKey", "evaluationId", "subjectKey", "memberId", "customerGid", "direction", "cause", "occurredAt")
      SELECT 'ct-' || r.k || '-' || n.i || '-' || x.d, ${shop}, r.id, r.key, 'seed', 'm:mem-' || n.i, 'mem-' || n.i, ${customerGid("n.i")}, x.dir, 'matched',
        ${isoSql(`${now} - (${hash("n.i * 8 + r.k", 977)} % ${60 * DAY_MS}) - x.d * ${HOUR_MS}`)}
      FROM r JOIN n ON n.i % r.every = 0
      JOIN (SELECT 0 AS d, 'in' AS dir UNION ALL SELECT 1, 'out' UNION ALL SELECT 2, 'in') x ON x.d = 0 OR n.i % 5 = 0`,
    `WITH RECURSIVE r AS (${ruleValues}), ${numbers(N)}
      INSERT INTO "CohortMembership" ("id", "shopId", "ruleId", "subjectKey", "memberId", "transitionId", "enteredAt")
      SELECT 'cm-' || r.k || '-' || n.i, ${shop}, r.id, 'm:mem-' || n.i, 'mem-' || n.i, 'ct-' || r.k || '-' || n.i || '-0', ${isoSql(`${now} - (${hash("n.i * 8 + r.k", 977)} % ${60 * DAY_MS})`)}
      FROM r JOIN n ON n.i % r.every = 0`,
    `WITH RECURSIVE r AS (${ruleValues}), ${numbers(2000)}
      INSERT INTO "CohortMembership" ("id", "shopId", "ruleId", "subjectKey", "clientId", "transitionId", "enteredAt")
      SELECT 'cv-' || r.k || '-' || n.i, ${shop}, r.id, 'v:anon-' || n.i, 'anon-' || n.i, 'cv-' || r.k || '-' || n.i, ${isoSql(`${now} - (${hash("n.i * 8 + r.k", 979)} % ${14 * DAY_MS})`)}
      FROM r JOIN n ON r.k < 2`,
    // Tags on the customers: 95% of memberships applied, 1% failed, the rest still to write.
    `WITH RECURSIVE r AS (${ruleValues}), ${numbers(N)}
      INSERT INTO "CustomerTag" ("id", "shopId", "customerGid", "tag", "state", "error", "updatedAt")
      SELECT 'tag-' || r.k || '-' || n.i, ${shop}, ${customerGid("n.i")}, 'roost-' || r.key, CASE WHEN n.i % 100 = 99 THEN 'failed' ELSE 'applied' END,
        CASE WHEN n.i % 100 = 99 THEN 'Customer not found' END, ${isoSql(now)}
      FROM r JOIN n ON n.i % r.every = 0 AND n.i % 20 <> 7`,
    // Deliveries: newest last; 99.3% processed, 0.3% failed, 0.1% dead, 0.1% unhandled, the last
    // 300 pending. Payloads dropped after retention (7 days) except the failed and dead.
    `${counter(DELIVERIES)}, d AS (SELECT i, ${now} - ${DAYS * DAY_MS} + i * ${Math.floor((DAYS * DAY_MS) / DELIVERIES)} AS at, ${hash("i", 1013904223)} % 1000 AS roll FROM n)
      INSERT INTO "WebhookDelivery" ("id", "shopDomain", "topic", "webhookId", "eventId", "apiVersion", "triggeredAt", "payload", "status", "attempts", "lastError", "nextAttemptAt", "receivedAt", "processedAt")
      SELECT 'wd-' || i, ${domain}, ${pick(TOPICS, `${hash("i", 1664525)} % 100 % ${TOPICS.length}`)}, 'wh-' || i, 'ev-' || i, '2026-10', ${isoSql("at")},
        CASE WHEN at > ${now} - ${7 * DAY_MS} OR roll < 4 THEN '{"id":' || i || '}' END,
        CASE WHEN i >= ${DELIVERIES - 300} THEN 'pending' WHEN roll < 3 THEN 'failed' WHEN roll < 4 THEN 'dead' WHEN roll < 5 THEN 'unhandled' ELSE 'processed' END,
        CASE WHEN i >= ${DELIVERIES - 300} THEN 0 WHEN roll < 3 THEN 1 WHEN roll < 4 THEN 8 ELSE 1 END,
        CASE WHEN i < ${DELIVERIES - 300} AND roll < 4 THEN 'Unexpected payload' END,
        ${isoSql("at")}, ${isoSql("at")}, CASE WHEN i < ${DELIVERIES - 300} AND (roll >= 5 OR roll < 3) THEN ${isoSql("at + 40")} END FROM d`,
    // Pixel events from 50,000 visitors (the first 30,000 are members' visitors) over 90 days.
    `${counter(PIXEL_EVENTS)}, e AS (SELECT i, ${now} - ${DAYS * DAY_MS} + i * ${Math.floor((DAYS * DAY_MS) / PIXEL_EVENTS)} AS at, ${hash("i", 2654435761)} % 100 AS kind, ${hash("i", 1597334677)} % 2000 AS variant FROM n)
      INSERT INTO "PixelEvent" ("id", "shopId", "eventId", "clientId", "name", "occurredAt", "receivedAt", "pagePath", "productGid", "variantGid", "stockAtIngest", "lowStockAtIngest")
      SELECT 'pe-' || i, ${shop}, 'pev-' || i, 'client-' || (${hash("i", 40503)} % 50000),
        CASE WHEN kind < 40 THEN 'page_viewed' WHEN kind < 75 THEN 'product_viewed' WHEN kind < 90 THEN 'product_added_to_cart' WHEN kind < 95 THEN 'checkout_started' ELSE 'checkout_completed' END,
        ${isoSql("at")}, ${isoSql("at")}, '/products/p' || (variant / 4),
        CASE WHEN kind >= 40 AND kind < 90 THEN 'gid://shopify/Product/' || (variant / 4) END,
        CASE WHEN kind >= 40 AND kind < 90 THEN 'gid://shopify/ProductVariant/' || variant END,
        CASE WHEN kind >= 40 AND kind < 90 THEN CASE WHEN variant % 10 = 0 THEN 3 ELSE 50 END END,
        CASE WHEN kind >= 40 AND kind < 90 THEN variant % 10 = 0 END FROM e`,
    // The hourly roll-ups the ingest keeps beside the events.
    `INSERT INTO "PixelEventRollup" ("id", "shopId", "hour", "name", "count")
      SELECT 'pr-' || h || '-' || "name", ${shop}, ${isoSql("h")}, "name", COUNT(*) FROM (
        SELECT "name", (CAST(strftime('%s', substr("occurredAt", 1, 19)) AS INTEGER) / 3600) * ${HOUR_MS} AS h FROM "PixelEvent" WHERE "shopId" = ${shop}
      ) GROUP BY h, "name"`,
  ];
  const [{ cache_size: cacheSize }] = (await db.$queryRawUnsafe("PRAGMA cache_size")) as { cache_size: number | bigint }[];
  await db.$executeRawUnsafe("PRAGMA cache_size = -262144");
  for (const sql of statements) {
    const at = performance.now();
    await db.$executeRawUnsafe(sql);
    if (process.env.ROOST_BENCH_VERBOSE) console.error(`${((performance.now() - at) / 1000).toFixed(1)} s ${sql.slice(0, 80).replace(/\s+/g, " ")}`);
  }
  await db.$executeRawUnsafe(`UPDATE "CohortRule" SET "size" = (SELECT COUNT(*) FROM "CohortMembership" c WHERE c."ruleId" = "CohortRule"."id") WHERE "shopId" = ${shop}`);
  await db.$executeRawUnsafe(`PRAGMA cache_size = ${Number(cacheSize)}`);
  const rows: Record<string, number> = {};
  const count = async (table: string, column = "shopId", value = shopId) =>
    Number(((await db.$queryRawUnsafe(`SELECT COUNT(*) AS n FROM "${table}" WHERE "${column}" = ?`, value)) as { n: number | bigint }[])[0].n);
  for (const table of ["Member", "Customer", "LedgerEntry", "Order", "CohortMembership", "CohortTransition", "CustomerTag", "PixelEvent", "PixelEventRollup"]) rows[table] = await count(table);
  rows.WebhookDelivery = await count("WebhookDelivery", "shopDomain", BENCH_SHOP);
  await db.$executeRawUnsafe("PRAGMA wal_checkpoint(TRUNCATE)");
  return { seconds: (performance.now() - started) / 1000, rows };
}

// ---------------------------------------------------------------------------------------
// The loaders, called as the embedded admin calls them: a session token in the header

const APP_URL = process.env.SHOPIFY_APP_URL ?? "http://127.0.0.1";

export async function adminRequest(path: string): Promise<Request> {
  const now = Math.floor(Date.now() / 1000);
  const { token } = await getJwt(BENCH_SHOP.replace(/\.myshopify\.com$/, ""), process.env.SHOPIFY_API_KEY!, process.env.SHOPIFY_API_SECRET!, { exp: now + 60, nbf: now - 5, iat: now - 5 });
  return new Request(new URL(path, APP_URL), {
    headers: { Authorization: `Bearer ${token}`, "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36" },
  });
}

export type Loader = (args: { request: Request; params: Record<string, string>; context: Record<string, unknown> }) => Promise<unknown>;

export interface LoaderFigure {
  name: string;
  path: string;
  runs: number;
  p50: number;
  p95: number;
  max: number;
  /** What the page showed on the last run, to check the scenario measures what a merchant sees. */
  shows: string;
}

export interface Timing {
  warmup: number;
  runs: number;
  /** A slow loader is timed fewer times (at least 5) once this is spent: the scenario stays within minutes. */
  budgetMs: number;
}

export async function timeLoader(name: string, path: string, loader: Loader, shows: (data: unknown) => string, timing: Timing): Promise<LoaderFigure> {
  const { warmup: WARMUP, runs: RUNS, budgetMs: BUDGET_MS } = timing;
  let last: unknown;
  const times: number[] = [];
  const budgetEnds = performance.now() + BUDGET_MS;
  for (let index = 0; index < WARMUP + RUNS && (times.length < 5 || performance.now() < budgetEnds); index += 1) {
    const request = await adminRequest(path);
    const started = performance.now();
    const result = await loader({ request, params: {}, context: {} });
    const ms = performance.now() - started;
    if (result instanceof Response) throw new Error(`${name}: the loader answered ${result.status} (not authenticated?)`);
    last = result;
    if (index >= WARMUP) times.push(ms);
  }
  times.sort((a, b) => a - b);
  return { name, path, runs: times.length, p50: percentile(times, 50), p95: percentile(times, 95), max: times[times.length - 1], shows: shows(last) };
}

/** The bare baseline beside every admin loader (BASELINE_NAME): the session token checked and the shop's row read, the least any of them does. */
export const baselineLoader: Loader = async ({ request }) => {
  const { session } = await authenticate.admin(request);
  return db.shop.findUniqueOrThrow({ where: { domain: session.shop } });
};

/**
 * The Dashboard route's loader (app/routes/app._index.tsx), as it is: the route module itself
 * imports the charts' CSS, which Node cannot load outside Vite.
 */
export const dashboardLoader: Loader = async ({ request }) => {
  const { session } = await authenticate.admin(request);
  return loadDashboard(db, session.shop, systemClock, new URL(request.url).searchParams);
};
