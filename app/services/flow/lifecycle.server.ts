import type { Database } from "../../db.server";
import { findShop } from "../shops/shops.server";
import { flowTriggerNamed } from "./triggers";

// Flow's trigger lifecycle callback (docs/flow.md): whether a shop has an enabled workflow on one
// of Roost's triggers. Roost queues triggers only for those (FlowTrigger.enabled).

export interface TriggerUse {
  /** `flow_trigger_definition_id`: the trigger's handle (or its name, for older triggers). */
  triggerId: string;
  enabled: boolean;
  /** `shop_id`: Shopify's numeric id of the shop. */
  shopNumericId: string;
  shopDomain: string;
  /** `timestamp`: a newer notification takes precedence, an older one is ignored. */
  at: Date;
}

export type TriggerUseResult =
  | { outcome: "recorded"; handle: string }
  | { outcome: "stale"; handle: string }
  | { outcome: "unknown_trigger" }
  | { outcome: "unknown_shop" }
  | { outcome: "shop_mismatch" };

export async function recordTriggerUse(db: Database, use: TriggerUse): Promise<TriggerUseResult> {
  const trigger = flowTriggerNamed(use.triggerId);
  if (!trigger) return { outcome: "unknown_trigger" };
  const shop = await findShop(db, use.shopDomain);
  if (!shop) return { outcome: "unknown_shop" };
  // Signed by Shopify, but a shop whose id Roost knows must be the one named.
  if (shop.shopifyGid && shop.shopifyGid !== `gid://shopify/Shop/${use.shopNumericId}`) return { outcome: "shop_mismatch" };
  const handle = trigger.handle;
  return db.$transaction(async (tx) => {
    const current = await tx.flowTrigger.findUnique({ where: { shopId_handle: { shopId: shop.id, handle } }, select: { updatedAt: true } });
    if (current && current.updatedAt >= use.at) return { outcome: "stale", handle } as const;
    await tx.flowTrigger.upsert({
      where: { shopId_handle: { shopId: shop.id, handle } },
      create: { shopId: shop.id, handle, enabled: use.enabled, updatedAt: use.at },
      update: { enabled: use.enabled, updatedAt: use.at },
    });
    return { outcome: "recorded", handle } as const;
  });
}

/** The triggers a shop has in use, by handle (operators, tests). */
export async function triggersInUse(db: Database, shopId: string): Promise<string[]> {
  const rows = await db.flowTrigger.findMany({ where: { shopId, enabled: true }, select: { handle: true }, orderBy: { handle: "asc" } });
  return rows.map((row) => row.handle);
}
