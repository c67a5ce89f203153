import { z } from "zod";
import { currencyExponent, toMinorUnits } from "../../lib/money";
import { type CustomerRecord, type InventoryLevelRecord, type OrderLineRecord, type OrderRecord, type ProductRecord, type RefundRecord, type VariantRecord } from "./records";
import { normaliseEmail } from "../identity/email";

// Admin GraphQL API (2026-10) nodes → mirror records. The same shapes arrive from paginated
// queries (children under `nodes`) and from bulk JSONL (children on their own lines with
// `__parentId`), so every converter takes a node and its children separately. Money is read
// from `shopMoney` (the shop currency) and converted exactly to minor units.

const graphqlId = z.string().startsWith("gid://shopify/");
const timestamp = z.string().datetime({ offset: true }).transform((value) => new Date(value));
/** `Decimal` / `Money` scalars are strings; tolerate numbers (never used for arithmetic). */
const decimal = z.union([z.string(), z.number()]).transform(String);
/** `UnsignedInt64` is serialised as a string. */
const count = z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]);

const moneyV2 = z.object({ amount: decimal, currencyCode: z.string() });
const moneyBag = z.object({ shopMoney: moneyV2 });

export type GraphqlMoney = z.infer<typeof moneyV2>;

/** A MoneyV2 in integer minor units of its own currency. */
export function moneyMinor(money: GraphqlMoney): number {
  return toMinorUnits(money.amount, currencyExponent(money.currencyCode));
}

const bagMinor = (bag: z.infer<typeof moneyBag>) => moneyMinor(bag.shopMoney);
const idRef = z.object({ id: graphqlId });

// ------------------------------------------------------------------- catalogue

export const graphqlInventoryLevel = z.object({
  id: z.string().optional(),
  updatedAt: timestamp,
  location: idRef,
  /** The level's item; bulk lines carry it so they do not depend on `__parentId` nesting. */
  item: idRef.optional(),
  quantities: z.array(z.object({ name: z.string(), quantity: z.number().int() })),
});

export const graphqlVariant = z.object({
  id: graphqlId,
  title: z.string().nullish(),
  sku: z.string().nullish(),
  price: decimal,
  inventoryQuantity: z.number().int().nullish(),
  updatedAt: timestamp,
  inventoryItem: z.object({ id: graphqlId }).nullish(),
});

export const graphqlProduct = z.object({
  id: graphqlId,
  title: z.string(),
  handle: z.string().nullish(),
  status: z.string().nullish(),
  updatedAt: timestamp,
});

export type GraphqlProduct = z.infer<typeof graphqlProduct>;
export type GraphqlVariant = z.infer<typeof graphqlVariant>;
export type GraphqlInventoryLevel = z.infer<typeof graphqlInventoryLevel>;

export function variantFromGraphql(variant: GraphqlVariant, currency: string): VariantRecord {
  return {
    gid: variant.id,
    title: variant.title ?? null,
    sku: variant.sku ?? null,
    price: toMinorUnits(variant.price, currencyExponent(currency)),
    inventoryItemGid: variant.inventoryItem?.id ?? null,
    inventoryQuantity: variant.inventoryQuantity ?? null,
    updatedAt: variant.updatedAt,
  };
}

/**
 * A product and the complete list of its variants (the mirror treats variants missing from the
 * list as deleted, so pass `null` when the list is not complete).
 */
export function productFromGraphql(product: GraphqlProduct, variants: readonly GraphqlVariant[] | null, currency: string): ProductRecord {
  return {
    gid: product.id,
    title: product.title,
    handle: product.handle ?? null,
    // REST spells statuses in lower case ("active"); webhooks and the Admin API agree in the mirror.
    status: product.status ? product.status.toLowerCase() : null,
    updatedAt: product.updatedAt,
    variants: variants ? variants.map((variant) => variantFromGraphql(variant, currency)) : null,
  };
}

/** An inventory level's `available` quantity at its location. */
export function inventoryLevelFromGraphql(inventoryItemGid: string, level: GraphqlInventoryLevel): InventoryLevelRecord {
  return {
    inventoryItemGid: level.item?.id ?? inventoryItemGid,
    locationGid: level.location.id,
    available: level.quantities.find((quantity) => quantity.name === "available")?.quantity ?? 0,
    updatedAt: level.updatedAt,
  };
}

// ------------------------------------------------------------------- customers

export const graphqlCustomer = z.object({
  id: graphqlId,
  email: z.string().nullish(),
  defaultEmailAddress: z.object({ emailAddress: z.string().nullish() }).nullish(),
  firstName: z.string().nullish(),
  lastName: z.string().nullish(),
  tags: z.array(z.string()).nullish(),
  numberOfOrders: count.nullish(),
  amountSpent: moneyV2.nullish(),
  updatedAt: timestamp,
});

export type GraphqlCustomer = z.infer<typeof graphqlCustomer>;

export function customerFromGraphql(customer: GraphqlCustomer): CustomerRecord {
  return {
    gid: customer.id,
    email: normaliseEmail(customer.defaultEmailAddress?.emailAddress ?? customer.email),
    firstName: customer.firstName ?? null,
    lastName: customer.lastName ?? null,
    tags: customer.tags ?? null,
    ordersCount: customer.numberOfOrders ?? null,
    totalSpent: customer.amountSpent ? moneyMinor(customer.amountSpent) : null,
    updatedAt: customer.updatedAt,
  };
}

// ------------------------------------------------------------------- orders and refunds

export const graphqlLineItem = z.object({
  id: graphqlId,
  title: z.string().nullish(),
  quantity: z.number().int().nonnegative(),
  isGiftCard: z.boolean().default(false),
  variant: idRef.nullish(),
  product: idRef.nullish(),
  originalUnitPriceSet: moneyBag,
  discountAllocations: z.array(z.object({ allocatedAmountSet: moneyBag })).default([]),
  taxLines: z.array(z.object({ priceSet: moneyBag })).default([]),
});

export const graphqlOrder = z.object({
  id: graphqlId,
  name: z.string().nullish(),
  email: z.string().nullish(),
  createdAt: timestamp.optional(),
  updatedAt: timestamp,
  processedAt: timestamp,
  cancelledAt: timestamp.nullish(),
  test: z.boolean().default(false),
  sourceName: z.string().nullish(),
  currencyCode: z.string(),
  taxesIncluded: z.boolean().default(false),
  displayFinancialStatus: z.string().nullish(),
  displayFulfillmentStatus: z.string().nullish(),
  customer: z
    .object({
      id: graphqlId,
      firstName: z.string().nullish(),
      lastName: z.string().nullish(),
      email: z.string().nullish(),
      defaultEmailAddress: z.object({ emailAddress: z.string().nullish() }).nullish(),
    })
    .nullish(),
  totalShippingPriceSet: moneyBag.nullish(),
  /** Refund ids only: a bulk query cannot nest `refundLineItems` inside this list. */
  refunds: z.array(z.object({ id: graphqlId, createdAt: timestamp.nullish() })).default([]),
});

export const graphqlRefund = z.object({
  id: graphqlId,
  createdAt: timestamp.nullish(),
  refundLineItems: z.object({
    nodes: z.array(
      z.object({
        quantity: z.number().int().nonnegative(),
        subtotalSet: moneyBag,
        totalTaxSet: moneyBag,
        lineItem: z.object({ id: graphqlId, isGiftCard: z.boolean().default(false) }),
      }),
    ),
    pageInfo: z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullish() }).optional(),
  }),
});

export type GraphqlLineItem = z.infer<typeof graphqlLineItem>;
export type GraphqlOrder = z.infer<typeof graphqlOrder>;
export type GraphqlRefund = z.infer<typeof graphqlRefund>;

/**
 * `displayFulfillmentStatus` in REST's `fulfillment_status` vocabulary (what webhooks store):
 * fulfilled, partial, restocked, or null for everything not (yet) shipped.
 */
export function fulfillmentStatusFromGraphql(status: string | null | undefined): string | null {
  switch (status) {
    case "FULFILLED":
      return "fulfilled";
    case "PARTIALLY_FULFILLED":
      return "partial";
    case "RESTOCKED":
      return "restocked";
    default:
      return null;
  }
}

export function orderLineFromGraphql(line: GraphqlLineItem): OrderLineRecord {
  return {
    gid: line.id,
    variantGid: line.variant?.id ?? null,
    productGid: line.product?.id ?? null,
    title: line.title ?? null,
    quantity: line.quantity,
    unitPrice: bagMinor(line.originalUnitPriceSet),
    discount: line.discountAllocations.reduce((sum, allocation) => sum + bagMinor(allocation.allocatedAmountSet), 0),
    tax: line.taxLines.reduce((sum, taxLine) => sum + bagMinor(taxLine.priceSet), 0),
    giftCard: line.isGiftCard,
  };
}

/** An order with the complete list of its line items (the mirror replaces an order's lines). */
export function orderFromGraphql(order: GraphqlOrder, lines: readonly GraphqlLineItem[]): OrderRecord {
  const customerEmail = order.customer ? normaliseEmail(order.customer.defaultEmailAddress?.emailAddress ?? order.customer.email) : null;
  return {
    gid: order.id,
    name: order.name ?? null,
    customer: order.customer
      ? { gid: order.customer.id, email: customerEmail, firstName: order.customer.firstName ?? null, lastName: order.customer.lastName ?? null }
      : null,
    email: normaliseEmail(order.email) ?? customerEmail,
    // REST-only (webhooks carry it); the Admin GraphQL API does not expose it.
    checkoutToken: null,
    financialStatus: order.displayFinancialStatus ? order.displayFinancialStatus.toLowerCase() : null,
    fulfillmentStatus: fulfillmentStatusFromGraphql(order.displayFulfillmentStatus),
    processedAt: order.processedAt,
    cancelledAt: order.cancelledAt ?? null,
    test: order.test,
    sourceName: order.sourceName ?? null,
    currency: order.currencyCode,
    taxesIncluded: order.taxesIncluded,
    shippingAmount: order.totalShippingPriceSet ? bagMinor(order.totalShippingPriceSet) : 0,
    lines: lines.map(orderLineFromGraphql),
    updatedAt: order.updatedAt,
  };
}

/** `fallbackProcessedAt` stands in when Shopify leaves `createdAt` null (the refund's order's update time). */
export function refundFromGraphql(refund: GraphqlRefund, orderGid: string, fallbackProcessedAt: Date): RefundRecord {
  return {
    gid: refund.id,
    orderGid,
    processedAt: refund.createdAt ?? fallbackProcessedAt,
    lines: refund.refundLineItems.nodes.map((line) => ({
      lineGid: line.lineItem.id,
      quantity: line.quantity,
      subtotal: bagMinor(line.subtotalSet),
      tax: bagMinor(line.totalTaxSet),
      giftCard: line.lineItem.isGiftCard,
    })),
  };
}

// ------------------------------------------------------------------- validation

/** Thrown when an Admin API node does not have the shape Roost relies on. */
export class GraphqlShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GraphqlShapeError";
  }
}

/** Parses a node, explaining which fields did not match (and turning bad amounts into the same error). */
export function parseNode<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`).join("; ");
    const id = typeof value === "object" && value !== null && "id" in value ? ` ${String((value as { id: unknown }).id)}` : "";
    throw new GraphqlShapeError(`${what}${id} is invalid: ${issues}`);
  }
  return result.data;
}

/** Runs a conversion, reporting an unparseable amount as a shape error. */
export function convertNode<T>(what: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof RangeError) throw new GraphqlShapeError(`${what}: ${error.message}`);
    throw error;
  }
}
