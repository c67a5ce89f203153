import { z } from "zod";
import { currencyExponent, toMinorUnits } from "../../lib/money";
import { type CustomerRecord, type InventoryLevelRecord, type OrderRecord, type ProductRecord, type RefundRecord } from "./records";
import { normaliseEmail } from "../identity/email";

// Webhook payloads as Shopify sends them (REST-style JSON, API 2026-10) → mirror records.
// Schemas are loose about fields Roost does not read and strict about the ones it does, and
// about the kind of resource: any signed body can be posted to any topic's route, so each
// schema insists on its resource's own GID type (a customer is never read as a product).

const id = z.union([z.number().int(), z.string().regex(/^\d+$/)]).transform(String);
const timestamp = z.string().datetime({ offset: true }).transform((value) => new Date(value));
const decimal = z.union([z.string(), z.number()]);
const moneySet = z.object({ shop_money: z.object({ amount: decimal, currency_code: z.string() }) });

const gid = (type: string) => (numericId: string) => `gid://shopify/${type}/${numericId}`;
/**
 * A GID of one resource type. Never compared with the numeric `id`: ids past 2^53 lose digits
 * in JSON.parse, which is why the GID is preferred wherever both are sent.
 */
const gidOf = (type: string) => z.string().regex(new RegExp(`^gid://shopify/${type}/\\d+$`), `must be a gid://shopify/${type}/… id`);

function minor(set: z.infer<typeof moneySet>): number {
  return toMinorUnits(String(set.shop_money.amount), currencyExponent(set.shop_money.currency_code));
}

const restVariant = z.object({
  id,
  admin_graphql_api_id: gidOf("ProductVariant").optional(),
  title: z.string().nullish(),
  sku: z.string().nullish(),
  price: decimal,
  inventory_item_id: id.nullish(),
  inventory_quantity: z.number().int().nullish(),
  updated_at: timestamp.nullish(),
});

export const restProduct = z.object({
  id,
  admin_graphql_api_id: gidOf("Product"),
  title: z.string(),
  handle: z.string().nullish(),
  status: z.string().nullish(),
  updated_at: timestamp,
  variants: z.array(restVariant).nullish(),
});

export function productFromRest(payload: z.infer<typeof restProduct>, currency: string): ProductRecord {
  const exponent = currencyExponent(currency);
  return {
    gid: payload.admin_graphql_api_id,
    title: payload.title,
    handle: payload.handle ?? null,
    status: payload.status ?? null,
    updatedAt: payload.updated_at,
    variants:
      payload.variants?.map((variant) => ({
        gid: variant.admin_graphql_api_id ?? gid("ProductVariant")(variant.id),
        title: variant.title ?? null,
        sku: variant.sku ?? null,
        price: toMinorUnits(String(variant.price), exponent),
        inventoryItemGid: variant.inventory_item_id ? gid("InventoryItem")(variant.inventory_item_id) : null,
        inventoryQuantity: variant.inventory_quantity ?? null,
        updatedAt: variant.updated_at ?? payload.updated_at,
      })) ?? null,
  };
}

/** products/delete, customers/delete: the id, and the GID when Shopify sends one. */
export const restDeletion = (type: "Product" | "Customer") => z.object({ id, admin_graphql_api_id: gidOf(type).optional() });

export const restInventoryLevel = z.object({
  admin_graphql_api_id: z.string().startsWith("gid://shopify/InventoryLevel/").optional(),
  inventory_item_id: id,
  location_id: id,
  available: z.number().int().nullable(),
  updated_at: timestamp,
});

export function inventoryLevelFromRest(payload: z.infer<typeof restInventoryLevel>): InventoryLevelRecord {
  return {
    inventoryItemGid: gid("InventoryItem")(payload.inventory_item_id),
    locationGid: gid("Location")(payload.location_id),
    // null means the item is no longer stocked at the location.
    available: payload.available ?? 0,
    updatedAt: payload.updated_at,
  };
}

export const restCustomer = z.object({
  id,
  admin_graphql_api_id: gidOf("Customer"),
  email: z.string().nullish(),
  first_name: z.string().nullish(),
  last_name: z.string().nullish(),
  tags: z.string().nullish(),
  orders_count: z.number().int().nullish(),
  total_spent: decimal.nullish(),
  currency: z.string().nullish(),
  updated_at: timestamp,
});

export function customerFromRest(payload: z.infer<typeof restCustomer>, currency: string): CustomerRecord {
  return {
    gid: payload.admin_graphql_api_id,
    email: normaliseEmail(payload.email),
    firstName: payload.first_name ?? null,
    lastName: payload.last_name ?? null,
    tags: typeof payload.tags === "string" ? splitTags(payload.tags) : null,
    ordersCount: payload.orders_count ?? null,
    totalSpent: payload.total_spent == null ? null : toMinorUnits(String(payload.total_spent), currencyExponent(currency)),
    updatedAt: payload.updated_at,
  };
}

export function splitTags(tags: string): string[] {
  return tags.split(",").map((tag) => tag.trim()).filter(Boolean);
}

/** customer.tags_added / customer.tags_removed. */
export const restCustomerTags = z
  .object({
    customerId: z.union([gidOf("Customer"), id]).optional(),
    customer_id: id.optional(),
    admin_graphql_api_id: gidOf("Customer").optional(),
    tags: z.union([z.array(z.string()), z.string().transform(splitTags)]),
    occurredAt: timestamp.optional(),
    occurred_at: timestamp.optional(),
  })
  .refine((value) => value.customerId ?? value.customer_id ?? value.admin_graphql_api_id, { message: "customer id is required" });

export function customerTagsFromRest(payload: z.infer<typeof restCustomerTags>): { gid: string; tags: string[]; occurredAt: Date | null } {
  const raw = payload.customerId ?? payload.admin_graphql_api_id ?? payload.customer_id ?? "";
  return {
    gid: raw.startsWith("gid://") ? raw : gid("Customer")(raw),
    tags: payload.tags,
    occurredAt: payload.occurredAt ?? payload.occurred_at ?? null,
  };
}

const restLine = z.object({
  id,
  admin_graphql_api_id: gidOf("LineItem").optional(),
  variant_id: id.nullish(),
  product_id: id.nullish(),
  title: z.string().nullish(),
  quantity: z.number().int().nonnegative(),
  price_set: moneySet,
  gift_card: z.boolean().default(false),
  discount_allocations: z.array(z.object({ amount_set: moneySet })).default([]),
  tax_lines: z.array(z.object({ price_set: moneySet })).default([]),
});

export const restOrder = z.object({
  id,
  admin_graphql_api_id: gidOf("Order"),
  name: z.string().nullish(),
  email: z.string().nullish(),
  contact_email: z.string().nullish(),
  checkout_token: z.string().nullish(),
  /** Names the shop: its host and the shop id in its path are checked (docs/security.md). */
  order_status_url: z.string().nullish(),
  financial_status: z.string().nullish(),
  fulfillment_status: z.string().nullish(),
  processed_at: timestamp.nullish(),
  created_at: timestamp,
  updated_at: timestamp,
  cancelled_at: timestamp.nullish(),
  test: z.boolean().default(false),
  source_name: z.string().nullish(),
  currency: z.string(),
  taxes_included: z.boolean().default(false),
  customer: z
    .object({
      id,
      admin_graphql_api_id: gidOf("Customer").optional(),
      email: z.string().nullish(),
      first_name: z.string().nullish(),
      last_name: z.string().nullish(),
    })
    .nullish(),
  line_items: z.array(restLine),
  total_shipping_price_set: moneySet.nullish(),
  shipping_lines: z.array(z.object({ price_set: moneySet, discount_allocations: z.array(z.object({ amount_set: moneySet })).default([]) })).default([]),
});

export function orderFromRest(payload: z.infer<typeof restOrder>): OrderRecord {
  const sum = (sets: { amount_set?: z.infer<typeof moneySet>; price_set?: z.infer<typeof moneySet> }[]) =>
    sets.reduce((total, entry) => total + minor((entry.amount_set ?? entry.price_set)!), 0);
  const shippingAmount = payload.total_shipping_price_set
    ? minor(payload.total_shipping_price_set)
    : payload.shipping_lines.reduce((total, line) => total + minor(line.price_set) - sum(line.discount_allocations), 0);
  return {
    gid: payload.admin_graphql_api_id,
    name: payload.name ?? null,
    customer: payload.customer
      ? {
          gid: payload.customer.admin_graphql_api_id ?? gid("Customer")(payload.customer.id),
          email: normaliseEmail(payload.customer.email),
          firstName: payload.customer.first_name ?? null,
          lastName: payload.customer.last_name ?? null,
        }
      : null,
    email: normaliseEmail(payload.email ?? payload.contact_email ?? payload.customer?.email),
    checkoutToken: payload.checkout_token ?? null,
    financialStatus: payload.financial_status ?? null,
    fulfillmentStatus: payload.fulfillment_status ?? null,
    processedAt: payload.processed_at ?? payload.created_at,
    cancelledAt: payload.cancelled_at ?? null,
    test: payload.test,
    sourceName: payload.source_name ?? null,
    currency: payload.currency,
    taxesIncluded: payload.taxes_included,
    shippingAmount,
    lines: payload.line_items.map((line) => ({
      gid: line.admin_graphql_api_id ?? gid("LineItem")(line.id),
      variantGid: line.variant_id ? gid("ProductVariant")(line.variant_id) : null,
      productGid: line.product_id ? gid("Product")(line.product_id) : null,
      title: line.title ?? null,
      quantity: line.quantity,
      unitPrice: minor(line.price_set),
      discount: sum(line.discount_allocations),
      tax: sum(line.tax_lines),
      giftCard: line.gift_card,
    })),
    updatedAt: payload.updated_at,
  };
}

export const restRefund = z.object({
  id,
  admin_graphql_api_id: gidOf("Refund"),
  order_id: id,
  created_at: timestamp,
  processed_at: timestamp.nullish(),
  refund_line_items: z.array(
    z.object({
      line_item_id: id,
      quantity: z.number().int().nonnegative(),
      subtotal_set: moneySet,
      total_tax_set: moneySet,
      line_item: z.object({ gift_card: z.boolean().default(false) }).partial().nullish(),
    }),
  ),
});

export function refundFromRest(payload: z.infer<typeof restRefund>): RefundRecord {
  return {
    gid: payload.admin_graphql_api_id,
    orderGid: gid("Order")(payload.order_id),
    processedAt: payload.processed_at ?? payload.created_at,
    lines: payload.refund_line_items.map((line) => ({
      lineGid: gid("LineItem")(line.line_item_id),
      quantity: line.quantity,
      subtotal: minor(line.subtotal_set),
      tax: minor(line.total_tax_set),
      giftCard: line.line_item?.gift_card ?? false,
    })),
  };
}

/**
 * The shop resource: shop/update's payload, and app/uninstalled's. `myshopify_domain` and `id`
 * name the shop (checked against the delivery's header, then learned); `domain` is its
 * primary (storefront) domain.
 */
export const restShop = z.object({
  id,
  myshopify_domain: z.string(),
  domain: z.string().nullish(),
  name: z.string().nullish(),
  iana_timezone: z.string().nullish(),
  currency: z.string().nullish(),
  updated_at: timestamp.nullish(),
});

/** customers/purchasing_summary. */
export const restPurchasingSummary = z.object({
  customerId: gidOf("Customer"),
  numberOfOrders: z.number().int().nonnegative(),
  amountSpent: z.object({ amount: decimal, currencyCode: z.string() }),
});

export function purchasingSummaryFromRest(payload: z.infer<typeof restPurchasingSummary>) {
  return {
    gid: payload.customerId,
    ordersCount: payload.numberOfOrders,
    totalSpent: toMinorUnits(String(payload.amountSpent.amount), currencyExponent(payload.amountSpent.currencyCode)),
  };
}

/** customers/merge. */
export const restCustomerMerge = z.object({
  admin_graphql_api_customer_kept_id: gidOf("Customer"),
  admin_graphql_api_customer_deleted_id: gidOf("Customer"),
  status: z.string(),
});

/**
 * checkouts/create, checkouts/update. Only what links a visitor is read: the token (the one the
 * pixel's checkout events carry) and the customer, absent for a guest checkout.
 */
export const restCheckout = z.object({
  id,
  token: z.string().min(1).max(255),
  cart_token: z.string().nullish(),
  customer: z.object({ id, admin_graphql_api_id: gidOf("Customer").optional() }).nullish(),
  created_at: timestamp,
  updated_at: timestamp.nullish(),
});

export interface CheckoutRecord {
  token: string;
  customerGid: string | null;
  updatedAt: Date;
}

export function checkoutFromRest(payload: z.infer<typeof restCheckout>): CheckoutRecord {
  return {
    token: payload.token,
    customerGid: payload.customer ? (payload.customer.admin_graphql_api_id ?? gid("Customer")(payload.customer.id)) : null,
    updatedAt: payload.updated_at ?? payload.created_at,
  };
}
