import type { Database } from "../../db.server";
import { type CustomerBirthdaysData, CustomerBirthdaysQuery } from "../../graphql/CustomerBirthdaysQuery";
import type { Clock } from "../../lib/clock";
import { throttledLog } from "../../lib/log-throttle.server";
import type { Logger } from "../../lib/logger.server";
import { addDays, shopDay } from "../../lib/shop-day";
import type { QueueDefinition } from "../jobs/runner.server";
import { birthdayBonusKey, grantBonus } from "../ledger/bonus.server";
import type { CapStore } from "../ledger/cap.server";
import { expirePoints } from "../ledger/expiry.server";
import type { LedgerShop } from "../ledger/types";
import { parseShopSettings } from "../program/settings";
import { type AdminBudget, memoryAdminBudget, pacedAdminClient, realSleep, type Sleep } from "../shopify/admin-budget.server";
import type { AdminClientFactory } from "../shopify/admin.server";

// The daily points pass (docs/rewards.md): per installed shop, expiry and its 14-day notice,
// then birthdays — the birth dates read from the merchant's customer metafield, and the bonus
// for members whose birthday is today or was yesterday in the shop's timezone (once a year, by
// key, so a pass that runs late or twice grants nothing twice).

export const POINTS_DAILY_QUEUE = "points-daily";
export const POINTS_DAILY_INTERVAL_MS = 24 * 3600_000;
const CUSTOMERS_PER_PAGE = 250;

export interface PointsDailyDeps {
  adminFor: AdminClientFactory;
  adminBudget?: AdminBudget;
  capStore?: CapStore;
  sleep?: Sleep;
}

interface PassDeps extends PointsDailyDeps {
  db: Database;
  clock: Clock;
  logger: Logger;
}

/** `ROOST_POINTS_DAILY_MS`: how often the pass runs (default daily). */
export function pointsDailyIntervalMs(env: Record<string, string | undefined>): number {
  const value = Number(env.ROOST_POINTS_DAILY_MS);
  return Number.isFinite(value) && value > 0 ? value : POINTS_DAILY_INTERVAL_MS;
}

export function pointsDailyQueue(deps: PointsDailyDeps, intervalMs = POINTS_DAILY_INTERVAL_MS): QueueDefinition {
  return {
    queue: POINTS_DAILY_QUEUE,
    recurring: { key: "all" },
    async run(_jobs, { db, clock, logger }) {
      try {
        const shops = await db.shop.findMany({ where: { installed: true }, orderBy: { domain: "asc" } });
        for (const shop of shops) {
          const shopLogger = logger.child({ shop: shop.domain });
          try {
            await runPointsDaily({ ...deps, db, clock, logger: shopLogger }, shop);
          } catch (error) {
            throttledLog(shopLogger, "points-daily").error({ err: error }, "the daily points pass failed for the shop; run again at the next pass");
          }
        }
      } catch (error) {
        throttledLog(logger, "points-daily").error({ err: error }, "the daily points pass failed");
      }
      return { again: new Date(clock.now().getTime() + intervalMs) };
    },
  };
}

export interface DailySummary {
  expired: number;
  expiredPoints: number;
  notified: number;
  birthdaysRead: number;
  birthdayBonuses: number;
}

/** One shop's pass: expiry first (a birthday bonus never expires the day it is given), then birthdays. */
export async function runPointsDaily(deps: PassDeps & { domain?: string }, shop: LedgerShop & { domain: string }): Promise<DailySummary> {
  const expiry = await expirePoints(deps, shop);
  const summary: DailySummary = { expired: expiry.expired, expiredPoints: expiry.points, notified: expiry.notified, birthdaysRead: 0, birthdayBonuses: 0 };
  const { program } = parseShopSettings(shop.settings);
  if (!program.enabled || program.birthdayBonus <= 0) return summary;
  try {
    summary.birthdaysRead = await readBirthdays(deps, shop, program.birthdayMetafield);
  } catch (error) {
    // Members read on an earlier pass still get their bonus.
    throttledLog(deps.logger, "birthdays").warn({ err: error }, "birth dates could not be read from Shopify; using the ones read before");
  }
  summary.birthdayBonuses = await grantBirthdays(deps, shop, program.birthdayBonus);
  if (summary.expired + summary.notified + summary.birthdayBonuses > 0) deps.logger.info(summary, "daily points pass");
  return summary;
}

/** MM-DD of a `date` metafield's value (YYYY-MM-DD), or null. */
export function birthdayOf(value: string | null | undefined): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value?.trim() ?? "");
  if (!match) return null;
  const [month, day] = [Number(match[2]), Number(match[3])];
  if (month < 1 || month > 12 || day < 1 || day > 31) return null;
  return `${match[2]}-${match[3]}`;
}

/** Reads every customer's birth date metafield and stores the changed ones on their members. */
async function readBirthdays(deps: PassDeps, shop: { id: string; domain: string }, metafield: string): Promise<number> {
  const [namespace, key] = metafield.split(".");
  const admin = pacedAdminClient(await deps.adminFor(deps.db, shop.domain), { shop: shop.domain, budget: deps.adminBudget ?? memoryAdminBudget(), clock: deps.clock, sleep: deps.sleep ?? realSleep });
  let after: string | null = null;
  let read = 0;
  for (;;) {
    const data: CustomerBirthdaysData = await admin.request<CustomerBirthdaysData>(CustomerBirthdaysQuery, { first: CUSTOMERS_PER_PAGE, after, namespace, key });
    const found = new Map(data.customers.nodes.map((node) => [node.id, node.metafield?.type === "date" ? birthdayOf(node.metafield.value) : null]));
    const members = await deps.db.member.findMany({ where: { shopId: shop.id, customerGid: { in: [...found.keys()] }, redactedAt: null }, select: { id: true, customerGid: true, birthday: true } });
    for (const member of members) {
      const birthday = found.get(member.customerGid ?? "") ?? null;
      if (birthday !== member.birthday) await deps.db.member.update({ where: { id: member.id }, data: { birthday } });
      if (birthday) read += 1;
    }
    if (!data.customers.pageInfo.hasNextPage || !data.customers.pageInfo.endCursor) return read;
    after = data.customers.pageInfo.endCursor;
  }
}

/** Members whose birthday is the shop's today or yesterday get the bonus, once for that year. */
async function grantBirthdays(deps: PassDeps, shop: LedgerShop, points: number): Promise<number> {
  const today = shopDay(deps.clock.now(), shop.timezone);
  let granted = 0;
  for (const day of [addDays(today, -1), today]) {
    const year = Number(day.slice(0, 4));
    const monthDay = day.slice(5);
    // Born on 29 February: the 28th in a year without one.
    const leap = new Date(Date.UTC(year, 1, 29)).getUTCMonth() === 1;
    const birthdays = monthDay === "02-28" && !leap ? ["02-28", "02-29"] : [monthDay];
    const members = await deps.db.member.findMany({ where: { shopId: shop.id, birthday: { in: birthdays }, redactedAt: null }, select: { id: true } });
    for (const member of members) {
      const result = await grantBonus(deps, shop, { memberId: member.id, key: birthdayBonusKey(member.id, year), points, reason: "birthday bonus", at: deps.clock.now() });
      if (result.status === "granted") granted += 1;
    }
  }
  return granted;
}
