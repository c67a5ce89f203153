import { afterSignal } from "../cohorts/hook.server";
import type { Database } from "../../db.server";
import { applyInventoryLevel as mirrorInventoryLevel, deleteProduct, recomputeLowStock, upsertProduct } from "../mirror/mirror.server";
import type { InventoryLevelRecord, ProductRecord, UpsertOutcome } from "../mirror/records";
import type { SignalDeps, SignalShop } from "./deps";

// Products and stock, from every source: the mirror, then cohorts. Neither identity nor the
// ledger reads the catalogue.

/**
 * A product with its variants, then the per-location levels the source gave with it (backfill
 * and reconciliation do; webhooks send levels on their own). Levels carry their own timestamps:
 * they apply even when the product itself was unchanged.
 */
export async function applyProduct(deps: SignalDeps, shop: SignalShop, record: ProductRecord, levels: readonly InventoryLevelRecord[] = []): Promise<UpsertOutcome> {
  const outcome = await upsertProduct(deps.db, shop, record);
  await afterSignal(deps, shop, { kind: "product", outcome, productGid: record.gid });
  for (const level of levels) await applyInventoryLevel(deps, shop, level);
  return outcome;
}

/** One inventory level (inventory_levels/update, the backfill's inventory file). */
export async function applyInventoryLevel(deps: SignalDeps, shop: SignalShop, level: InventoryLevelRecord): Promise<UpsertOutcome> {
  const outcome = await mirrorInventoryLevel(deps.db, shop, level);
  await afterSignal(deps, shop, { kind: "inventory-level", outcome, level });
  return outcome;
}

/** products/delete: the product and its variants become tombstones. */
export async function applyProductDeletion(deps: SignalDeps, shop: SignalShop, productGid: string, at: Date): Promise<void> {
  await deleteProduct(deps.db, shop, productGid, at);
  await afterSignal(deps, shop, { kind: "product-deleted", productGid, at });
}

/** The merchant changed the shop's low-stock threshold: every variant's flag follows it. */
export async function applyLowStockThreshold(db: Database, shop: { id: string }, lowStockThreshold: number): Promise<void> {
  await recomputeLowStock(db, shop.id, lowStockThreshold);
  await afterSignal({ db }, shop, { kind: "low-stock-threshold", lowStockThreshold });
}
