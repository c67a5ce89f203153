import type { Database } from "../db.server";
import type { Clock } from "../lib/clock";
import { currencyExponent } from "../lib/money";
import { shopDay } from "../lib/shop-day";
import { type Analytics, loadAnalytics, parseAnalyticsRange } from "./analytics/analytics.server";
import { type SyncHealth, syncHealth } from "./health/sync-health.server";
import { listDeliveries } from "./inbox/inbox.server";
import { formatMoney } from "./rewards/catalogue.server";
import { type SetupChecklist, loadSetupChecklist } from "./setup/checklist.server";
import { findShop } from "./shops/shops.server";

/** The Dashboard's analytics with what the page says about them. */
export interface DashboardAnalytics {
  data: Analytics;
  /** Why the URL's range could not be used (`data` is then the default range's), or null. */
  rangeError: string | null;
  /** Today in the shop's time zone, YYYY-MM-DD: the last day a range can end on. */
  today: string;
  /** What the outstanding points are worth in the shop's currency ("$1,234.56"), or null with no value per point. */
  liability: string | null;
  /** Where the value per point came from, as a sentence. */
  pointValue: string;
}

export interface DashboardData {
  shop: { domain: string; name: string; installed: boolean; timezone: string; currency: string };
  health: SyncHealth;
  setup: SetupChecklist;
  /** Null only before the shop's install has been recorded. */
  analytics: DashboardAnalytics | null;
  recentDeliveries: {
    webhookId: string;
    topic: string;
    status: string;
    attempts: number;
    lastError: string | null;
    receivedAt: string;
  }[];
}

/** "$0.05", "$0.01666667": a value per point in minor units (a decimal string) as money, every digit kept. */
export function pointValueMoney(minorUnitsPerPoint: string, currency: string): string {
  const exponent = currencyExponent(currency);
  const fractionDigits = minorUnitsPerPoint.split(".")[1]?.length ?? 0;
  const format = new Intl.NumberFormat("en-US", { style: "currency", currency, minimumFractionDigits: exponent, maximumFractionDigits: exponent + fractionDigits });
  // A numeric string is formatted as the exact decimal it spells (ECMA-402), never through a float.
  return format.format(`${minorUnitsPerPoint}e-${exponent}` as `${number}`);
}

/** Where the value per point came from, in a sentence for the merchant. */
export function pointValueSentence(pointValue: Analytics["outstanding"]["pointValue"], currency: string): string {
  switch (pointValue.source) {
    case "setting":
      return `A point is worth ${pointValueMoney(pointValue.minorUnitsPerPoint, currency)}, as set in Settings.`;
    case "reward":
      return `A point is worth ${pointValueMoney(pointValue.minorUnitsPerPoint, currency)}, from the reward "${pointValue.rewardName}" (the best value per point of your enabled rewards). Set a value per point in Settings to use your own.`;
    case "none":
      return "Set a value per point in Settings to see what outstanding points are worth.";
  }
}

type ShopRow = NonNullable<Awaited<ReturnType<typeof findShop>>>;

async function dashboardAnalytics(db: Database, shop: ShopRow, params: URLSearchParams, clock: Clock): Promise<DashboardAnalytics> {
  const now = clock.now();
  const parsed = parseAnalyticsRange(params, shop.timezone, now);
  const data = await loadAnalytics(db, shop, parsed.range, clock);
  return {
    data,
    rangeError: parsed.ok ? null : parsed.error,
    today: shopDay(now, shop.timezone),
    liability: data.outstanding.value === null ? null : formatMoney(data.outstanding.value, data.currency),
    pointValue: pointValueSentence(data.outstanding.pointValue, data.currency),
  };
}

/** Everything the Dashboard shows, for one shop only; `params` are the page's (its date range). */
export async function loadDashboard(db: Database, shopDomain: string, clock: Clock, params = new URLSearchParams()): Promise<DashboardData> {
  // One lookup, shared by the header, the checklist and the analytics (Prisma's query promises are lazy).
  const found = Promise.resolve(findShop(db, shopDomain));
  const [shop, setup, analytics, health, recent] = await Promise.all([
    found,
    found.then((row) => loadSetupChecklist(db, row)),
    found.then((row) => (row ? dashboardAnalytics(db, row, params, clock) : null)),
    syncHealth(db, shopDomain, clock),
    listDeliveries(db, { shopDomain, limit: 10 }),
  ]);
  return {
    shop: {
      domain: shopDomain,
      name: shop?.name ?? shopDomain,
      installed: shop?.installed ?? true,
      timezone: shop?.timezone ?? "UTC",
      currency: shop?.currency ?? "USD",
    },
    health,
    setup,
    analytics,
    recentDeliveries: recent.map((delivery) => ({
      webhookId: delivery.webhookId,
      topic: delivery.topic,
      status: delivery.status,
      attempts: delivery.attempts,
      lastError: delivery.lastError,
      receivedAt: delivery.receivedAt.toISOString(),
    })),
  };
}
