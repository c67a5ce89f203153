import type { LedgerDeps } from "../ledger/types";
import { currentCapStore } from "../ledger/runtime.server";
import { enrolFromMirror } from "../identity/members.server";
import { settleShopifyOrder } from "../ledger/settle.server";
import {
  convertNode,
  customerFromGraphql,
  type GraphqlCustomer,
  type GraphqlInventoryLevel,
  type GraphqlLineItem,
  type GraphqlOrder,
  type GraphqlProduct,
  GraphqlShapeError,
  type GraphqlVariant,
  inventoryLevelFromGraphql,
  orderFromGraphql,
  productFromGraphql,
  refundFromGraphql,
} from "../mirror/graphql";
import { applyInventoryLevel, recordRefund, upsertCustomer, upsertOrder, upsertProduct } from "../mirror/mirror.server";
import type { UpsertOutcome } from "../mirror/records";
import type { AdminClient } from "../shopify/admin-client.server";
import type { Shop } from "../shops/shops.server";
import { fetchRefunds, type SkipHandler } from "./admin-fetch.server";
import type { SyncDeps } from "./deps.server";

// Admin API objects → the mirror, shared by backfill and reconciliation. Everything goes
// through the mirror's upserts, so a newer webhook always wins and replays change nothing.
// Then the same ledger steps the webhook handlers take (topics.server.ts): a customer may
// become a member, an order is settled (award once when paid, claw-backs per refund,
// cancellation). Those are idempotent, so a batch applied twice after a crash settles once.

export const isRepair = (outcome: UpsertOutcome): boolean => outcome === "created" || outcome === "updated";

const ledgerDeps = (deps: SyncDeps): LedgerDeps => ({ db: deps.db, clock: deps.clock, logger: deps.logger, capStore: currentCapStore() });

export async function applyProduct(
  deps: SyncDeps,
  shop: Shop,
  product: GraphqlProduct,
  variants: readonly GraphqlVariant[],
  levels: readonly { inventoryItemGid: string; level: GraphqlInventoryLevel }[],
): Promise<UpsertOutcome> {
  const record = convertNode(`Product ${product.id}`, () => productFromGraphql(product, variants, shop.currency));
  const outcome = await upsertProduct(deps.db, shop, record);
  // Levels carry their own timestamps: applied even when the product itself was unchanged.
  for (const { inventoryItemGid, level } of levels) await applyInventoryLevel(deps.db, shop, inventoryLevelFromGraphql(inventoryItemGid, level));
  return outcome;
}

/**
 * `enrol: "always"` (backfill) also enrols a customer the mirror already had, so a batch applied
 * again after a crash enrols what the first attempt did not get to; "changed" (reconciliation)
 * only what this upsert created or updated.
 */
export async function applyCustomer(deps: SyncDeps, shop: Shop, customer: GraphqlCustomer, enrol: "always" | "changed"): Promise<UpsertOutcome> {
  const outcome = await upsertCustomer(deps.db, shop, convertNode(`Customer ${customer.id}`, () => customerFromGraphql(customer)));
  if (enrol === "always" || isRepair(outcome)) await enrolFromMirror(deps.db, shop, customer.id);
  return outcome;
}

/**
 * Orders with their complete line lists. The checkout token is REST-only (webhooks carry it,
 * the Admin GraphQL API does not), so a token the mirror already holds is kept.
 */
export async function applyOrders(
  deps: SyncDeps,
  shop: Shop,
  orders: readonly { order: GraphqlOrder; lines: readonly GraphqlLineItem[] }[],
  options: { backfilled: boolean; skip?: SkipHandler },
): Promise<UpsertOutcome[]> {
  if (orders.length === 0) return [];
  const { db } = deps;
  const known = await db.order.findMany({
    where: { shopId: shop.id, gid: { in: orders.map(({ order }) => order.id) }, checkoutToken: { not: null } },
    select: { gid: true, checkoutToken: true },
  });
  const tokens = new Map(known.map((order) => [order.gid, order.checkoutToken]));
  const outcomes: UpsertOutcome[] = [];
  for (const { order, lines } of orders) {
    let record;
    try {
      record = convertNode(`Order ${order.id}`, () => orderFromGraphql(order, lines));
    } catch (error) {
      if (!options.skip || !(error instanceof GraphqlShapeError)) throw error;
      options.skip(error);
      continue;
    }
    record.checkoutToken = tokens.get(order.id) ?? null;
    outcomes.push((await upsertOrder(db, shop, record, { backfilled: options.backfilled })).outcome);
    await settleShopifyOrder(ledgerDeps(deps), shop, order.id);
  }
  return outcomes;
}

export interface RefundRef {
  id: string;
  orderGid: string;
  /** Used when Shopify leaves the refund's `createdAt` null. */
  fallbackProcessedAt: Date;
}

/**
 * Records the refunds the mirror does not hold yet (a refund never changes once created),
 * fetching their refunded lines from the Admin API, and settles their orders. Resolves with
 * how many were created.
 */
export async function applyMissingRefunds(deps: SyncDeps, shop: Shop, admin: AdminClient, refs: readonly RefundRef[]): Promise<number> {
  if (refs.length === 0) return 0;
  const { db, logger } = deps;
  const byId = new Map(refs.map((ref) => [ref.id, ref]));
  const known = await db.refund.findMany({ where: { shopId: shop.id, gid: { in: [...byId.keys()] } }, select: { gid: true } });
  for (const refund of known) byId.delete(refund.gid);
  if (byId.size === 0) return 0;
  let created = 0;
  const skip: SkipHandler = (error) => logger.warn({ reason: error.message }, "skipped a refund Roost cannot read");
  for (const refund of await fetchRefunds(admin, [...byId.keys()], skip)) {
    const ref = byId.get(refund.id);
    if (!ref) continue;
    let record;
    try {
      record = convertNode(`Refund ${refund.id}`, () => refundFromGraphql(refund, ref.orderGid, ref.fallbackProcessedAt));
    } catch (error) {
      if (!(error instanceof GraphqlShapeError)) throw error;
      skip(error);
      continue;
    }
    const result = await recordRefund(db, shop, record);
    if (result.outcome === "created") created += 1;
    if (result.applied) await settleShopifyOrder(ledgerDeps(deps), shop, ref.orderGid);
    else logger.info({ refund: refund.id, order: ref.orderGid }, "refund parked until its order arrives");
  }
  return created;
}
