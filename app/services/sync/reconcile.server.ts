import { z } from "zod";
import type { Database } from "../../db.server";
import { graphqlCustomer, GraphqlShapeError, parseNode } from "../mirror/graphql";
import type { Logger } from "../../lib/logger.server";
import type { AdminClient } from "../shopify/admin-client.server";
import { requireActiveShop, type Shop } from "../shops/shops.server";
import { fetchOrders, fetchProducts, pages } from "./admin-fetch.server";
import { applyCustomer, applyMissingRefunds, applyOrders, applyProduct, isRepair, type RefundRef } from "./apply.server";
import { adminFor, errorMessage, type SyncDeps } from "./deps.server";
import { CUSTOMERS_PAGE, ORDERS_PAGE, PRODUCTS_PAGE } from "./queries";

/**
 * Reconciliation: asks the Admin API for the orders, customers and products updated since the
 * last completed pass (minus an overlap) and repairs what webhooks missed, through the same
 * mirror upserts. A record counts as repaired when its upsert created or updated it; a
 * refund when it was recorded. Lists are fetched as ids and timestamps first, and details
 * only for what the mirror lacks or holds in an older version.
 */

/** The first pass looks this far back. */
export const FIRST_WINDOW_MS = 24 * 60 * 60 * 1000;
/** Each pass starts this long before the previous one did, so nothing falls between two. */
export const OVERLAP_MS = 5 * 60 * 1000;

export interface Repaired {
  orders: number;
  customers: number;
  products: number;
  refunds: number;
}

export interface ReconcileResult {
  shop: string;
  since: Date;
  repaired: Repaired;
}

/** Where the next pass starts: the last completed pass's start minus the overlap, or 24 h back. */
export async function nextReconcileSince(db: Database, shopId: string, now: Date): Promise<Date> {
  const last = await db.reconcileRun.findFirst({ where: { shopId, status: "completed" }, orderBy: { startedAt: "desc" } });
  const since = last ? new Date(last.startedAt.getTime() - OVERLAP_MS) : new Date(now.getTime() - FIRST_WINDOW_MS);
  // Shopify keeps whole seconds; `updated_at:>'T'` with a whole-second T.
  return new Date(Math.floor(since.getTime() / 1000) * 1000);
}

/**
 * One reconciliation pass. The server runs them from the shop's sync job (one at a time per
 * shop, across processes); a pass the CLI starts meanwhile may overlap it, which is safe: every
 * write is the mirror's newer-wins upsert through the signal seam.
 */
export async function reconcile(deps: SyncDeps, shopDomain: string, options: { since?: Date } = {}): Promise<ReconcileResult> {
  const shop = await requireActiveShop(deps.db, shopDomain);
  const { db, clock } = deps;
  const startedAt = clock.now();
  const since = options.since ?? (await nextReconcileSince(db, shop.id, startedAt));
  const run = await db.reconcileRun.create({ data: { shopId: shop.id, since, status: "running", startedAt } });
  const logger = deps.logger.child({ shop: shop.domain, reconcileRun: run.id });
  const repaired: Repaired = { orders: 0, customers: 0, products: 0, refunds: 0 };
  try {
    const admin = await adminFor(deps, shop.domain);
    const query = `updated_at:>'${since.toISOString().replace(/\.\d{3}Z$/, "Z")}'`;
    await reconcileCustomers(deps, shop, admin, query, repaired);
    await reconcileProducts(deps, shop, admin, query, repaired);
    await reconcileOrders({ ...deps, logger }, shop, admin, query, repaired);
  } catch (error) {
    await db.reconcileRun.update({
      where: { id: run.id },
      data: { status: "failed", error: errorMessage(error), repaired: JSON.stringify(repaired), finishedAt: clock.now() },
    });
    logger.warn({ err: error, repaired }, "reconciliation failed");
    throw error;
  }
  await db.reconcileRun.update({ where: { id: run.id }, data: { status: "completed", repaired: JSON.stringify(repaired), finishedAt: clock.now() } });
  if (Object.values(repaired).some((count) => count > 0)) logger.info({ since, repaired }, "reconciliation repaired the mirror");
  return { shop: shop.domain, since, repaired };
}

async function reconcileCustomers(deps: SyncDeps, shop: Shop, admin: AdminClient, query: string, repaired: Repaired) {
  for await (const nodes of pages(admin, CUSTOMERS_PAGE, "customers", { query })) {
    for (const node of nodes) {
      await skipUnreadable(deps.logger, async () => {
        if (isRepair(await applyCustomer(deps, shop, parseNode(graphqlCustomer, node, "Customer"), "changed"))) repaired.customers += 1;
      });
    }
  }
}

/** A record Roost cannot read is logged and skipped, so one bad record does not stop every pass. */
async function skipUnreadable(logger: Logger, apply: () => Promise<void>): Promise<void> {
  try {
    await apply();
  } catch (error) {
    if (!(error instanceof GraphqlShapeError)) throw error;
    logger.warn({ reason: error.message }, "reconciliation skipped a record it cannot read");
  }
}

const skipper = (logger: Logger) => (error: GraphqlShapeError) =>
  logger.warn({ reason: error.message }, "reconciliation skipped a record it cannot read");

const stamp = z.object({ id: z.string(), updatedAt: z.string().datetime({ offset: true }).transform((value) => new Date(value)) });
const orderStamp = stamp.extend({ refunds: z.array(z.object({ id: z.string() })).default([]) });

/** Ids whose mirror copy is missing or older than Shopify's (a tombstone is final). */
function outdated(
  rows: { gid: string; shopifyUpdatedAt: Date; deletedAt: Date | null }[],
  listed: { id: string; updatedAt: Date }[],
): string[] {
  const mirror = new Map(rows.map((row) => [row.gid, row]));
  return listed
    .filter((item) => {
      const row = mirror.get(item.id);
      return !row || (!row.deletedAt && row.shopifyUpdatedAt.getTime() < item.updatedAt.getTime());
    })
    .map((item) => item.id);
}

async function reconcileProducts(deps: SyncDeps, shop: Shop, admin: AdminClient, query: string, repaired: Repaired) {
  const { db } = deps;
  for await (const nodes of pages(admin, PRODUCTS_PAGE, "products", { query })) {
    const listed = nodes.map((node) => parseNode(stamp, node, "Product id"));
    const rows = await db.product.findMany({
      where: { shopId: shop.id, gid: { in: listed.map((item) => item.id) } },
      select: { gid: true, shopifyUpdatedAt: true, deletedAt: true },
    });
    for (const { product, variants, levels } of await fetchProducts(admin, outdated(rows, listed), skipper(deps.logger))) {
      await skipUnreadable(deps.logger, async () => {
        if (isRepair(await applyProduct(deps, shop, product, variants, levels))) repaired.products += 1;
      });
    }
  }
}

async function reconcileOrders(deps: SyncDeps, shop: Shop, admin: AdminClient, query: string, repaired: Repaired) {
  const { db } = deps;
  for await (const nodes of pages(admin, ORDERS_PAGE, "orders", { query })) {
    const listed = nodes.map((node) => parseNode(orderStamp, node, "Order"));
    const ids = listed.map((item) => item.id);
    const rows = await db.order.findMany({ where: { shopId: shop.id, gid: { in: ids } }, select: { gid: true, shopifyUpdatedAt: true, deletedAt: true } });
    const fetched = await fetchOrders(admin, outdated(rows, listed), skipper(deps.logger));
    const outcomes = await applyOrders(deps, shop, fetched, { backfilled: false, skip: skipper(deps.logger) });
    repaired.orders += outcomes.filter(isRepair).length;
    // Refunds never change once made: record the ones the mirror does not hold.
    const refunds: RefundRef[] = listed.flatMap((item) =>
      item.refunds.map((refund) => ({ id: refund.id, orderGid: item.id, fallbackProcessedAt: item.updatedAt })),
    );
    repaired.refunds += await applyMissingRefunds(deps, shop, admin, refunds);
  }
}
