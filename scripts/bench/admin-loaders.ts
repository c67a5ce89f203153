// The admin loaders on a large shop, measured in one process against a migrated database
// (DATABASE_URL, SHOPIFY_API_KEY/SECRET as the bench server has them): seeds one shop with bulk
// INSERT … SELECT statements (100,000 members with customers, orders, ledger entries and tiers,
// six cohort rules with memberships, transitions and customer tags, 1,000,000 webhook
// deliveries and 1,000,000 pixel events over 90 days with their hourly roll-ups), then calls
// the Dashboard, Members and Cohorts route loaders with signed session-token requests, as the
// embedded admin sends them, and times each. Writes the figures as JSON to --out;
// scripts/bench/admin.ts prints them.
//   DATABASE_URL=file:… tsx scripts/bench/admin-loaders.ts --out result.json
// Run it directly against a migrated file to keep it; --reuse then times the loaders again on
// that file without reseeding (for iterating on a loader).
import fs from "node:fs";
import { parseArgs } from "node:util";
import { Session } from "@shopify/shopify-api";
import { getJwt } from "@shopify/shopify-api/test-helpers";
import { appScopes } from "../../app/config.server";
import db from "../../app/db.server";
import { loader as dashboardLoader } from "../../app/routes/app._index";
import { loader as cohortsLoader } from "../../app/routes/app.cohorts";
import { loader as membersLoader } from "../../app/routes/app.members";
import { markShopInstalled } from "../../app/services/shops/shops.server";
import { sessionStorage } from "../../app/shopify.server";
import { createBenchRules } from "./cohort-rules";
import { BENCH_SHOP } from "./payloads";
import { counter, hash, isoSql, type Seeded, numbers } from "./seed-sql";
import { percentile } from "./stats";

const { values } = parseArgs({
  options: {
    members: { type: "string", default: "100000" },
    deliveries: { type: "string", default: "1000000" },
    "pixel-events": { type: "string", default: "1000000" },
    warmup: { type: "string", default: "5" },
    runs: { type: "string", default: "40" },
    out: { type: "string" },
    // Time the loaders against a database an earlier run seeded and kept (skips the seeding).
    reuse: { type: "boolean", default: false },
  },
});
const MEMBERS = Number(values.members);
const DELIVERIES = Number(values.deliveries);
const PIXEL_EVENTS = Number(values["pixel-events"]);
const WARMUP = Number(values.warmup);
const RUNS = Number(values.runs);
const BUDGET_MS = 30_000;
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

async function seed(shopId: string, nowMs: number): Promise<Seeded> {
  const started = performance.now();
  const N = MEMBERS;
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
    // Tiers: 60% Bronze, 30% Silver, 10% Gold; two ledger entries each (an earn, then a redemption
    // or another earn), the balance their sum.
    `${counter(N)} INSERT INTO "Member" ("id", "shopId", "customerGid", "email", "firstName", "lastName", "balance", "ledgerSeq", "tier", "createdAt", "updatedAt")
      SELECT 'mem-' || i, ${shop}, ${customerGid("i")}, ${pick(FIRST, "i")} || '.' || ${pick(LAST, "i / 12")} || i || '@example.com', ${pick(FIRST, "i")}, ${pick(LAST, "i / 12")},
        100 + i % 400 + CASE WHEN i % 3 = 0 THEN -100 ELSE 50 END, 2,
        CASE WHEN i % 10 < 6 THEN 'Bronze' WHEN i % 10 < 9 THEN 'Silver' ELSE 'Gold' END, ${isoSql(memberAt("i"))}, ${isoSql(memberAt("i"))} FROM n`,
    `${counter(2 * N)} INSERT INTO "LedgerEntry" ("id", "shopId", "memberId", "seq", "kind", "points", "balanceAfter", "idempotencyKey", "orderGid", "occurredAt", "createdAt")
      SELECT 'le-' || i, ${shop}, 'mem-' || (i / 2), 1 + i % 2,
        CASE WHEN i % 2 = 0 OR (i / 2) % 3 <> 0 THEN 'earn' ELSE 'redeem' END,
        CASE WHEN i % 2 = 0 THEN 100 + (i / 2) % 400 WHEN (i / 2) % 3 = 0 THEN -100 ELSE 50 END,
        CASE WHEN i % 2 = 0 THEN 100 + (i / 2) % 400 ELSE 100 + (i / 2) % 400 + CASE WHEN (i / 2) % 3 = 0 THEN -100 ELSE 50 END END,
        'shopify-order:gid://shopify/Order/' || (5000000 + i), 'gid://shopify/Order/' || (5000000 + i),
        ${isoSql(orderAt("i"))}, ${isoSql(orderAt("i"))} FROM n`,
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

async function adminRequest(path: string): Promise<Request> {
  const now = Math.floor(Date.now() / 1000);
  const { token } = await getJwt(BENCH_SHOP.replace(/\.myshopify\.com$/, ""), process.env.SHOPIFY_API_KEY!, process.env.SHOPIFY_API_SECRET!, { exp: now + 60, nbf: now - 5, iat: now - 5 });
  return new Request(new URL(path, APP_URL), {
    headers: { Authorization: `Bearer ${token}`, "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36" },
  });
}

type Loader = (args: { request: Request; params: Record<string, string>; context: Record<string, unknown> }) => Promise<unknown>;

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

async function timeLoader(name: string, path: string, loader: Loader, shows: (data: unknown) => string): Promise<LoaderFigure> {
  let last: unknown;
  const times: number[] = [];
  // A slow loader is timed fewer times (at least 5): the scenario stays within minutes.
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

// ---------------------------------------------------------------------------------------

const nowMs = Date.now();
const shop = await markShopInstalled(db, { domain: BENCH_SHOP, scopes: appScopes.join(","), name: "Roost Bench Store", timezone: "America/New_York", currency: "USD" }, { now: () => new Date(nowMs - 400 * DAY_MS) });
await sessionStorage.storeSession(new Session({ id: `offline_${BENCH_SHOP}`, shop: BENCH_SHOP, state: "installed", isOnline: false, scope: appScopes.join(","), accessToken: "shpat_bench" }));
let seeded: Seeded;
if (values.reuse && (await db.member.count({ where: { shopId: shop.id } })) > 0) {
  seeded = { seconds: 0, rows: {} };
  console.error("admin: reusing the seeded database");
} else {
  await createBenchRules(db, shop, "bench:seed", new Date(nowMs - 61 * DAY_MS));
  console.error(`admin: seeding ${MEMBERS} members, ${DELIVERIES} deliveries, ${PIXEL_EVENTS} pixel events`);
  seeded = await seed(shop.id, nowMs);
  console.error(`admin: seeded in ${seeded.seconds.toFixed(1)} s`);
}

// The largest cohort (every third member), for the cohort filter.
const benchCohort = (await db.cohortRule.findFirstOrThrow({ where: { shopId: shop.id }, orderBy: { createdAt: "asc" } })).key;
const pages = [
  { name: "dashboard", path: "/app", loader: dashboardLoader as Loader, shows: (data: unknown) => { const d = data as { health: { inbox: Record<string, unknown> }; recentDeliveries: unknown[] }; return `inbox ${JSON.stringify(d.health.inbox)}, ${d.recentDeliveries.length} recent deliveries`; } },
  { name: "members", path: "/app/members", loader: membersLoader as Loader, shows: (data: unknown) => { const d = data as { search: { total: number; members: unknown[] } }; return `${d.search.total} members, ${d.search.members.length} on the page`; } },
  { name: "members, page 200", path: "/app/members?page=200", loader: membersLoader as Loader, shows: (data: unknown) => { const d = data as { search: { total: number; page: number; members: unknown[] } }; return `page ${d.search.page}: ${d.search.members.length} of ${d.search.total}`; } },
  { name: "members, search", path: "/app/members?q=olivia%20garcia", loader: membersLoader as Loader, shows: (data: unknown) => { const d = data as { search: { total: number; members: unknown[] } }; return `${d.search.total} matches, ${d.search.members.length} on the page`; } },
  { name: "members, search page 3", path: "/app/members?q=olivia%20garcia&page=3", loader: membersLoader as Loader, shows: (data: unknown) => { const d = data as { search: { total: number; page: number; members: unknown[] } }; return `page ${d.search.page}: ${d.search.members.length} of ${d.search.total}`; } },
  { name: "members, by balance", path: "/app/members?sort=balance-desc", loader: membersLoader as Loader, shows: (data: unknown) => { const d = data as { search: { total: number; members: { balance: number }[] } }; return `${d.search.total} members, top balance ${d.search.members[0]?.balance}`; } },
  { name: "members, by tier page 200", path: "/app/members?sort=tier-desc&page=200", loader: membersLoader as Loader, shows: (data: unknown) => { const d = data as { search: { total: number; page: number; members: { tier: string }[] } }; return `page ${d.search.page}: ${d.search.members[0]?.tier} of ${d.search.total}`; } },
  { name: "members, Gold by balance", path: "/app/members?tier=Gold&sort=balance-asc", loader: membersLoader as Loader, shows: (data: unknown) => { const d = data as { search: { total: number; members: unknown[] } }; return `${d.search.total} Gold members`; } },
  { name: "members, cohort search", path: `/app/members?cohort=${benchCohort}&q=olivia`, loader: membersLoader as Loader, shows: (data: unknown) => { const d = data as { search: { total: number; cohort: string | null; members: unknown[] } }; return `${d.search.total} in ${d.search.cohort}`; } },
  { name: "cohorts", path: "/app/cohorts", loader: cohortsLoader as Loader, shows: (data: unknown) => { const d = data as { cohorts: { key: string; members: number; tags: { pending: number } }[] }; return d.cohorts.map((c) => `${c.key} ${c.members} (${c.tags.pending} pending)`).join(", "); } },
];
const loaders: LoaderFigure[] = [];
for (const page of pages) {
  const figure = await timeLoader(page.name, page.path, page.loader, page.shows);
  console.error(`admin: ${page.name} p50 ${figure.p50.toFixed(1)} p95 ${figure.p95.toFixed(1)} max ${figure.max.toFixed(1)} ms — ${figure.shows}`);
  loaders.push(figure);
}

const result = { members: MEMBERS, deliveries: DELIVERIES, pixelEvents: PIXEL_EVENTS, seeded, warmup: WARMUP, loaders };
if (values.out) fs.writeFileSync(values.out, JSON.stringify(result, null, 2));
await db.$disconnect();
process.exit(0);
