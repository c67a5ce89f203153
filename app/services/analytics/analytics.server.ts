import { Prisma } from "@prisma/client";
import { type Database, sqlTime } from "../../db.server";
import type { Clock } from "../../lib/clock";
import { addDays, shopDayStart } from "../../lib/shop-day";
import { parseShopSettings } from "../program/settings";
import { hourOf } from "./buckets.server";
import { ledgerDays } from "./ledger-days.server";
import { cohortSizes, repeatPurchases } from "./snapshot.server";
import { pointValueOf, valueOfPoints } from "./point-value";
import { rangeDays } from "./range";
import type { Analytics, AnalyticsRange } from "./types";

// The Dashboard's analytics (docs/analytics.md): one shop's loyalty figures over a range of
// shop-local days. Every query is scoped by the shop.

export { parseAnalyticsRange } from "./range";
export type { Analytics, AnalyticsRange } from "./types";

export interface AnalyticsShop {
  id: string;
  domain: string;
  timezone: string;
  currency: string;
  settings: string;
}

const HOUR_MS = 3_600_000;
export const EVENT_HOURS = 168;

export interface AnalyticsOptions {
  /** Entries recorded after the roll-ups' watermark counted live at most (default LIVE_TAIL_CAP). */
  liveTailCap?: number;
}

export async function loadAnalytics(db: Database, shop: AnalyticsShop, range: AnalyticsRange, clock: Clock, options: AnalyticsOptions = {}): Promise<Analytics> {
  const now = clock.now();
  const { program } = parseShopSettings(shop.settings);
  const days = rangeDays(range);
  const start = shopDayStart(range.from, shop.timezone);
  const end = shopDayStart(addDays(range.to, 1), shop.timezone);
  // Reads shared by two figures each (Prisma query promises are lazy).
  const snapshot = Promise.resolve(db.analyticsSnapshot.findUnique({ where: { shopId: shop.id } }));
  const perTier = Promise.resolve(membersPerTier(db, shop.id));
  const [ledger, outstanding, tiers, repeatPurchase, cohorts, events] = await Promise.all([
    ledgerDays(db, shop, days, options.liveTailCap),
    outstandingPoints(db, shop.id, program.pointValue, perTier),
    membersByTier(program.tiers, perTier),
    snapshot.then((row) => repeatPurchases(db, shop.id, row)),
    snapshot.then((row) => cohortSizes(db, shop, row, days, end)),
    eventsPerHour(db, shop, start, end, now),
  ]);
  const points = ledger.points;
  const totals = { issued: 0, redeemed: 0, expired: 0, clawedBack: 0 };
  for (const day of points) {
    totals.issued += day.issued;
    totals.redeemed += day.redeemed;
    totals.expired += day.expired;
    totals.clawedBack += day.clawedBack;
  }
  return { range, timezone: shop.timezone, currency: shop.currency, points, totals, pointsAsOf: ledger.asOf, outstanding, tiers, repeatPurchase, cohorts, events };
}

/** Members and the sum of their balances per tier: one pass over the (shopId, tier, balance) index. */
const membersPerTier = (db: Database, shopId: string) => db.member.groupBy({ by: ["tier"], where: { shopId }, _count: { _all: true }, _sum: { balance: true } });
type TierRows = Awaited<ReturnType<typeof membersPerTier>>;

/** The sum of members' balances now, and its value at the shop's value per point. */
async function outstandingPoints(db: Database, shopId: string, setting: string | null, perTier: Promise<TierRows>): Promise<Analytics["outstanding"]> {
  const [rows, rewards] = await Promise.all([
    perTier,
    setting === null ? db.reward.findMany({ where: { shopId, enabled: true }, orderBy: { createdAt: "asc" }, select: { type: true, name: true, pointsCost: true, value: true, enabled: true } }) : [],
  ]);
  const points = rows.reduce((sum, row) => sum + Number(row._sum.balance ?? 0), 0);
  const { pointValue, ratio } = pointValueOf(setting, rewards);
  return { points, value: ratio ? valueOfPoints(points, ratio) : null, pointValue };
}

/** Members per tier, in the program's order; a tier the program no longer has follows, by name. */
async function membersByTier(programTiers: readonly { name: string }[], perTier: Promise<TierRows>): Promise<Analytics["tiers"]> {
  const counts = new Map((await perTier).map((row) => [row.tier, row._count._all]));
  const tiers = programTiers.map((tier) => ({ tier: tier.name, members: counts.get(tier.name) ?? 0 }));
  const known = new Set(programTiers.map((tier) => tier.name));
  const others = [...counts].filter(([tier, members]) => !known.has(tier) && members > 0).sort(([a], [b]) => a.localeCompare(b));
  return [...tiers, ...others.map(([tier, members]) => ({ tier, members }))];
}

/**
 * The UTC hours the events chart shows: the last 168 of the range (up to now when the range ends
 * today), never before the range's first day.
 */
export function eventHours(start: Date, end: Date, now: Date): Date[] {
  const last = Math.floor(Math.min(now.getTime(), end.getTime() - 1) / HOUR_MS) * HOUR_MS;
  const first = Math.max(last - (EVENT_HOURS - 1) * HOUR_MS, Math.floor(start.getTime() / HOUR_MS) * HOUR_MS);
  const hours: Date[] = [];
  for (let at = first; at <= last; at += HOUR_MS) hours.push(new Date(at));
  return hours;
}

/** "2026-12-06T23": an hour's key, as the queries below group by. */
const hourKey = (at: Date) => at.toISOString().slice(0, 13);

/** Webhook deliveries received and pixel events (their hourly roll-ups) per UTC hour. */
async function eventsPerHour(db: Database, shop: AnalyticsShop, start: Date, end: Date, now: Date): Promise<Analytics["events"]> {
  const hours = eventHours(start, end, now);
  if (hours.length === 0) return [];
  const from = hours[0];
  const to = new Date(hours[hours.length - 1].getTime() + HOUR_MS);
  const [webhooks, pixel] = await Promise.all([
    db.$queryRaw<{ hour: string; count: number | bigint }[]>`
      SELECT h."hour", COUNT(*) AS "count" FROM (
        SELECT ${hourOf(db, Prisma.sql`w."receivedAt"`)} AS "hour" FROM "WebhookDelivery" w
        WHERE w."shopDomain" = ${shop.domain} AND w."receivedAt" >= ${sqlTime(db, from)} AND w."receivedAt" < ${sqlTime(db, to)}
      ) h GROUP BY h."hour"`,
    db.pixelEventRollup.groupBy({ by: ["hour"], where: { shopId: shop.id, hour: { gte: from, lt: to } }, _sum: { count: true } }),
  ]);
  const webhookCounts = new Map(webhooks.map((row) => [row.hour, Number(row.count)]));
  const pixelCounts = new Map(pixel.map((row) => [hourKey(row.hour), Number(row._sum.count ?? 0)]));
  return hours.map((hour) => ({ hour: hour.toISOString(), webhooks: webhookCounts.get(hourKey(hour)) ?? 0, pixel: pixelCounts.get(hourKey(hour)) ?? 0 }));
}
