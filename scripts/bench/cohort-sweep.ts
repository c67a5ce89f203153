// The cohort sweep, measured in one process against a migrated database (DATABASE_URL): seeds a
// shop's history with bulk INSERT … SELECT statements (members, customers, visitor links, paid
// orders with lines, pixel events), enables six rules and times `sweepCohorts` three times —
// mass entry, steady state, a day later with 1% of members ordering again — beside a bare
// baseline (plain SELECTs of the rows each rule reads, no writes). Statements are timed through
// the database's onStatement hook: a rule's time runs from its transaction's BEGIN to the next.
// Writes the figures as JSON to --out; scripts/bench/cohorts.ts prints them.
//   DATABASE_URL=file:… tsx scripts/bench/cohort-sweep.ts --members 100000 --out result.json
import fs from "node:fs";
import { parseArgs } from "node:util";
import type { CohortRule } from "@prisma/client";
import { appScopes } from "../../app/config.server";
import { createDatabase, databaseUrl } from "../../app/db.server";
import { matchQuery } from "../../app/services/cohorts/evaluate.server";
import { sweepCohorts } from "../../app/services/cohorts/queue.server";
import { storedParams } from "../../app/services/cohorts/rules-store";
import { markShopInstalled } from "../../app/services/shops/shops.server";
import { createBenchRules } from "./cohort-rules";
import { BENCH_SHOP } from "./payloads";
import { counter, hash, isoSql, type Seeded } from "./seed-sql";

const { values } = parseArgs({
  options: {
    members: { type: "string", default: "100000" },
    out: { type: "string" },
    levers: { type: "boolean", default: false },
  },
});
const MEMBERS = Number(values.members);
if (!Number.isInteger(MEMBERS) || MEMBERS < 1) throw new Error("--members takes a whole number above 0");
const ANONYMOUS = Math.round(MEMBERS / 10);
const VARIANTS = 2000;
const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------------------
// Timing every statement

interface Stamp {
  at: number;
  sql: string;
}
const stamps: Stamp[] = [];
let recording = false;
const verbose = !!process.env.ROOST_BENCH_VERBOSE;
const db = await createDatabase(databaseUrl(), {
  onStatement: (sql) => {
    if (!recording) return;
    stamps.push({ at: performance.now(), sql });
    if (verbose) console.error(`${(performance.now() / 1000).toFixed(1)} s ${statementKind(sql)}`);
  },
});

async function recorded<T>(work: () => Promise<T>): Promise<{ result: T; ms: number; stamps: Stamp[] }> {
  stamps.length = 0;
  recording = true;
  const started = performance.now();
  try {
    const result = await work();
    const ms = performance.now() - started;
    stamps.push({ at: performance.now(), sql: "END" });
    return { result, ms, stamps: [...stamps] };
  } finally {
    recording = false;
  }
}

/** What a sweep statement is, from its text. */
function statementKind(sql: string): string {
  const text = sql.replace(/\s+/g, " ").trim();
  if (text === "BEGIN") return "begin";
  if (text.startsWith('INSERT INTO "CohortTransition"')) {
    const entries = text.includes("'in'");
    const exits = text.includes("'out'");
    if (entries && exits) return "transitions (match ⟗ memberships, one pass)";
    return entries ? "entries (match ⋈ memberships)" : "exits (memberships ∖ match)";
  }
  if (text.startsWith('DELETE FROM "CohortMembership"')) return "memberships deleted";
  if (text.startsWith('INSERT INTO "CohortMembership"')) return "memberships inserted";
  if (text.startsWith('INSERT INTO "JourneyEvent"')) return "journey events";
  if (text.startsWith('INSERT INTO "Job"')) return "outbox (tag jobs)";
  if (text.startsWith('UPDATE "CohortRule"')) return "rule size";
  if (text === "COMMIT") return "commit";
  if (/^(SELECT|WITH)\b/.test(text)) return "reads (shops, rules)";
  return `other: ${text.split(" ").slice(0, 3).join(" ")}`;
}

interface SweepFigures {
  ms: number;
  /** per rule, in sweep order: its transaction, BEGIN to the next BEGIN */
  rules: { key: string; ms: number; entered: number; exited: number }[];
  /** summed over the rules, per kind of statement */
  statements: Record<string, number>;
  entered: number;
  exited: number;
  written: Counts;
}

function sweepFigures(ms: number, recordedStamps: Stamp[], rules: CohortRule[], outcome: { key: string; entered: number; exited: number }[]): SweepFigures {
  const statements: Record<string, number> = {};
  const begins: number[] = [];
  for (let index = 0; index < recordedStamps.length - 1; index += 1) {
    const { at, sql } = recordedStamps[index];
    const kind = statementKind(sql);
    if (kind === "begin") begins.push(at);
    statements[kind] = (statements[kind] ?? 0) + (recordedStamps[index + 1].at - at);
  }
  delete statements.begin;
  const end = recordedStamps[recordedStamps.length - 1].at;
  const ruleFigures = rules.map((rule, index) => {
    const found = outcome.find((candidate) => candidate.key === rule.key);
    return { key: rule.key, ms: (begins[index + 1] ?? end) - (begins[index] ?? end), entered: found?.entered ?? 0, exited: found?.exited ?? 0 };
  });
  return {
    ms,
    rules: ruleFigures,
    statements,
    entered: outcome.reduce((sum, rule) => sum + rule.entered, 0),
    exited: outcome.reduce((sum, rule) => sum + rule.exited, 0),
    written: { transitions: 0, memberships: 0, journeyEvents: 0, outbox: 0 },
  };
}

interface Counts {
  transitions: number;
  memberships: number;
  journeyEvents: number;
  outbox: number;
}

async function counts(shopId: string): Promise<Counts> {
  const one = async (sql: string) => Number(((await db.$queryRawUnsafe(sql, shopId)) as { n: number | bigint }[])[0].n);
  return {
    transitions: await one(`SELECT COUNT(*) AS n FROM "CohortTransition" WHERE "shopId" = ?`),
    memberships: await one(`SELECT COUNT(*) AS n FROM "CohortMembership" WHERE "shopId" = ?`),
    journeyEvents: await one(`SELECT COUNT(*) AS n FROM "JourneyEvent" WHERE "shopId" = ?`),
    outbox: await one(`SELECT COUNT(*) AS n FROM "Job" WHERE "shopId" = ? AND "queue" = 'tags'`),
  };
}

const diff = (after: Counts, before: Counts): Counts => ({
  transitions: after.transitions - before.transitions,
  memberships: after.memberships - before.memberships,
  journeyEvents: after.journeyEvents - before.journeyEvents,
  outbox: after.outbox - before.outbox,
});

// ---------------------------------------------------------------------------------------
// Seeding: INSERT … SELECT over a counter, deterministic pseudo-random columns from hashes

async function seed(shopId: string, nowMs: number): Promise<Seeded> {
  const started = performance.now();
  const N = MEMBERS;
  const shop = `'${shopId}'`;
  const now = `${nowMs}`;
  const window = 120 * DAY_MS;
  const customerGid = (i: string) => `'gid://shopify/Customer/' || (1000000 + ${i})`;
  // Orders: three per member (order j of member j % N), then 2N more to members by hash: about
  // five each, at least three. Processed over the last 120 days.
  const orderMember = `CASE WHEN i < ${3 * N} THEN i % ${N} ELSE ${hash("i", 40503)} % ${N} END`;
  // Hashes are below 2^32 ms (50 days): a day number, then a time within the day.
  const ago = (x: string, seed: number) => `((${hash(x, seed)} % 120) * ${DAY_MS} + ${hash(x, seed + 1)} % ${DAY_MS})`;
  const orderAt = (j: string) => `(${now} - ${ago(j, 2246822519)})`;
  const lowStock = (variant: string) => `(${variant}) % 10 = 0`;
  const statements = [
    `${counter(N)} INSERT INTO "Customer" ("id", "shopId", "gid", "email", "ordersCount", "shopifyUpdatedAt", "createdAt", "updatedAt")
      SELECT 'cus-' || i, ${shop}, ${customerGid("i")}, 'member' || i || '@example.com', 5, ${isoSql(`${now} - ${window}`)}, ${isoSql(`${now} - ${window}`)}, ${isoSql(`${now} - ${window}`)} FROM n`,
    // Tiers: 60% Bronze, 30% Silver, 10% Gold, balances to match.
    `${counter(N)} INSERT INTO "Member" ("id", "shopId", "customerGid", "email", "balance", "tier", "createdAt", "updatedAt")
      SELECT 'mem-' || i, ${shop}, ${customerGid("i")}, 'member' || i || '@example.com',
        CASE WHEN i % 10 < 6 THEN i % 500 WHEN i % 10 < 9 THEN 500 + i % 1500 ELSE 2000 + i % 3000 END,
        CASE WHEN i % 10 < 6 THEN 'Bronze' WHEN i % 10 < 9 THEN 'Silver' ELSE 'Gold' END, ${isoSql(`${now} - ${window}`)}, ${isoSql(`${now} - ${window}`)} FROM n`,
    `${counter(N)} INSERT INTO "VisitorLink" ("id", "shopId", "clientId", "customerGid", "checkoutToken", "linkedAt")
      SELECT 'vl-' || i, ${shop}, 'client-' || i, ${customerGid("i")}, 'token-' || i, ${isoSql(`${now} - ${window}`)} FROM n`,
    // 97% paid, 2% partially refunded, 1% cancelled (voided): 20.00 to 300.00 USD each.
    `${counter(5 * N)} INSERT INTO "Order" ("id", "shopId", "gid", "name", "customerGid", "financialStatus", "processedAt", "cancelledAt", "currency", "linesAmount", "eligibleAmount", "shopifyUpdatedAt", "createdAt", "updatedAt")
      SELECT 'ord-' || i, ${shop}, 'gid://shopify/Order/' || (5000000 + i), '#' || (1000 + i), ${customerGid(orderMember)},
        CASE WHEN i % 100 < 97 THEN 'paid' WHEN i % 100 < 99 THEN 'partially_refunded' ELSE 'voided' END, ${isoSql(orderAt("i"))},
        CASE WHEN i % 100 = 99 THEN ${isoSql(orderAt("i"))} END, 'USD', 2000 + ${hash("i", 3266489917)} % 28000, 2000 + ${hash("i", 3266489917)} % 28000,
        ${isoSql(orderAt("i"))}, ${isoSql(orderAt("i"))}, ${isoSql(orderAt("i"))} FROM n`,
    // One to five lines per order (three on average), variants of a 2,000-variant catalogue.
    `${counter(5)} INSERT INTO "OrderLine" ("id", "shopId", "orderId", "gid", "variantGid", "productGid", "quantity", "unitPrice", "eligible")
      SELECT o."id" || '-' || n.i, ${shop}, o."id", 'gid://shopify/LineItem/' || substr(o."id", 5) || n.i,
        'gid://shopify/ProductVariant/' || (${hash(`CAST(substr(o."id", 5) AS INTEGER) * 5 + n.i`, 668265263)} % ${VARIANTS}),
        'gid://shopify/Product/' || (${hash(`CAST(substr(o."id", 5) AS INTEGER) * 5 + n.i`, 668265263)} % ${VARIANTS} / 4), 1, 1000, 1000
      FROM "Order" o JOIN n ON n.i < 1 + ${hash(`CAST(substr(o."id", 5) AS INTEGER)`, 374761393)} % 5 WHERE o."shopId" = ${shop}`,
    // Browsing: 18 events per member's visitor and per anonymous visitor over 120 days — 40% page
    // views, 35% product views, 15% adds to cart, 5% checkouts started, 5% completed (no order);
    // 10% of variants are low on stock.
    `${counter((N + ANONYMOUS) * 18)}, e AS (
        SELECT i, CASE WHEN i / 18 < ${N} THEN 'client-' || (i / 18) ELSE 'anon-' || (i / 18 - ${N}) END AS client, ${hash("i", 2654435761)} % 100 AS kind,
          ${hash("i", 1597334677)} % ${VARIANTS} AS variant, ${now} - ${ago("i", 3812015801)} AS at FROM n)
      INSERT INTO "PixelEvent" ("id", "shopId", "eventId", "clientId", "name", "occurredAt", "receivedAt", "pagePath", "productGid", "variantGid", "stockAtIngest", "lowStockAtIngest")
      SELECT 'pe-' || i, ${shop}, 'ev-' || i, client,
        CASE WHEN kind < 40 THEN 'page_viewed' WHEN kind < 75 THEN 'product_viewed' WHEN kind < 90 THEN 'product_added_to_cart' WHEN kind < 95 THEN 'checkout_started' ELSE 'checkout_completed' END,
        ${isoSql("at")}, ${isoSql("at")}, '/products/p' || (variant / 4),
        CASE WHEN kind >= 40 AND kind < 90 THEN 'gid://shopify/Product/' || (variant / 4) END,
        CASE WHEN kind >= 40 AND kind < 90 THEN 'gid://shopify/ProductVariant/' || variant END,
        CASE WHEN kind >= 40 AND kind < 90 THEN CASE WHEN ${lowStock("variant")} THEN 1 + i % 5 ELSE 20 + i % 180 END END,
        CASE WHEN kind >= 40 AND kind < 90 THEN ${lowStock("variant")} END
      FROM e`,
    // A quarter of the orders were browsed first: a view of their first line's variant two hours
    // before, and the checkout_completed that became the order.
    `INSERT INTO "PixelEvent" ("id", "shopId", "eventId", "clientId", "name", "occurredAt", "receivedAt", "pagePath", "productGid", "variantGid", "stockAtIngest", "lowStockAtIngest", "orderGid")
      SELECT 'pv-' || o."id", ${shop}, 'ev-pv-' || o."id", 'client-' || (CAST(substr(o."customerGid", 24) AS INTEGER) - 1000000), 'product_viewed',
        strftime('%Y-%m-%dT%H:%M:%f+00:00', o."processedAt", '-2 hours'), o."processedAt", '/products', l."productGid", l."variantGid",
        CASE WHEN ${lowStock(`CAST(substr(l."variantGid", 30) AS INTEGER)`)} THEN 3 ELSE 50 END, ${lowStock(`CAST(substr(l."variantGid", 30) AS INTEGER)`)}, NULL
      FROM "Order" o JOIN "OrderLine" l ON l."orderId" = o."id" AND l."id" = o."id" || '-0'
      WHERE o."shopId" = ${shop} AND CAST(substr(o."id", 5) AS INTEGER) % 4 = 0
      UNION ALL
      SELECT 'pc-' || o."id", ${shop}, 'ev-pc-' || o."id", 'client-' || (CAST(substr(o."customerGid", 24) AS INTEGER) - 1000000), 'checkout_completed',
        o."processedAt", o."processedAt", '/checkouts/thank-you', NULL, NULL, NULL, NULL, o."gid"
      FROM "Order" o WHERE o."shopId" = ${shop} AND CAST(substr(o."id", 5) AS INTEGER) % 4 = 0`,
  ];
  // A large page cache while seeding only: the indexes take random inserts (2 MB thrashes at
  // this size); the sweeps run with the cache the server has.
  const [{ cache_size: cacheSize }] = (await db.$queryRawUnsafe("PRAGMA cache_size")) as { cache_size: number | bigint }[];
  await db.$executeRawUnsafe("PRAGMA cache_size = -262144");
  for (const sql of statements) await db.$executeRawUnsafe(sql);
  await db.$executeRawUnsafe(`PRAGMA cache_size = ${Number(cacheSize)}`);
  const rows: Record<string, number> = {};
  for (const table of ["Customer", "Member", "VisitorLink", "Order", "OrderLine", "PixelEvent"]) {
    rows[table] = Number(((await db.$queryRawUnsafe(`SELECT COUNT(*) AS n FROM "${table}" WHERE "shopId" = ?`, shopId)) as { n: number | bigint }[])[0].n);
  }
  await db.$executeRawUnsafe("PRAGMA wal_checkpoint(TRUNCATE)");
  return { seconds: (performance.now() - started) / 1000, rows };
}

/** 1% of members order again at `at`: one paid order of two lines each. */
async function churn(shopId: string, at: number): Promise<number> {
  const n = Math.round(MEMBERS / 100);
  const shop = `'${shopId}'`;
  const step = Math.floor(MEMBERS / n);
  await db.$executeRawUnsafe(`${counter(n)} INSERT INTO "Order" ("id", "shopId", "gid", "customerGid", "financialStatus", "processedAt", "currency", "linesAmount", "eligibleAmount", "shopifyUpdatedAt", "createdAt", "updatedAt")
    SELECT 'churn-' || i, ${shop}, 'gid://shopify/Order/' || (9000000 + i), 'gid://shopify/Customer/' || (1000000 + i * ${step}), 'paid', ${isoSql(`${at}`)}, 'USD', 8000, 8000, ${isoSql(`${at}`)}, ${isoSql(`${at}`)}, ${isoSql(`${at}`)} FROM n`);
  await db.$executeRawUnsafe(`${counter(2)} INSERT INTO "OrderLine" ("id", "shopId", "orderId", "gid", "variantGid", "quantity", "unitPrice", "eligible")
    SELECT o."id" || '-' || n.i, ${shop}, o."id", 'gid://shopify/LineItem/c' || o."id" || n.i, 'gid://shopify/ProductVariant/' || ((CAST(substr(o."id", 7) AS INTEGER) * 7 + n.i) % ${VARIANTS}), 1, 4000, 4000
    FROM "Order" o JOIN n WHERE o."shopId" = ${shop} AND o."id" LIKE 'churn-%'`);
  return n;
}

// ---------------------------------------------------------------------------------------
// Baseline: the rows each rule reads, scanned by plain SELECTs (no anti-joins, no writes)

function baselineQuery(shopId: string, rule: CohortRule, now: Date): { sql: string; args: unknown[] } {
  const params = storedParams(rule)!;
  const iso = (ms: number) => new Date(ms).toISOString().replace("Z", "+00:00");
  const purchase = `"cancelledAt" IS NULL AND "deletedAt" IS NULL AND "test" = 0 AND "financialStatus" IN ('paid', 'partially_paid', 'partially_refunded')`;
  switch (params.template) {
    case "cart-abandoned-low-stock":
      return {
        sql: `SELECT COUNT(*) AS n FROM (SELECT "clientId", MAX("occurredAt") FROM "PixelEvent" WHERE "shopId" = ? AND "name" = 'product_added_to_cart' AND "lowStockAtIngest" = 1 AND "occurredAt" > ? AND "occurredAt" <= ? GROUP BY "clientId")`,
        args: [shopId, iso(now.getTime() - params.lookbackDays * DAY_MS), iso(now.getTime() - params.hours * 3_600_000)],
      };
    case "vip-scarcity-shopper":
      return {
        sql: `SELECT COUNT(*) AS n FROM (SELECT "clientId", MAX("occurredAt") FROM "PixelEvent" WHERE "shopId" = ? AND "name" = 'product_viewed' AND "lowStockAtIngest" = 1 AND "occurredAt" > ? GROUP BY "clientId")`,
        args: [shopId, iso(now.getTime() - params.days * DAY_MS - params.hours * 3_600_000)],
      };
    case "repeat-purchaser":
    case "lapsed":
    case "first-purchase":
      return { sql: `SELECT COUNT(*) AS n FROM (SELECT "customerGid", COUNT(*), MAX("processedAt") FROM "Order" WHERE "shopId" = ? AND ${purchase} GROUP BY "customerGid")`, args: [shopId] };
    case "high-value":
      return {
        sql: `SELECT COUNT(*) AS n FROM (SELECT "customerGid", SUM("eligibleAmount") FROM "Order" WHERE "shopId" = ? AND ${purchase} AND "processedAt" > ? GROUP BY "customerGid")`,
        args: [shopId, iso(now.getTime() - params.days * DAY_MS)],
      };
    case "tier":
    case "points-balance":
      return { sql: `SELECT COUNT(*) AS n FROM "Member" WHERE "shopId" = ? AND "redactedAt" IS NULL AND "tier" = ?`, args: [shopId, params.template === "tier" ? params.tier : ""] };
  }
}

async function timeQuery(sql: string, args: unknown[]): Promise<{ ms: number; rows: number }> {
  const started = performance.now();
  const result = (await db.$queryRawUnsafe(sql, ...args)) as { n: number | bigint }[];
  return { ms: performance.now() - started, rows: Number(result[0]?.n ?? 0) };
}

/** Each rule's match query alone (counted, nothing written), and its plan. */
async function matchFigures(shopId: string, rules: CohortRule[], now: Date, timed = true): Promise<{ key: string; ms: number; rows: number; plan: string[] }[]> {
  const out = [];
  for (const rule of rules) {
    const match = matchQuery(db, shopId, storedParams(rule)!, now, null);
    const { ms, rows } = timed ? await timeQuery(`SELECT COUNT(*) AS n FROM (${match.sql}) x`, match.values) : { ms: Number.NaN, rows: Number.NaN };
    const plan = (await db.$queryRawUnsafe(`EXPLAIN QUERY PLAN ${match.sql}`, ...match.values)) as { id: number; parent: number; detail: string }[];
    const depth = new Map<number, number>();
    const lines = plan.map((row) => {
      const level = (depth.get(Number(row.parent)) ?? -1) + 1;
      depth.set(Number(row.id), level);
      return `${"  ".repeat(level)}${row.detail}`;
    });
    out.push({ key: rule.key, ms, rows, plan: lines });
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Main

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const startMs = Date.now();
const clock = { current: new Date(startMs), now() { return this.current; } };
const installed = await markShopInstalled(db, { domain: BENCH_SHOP, scopes: appScopes.join(","), name: "Roost Bench Store", timezone: "America/New_York", currency: "USD" }, { now: () => new Date(startMs - 130 * DAY_MS) });
const shop = installed;
const seeded = await seed(shop.id, startMs);

const rules = await createBenchRules(db, installed, "bench:cohorts", clock.current);

// The baseline first, three times (median): the same pages are then warm for both.
const baselineRuns: { key: string; ms: number; rows: number }[][] = [];
for (let run = 0; run < 3; run += 1) {
  const figures = [];
  for (const rule of rules) {
    const { sql, args } = baselineQuery(shop.id, rule, clock.current);
    figures.push({ key: rule.key, ...(await timeQuery(sql, args)) });
  }
  baselineRuns.push(figures);
}
const baseline = rules.map((rule, index) => ({ key: rule.key, ms: median(baselineRuns.map((figures) => figures[index].ms)), rows: baselineRuns[0][index].rows }));

async function sweep(): Promise<SweepFigures> {
  const before = await counts(shop.id);
  const { result, ms, stamps: recordedStamps } = await recorded(() => sweepCohorts({ db, clock }, { shopId: shop.id, now: clock.current }));
  const summary = result.get(shop.id);
  if (!summary) throw new Error("the sweep did not evaluate the bench shop");
  const figures = sweepFigures(ms, recordedStamps, rules, summary.rules);
  figures.written = diff(await counts(shop.id), before);
  return figures;
}

const first = await sweep();
const steady = await sweep();
// Each rule's match query alone costs about half a steady sweep more: with --levers only.
const matchesSteady = await matchFigures(shop.id, rules, clock.current, values.levers);
clock.current = new Date(startMs + DAY_MS);
const churned = await churn(shop.id, clock.current.getTime() - 3_600_000);
const afterChurn = await sweep();

// Levers, on this database after the measured sweeps: statistics for the planner (ANALYZE).
let levers: { analyze?: { seconds: number; matches: { key: string; ms: number; rows: number; plan: string[] }[]; steadySweep: SweepFigures } } = {};
if (values.levers) {
  const analyzing = performance.now();
  await db.$executeRawUnsafe("ANALYZE");
  const seconds = (performance.now() - analyzing) / 1000;
  const matches = await matchFigures(shop.id, rules, clock.current);
  const steadySweep = await sweep();
  levers = { analyze: { seconds, matches, steadySweep } };
}

const result = { members: MEMBERS, anonymous: ANONYMOUS, seeded, rules: rules.map((rule) => ({ key: rule.key, template: rule.template, params: JSON.parse(rule.params) })), baseline, first, steady, matchesSteady, churned, afterChurn, levers };
if (values.out) fs.writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
else console.log(JSON.stringify(result, null, 2));
await db.$disconnect();
process.exit(0);
