import { Prisma } from "@prisma/client";
import { type Database, sqlTime } from "../../db.server";
import type { Clock } from "../../lib/clock";
import { addDays, shopDayStart } from "../../lib/shop-day";
import { TEMPLATES, isTemplateKey } from "../cohorts/templates";
import { parseShopSettings } from "../program/settings";
import { dayBucket, hourOf } from "./buckets.server";
import { ledgerDays } from "./ledger-days.server";
import { pointValueOf, valueOfPoints } from "./point-value";
import { rangeDays } from "./range";
import type { Analytics, AnalyticsRange, RepeatPurchase } from "./types";

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
  const days = rangeDays(range);
  // starts[k] is the first instant of days[k]; starts[days.length] is the end of the range.
  const starts = [...days, addDays(range.to, 1)].map((day) => shopDayStart(day, shop.timezone));
  const [ledger, outstanding, tiers, repeatPurchase, cohorts, events] = await Promise.all([
    ledgerDays(db, shop, days, starts, options.liveTailCap),
    outstandingPoints(db, shop),
    membersByTier(db, shop),
    repeatPurchases(db, shop.id),
    cohortSizes(db, shop.id, days, starts),
    eventsPerHour(db, shop, starts, now),
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

/** The sum of members' balances now, and its value at the shop's value per point. */
async function outstandingPoints(db: Database, shop: AnalyticsShop): Promise<Analytics["outstanding"]> {
  const setting = parseShopSettings(shop.settings).program.pointValue;
  const [sum, rewards] = await Promise.all([
    db.member.aggregate({ where: { shopId: shop.id }, _sum: { balance: true } }),
    setting === null ? db.reward.findMany({ where: { shopId: shop.id, enabled: true }, orderBy: { createdAt: "asc" }, select: { type: true, name: true, pointsCost: true, value: true, enabled: true } }) : [],
  ]);
  const points = Number(sum._sum.balance ?? 0);
  const { pointValue, ratio } = pointValueOf(setting, rewards);
  return { points, value: ratio ? valueOfPoints(points, ratio) : null, pointValue };
}

/** Members per tier, in the program's order; a tier the program no longer has follows, by name. */
async function membersByTier(db: Database, shop: AnalyticsShop): Promise<Analytics["tiers"]> {
  const program = parseShopSettings(shop.settings).program;
  const rows = await db.member.groupBy({ by: ["tier"], where: { shopId: shop.id }, _count: { _all: true } });
  const counts = new Map(rows.map((row) => [row.tier, row._count._all]));
  const tiers = program.tiers.map((tier) => ({ tier: tier.name, members: counts.get(tier.name) ?? 0 }));
  const known = new Set(program.tiers.map((tier) => tier.name));
  const others = [...counts].filter(([tier, members]) => !known.has(tier) && members > 0).sort(([a], [b]) => a.localeCompare(b));
  return [...tiers, ...others.map(([tier, members]) => ({ tier, members }))];
}

/**
 * Customers of the store mirror with one order or more (Shopify's own count, `ordersCount`), and
 * of them those with two or more, split by whether a member has their customer GID.
 */
async function repeatPurchases(db: Database, shopId: string): Promise<Analytics["repeatPurchase"]> {
  const rows = await db.$queryRaw<{ member: number | bigint | boolean; customers: number | bigint; repeat: number | bigint | null }[]>`
    SELECT CASE WHEN m."id" IS NULL THEN 0 ELSE 1 END AS "member", COUNT(*) AS "customers",
      SUM(CASE WHEN c."ordersCount" >= 2 THEN 1 ELSE 0 END) AS "repeat"
    FROM "Customer" c LEFT JOIN "Member" m ON m."shopId" = c."shopId" AND m."customerGid" = c."gid"
    WHERE c."shopId" = ${shopId} AND c."deletedAt" IS NULL AND c."ordersCount" >= 1
    GROUP BY CASE WHEN m."id" IS NULL THEN 0 ELSE 1 END`;
  const split: Analytics["repeatPurchase"] = { members: { customers: 0, repeat: 0 }, nonMembers: { customers: 0, repeat: 0 } };
  for (const row of rows) {
    const figures: RepeatPurchase = { customers: Number(row.customers), repeat: Number(row.repeat ?? 0) };
    if (Number(row.member) === 1) split.members = figures;
    else split.nonMembers = figures;
  }
  return split;
}

/** Each enabled cohort's size at the end of every day: its in transitions less its out ones, cumulative. */
async function cohortSizes(db: Database, shopId: string, days: readonly string[], starts: readonly Date[]): Promise<Analytics["cohorts"]> {
  const rules = await db.cohortRule.findMany({ where: { shopId, enabled: true }, orderBy: [{ createdAt: "asc" }, { key: "asc" }], select: { id: true, key: true, template: true } });
  if (rules.length === 0) return [];
  const end = starts[starts.length - 1];
  // Bucket -1: before the range, the size the first day starts from.
  const rows = await db.$queryRaw<{ ruleId: string; bucket: number | bigint; direction: string; count: number | bigint }[]>`
    SELECT b."ruleId", b."bucket", b."direction", COUNT(*) AS "count" FROM (
      SELECT t."ruleId", t."direction", ${dayBucket(db, Prisma.sql`t."occurredAt"`, starts)} AS "bucket"
      FROM "CohortTransition" t
      WHERE t."shopId" = ${shopId} AND t."occurredAt" < ${sqlTime(db, end)}
        AND t."ruleId" IN (${Prisma.join(rules.map((rule) => rule.id))})
    ) b GROUP BY b."ruleId", b."bucket", b."direction"`;
  const net = new Map(rules.map((rule) => [rule.id, new Array<number>(days.length + 1).fill(0)]));
  for (const row of rows) {
    const deltas = net.get(row.ruleId);
    if (!deltas) continue;
    deltas[Number(row.bucket) + 1] += (row.direction === "in" ? 1 : -1) * Number(row.count);
  }
  return rules.map((rule) => {
    const deltas = net.get(rule.id) ?? [];
    let size = deltas[0] ?? 0;
    const sizes = days.map((day, index) => {
      size += deltas[index + 1] ?? 0;
      return { day, size };
    });
    return { key: rule.key, name: isTemplateKey(rule.template) ? TEMPLATES[rule.template].title : rule.template, sizes };
  });
}

/**
 * The UTC hours the events chart shows: the last 168 of the range (up to now when the range ends
 * today), never before the range's first day.
 */
export function eventHours(starts: readonly Date[], now: Date): Date[] {
  const end = Math.min(now.getTime(), starts[starts.length - 1].getTime() - 1);
  const last = Math.floor(end / HOUR_MS) * HOUR_MS;
  const first = Math.max(last - (EVENT_HOURS - 1) * HOUR_MS, Math.floor(starts[0].getTime() / HOUR_MS) * HOUR_MS);
  const hours: Date[] = [];
  for (let at = first; at <= last; at += HOUR_MS) hours.push(new Date(at));
  return hours;
}

/** "2026-12-06T23": an hour's key, as the queries below group by. */
const hourKey = (at: Date) => at.toISOString().slice(0, 13);

/** Webhook deliveries received and pixel events (their hourly roll-ups) per UTC hour. */
async function eventsPerHour(db: Database, shop: AnalyticsShop, starts: readonly Date[], now: Date): Promise<Analytics["events"]> {
  const hours = eventHours(starts, now);
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
