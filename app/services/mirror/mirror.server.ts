import { type Database, type Db, inTransaction, isSqlite, type Tx } from "../../db.server";
import { parseShopSettings } from "../program/settings";
import { orderEligible, lineEligible, refundEligible } from "./eligible";
import type { CustomerRecord, InventoryLevelRecord, OrderRecord, ProductRecord, RefundRecord, UpsertOutcome, VariantRecord } from "./records";

/** The shop as the mirror needs it. */
export interface MirrorShop {
  id: string;
  currency: string;
  settings: string;
}

export type OrderRow = Awaited<ReturnType<Database["order"]["findUniqueOrThrow"]>>;
export type RefundRow = Awaited<ReturnType<Database["refund"]["findUniqueOrThrow"]>>;
type CustomerRow = Awaited<ReturnType<Database["customer"]["findUniqueOrThrow"]>>;

/** A customer as the mirror holds it, as far as enrolment reads it. */
export type MirroredCustomer = Pick<CustomerRow, "gid" | "email" | "firstName" | "lastName" | "tags" | "deletedAt">;
const MIRRORED_CUSTOMER = { gid: true, email: true, firstName: true, lastName: true, tags: true, deletedAt: true } as const;

// Every function takes the root client or a transaction its caller opened (a whole delivery);
// those that write more than one statement run in it, or in their own when given the root.

/** Newer wins; the same timestamp again changes nothing; a tombstone is final. */
function compare(existing: { shopifyUpdatedAt: Date; deletedAt: Date | null } | null, incoming: Date): UpsertOutcome | null {
  if (!existing) return null;
  if (existing.deletedAt) return "stale";
  if (existing.shopifyUpdatedAt.getTime() > incoming.getTime()) return "stale";
  if (existing.shopifyUpdatedAt.getTime() === incoming.getTime()) return "unchanged";
  return null;
}

// ------------------------------------------------------------------- catalogue

export async function upsertProduct(db: Db, shop: MirrorShop, record: ProductRecord): Promise<UpsertOutcome> {
  const { lowStockThreshold } = parseShopSettings(shop.settings);
  return inTransaction(db, async (tx): Promise<UpsertOutcome> => {
    const existing = await tx.product.findUnique({ where: { shopId_gid: { shopId: shop.id, gid: record.gid } } });
    const skip = compare(existing, record.updatedAt);
    if (skip) return skip;
    const data = { title: record.title, handle: record.handle, status: record.status, shopifyUpdatedAt: record.updatedAt };
    await tx.product.upsert({
      where: { shopId_gid: { shopId: shop.id, gid: record.gid } },
      create: { shopId: shop.id, gid: record.gid, ...data },
      update: data,
    });
    if (record.variants) await upsertVariants(tx, shop.id, { gid: record.gid, updatedAt: record.updatedAt }, record.variants, lowStockThreshold);
    return existing ? "updated" : "created";
  });
}

/**
 * A product payload's variants. The stored variants (those listed, and those the product has)
 * and the per-location stock of the listed ones are read with one query each for the whole
 * product, not per variant; then each listed variant that is not older than what is stored is
 * written, and the product's live variants the payload no longer lists become tombstones.
 */
async function upsertVariants(
  tx: Tx,
  shopId: string,
  product: { gid: string; updatedAt: Date },
  records: VariantRecord[],
  threshold: number,
) {
  const listed = new Set(records.map((record) => record.gid));
  const stored = await tx.variant.findMany({ where: { shopId, OR: [{ productGid: product.gid }, { gid: { in: [...listed] } }] } });
  const existingByGid = new Map(stored.map((row) => [row.gid, row]));
  // A product payload lists all its variants: the ones missing were deleted.
  const removed = stored.filter((row) => row.productGid === product.gid && !row.deletedAt && !listed.has(row.gid));
  if (removed.length > 0) {
    await tx.variant.updateMany({ where: { id: { in: removed.map((row) => row.id) } }, data: { deletedAt: product.updatedAt } });
  }
  const items = [...new Set(records.flatMap((record) => (record.inventoryItemGid ? [record.inventoryItemGid] : [])))];
  const levels = items.length
    ? await tx.inventoryLevel.groupBy({ by: ["inventoryItemGid"], where: { shopId, inventoryItemGid: { in: items } }, _sum: { available: true } })
    : [];
  const levelSums = new Map(levels.map((level) => [level.inventoryItemGid, level._sum.available ?? 0]));
  for (const record of records) {
    const existing = existingByGid.get(record.gid) ?? null;
    if (compare(existing, record.updatedAt)) continue;
    const levelSum = record.inventoryItemGid ? levelSums.get(record.inventoryItemGid) : undefined;
    // Per-location levels are the truth once known; otherwise the payload's total.
    const available = levelSum ?? record.inventoryQuantity ?? existing?.available ?? 0;
    const data = {
      productGid: product.gid,
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
}

export async function deleteProduct(db: Db, shop: MirrorShop, gid: string, at: Date): Promise<UpsertOutcome> {
  return inTransaction(db, async (tx) => {
    await tx.product.upsert({
      where: { shopId_gid: { shopId: shop.id, gid } },
      create: { shopId: shop.id, gid, title: "", shopifyUpdatedAt: at, deletedAt: at },
      update: { deletedAt: at },
    });
    await tx.variant.updateMany({ where: { shopId: shop.id, productGid: gid, deletedAt: null }, data: { deletedAt: at } });
    return "deleted" as const;
  });
}

/**
 * inventory_levels/update: the level is written only when it is newer than the stored one (or
 * the same instant with another quantity), then the variants of its inventory item get the sum
 * over their locations. Two statements, no transaction: one conditional
 * `INSERT … ON CONFLICT DO UPDATE … WHERE` (it was a read, a compare and an upsert) and one
 * `UPDATE … FROM` that sums and flags (it was an aggregate and an update). Without a
 * transaction a crash between the two leaves the variants behind, so a repeat of the same
 * level ("unchanged") refreshes them again; only an older level ("stale") changes nothing.
 * Raw SQL for both databases: dates are bound as `Date`s and stored as Prisma stores its own
 * (comparable as such), booleans come from a comparison (0/1 on SQLite, boolean on PostgreSQL).
 */
export async function applyInventoryLevel(db: Db, shop: MirrorShop, record: InventoryLevelRecord): Promise<UpsertOutcome> {
  const { lowStockThreshold } = parseShopSettings(shop.settings);
  const id = crypto.randomUUID();
  const written = await db.$queryRaw<{ id: string }[]>`
    INSERT INTO "InventoryLevel" ("id", "shopId", "inventoryItemGid", "locationGid", "available", "shopifyUpdatedAt", "updatedAt")
    VALUES (${id}, ${shop.id}, ${record.inventoryItemGid}, ${record.locationGid}, ${record.available}, ${record.updatedAt}, ${new Date()})
    ON CONFLICT ("shopId", "inventoryItemGid", "locationGid") DO UPDATE
    SET "available" = excluded."available", "shopifyUpdatedAt" = excluded."shopifyUpdatedAt", "updatedAt" = excluded."updatedAt"
    WHERE "InventoryLevel"."shopifyUpdatedAt" < excluded."shopifyUpdatedAt"
       OR ("InventoryLevel"."shopifyUpdatedAt" = excluded."shopifyUpdatedAt" AND "InventoryLevel"."available" <> excluded."available")
    RETURNING "id"`;
  let outcome: UpsertOutcome;
  if (written.length > 0) {
    outcome = written[0].id === id ? "created" : "updated";
  } else {
    // Not written: an older level (stale), or this very level again (unchanged).
    const stored = await db.inventoryLevel.findUnique({
      where: { shopId_inventoryItemGid_locationGid: { shopId: shop.id, inventoryItemGid: record.inventoryItemGid, locationGid: record.locationGid } },
      select: { shopifyUpdatedAt: true },
    });
    outcome = stored && stored.shopifyUpdatedAt.getTime() > record.updatedAt.getTime() ? "stale" : "unchanged";
  }
  if (outcome !== "stale") await refreshAvailability(db, shop.id, record.inventoryItemGid, lowStockThreshold);
  return outcome;
}

async function refreshAvailability(db: Db, shopId: string, inventoryItemGid: string, threshold: number) {
  await db.$executeRaw`
    UPDATE "Variant"
    SET "available" = "levels"."total", "lowStock" = ("levels"."total" <= ${threshold}), "updatedAt" = ${new Date()}
    FROM (
      SELECT COALESCE(SUM("available"), 0) AS "total" FROM "InventoryLevel"
      WHERE "shopId" = ${shopId} AND "inventoryItemGid" = ${inventoryItemGid}
    ) AS "levels"
    WHERE "Variant"."shopId" = ${shopId} AND "Variant"."inventoryItemGid" = ${inventoryItemGid}`;
}

/** After the merchant changes the threshold, every variant's flag follows. */
export async function recomputeLowStock(db: Database, shopId: string, lowStockThreshold: number): Promise<void> {
  await db.$transaction([
    db.variant.updateMany({ where: { shopId, available: { lte: lowStockThreshold } }, data: { lowStock: true } }),
    db.variant.updateMany({ where: { shopId, available: { gt: lowStockThreshold } }, data: { lowStock: false } }),
  ]);
}

// ------------------------------------------------------------------- customers

export interface CustomerUpsertResult {
  outcome: UpsertOutcome;
  /** The customer as stored after the upsert (the stored one when it was skipped). */
  customer: MirroredCustomer;
}

export async function upsertCustomer(db: Db, shop: MirrorShop, record: CustomerRecord): Promise<CustomerUpsertResult> {
  const where = { shopId_gid: { shopId: shop.id, gid: record.gid } };
  const existing = await db.customer.findUnique({ where });
  const skip = compare(existing, record.updatedAt);
  if (skip && existing) return { outcome: skip, customer: existing };
  const data = {
    email: existing?.redactedAt ? null : record.email,
    firstName: existing?.redactedAt ? null : record.firstName,
    lastName: existing?.redactedAt ? null : record.lastName,
    shopifyUpdatedAt: record.updatedAt,
    ...(record.tags ? { tags: JSON.stringify(record.tags) } : {}),
    ...(record.ordersCount !== null ? { ordersCount: record.ordersCount } : {}),
    ...(record.totalSpent !== null ? { totalSpent: record.totalSpent } : {}),
  };
  const customer = await db.customer.upsert({ where, create: { shopId: shop.id, gid: record.gid, ...data }, update: data });
  return { outcome: existing ? "updated" : "created", customer };
}

export async function deleteCustomer(db: Db, shop: MirrorShop, gid: string, at: Date): Promise<UpsertOutcome> {
  await db.customer.upsert({
    where: { shopId_gid: { shopId: shop.id, gid } },
    create: { shopId: shop.id, gid, shopifyUpdatedAt: at, deletedAt: at },
    update: { deletedAt: at },
  });
  return "deleted";
}

/** customer.tags_added / customer.tags_removed: tags are compared case-insensitively, as Shopify does. */
export async function changeCustomerTags(
  db: Db,
  shop: MirrorShop,
  change: { gid: string; add?: string[]; remove?: string[] },
): Promise<{ outcome: UpsertOutcome; customer: MirroredCustomer | null }> {
  const where = { shopId_gid: { shopId: shop.id, gid: change.gid } };
  const existing = await db.customer.findUnique({ where });
  if (existing?.deletedAt) return { outcome: "stale", customer: existing };
  const tags: string[] = existing ? JSON.parse(existing.tags) : [];
  const lower = (tag: string) => tag.toLowerCase();
  const removed = new Set((change.remove ?? []).map(lower));
  const next = tags.filter((tag) => !removed.has(lower(tag)));
  for (const tag of change.add ?? []) if (!next.some((current) => lower(current) === lower(tag))) next.push(tag);
  if (existing && JSON.stringify(next) === existing.tags) return { outcome: "unchanged", customer: existing };
  // A tag event can precede the customer's own webhook: keep a stub any real payload overrides.
  const customer = await db.customer.upsert({
    where,
    create: { shopId: shop.id, gid: change.gid, tags: JSON.stringify(next), shopifyUpdatedAt: new Date(0) },
    update: { tags: JSON.stringify(next) },
  });
  return { outcome: existing ? "updated" : "created", customer };
}

/**
 * customers/purchasing_summary (API 2025-01+): order count and total spent, off the customer
 * payload. One conditional `INSERT … ON CONFLICT DO UPDATE … WHERE` (it was a read and an
 * upsert): a tombstone is never updated; a customer not seen yet gets a stub any real payload
 * overrides (`shopifyUpdatedAt` is the epoch).
 */
export async function updatePurchasingSummary(
  db: Db,
  shop: MirrorShop,
  summary: { gid: string; ordersCount: number; totalSpent: number },
): Promise<UpsertOutcome> {
  const id = crypto.randomUUID();
  const now = new Date();
  const written = await db.$queryRaw<{ id: string }[]>`
    INSERT INTO "Customer" ("id", "shopId", "gid", "tags", "ordersCount", "totalSpent", "shopifyUpdatedAt", "createdAt", "updatedAt")
    VALUES (${id}, ${shop.id}, ${summary.gid}, '[]', ${summary.ordersCount}, ${summary.totalSpent}, ${new Date(0)}, ${now}, ${now})
    ON CONFLICT ("shopId", "gid") DO UPDATE
    SET "ordersCount" = excluded."ordersCount", "totalSpent" = excluded."totalSpent", "updatedAt" = excluded."updatedAt"
    WHERE "Customer"."deletedAt" IS NULL
    RETURNING "id"`;
  if (written.length === 0) return "stale";
  return written[0].id === id ? "created" : "updated";
}

/**
 * customers/merge: the deleted customer's orders now belong to the kept one, its tags join the
 * kept customer's, and it becomes a tombstone.
 */
export async function mergeCustomers(db: Db, shop: MirrorShop, keptGid: string, deletedGid: string, at: Date): Promise<void> {
  await inTransaction(db, async (tx) => {
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
  /** The order as stored after the upsert: the row written, or the stored one when the delivery was skipped (a tombstone included). */
  order: OrderRow;
  /**
   * When the order was written: its applied refunds (eligible amount known, parked ones just
   * applied included), oldest first, and its customer as the mirror holds it (null when the
   * order has none). Not read when the delivery was skipped (undefined).
   */
  refunds?: RefundRow[];
  customer?: MirroredCustomer | null;
}

export interface OrderUpsertOptions {
  /** Stored by a backfill (a new row only: a live delivery's row never becomes backfilled). */
  backfilled?: boolean;
  /**
   * A live orders/create or orders/paid delivery: it proves the order is new business, even
   * when a backfill running at the same moment stored it first, so it is no longer
   * "backfilled". Applied even when the delivery is otherwise older than what is stored.
   */
  live?: boolean;
}

export async function upsertOrder(
  db: Db,
  shop: MirrorShop,
  record: OrderRecord,
  options: OrderUpsertOptions = {},
): Promise<OrderUpsertResult> {
  const { countShipping } = parseShopSettings(shop.settings);
  const amounts = orderEligible(record, { countShipping });
  return inTransaction(db, async (tx): Promise<OrderUpsertResult> => {
    await lockOrder(tx, shop.id, record.gid);
    const where = { shopId_gid: { shopId: shop.id, gid: record.gid } };
    const existing = await tx.order.findUnique({ where });
    const skip = compare(existing, record.updatedAt);
    if (skip && existing) {
      if (options.live && existing.backfilled) {
        await tx.order.updateMany({ where: { id: existing.id }, data: { backfilled: false } });
        return { outcome: skip, appliedRefundGids: [], order: { ...existing, backfilled: false } };
      }
      return { outcome: skip, appliedRefundGids: [], order: existing };
    }
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
      create: { shopId: shop.id, gid: record.gid, backfilled: !options.live && (options.backfilled ?? false), ...data },
      update: options.live ? { ...data, backfilled: false } : data,
    });
    await tx.orderLine.deleteMany({ where: { orderId: order.id } });
    await tx.orderLine.createMany({
      data: record.lines.map((line) => ({ shopId: shop.id, orderId: order.id, ...line, eligible: lineEligible(line, record.taxesIncluded) })),
    });
    // The order's customer snapshot seeds the mirror; the customer's own webhook (newer) wins.
    const customer = record.customer ? await orderCustomer(tx, shop.id, record.customer) : null;
    // Every refund of the order, read once: the parked ones are applied now, and the ledger
    // gets the whole list (it settles each refund's claw-back).
    const refunds: RefundRow[] = [];
    const appliedRefundGids: string[] = [];
    for (const refund of await tx.refund.findMany({ where: { shopId: shop.id, orderGid: record.gid }, orderBy: { processedAt: "asc" } })) {
      if (refund.eligibleAmount !== null) {
        refunds.push(refund);
        continue;
      }
      refunds.push(
        await tx.refund.update({
          where: { id: refund.id },
          data: { eligibleAmount: refundEligible(JSON.parse(refund.lines), record.taxesIncluded), appliedAt: new Date() },
        }),
      );
      appliedRefundGids.push(refund.gid);
    }
    return { outcome: existing ? "updated" : "created", appliedRefundGids, order, refunds, customer };
  });
}

/**
 * The order's customer as the mirror holds it, or a row from the order's snapshot when there is
 * none: read first (the usual case, a known customer, is then one statement), then one
 * `INSERT … ON CONFLICT DO NOTHING` (Prisma's upsert with an empty update took three
 * statements). `shopifyUpdatedAt` is the epoch, so any real customer payload overrides the
 * stub. Dates are bound as `Date`s, stored as Prisma stores its own.
 */
async function orderCustomer(tx: Tx, shopId: string, customer: NonNullable<OrderRecord["customer"]>): Promise<MirroredCustomer> {
  const where = { shopId_gid: { shopId, gid: customer.gid } };
  const stored = await tx.customer.findUnique({ where, select: MIRRORED_CUSTOMER });
  if (stored) return stored;
  const now = new Date();
  const inserted = await tx.$executeRaw`
    INSERT INTO "Customer"
      ("id", "shopId", "gid", "email", "firstName", "lastName", "tags", "ordersCount", "totalSpent", "shopifyUpdatedAt", "createdAt", "updatedAt")
    VALUES
      (${crypto.randomUUID()}, ${shopId}, ${customer.gid}, ${customer.email}, ${customer.firstName}, ${customer.lastName},
       '[]', 0, 0, ${new Date(0)}, ${now}, ${now})
    ON CONFLICT ("shopId", "gid") DO NOTHING`;
  if (inserted === 1) return { gid: customer.gid, email: customer.email, firstName: customer.firstName, lastName: customer.lastName, tags: "[]", deletedAt: null };
  // Created meanwhile by another delivery (PostgreSQL, another process): that row stands.
  return tx.customer.findUniqueOrThrow({ where, select: MIRRORED_CUSTOMER });
}

export interface RefundResult {
  outcome: UpsertOutcome;
  /** false when the order is not known yet: the refund is parked until it arrives. */
  applied: boolean;
  /**
   * When this call recorded the refund against a known order: the order, and its applied
   * refunds (this one included), oldest first, for the ledger.
   */
  order?: OrderRow;
  refunds?: RefundRow[];
}

/**
 * One order's mirror writes at a time, across processes. A refund that finds no order is parked
 * and the order's upsert applies the parked ones: on PostgreSQL neither sees the other's
 * uncommitted row, so without this a refund recorded while its order is being stored by another
 * process stays parked and is never clawed back. A transaction-scoped advisory lock on the order
 * (taken before either reads) orders them; it also keeps two upserts of one order from comparing
 * against a version the other is replacing. SQLite has one writer at a time: nothing to take.
 */
async function lockOrder(tx: Tx, shopId: string, orderGid: string): Promise<void> {
  if (isSqlite(tx)) return;
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`order:${shopId}:${orderGid}`}, 0))`;
}

export async function recordRefund(db: Db, shop: MirrorShop, record: RefundRecord): Promise<RefundResult> {
  return inTransaction(db, async (tx): Promise<RefundResult> => {
    await lockOrder(tx, shop.id, record.orderGid);
    const existing = await tx.refund.findUnique({ where: { shopId_gid: { shopId: shop.id, gid: record.gid } } });
    if (existing) return { outcome: "unchanged", applied: existing.eligibleAmount !== null };
    const order = await tx.order.findUnique({ where: { shopId_gid: { shopId: shop.id, gid: record.orderGid } } });
    // Read before the write: the ledger gets the new refund from here, not by reading it back.
    const others = order
      ? await tx.refund.findMany({ where: { shopId: shop.id, orderGid: order.gid, eligibleAmount: { not: null } }, orderBy: { processedAt: "asc" } })
      : [];
    const refund = await tx.refund.create({
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
    if (!order) return { outcome: "created", applied: false };
    const later = others.findIndex((other) => other.processedAt.getTime() > refund.processedAt.getTime());
    const refunds = later === -1 ? [...others, refund] : [...others.slice(0, later), refund, ...others.slice(later)];
    return { outcome: "created", applied: true, order, refunds };
  });
}
