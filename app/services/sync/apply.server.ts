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
import type { UpsertOutcome } from "../mirror/records";
import type { AdminClient } from "../shopify/admin-client.server";
import type { Shop } from "../shops/shops.server";
import { applyInventoryLevel as applyLevelSignal, applyProduct as applyProductSignal } from "../signals/catalogue.server";
import { applyCustomer as applyCustomerSignal } from "../signals/customers.server";
import type { SignalDeps } from "../signals/deps";
import { applyOrder, applyRefund } from "../signals/orders.server";
import { fetchRefunds, type SkipHandler } from "./admin-fetch.server";
import type { SyncDeps } from "./deps.server";

// Admin API objects → the store signals (app/services/signals), shared by backfill and
// reconciliation: the same path the webhook handlers take. The mirror's upserts make a newer
// webhook win and replays change nothing; then a customer may become a member, an order is
// settled (award once when paid, claw-backs per refund, cancellation). Those are idempotent,
// so a batch applied twice after a crash settles once.

export const isRepair = (outcome: UpsertOutcome): boolean => outcome === "created" || outcome === "updated";

const signalDeps = (deps: SyncDeps): SignalDeps => ({ db: deps.db, clock: deps.clock, logger: deps.logger, capStore: deps.capStore });

export async function applyProduct(
  deps: SyncDeps,
  shop: Shop,
  product: GraphqlProduct,
  variants: readonly GraphqlVariant[],
  levels: readonly { inventoryItemGid: string; level: GraphqlInventoryLevel }[],
): Promise<UpsertOutcome> {
  const record = convertNode(`Product ${product.id}`, () => productFromGraphql(product, variants, shop.currency));
  return applyProductSignal(signalDeps(deps), shop, record, levels.map(({ inventoryItemGid, level }) => inventoryLevelFromGraphql(inventoryItemGid, level)));
}

/** One inventory level of the backfill's inventory file. */
export async function applyInventoryLevel(deps: SyncDeps, shop: Shop, inventoryItemGid: string, level: GraphqlInventoryLevel): Promise<UpsertOutcome> {
  return applyLevelSignal(signalDeps(deps), shop, inventoryLevelFromGraphql(inventoryItemGid, level));
}

/**
 * `enrol: "always"` (backfill) also enrols a customer the mirror already had, so a batch applied
 * again after a crash enrols what the first attempt did not get to; "changed" (reconciliation)
 * only what this upsert created or updated.
 */
export async function applyCustomer(deps: SyncDeps, shop: Shop, customer: GraphqlCustomer, enrol: "always" | "changed"): Promise<UpsertOutcome> {
  const record = convertNode(`Customer ${customer.id}`, () => customerFromGraphql(customer));
  return (await applyCustomerSignal(signalDeps(deps), shop, record, { enrol })).outcome;
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
    outcomes.push((await applyOrder(signalDeps(deps), shop, record, { backfilled: options.backfilled })).mirror.outcome);
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
    if ((await applyRefund(signalDeps(deps), shop, record)).outcome === "created") created += 1;
  }
  return created;
}
