import type { Database } from "../../db.server";
import { pixelConnected } from "../pixel/connection.server";
import { parseShopSettings } from "../program/settings";
import type { Shop } from "../shops/shops.server";

/**
 * The Dashboard's setup checklist: what a new merchant still has to do, each step worked out from
 * the database. Every query is an exists-style `findFirst` on an indexed shop-leading column, so
 * the Dashboard stays fast on a shop with many members and ledger entries.
 */
export type SetupStepKey = "program" | "pixel" | "firstEarn" | "cohort" | "reward" | "profileBlock";

export interface SetupStep {
  key: SetupStepKey;
  done: boolean;
}

export interface SetupChecklist {
  steps: SetupStep[];
  done: number;
  total: number;
  complete: boolean;
}

/** The checklist of one shop (null: not installed yet, nothing done). */
export async function loadSetupChecklist(db: Database, shop: Shop | null): Promise<SetupChecklist> {
  const where = { shopId: shop?.id ?? "" };
  const [earn, cohort, reward] = shop
    ? await Promise.all([
        // @@index([shopId, kind, createdAt])
        db.ledgerEntry.findFirst({ where: { ...where, kind: "earn" }, select: { id: true } }),
        // @@unique([shopId, key]); a shop has a handful of rules.
        db.cohortRule.findFirst({ where: { ...where, enabled: true }, select: { id: true } }),
        // @@index([shopId, createdAt]); a shop has a handful of rewards.
        db.reward.findFirst({ where: { ...where, enabled: true }, select: { id: true } }),
      ])
    : [null, null, null];
  const steps: SetupStep[] = [
    { key: "program", done: !!shop && parseShopSettings(shop.settings).program.enabled },
    { key: "pixel", done: !!shop && pixelConnected(shop) },
    { key: "firstEarn", done: !!earn },
    { key: "cohort", done: !!cohort },
    { key: "reward", done: !!reward },
    { key: "profileBlock", done: !!shop?.firstShopperVisitAt },
  ];
  const done = steps.filter((step) => step.done).length;
  return { steps, done, total: steps.length, complete: done === steps.length };
}
