import type { Database } from "../../db.server";
import { type CurrentAppInstallationData, CurrentAppInstallationQuery } from "../../graphql/CurrentAppInstallationQuery";
import { type MetafieldsSetData, MetafieldsSetMutation } from "../../graphql/MetafieldsSetMutation";
import type { Tx } from "../ledger/types";
import { enqueue } from "../jobs/queue.server";
import type { QueueDefinition } from "../jobs/runner.server";
import { parseShopSettings, type ShopSettings } from "../program/settings";
import { type AdminBudget, memoryAdminBudget, type Sleep } from "../shopify/admin-budget.server";
import { assertNoUserErrors } from "../shopify/admin-client.server";
import type { AdminClientFactory } from "../shopify/admin.server";
import { installedShopAdmin, METAFIELD_NAMESPACE } from "./metafields.server";

// The program's public facts for the storefront (docs/rewards.md, "The program on the
// storefront"): Liquid cannot call Roost, so the theme block reads them from an app-data
// metafield on Roost's installation, `app.metafields.roost.program` (json). Only the app can
// write it; it holds nothing a shopper may not see.

export const PROGRAM_METAFIELD_QUEUE = "program-metafield";
export const PROGRAM_METAFIELD_KEY = "program";

/** What the storefront may know of the program: whether it runs, the earn rate, the tiers. */
export interface ProgramFacts {
  enabled: boolean;
  /** Points per 1 unit of `currency`, a decimal string as the merchant set it ("1", "1.5"). */
  earn_rate: string;
  currency: string;
  tiers: { name: string; threshold: number; multiplier: string }[];
}

export function programFacts(settings: ShopSettings, currency: string): ProgramFacts {
  const { program } = settings;
  return {
    enabled: program.enabled,
    earn_rate: program.earnRate,
    currency,
    tiers: program.tiers.map(({ name, threshold, multiplier }) => ({ name, threshold, multiplier })),
  };
}

/**
 * Queued at install and with every program change (in its transaction): one job per shop, the
 * latest wins, and the run writes the facts as they are when it runs.
 */
export async function queueProgramMetafield(db: Database | Tx, shopId: string, now: Date): Promise<void> {
  await enqueue(db, { queue: PROGRAM_METAFIELD_QUEUE, key: shopId, shopId, payload: {} }, now);
}

/**
 * Writes `roost.program` on the app installation: `currentAppInstallation { id }`, then
 * `metafieldsSet` with that owner. An uninstalled shop gets nothing (terminal); `userErrors`
 * and 401/402/403/404/423 are terminal, THROTTLED and 5xx retried with the queue's back-off.
 */
export function programMetafieldQueue(deps: { adminFor: AdminClientFactory; adminBudget?: AdminBudget; sleep?: Sleep }): QueueDefinition {
  const budget = deps.adminBudget ?? memoryAdminBudget();
  return {
    queue: PROGRAM_METAFIELD_QUEUE,
    async run([job], { db, clock, logger }) {
      const { shop, admin } = await installedShopAdmin(deps, budget, { db, clock }, job.shopId);
      const facts = programFacts(parseShopSettings(shop.settings), shop.currency);
      const { currentAppInstallation } = await admin.request<CurrentAppInstallationData>(CurrentAppInstallationQuery);
      const data = await admin.request<MetafieldsSetData>(MetafieldsSetMutation, {
        metafields: [{ ownerId: currentAppInstallation.id, namespace: METAFIELD_NAMESPACE, key: PROGRAM_METAFIELD_KEY, type: "json", value: JSON.stringify(facts) }],
      });
      assertNoUserErrors(data.metafieldsSet);
      logger.info({ shop: shop.domain, enabled: facts.enabled, earnRate: facts.earn_rate }, "program metafield written");
    },
  };
}
