// The Dashboard with its analytics on a large shop, measured in one process against a migrated
// SQLite database (DATABASE_URL, SHOPIFY_API_KEY/SECRET as the bench server has them). Seeds one
// shop (scripts/bench/large-shop.ts) with 100,000 members, 1,000,000 ledger entries over 365 days
// (ten per member, the kinds of a live program), 150,000 customers (a third of them not members),
// 100,000 webhook deliveries and 100,000 pixel events over 90 days with their hourly roll-ups,
// six cohort rules with their transitions, and a reward with a money value; adds the ledger's
// day roll-ups and the snapshot (cohort days, repeat purchases) up as the job runner would (timed), then records a live tail of entries after the
// watermark. Then times, with signed session-token requests as the embedded admin sends them:
// a bare baseline (the session token checked and the shop's row read, the least any admin loader
// does), the Dashboard loader for each range, loadAnalytics alone, and loadAnalytics counting the
// whole ledger live (no roll-ups) for comparison. Writes the figures as JSON to --out;
// scripts/bench/analytics.ts prints them.
//   DATABASE_URL=file:… tsx scripts/bench/analytics-loaders.ts --out result.json [--reuse]
import fs from "node:fs";
import { parseArgs } from "node:util";
import { Session } from "@shopify/shopify-api";
import { appScopes } from "../../app/config.server";
import db from "../../app/db.server";
import { shopDay } from "../../app/lib/shop-day";
import { loadAnalytics, parseAnalyticsRange } from "../../app/services/analytics/analytics.server";
import { catchUpLedgerRollup, ROLLUP_LAG_MS } from "../../app/services/analytics/rollup.server";
import { refreshAnalyticsSnapshot } from "../../app/services/analytics/snapshot.server";
import { markShopInstalled } from "../../app/services/shops/shops.server";
import { sessionStorage } from "../../app/shopify.server";
import { createBenchRules } from "./cohort-rules";
import { BASELINE_NAME } from "./admin";
import { baselineLoader, dashboardLoader, type Loader, type LoaderFigure, seedLargeShop, timeLoader } from "./large-shop";
import { BENCH_SHOP } from "./payloads";
import { counter, hash, isoSql, type Seeded } from "./seed-sql";

const { values } = parseArgs({
  options: {
    members: { type: "string", default: "100000" },
    "ledger-per-member": { type: "string", default: "10" },
    deliveries: { type: "string", default: "100000" },
    "pixel-events": { type: "string", default: "100000" },
    // Entries recorded after the roll-ups' watermark (about a minute of a busy shop's awards).
    tail: { type: "string", default: "500" },
    warmup: { type: "string", default: "5" },
    runs: { type: "string", default: "40" },
    out: { type: "string" },
    reuse: { type: "boolean", default: false },
    // Also time loadAnalytics counting everything live (no roll-ups or snapshot): about 45 s a call on the full shop.
    live: { type: "boolean", default: false },
  },
});
const MEMBERS = Number(values.members);
const LEDGER_PER_MEMBER = Number(values["ledger-per-member"]);
const TAIL = Number(values.tail);
const TIMING = { warmup: Number(values.warmup), runs: Number(values.runs), budgetMs: 30_000 };
const DAY_MS = 86_400_000;
const TIMEZONE = "America/New_York";

const nowMs = Date.now();
const clock = { now: () => new Date() };
const shop = await markShopInstalled(db, { domain: BENCH_SHOP, scopes: appScopes.join(","), name: "Roost Bench Store", timezone: TIMEZONE, currency: "USD" }, { now: () => new Date(nowMs - 400 * DAY_MS) });
await sessionStorage.storeSession(new Session({ id: `offline_${BENCH_SHOP}`, shop: BENCH_SHOP, state: "installed", isOnline: false, scope: appScopes.join(","), accessToken: "shpat_bench" }));

let seeded: Seeded = { seconds: 0, rows: {} };
let rollupSeconds = 0;
let snapshotSeconds = 0;
if (values.reuse && (await db.member.count({ where: { shopId: shop.id } })) > 0) {
  console.error("analytics: reusing the seeded database");
} else {
  await createBenchRules(db, shop, "bench:seed", new Date(nowMs - 61 * DAY_MS));
  console.error(`analytics: seeding ${MEMBERS} members and ${LEDGER_PER_MEMBER * MEMBERS} ledger entries`);
  seeded = await seedLargeShop(db, shop.id, nowMs, { members: MEMBERS, deliveries: Number(values.deliveries), pixelEvents: Number(values["pixel-events"]), ledgerPerMember: LEDGER_PER_MEMBER });
  // Orders per customer 0 to 4 (Shopify's count), and half as many customers again who are not members.
  const started = performance.now();
  await db.$executeRawUnsafe(`UPDATE "Customer" SET "ordersCount" = (CAST(substr("gid", 24) AS INTEGER) * 7) % 5 WHERE "shopId" = '${shop.id}'`);
  await db.$executeRawUnsafe(`${counter(MEMBERS / 2)} INSERT INTO "Customer" ("id", "shopId", "gid", "ordersCount", "totalSpent", "shopifyUpdatedAt", "createdAt", "updatedAt")
    SELECT 'cus-x-' || i, '${shop.id}', 'gid://shopify/Customer/' || (5000000 + i), ${hash("i", 7919)} % 4, 10000, ${isoSql(`${nowMs}`)}, ${isoSql(`${nowMs}`)}, ${isoSql(`${nowMs}`)} FROM n`);
  await db.reward.create({ data: { shopId: shop.id, type: "fixed_amount", name: "$5 off", pointsCost: 500, value: 500 } });
  await db.reward.create({ data: { shopId: shop.id, type: "percentage", name: "10% off", pointsCost: 800, value: 10 } });
  seeded.seconds += (performance.now() - started) / 1000;
  seeded.rows.Customer = await db.customer.count({ where: { shopId: shop.id } });
  console.error(`analytics: seeded in ${seeded.seconds.toFixed(1)} s`);

  // The roll-ups as the recurring job adds them up (past the safety lag: every seeded entry).
  const rollupStarted = performance.now();
  const pass = await catchUpLedgerRollup(db, shop, { now: () => new Date(Date.now() + ROLLUP_LAG_MS) }, 3_600_000);
  rollupSeconds = (performance.now() - rollupStarted) / 1000;
  // The same job's snapshot: cohort transitions per closed day, repeat purchases.
  const snapshotStarted = performance.now();
  await refreshAnalyticsSnapshot(db, shop, clock);
  snapshotSeconds = (performance.now() - snapshotStarted) / 1000;
  console.error(`analytics: ${pass.added} entries rolled up in ${rollupSeconds.toFixed(1)} s, the snapshot counted in ${snapshotSeconds.toFixed(1)} s`);

  // The live tail: entries recorded since the watermark, today.
  const through = (await db.ledgerRollupState.findUniqueOrThrow({ where: { shopId: shop.id } })).through.getTime();
  await db.$executeRawUnsafe(`${counter(TAIL)} INSERT INTO "LedgerEntry" ("id", "shopId", "memberId", "seq", "kind", "points", "balanceAfter", "idempotencyKey", "occurredAt", "createdAt")
    SELECT 'tail-' || i, '${shop.id}', 'mem-' || i, ${LEDGER_PER_MEMBER + 1}, 'earn', 40, 0, 'bench-tail:' || i, ${isoSql(`${Date.now()} - i * 1000`)}, ${isoSql(`${through} + 1 + i`)} FROM n`);
}

const today = shopDay(new Date(), TIMEZONE);
const yearAgo = new Date(Date.parse(`${today}T00:00:00Z`) - 365 * DAY_MS).toISOString().slice(0, 10);
const row = await db.shop.findUniqueOrThrow({ where: { id: shop.id } });
const analyticsAlone = (query: string, options: { timezone?: string; liveTailCap?: number } = {}): Loader => async () => {
  const parsed = parseAnalyticsRange(new URLSearchParams(query), row.timezone, clock.now());
  return loadAnalytics(db, { ...row, timezone: options.timezone ?? row.timezone }, parsed.range, clock, { liveTailCap: options.liveTailCap });
};
type Shown = { points: { issued: number }[]; totals: { issued: number; redeemed: number }; pointsAsOf?: string | null; outstanding: { points: number; value: number | null } };
const showAnalytics = (data: unknown) => {
  const d = data as Shown;
  return `${d.points.length} days, issued ${d.totals.issued}, redeemed ${d.totals.redeemed}${d.pointsAsOf ? ` (as of ${d.pointsAsOf})` : ""}, outstanding ${d.outstanding.points} worth ${d.outstanding.value}`;
};
const showDashboard = (data: unknown) => {
  const d = data as { analytics: { data: Shown } | null; recentDeliveries: unknown[] };
  return d.analytics ? showAnalytics(d.analytics.data) : "no analytics";
};
const pages = [
  { name: BASELINE_NAME, path: "/app", loader: baselineLoader, shows: () => "the shop's row" },
  { name: "dashboard, last 30 days", path: "/app", loader: dashboardLoader, shows: showDashboard },
  { name: "dashboard, last 7 days", path: "/app?range=7d", loader: dashboardLoader, shows: showDashboard },
  { name: "dashboard, last 90 days", path: "/app?range=90d", loader: dashboardLoader, shows: showDashboard },
  { name: "dashboard, 366 days", path: `/app?from=${yearAgo}&to=${today}`, loader: dashboardLoader, shows: showDashboard },
  { name: "loadAnalytics alone, 30 days", path: "(direct)", loader: analyticsAlone(""), shows: showAnalytics },
  // Another time zone than the roll-ups' and the snapshot's, and no cap: everything counted live, as before them (the repeat purchases still from the snapshot).
  ...(values.live ? [{ name: "loadAnalytics, no roll-ups or snapshot, 30 days", path: "(direct)", loader: analyticsAlone("", { timezone: "UTC", liveTailCap: Number.MAX_SAFE_INTEGER }), shows: showAnalytics }] : []),
];
const loaders: LoaderFigure[] = [];
for (const page of pages) {
  const figure = await timeLoader(page.name, page.path, page.loader, page.shows, TIMING);
  console.error(`analytics: ${page.name} p50 ${figure.p50.toFixed(1)} p95 ${figure.p95.toFixed(1)} max ${figure.max.toFixed(1)} ms — ${figure.shows}`);
  loaders.push(figure);
}

const result = { members: MEMBERS, ledgerEntries: MEMBERS * LEDGER_PER_MEMBER + TAIL, tail: TAIL, seeded, rollupSeconds, snapshotSeconds, warmup: TIMING.warmup, loaders };
if (values.out) fs.writeFileSync(values.out, JSON.stringify(result, null, 2));
await db.$disconnect();
process.exit(0);
