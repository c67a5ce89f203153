import type { Database } from "../../db.server";
import { type MetafieldDefinitionCreateData, MetafieldDefinitionCreateMutation } from "../../graphql/MetafieldDefinitionCreateMutation";
import { enqueue } from "../jobs/queue.server";
import type { QueueDefinition } from "../jobs/runner.server";
import { type AdminBudget, memoryAdminBudget, type Sleep } from "../shopify/admin-budget.server";
import { AdminUserErrors } from "../shopify/admin-client.server";
import type { AdminClientFactory } from "../shopify/admin.server";
import { installedShopAdmin, METAFIELD_NAMESPACE } from "./metafields.server";

// Roost's customer metafields get definitions at install (docs/rewards.md, "Metafield
// definitions"): with one, `roost.points_balance` and `roost.tier` show on the customer in the
// admin, can be used in Shopify's customer segments, and are readable by the storefront (the theme
// block) and the Customer Account API (the profile block). A definition that exists answers
// TAKEN, which is success: reinstalling defines nothing twice.

export const DEFINITIONS_QUEUE = "metafield-definitions";

export const CUSTOMER_METAFIELD_DEFINITIONS = [
  {
    name: "Loyalty points balance",
    namespace: METAFIELD_NAMESPACE,
    key: "points_balance",
    type: "number_integer",
    description: "The customer's Roost points balance, kept current by Roost.",
  },
  {
    name: "Loyalty tier",
    namespace: METAFIELD_NAMESPACE,
    key: "tier",
    type: "single_line_text_field",
    description: "The customer's Roost loyalty tier, kept current by Roost.",
  },
] as const;

/** Queued at install (afterAuth): the definitions are made by the queue, retried if Shopify is away. */
export async function queueMetafieldDefinitions(db: Database, shopId: string, now: Date): Promise<void> {
  await enqueue(db, { queue: DEFINITIONS_QUEUE, key: shopId, shopId, payload: {} }, now);
}

export function metafieldDefinitionsQueue(deps: { adminFor: AdminClientFactory; adminBudget?: AdminBudget; sleep?: Sleep }): QueueDefinition {
  const budget = deps.adminBudget ?? memoryAdminBudget();
  return {
    queue: DEFINITIONS_QUEUE,
    async run([job], { db, clock, logger }) {
      const { shop, admin } = await installedShopAdmin(deps, budget, { db, clock }, job.shopId);
      for (const definition of CUSTOMER_METAFIELD_DEFINITIONS) {
        const data = await admin.request<MetafieldDefinitionCreateData>(MetafieldDefinitionCreateMutation, {
          definition: { ...definition, ownerType: "CUSTOMER", access: { storefront: "PUBLIC_READ", customerAccount: "READ" } },
        });
        const errors = (data.metafieldDefinitionCreate?.userErrors ?? []).filter((error) => error.code !== "TAKEN");
        if (errors.length > 0) throw new AdminUserErrors(errors);
      }
      logger.info({ shop: shop.domain }, "customer metafield definitions in place");
    },
  };
}
