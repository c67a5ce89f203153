import { Prisma } from "@prisma/client";
import { type Database, sqlTime } from "../../db.server";
import type { Clock } from "../../lib/clock";
import { addDays, shopDay, shopDayStart } from "../../lib/shop-day";
import { TEMPLATES, isTemplateKey } from "../cohorts/templates";
import { byDay, quarterOf, quarterStart } from "./buckets.server";
import { ROLLUP_LAG_MS } from "./rollup.server";
import type { Analytics, RepeatPurchase } from "./types";

// The Dashboard's cohort sizes and repeat purchases (docs/analytics.md). On a large shop both
// take far longer than a page view may, so the analytics job counts them into the shop's
// AnalyticsSnapshot: cohort transitions per closed shop-local day (a day is closed once it ended
// more than the roll-ups' safety lag ago; transitions are written at the time they happen and
// deleted only by a redaction, which deletes the snapshot too; the job also recounts when the
// count of transitions before the day changed), and the repeat-purchase counts every few minutes. Without a usable snapshot (a new shop,
// a range older than the window) the loader counts live.

/** Closed days a snapshot holds per cohort, before the day it was counted on. */
export const COHORT_WINDOW_DAYS = 366;
/** How old the repeat-purchase counts may be before the job counts them again. */
export const REPEAT_REFRESH_MS = 5 * 60_000;

type CohortDays = Record<string, { before: number; days: Record<string, number> }>;

/**
 * Customers of the store mirror with one order or more (Shopify's own count, `ordersCount`), and
 * of them those with two or more, split by whether a member has their customer GID.
 */
export async function countRepeatPurchases(db: Database, shopId: string): Promise<Analytics["repeatPurchase"]> {
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

const transitionsBefore = (db: Database, shopId: string, at: Date) => db.cohortTransition.count({ where: { shopId, occurredAt: { lt: at } } });

/** Every rule's net transitions (in less out) per shop-local day of the window before `day`, and before the window. */
async function countCohortDays(db: Database, shop: { id: string; timezone: string }, day: string): Promise<CohortDays> {
  const windowStart = shopDayStart(addDays(day, -COHORT_WINDOW_DAYS), shop.timezone);
  const rows = await db.$queryRaw<{ ruleId: string; direction: string; quarter: string; count: number | bigint }[]>`
    SELECT b."ruleId", b."direction", b."quarter", COUNT(*) AS "count" FROM (
      SELECT t."ruleId", t."direction", CASE WHEN t."occurredAt" < ${sqlTime(db, windowStart)} THEN 'before' ELSE ${quarterOf(db, Prisma.sql`t."occurredAt"`)} END AS "quarter"
      FROM "CohortTransition" t WHERE t."shopId" = ${shop.id} AND t."occurredAt" < ${sqlTime(db, shopDayStart(day, shop.timezone))}
    ) b GROUP BY b."ruleId", b."direction", b."quarter"`;
  const cohorts: CohortDays = {};
  for (const row of rows) {
    const rule = (cohorts[row.ruleId] ??= { before: 0, days: {} });
    const net = (row.direction === "in" ? 1 : -1) * Number(row.count);
    if (row.quarter === "before") rule.before += net;
    else {
      const local = shopDay(quarterStart(row.quarter), shop.timezone);
      rule.days[local] = (rule.days[local] ?? 0) + net;
    }
  }
  return cohorts;
}

/** Counts what is stale in the shop's snapshot: the cohort days once a day or after a change, the repeat purchases every few minutes. */
export async function refreshAnalyticsSnapshot(
  db: Database,
  shop: { id: string; timezone: string },
  clock: Clock,
  repeatRefreshMs = REPEAT_REFRESH_MS,
): Promise<{ cohorts: boolean; repeat: boolean }> {
  const now = clock.now();
  // Closed days only: a transition of the day before may still be committing just after midnight.
  const day = shopDay(new Date(now.getTime() - ROLLUP_LAG_MS), shop.timezone);
  const existing = await db.analyticsSnapshot.findUnique({ where: { shopId: shop.id } });
  // Counted before the days are: a transition written or deleted meanwhile makes the next check differ.
  const before = await transitionsBefore(db, shop.id, shopDayStart(day, shop.timezone));
  const cohortsCurrent = existing !== null && existing.timezone === shop.timezone && existing.day === day && existing.transitionsBefore === before;
  const repeatCurrent = existing !== null && now.getTime() - existing.repeatAt.getTime() < repeatRefreshMs;
  if (cohortsCurrent && repeatCurrent) return { cohorts: false, repeat: false };
  const cohorts = cohortsCurrent ? existing.cohorts : JSON.stringify(await countCohortDays(db, shop, day));
  const repeatPurchase = repeatCurrent ? existing.repeatPurchase : JSON.stringify(await countRepeatPurchases(db, shop.id));
  const data = { timezone: shop.timezone, day, transitionsBefore: before, cohorts, repeatPurchase, repeatAt: repeatCurrent ? existing.repeatAt : now };
  await db.analyticsSnapshot.upsert({ where: { shopId: shop.id }, create: { shopId: shop.id, ...data }, update: data });
  return { cohorts: !cohortsCurrent, repeat: !repeatCurrent };
}

export type Snapshot = Awaited<ReturnType<Database["analyticsSnapshot"]["findUnique"]>>;

/** The repeat purchases from the snapshot (at most REPEAT_REFRESH_MS and a job interval old), else counted now. */
export async function repeatPurchases(db: Database, shopId: string, snapshot: Snapshot): Promise<Analytics["repeatPurchase"]> {
  return snapshot ? (JSON.parse(snapshot.repeatPurchase) as Analytics["repeatPurchase"]) : countRepeatPurchases(db, shopId);
}

/**
 * Each enabled cohort's size at the end of every day: its in transitions less its out ones,
 * cumulative. The snapshot's closed days when it covers the range's time zone and start, the
 * transitions since counted live; else every transition counted live.
 */
export async function cohortSizes(db: Database, shop: { id: string; timezone: string }, snapshot: Snapshot, days: readonly string[], end: Date): Promise<Analytics["cohorts"]> {
  const rules = await db.cohortRule.findMany({ where: { shopId: shop.id, enabled: true }, orderBy: [{ createdAt: "asc" }, { key: "asc" }], select: { id: true, key: true, template: true } });
  if (rules.length === 0) return [];
  let stored: CohortDays | null = null;
  let liveFrom = new Date(0);
  if (snapshot && snapshot.timezone === shop.timezone && days[0] >= addDays(snapshot.day, -COHORT_WINDOW_DAYS)) {
    stored = JSON.parse(snapshot.cohorts) as CohortDays;
    liveFrom = shopDayStart(snapshot.day, shop.timezone);
  }
  const rows = await db.$queryRaw<{ ruleId: string; quarter: string; direction: string; count: number | bigint }[]>`
    SELECT b."ruleId", b."quarter", b."direction", COUNT(*) AS "count" FROM (
      SELECT t."ruleId", t."direction", ${quarterOf(db, Prisma.sql`t."occurredAt"`)} AS "quarter"
      FROM "CohortTransition" t
      WHERE t."shopId" = ${shop.id} AND t."occurredAt" >= ${sqlTime(db, liveFrom)} AND t."occurredAt" < ${sqlTime(db, end)}
        AND t."ruleId" IN (${Prisma.join(rules.map((rule) => rule.id))})
    ) b GROUP BY b."ruleId", b."quarter", b."direction"`;
  // net[rule][0]: before the range, the size the first day starts from; net[rule][k + 1]: day k.
  const net = new Map(rules.map((rule) => [rule.id, new Array<number>(days.length + 1).fill(0)]));
  byDay(rows, days, shop.timezone, (index, row) => {
    net.get(row.ruleId)![index + 1] += (row.direction === "in" ? 1 : -1) * Number(row.count);
  });
  if (stored) {
    const dayIndex = new Map(days.map((day, index) => [day, index]));
    for (const rule of rules) {
      const counted = stored[rule.id];
      const deltas = net.get(rule.id)!;
      if (!counted) continue;
      deltas[0] += counted.before;
      for (const [day, change] of Object.entries(counted.days)) {
        if (day > days[days.length - 1]) continue;
        deltas[(day < days[0] ? -1 : (dayIndex.get(day) ?? -1)) + 1] += change;
      }
    }
  }
  return rules.map((rule) => {
    const deltas = net.get(rule.id)!;
    let size = deltas[0];
    const sizes = days.map((day, index) => {
      size += deltas[index + 1];
      return { day, size };
    });
    return { key: rule.key, name: isTemplateKey(rule.template) ? TEMPLATES[rule.template].title : rule.template, sizes };
  });
}
