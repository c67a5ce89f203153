import type { Database } from "../../db.server";
import { throttledLog } from "../../lib/log-throttle.server";
import { shopDay } from "../../lib/shop-day";
import type { QueueDefinition } from "../jobs/runner.server";
import { journey } from "../journeys/journeys.server";
import { queueMetafieldWrite } from "../outbox/metafields.server";
import { parseShopSettings, type Tier } from "../program/settings";
import type { LedgerDeps, LedgerShop, Tx } from "./types";
import { queueCohortEvaluation } from "../cohorts/queue.server";

export function tierByName(tiers: Tier[], name: string): Tier {
  return tiers.find((tier) => tier.name === name) ?? tiers[0];
}

export function tierForPoints(tiers: Tier[], points: number): Tier {
  let reached = tiers[0];
  for (const tier of tiers) if (points >= tier.threshold) reached = tier;
  return reached;
}

/** Where the trailing 365 days that set a member's tier begin. */
export const trailingSince = (now: Date): Date => new Date(now.getTime() - 365 * 24 * 3600_000);

/** Points earned net of claw-backs over the trailing 365 days (adjustments excluded). */
export async function trailingEarned(db: Database | Tx, shopId: string, memberId: string, now: Date): Promise<number> {
  const since = trailingSince(now);
  const sum = await db.ledgerEntry.aggregate({
    where: { shopId, memberId, kind: { in: ["earn", "released", "clawback"] }, occurredAt: { gte: since } },
    _sum: { points: true },
  });
  return sum._sum.points ?? 0;
}

/** The daily tier sweep: members whose trailing 365-day points fell below their tier move down. */
export async function sweepTiers(deps: LedgerDeps, shop: LedgerShop): Promise<number> {
  const { program } = parseShopSettings(shop.settings);
  const members = await deps.db.member.findMany({ where: { shopId: shop.id }, select: { id: true, tier: true, balance: true, customerGid: true } });
  const now = deps.clock.now();
  let changed = 0;
  for (const member of members) {
    const earned = await trailingEarned(deps.db, shop.id, member.id, now);
    const reached = tierForPoints(program.tiers, earned);
    if (reached.name === member.tier) continue;
    await deps.db.$transaction(async (tx) => {
      await tx.member.update({ where: { id: member.id }, data: { tier: reached.name } });
      await journey(tx, shop.id, member.id, "tier_changed", `tier_changed:sweep:${shopDay(now, shop.timezone)}:${member.id}`, now, { from: member.tier, to: reached.name, earned365: earned });
      await queueMetafieldWrite(tx, shop.id, member.customerGid, member.balance, reached.name, now);
      await queueCohortEvaluation(tx, shop, { memberIds: [member.id] }, now);
    });
    changed += 1;
  }
  return changed;
}

export const TIER_SWEEP_QUEUE = "tier-sweep";
export const TIER_SWEEP_INTERVAL_MS = 24 * 3600_000;

/**
 * The daily tier sweep of every installed shop as a recurring job: at the first start, then
 * every 24 hours (its next time is kept in its row, so a restart does not put it off). One
 * shop's failure is logged and does not stop the others; a pass runs again at its next time
 * whatever happened, as a dead letter would stop the schedule until a restart.
 */
export function tierSweepQueue(): QueueDefinition {
  return {
    queue: TIER_SWEEP_QUEUE,
    recurring: { key: "all" },
    async run(_jobs, { db, clock, logger }) {
      let changed = 0;
      try {
        const shops = await db.shop.findMany({ where: { installed: true }, orderBy: { domain: "asc" } });
        for (const shop of shops) {
          const shopLogger = logger.child({ shop: shop.domain });
          try {
            changed += await sweepTiers({ db, clock, logger: shopLogger }, shop);
          } catch (error) {
            throttledLog(shopLogger, "tier-sweep").error({ err: error }, "tier sweep failed for the shop; swept again tomorrow");
          }
        }
      } catch (error) {
        throttledLog(logger, "tier-sweep").error({ err: error }, "tier sweep failed");
      }
      if (changed > 0) logger.info({ changed }, "tiers swept");
      return { again: new Date(clock.now().getTime() + TIER_SWEEP_INTERVAL_MS) };
    },
  };
}
