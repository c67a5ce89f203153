/**
 * The mirror's own record shapes. Webhook payloads (REST JSON) and Admin API results (GraphQL,
 * bulk JSONL) are both translated into these, so one upsert path applies both. Money is in
 * minor units of the shop currency; ids are GIDs.
 */

export interface VariantRecord {
  gid: string;
  title: string | null;
  sku: string | null;
  price: number;
  inventoryItemGid: string | null;
  /** Total available across locations when the source states it (REST inventory_quantity). */
  inventoryQuantity: number | null;
  updatedAt: Date;
}

export interface ProductRecord {
  gid: string;
  title: string;
  handle: string | null;
  status: string | null;
  updatedAt: Date;
  /** null when the source did not list variants (they are left as they are). */
  variants: VariantRecord[] | null;
}

export interface InventoryLevelRecord {
  inventoryItemGid: string;
  locationGid: string;
  available: number;
  updatedAt: Date;
}

export interface CustomerRecord {
  gid: string;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  /** null when the source does not carry tags (customer webhooks since API 2025-01). */
  tags: string[] | null;
  ordersCount: number | null;
  totalSpent: number | null;
  updatedAt: Date;
}

export interface OrderLineRecord {
  gid: string;
  variantGid: string | null;
  productGid: string | null;
  title: string | null;
  quantity: number;
  unitPrice: number;
  discount: number;
  tax: number;
  giftCard: boolean;
}

export interface OrderRecord {
  gid: string;
  name: string | null;
  customer: { gid: string; email: string | null; firstName: string | null; lastName: string | null } | null;
  email: string | null;
  checkoutToken: string | null;
  financialStatus: string | null;
  fulfillmentStatus: string | null;
  processedAt: Date;
  cancelledAt: Date | null;
  test: boolean;
  sourceName: string | null;
  currency: string;
  taxesIncluded: boolean;
  shippingAmount: number;
  lines: OrderLineRecord[];
  updatedAt: Date;
}

export interface RefundLineRecord {
  lineGid: string;
  quantity: number;
  subtotal: number;
  tax: number;
  giftCard: boolean;
}

export interface RefundRecord {
  gid: string;
  orderGid: string;
  processedAt: Date;
  lines: RefundLineRecord[];
}

/** What an upsert did: the reconciliation counts `created` and `updated` as repairs. */
export type UpsertOutcome = "created" | "updated" | "unchanged" | "stale" | "deleted";

