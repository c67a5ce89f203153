// The admin loaders on a large shop, measured in one process against a migrated database
// (DATABASE_URL, SHOPIFY_API_KEY/SECRET as the bench server has them): seeds one shop with bulk
// INSERT … SELECT statements (scripts/bench/large-shop.ts: 100,000 members with customers, orders, two ledger entries each and tiers,
// six cohort rules with memberships, transitions and customer tags, 1,000,000 webhook
// deliveries and 1,000,000 pixel events over 90 days with their hourly roll-ups), then calls
// the Dashboard, Members and Cohorts route loaders with signed session-token requests, as the
// embedded admin sends them, and times each beside a bare baseline (the session token checked,
// the shop's row read). Writes the figures as JSON to --out;
// scripts/bench/admin.ts prints them.
//   DATABASE_URL=file:… tsx scripts/bench/admin-loaders.ts --out result.json
// Run it directly against a migrated file to keep it; --reuse then times the loaders again on
// that file without reseeding (for iterating on a loader).
import fs from "node:fs";
import { parseArgs } from "node:util";
import { Session } from "@shopify/shopify-api";
import { appScopes } from "../../app/config.server";
import db from "../../app/db.server";
import { loader as cohortsLoader } from "../../app/routes/app.cohorts";
import { loader as membersLoader } from "../../app/routes/app.members";
import { markShopInstalled } from "../../app/services/shops/shops.server";
import { sessionStorage } from "../../app/shopify.server";
import { createBenchRules } from "./cohort-rules";
import { BENCH_SHOP } from "./payloads";
import { BASELINE_NAME } from "./admin";
import { baselineLoader, dashboardLoader, type Loader, type LoaderFigure, seedLargeShop, timeLoader } from "./large-shop";
import type { Seeded } from "./seed-sql";
import { catchUpLedgerRollup, ROLLUP_LAG_MS } from "../../app/services/analytics/rollup.server";
import { refreshAnalyticsSnapshot } from "../../app/services/analytics/snapshot.server";

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
  seeded = await seedLargeShop(db, shop.id, nowMs, { members: MEMBERS, deliveries: DELIVERIES, pixelEvents: PIXEL_EVENTS, ledgerPerMember: 2 });
  console.error(`admin: seeded in ${seeded.seconds.toFixed(1)} s`);
}

// The Dashboard reads its analytics from the roll-ups and the snapshot, which the analytics job
// (every minute) keeps current: counted here as that job would, so the loader is timed as a
// merchant meets it, not in the minute after a bulk import.
const analyticsStarted = performance.now();
await catchUpLedgerRollup(db, shop, { now: () => new Date(Date.now() + ROLLUP_LAG_MS) }, 3_600_000);
await refreshAnalyticsSnapshot(db, shop, { now: () => new Date() });
console.error(`admin: analytics roll-ups and snapshot counted in ${((performance.now() - analyticsStarted) / 1000).toFixed(1)} s`);

// The largest cohort (every third member), for the cohort filter.
const benchCohort = (await db.cohortRule.findFirstOrThrow({ where: { shopId: shop.id }, orderBy: { createdAt: "asc" } })).key;
const pages = [
  { name: BASELINE_NAME, path: "/app", loader: baselineLoader, shows: () => "the shop's row" },
  { name: "dashboard", path: "/app", loader: dashboardLoader, shows: (data: unknown) => { const d = data as { health: { inbox: Record<string, unknown> }; recentDeliveries: unknown[] }; return `inbox ${JSON.stringify(d.health.inbox)}, ${d.recentDeliveries.length} recent deliveries`; } },
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
  const figure = await timeLoader(page.name, page.path, page.loader, page.shows, { warmup: WARMUP, runs: RUNS, budgetMs: BUDGET_MS });
  console.error(`admin: ${page.name} p50 ${figure.p50.toFixed(1)} p95 ${figure.p95.toFixed(1)} max ${figure.max.toFixed(1)} ms — ${figure.shows}`);
  loaders.push(figure);
}

const result = { members: MEMBERS, deliveries: DELIVERIES, pixelEvents: PIXEL_EVENTS, seeded, warmup: WARMUP, loaders };
if (values.out) fs.writeFileSync(values.out, JSON.stringify(result, null, 2));
await db.$disconnect();
process.exit(0);
