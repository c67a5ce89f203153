import type { Database } from "../../db.server";
import { parseShopSettings } from "../shops/settings";
import { orderEligible, lineEligible, refundEligible } from "./eligible";
import type {
  CustomerRecord,
  InventoryLevelRecord,
  OrderRecord,
  ProductRecord,
  RefundRecord,
  UpsertOutcome,
  VariantRecord,
} from "./records";

/** The shop as the mirror needs it. */
export interface MirrorShop {
  id: string;
  currency: string;
  settings: string;
}

type Tx = Parameters<Parameters<Database["$transaction"]>[0]>[0];

/** Newer wins; the same timestamp again changes nothing; a tombstone is final. */
function compare(existing: { shopifyUpdatedAt: Date; deletedAt: Date | null } | null, incoming: Date): UpsertOutcome | null {
  if (!existing) return null;
  if (existing.deletedAt) return "stale";
  if (existing.shopifyUpdatedAt.getTime() > incoming.getTime()) return "stale";
  if (existing.shopifyUpdatedAt.getTime() === incoming.getTime()) return "unchanged";
  return null;
}

// ------------------------------------------------------------------- catalogue

export async function upsertProduct(db: Database, shop: MirrorShop, record: ProductRecord): Promise<UpsertOutcome> {
  const { lowStockThreshold } = parseShopSettings(shop.settings);
  return db.$transaction(async (tx): Promise<UpsertOutcome> => {
    const existing = await tx.product.findUnique({ where: { shopId_gid: { shopId: shop.id, gid: record.gid } } });
    const skip = compare(existing, record.updatedAt);
    if (skip) return skip;
    const data = { title: record.title, handle: record.handle, status: record.status, shopifyUpdatedAt: record.updatedAt };
    await tx.product.upsert({
      where: { shopId_gid: { shopId: shop.id, gid: record.gid } },
      create: { shopId: shop.id, gid: record.gid, ...data },
      update: data,
    });
    if (record.variants) {
      for (const variant of record.variants) await upsertVariant(tx, shop.id, record.gid, variant, lowStockThreshold);
      // A product payload lists all its variants: the ones missing were deleted.
      await tx.variant.updateMany({
        where: { shopId: shop.id, productGid: record.gid, deletedAt: null, gid: { notIn: record.variants.map((variant) => variant.gid) } },
        data: { deletedAt: record.updatedAt },
      });
    }
    return existing ? "updated" : "created";
  });
}

async function upsertVariant(tx: Tx, shopId: string, productGid: string, record: VariantRecord, threshold: number) {
  const existing = await tx.variant.findUnique({ where: { shopId_gid: { shopId, gid: record.gid } } });
  if (compare(existing, record.updatedAt)) return;
  const levels = record.inventoryItemGid
    ? await tx.inventoryLevel.aggregate({ where: { shopId, inventoryItemGid: record.inventoryItemGid }, _sum: { available: true }, _count: true })
    : null;
  // Per-location levels are the truth once known; otherwise the payload's total.
  const available = levels && levels._count > 0 ? (levels._sum.available ?? 0) : (record.inventoryQuantity ?? existing?.available ?? 0);
  const data = {
    productGid,
    title: record.title,
    sku: record.sku,
    price: record.price,
    inventoryItemGid: record.inventoryItemGid,
    available,
    lowStock: available <= threshold,
    shopifyUpdatedAt: record.updatedAt,
  };
  await tx.variant.upsert({
    where: { shopId_gid: { shopId, gid: record.gid } },
    create: { shopId, gid: record.gid, ...data },
    update: data,
  });
}

export async function deleteProduct(db: Database, shop: MirrorShop, gid: string, at: Date): Promise<UpsertOutcome> {
  return db.$transaction(async (tx) => {
    await tx.product.upsert({
      where: { shopId_gid: { shopId: shop.id, gid } },
      create: { shopId: shop.id, gid, title: "", shopifyUpdatedAt: at, deletedAt: at },
      update: { deletedAt: at },
    });
    await tx.variant.updateMany({ where: { shopId: shop.id, productGid: gid, deletedAt: null }, data: { deletedAt: at } });
    return "deleted" as const;
  });
}

export async function applyInventoryLevel(db: Database, shop: MirrorShop, record: InventoryLevelRecord): Promise<UpsertOutcome> {
  const { lowStockThreshold } = parseShopSettings(shop.settings);
  return db.$transaction(async (tx): Promise<UpsertOutcome> => {
    const key = { shopId_inventoryItemGid_locationGid: { shopId: shop.id, inventoryItemGid: record.inventoryItemGid, locationGid: record.locationGid } };
    const existing = await tx.inventoryLevel.findUnique({ where: key });
    if (existing && existing.shopifyUpdatedAt.getTime() > record.updatedAt.getTime()) return "stale";
    if (existing && existing.shopifyUpdatedAt.getTime() === record.updatedAt.getTime() && existing.available === record.available) return "unchanged";
    await tx.inventoryLevel.upsert({
      where: key,
      create: { shopId: shop.id, inventoryItemGid: record.inventoryItemGid, locationGid: record.locationGid, available: record.available, shopifyUpdatedAt: record.updatedAt },
      update: { available: record.available, shopifyUpdatedAt: record.updatedAt },
    });
    await refreshAvailability(tx, shop.id, record.inventoryItemGid, lowStockThreshold);
    return existing ? "updated" : "created";
  });
}

async function refreshAvailability(tx: Tx, shopId: string, inventoryItemGid: string, threshold: number) {
  const total = await tx.inventoryLevel.aggregate({ where: { shopId, inventoryItemGid }, _sum: { available: true } });
  const available = total._sum.available ?? 0;
  await tx.variant.updateMany({ where: { shopId, inventoryItemGid }, data: { available, lowStock: available <= threshold } });
}

/** After the merchant changes the threshold, every variant's flag follows. */
export async function recomputeLowStock(db: Database, shop: MirrorShop): Promise<void> {
  const { lowStockThreshold } = parseShopSettings(shop.settings);
  await db.$transaction([
    db.variant.updateMany({ where: { shopId: shop.id, available: { lte: lowStockThreshold } }, data: { lowStock: true } }),
    db.variant.updateMany({ where: { shopId: shop.id, available: { gt: lowStockThreshold } }, data: { lowStock: false } }),
  ]);
}

// ------------------------------------------------------------------- customers

export async function upsertCustomer(db: Database, shop: MirrorShop, record: CustomerRecord): Promise<UpsertOutcome> {
  const where = { shopId_gid: { shopId: shop.id, gid: record.gid } };
  const existing = await db.customer.findUnique({ where });
  const skip = compare(existing, record.updatedAt);
  if (skip) return skip;
  const data = {
    email: existing?.redactedAt ? null : record.email,
    firstName: existing?.redactedAt ? null : record.firstName,
    lastName: existing?.redactedAt ? null : record.lastName,
    shopifyUpdatedAt: record.updatedAt,
    ...(record.tags ? { tags: JSON.stringify(record.tags) } : {}),
    ...(record.ordersCount !== null ? { ordersCount: record.ordersCount } : {}),
    ...(record.totalSpent !== null ? { totalSpent: record.totalSpent } : {}),
  };
  await db.customer.upsert({ where, create: { shopId: shop.id, gid: record.gid, ...data }, update: data });
  return existing ? "updated" : "created";
}

export async function deleteCustomer(db: Database, shop: MirrorShop, gid: string, at: Date): Promise<UpsertOutcome> {
  await db.customer.upsert({
    where: { shopId_gid: { shopId: shop.id, gid } },
    create: { shopId: shop.id, gid, shopifyUpdatedAt: at, deletedAt: at },
    update: { deletedAt: at },
  });
  return "deleted";
}

/** customer.tags_added / customer.tags_removed: tags are compared case-insensitively, as Shopify does. */
export async function changeCustomerTags(
  db: Database,
  shop: MirrorShop,
  change: { gid: string; add?: string[]; remove?: string[] },
): Promise<UpsertOutcome> {
  const where = { shopId_gid: { shopId: shop.id, gid: change.gid } };
  const existing = await db.customer.findUnique({ where });
  if (existing?.deletedAt) return "stale";
  const tags: string[] = existing ? JSON.parse(existing.tags) : [];
  const lower = (tag: string) => tag.toLowerCase();
  const removed = new Set((change.remove ?? []).map(lower));
  const next = tags.filter((tag) => !removed.has(lower(tag)));
  for (const tag of change.add ?? []) if (!next.some((current) => lower(current) === lower(tag))) next.push(tag);
  if (existing && JSON.stringify(next) === existing.tags) return "unchanged";
  // A tag event can precede the customer's own webhook: keep a stub any real payload overrides.
  await db.customer.upsert({
    where,
    create: { shopId: shop.id, gid: change.gid, tags: JSON.stringify(next), shopifyUpdatedAt: new Date(0) },
    update: { tags: JSON.stringify(next) },
  });
  return existing ? "updated" : "created";
}

/** customers/purchasing_summary (API 2025-01+): order count and total spent, off the customer payload. */
export async function updatePurchasingSummary(
  db: Database,
  shop: MirrorShop,
  summary: { gid: string; ordersCount: number; totalSpent: number },
): Promise<UpsertOutcome> {
  const where = { shopId_gid: { shopId: shop.id, gid: summary.gid } };
  const existing = await db.customer.findUnique({ where });
  if (existing?.deletedAt) return "stale";
  const data = { ordersCount: summary.ordersCount, totalSpent: summary.totalSpent };
  await db.customer.upsert({ where, create: { shopId: shop.id, gid: summary.gid, shopifyUpdatedAt: new Date(0), ...data }, update: data });
  return existing ? "updated" : "created";
}

/**
 * customers/merge: the deleted customer's orders now belong to the kept one, its tags join the
 * kept customer's, and it becomes a tombstone.
 */
export async function mergeCustomers(db: Database, shop: MirrorShop, keptGid: string, deletedGid: string, at: Date): Promise<void> {
  await db.$transaction(async (tx) => {
    const [kept, deleted] = await Promise.all([
      tx.customer.findUnique({ where: { shopId_gid: { shopId: shop.id, gid: keptGid } } }),
      tx.customer.findUnique({ where: { shopId_gid: { shopId: shop.id, gid: deletedGid } } }),
    ]);
    const tags: string[] = kept ? JSON.parse(kept.tags) : [];
    for (const tag of deleted ? (JSON.parse(deleted.tags) as string[]) : []) {
      if (!tags.some((current) => current.toLowerCase() === tag.toLowerCase())) tags.push(tag);
    }
    await tx.customer.upsert({
      where: { shopId_gid: { shopId: shop.id, gid: keptGid } },
      create: { shopId: shop.id, gid: keptGid, tags: JSON.stringify(tags), shopifyUpdatedAt: new Date(0) },
      update: { tags: JSON.stringify(tags) },
    });
    await tx.order.updateMany({ where: { shopId: shop.id, customerGid: deletedGid }, data: { customerGid: keptGid } });
    await tx.customer.upsert({
      where: { shopId_gid: { shopId: shop.id, gid: deletedGid } },
      create: { shopId: shop.id, gid: deletedGid, shopifyUpdatedAt: at, deletedAt: at },
      update: { deletedAt: at },
    });
  });
}

// ------------------------------------------------------------------- orders and refunds

export interface OrderUpsertResult {
  outcome: UpsertOutcome;
  /** Refunds that were parked waiting for this order and are now applied. */
  appliedRefundGids: string[];
}

export async function upsertOrder(
  db: Database,
  shop: MirrorShop,
  record: OrderRecord,
  options: { backfilled?: boolean } = {},
): Promise<OrderUpsertResult> {
  const { countShipping } = parseShopSettings(shop.settings);
  const amounts = orderEligible(record, { countShipping });
  return db.$transaction(async (tx): Promise<OrderUpsertResult> => {
    const where = { shopId_gid: { shopId: shop.id, gid: record.gid } };
    const existing = await tx.order.findUnique({ where });
    const skip = compare(existing, record.updatedAt);
    if (skip) return { outcome: skip, appliedRefundGids: [] };
    const data = {
      name: record.name,
      customerGid: record.customer?.gid ?? null,
      email: record.email,
      // GraphQL (backfill, reconciliation) has no checkout token: keep the webhook's.
      checkoutToken: record.checkoutToken ?? existing?.checkoutToken ?? null,
      financialStatus: record.financialStatus,
      fulfillmentStatus: record.fulfillmentStatus,
      processedAt: record.processedAt,
      cancelledAt: record.cancelledAt,
      test: record.test,
      sourceName: record.sourceName,
      currency: record.currency,
      taxesIncluded: record.taxesIncluded,
      shippingAmount: record.shippingAmount,
      ...amounts,
      shopifyUpdatedAt: record.updatedAt,
    };
    const order = await tx.order.upsert({
      where,
      // A live delivery of a backfilled order does not make it live, nor the reverse.
      create: { shopId: shop.id, gid: record.gid, backfilled: options.backfilled ?? false, ...data },
      update: data,
    });
    await tx.orderLine.deleteMany({ where: { orderId: order.id } });
    await tx.orderLine.createMany({
      data: record.lines.map((line) => ({ shopId: shop.id, orderId: order.id, ...line, eligible: lineEligible(line, record.taxesIncluded) })),
    });
    if (record.customer) {
      // The order's customer snapshot seeds the mirror; the customer's own webhook (newer) wins.
      await tx.customer.upsert({
        where: { shopId_gid: { shopId: shop.id, gid: record.customer.gid } },
        create: {
          shopId: shop.id,
          gid: record.customer.gid,
          email: record.customer.email,
          firstName: record.customer.firstName,
          lastName: record.customer.lastName,
          shopifyUpdatedAt: new Date(0),
        },
        update: {},
      });
    }
    const parked = await tx.refund.findMany({ where: { shopId: shop.id, orderGid: record.gid, eligibleAmount: null } });
    for (const refund of parked) {
      await tx.refund.update({
        where: { id: refund.id },
        data: { eligibleAmount: refundEligible(JSON.parse(refund.lines), record.taxesIncluded), appliedAt: new Date() },
      });
    }
    return { outcome: existing ? "updated" : "created", appliedRefundGids: parked.map((refund) => refund.gid) };
  });
}

/**
 * A live orders/create or orders/paid delivery proves the order is new business, even when a
 * backfill running at the same moment stored it first: it is no longer "backfilled".
 */
export async function markOrderLive(db: Database, shop: MirrorShop, gid: string): Promise<void> {
  await db.order.updateMany({ where: { shopId: shop.id, gid, backfilled: true }, data: { backfilled: false } });
}

export interface RefundResult {
  outcome: UpsertOutcome;
  /** false when the order is not known yet: the refund is parked until it arrives. */
  applied: boolean;
}

export async function recordRefund(db: Database, shop: MirrorShop, record: RefundRecord): Promise<RefundResult> {
  return db.$transaction(async (tx): Promise<RefundResult> => {
    const existing = await tx.refund.findUnique({ where: { shopId_gid: { shopId: shop.id, gid: record.gid } } });
    if (existing) return { outcome: "unchanged", applied: existing.eligibleAmount !== null };
    const order = await tx.order.findUnique({ where: { shopId_gid: { shopId: shop.id, gid: record.orderGid } } });
    await tx.refund.create({
      data: {
        shopId: shop.id,
        gid: record.gid,
        orderGid: record.orderGid,
        lines: JSON.stringify(record.lines),
        processedAt: record.processedAt,
        eligibleAmount: order ? refundEligible(record.lines, order.taxesIncluded) : null,
        appliedAt: order ? new Date() : null,
      },
    });
    return { outcome: "created", applied: !!order };
  });
}
