// The six cohort rules the bench enables (the cohort sweep, and paid orders with
// --cohort-rules), with parameters a merchant would plausibly set.
import type { CohortRule, Shop } from "@prisma/client";
import type { Database } from "../../app/db.server";
import { createRule } from "../../app/services/cohorts/rules.server";

export const BENCH_RULES: { template: string; params: Record<string, unknown> }[] = [
  { template: "cart-abandoned-low-stock", params: { hours: 24, lookbackDays: 14 } },
  { template: "vip-scarcity-shopper", params: { hours: 48, days: 90 } },
  { template: "repeat-purchaser", params: { minOrders: 5 } },
  { template: "high-value", params: { minSpend: "500", days: 365 } },
  { template: "lapsed", params: { days: 60 } },
  { template: "tier", params: { tier: "Gold" } },
];

/**
 * Creates the rules disabled (nothing evaluated yet), then enables them and sets the shop's count
 * directly: the first evaluation is the sweep the bench times, not setRuleEnabled's.
 */
export async function createBenchRules(db: Database, shop: Pick<Shop, "id" | "settings" | "domain" | "currency">, actor: string, now = new Date()): Promise<CohortRule[]> {
  const clock = { now: () => now };
  for (const rule of BENCH_RULES) {
    const created = await createRule({ db, clock }, shop, { template: rule.template, params: rule.params, enabled: false }, actor);
    if (!created.ok) throw new Error(`cohort rule ${rule.template}: ${JSON.stringify(created.errors)}`);
  }
  await db.cohortRule.updateMany({ where: { shopId: shop.id }, data: { enabled: true } });
  await db.shop.update({ where: { id: shop.id }, data: { cohortRulesEnabled: BENCH_RULES.length } });
  return db.cohortRule.findMany({ where: { shopId: shop.id, enabled: true }, orderBy: { createdAt: "asc" } });
}
