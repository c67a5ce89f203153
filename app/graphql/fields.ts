/**
 * Field selections shared by the Admin GraphQL (2026-10) operations of backfill and
 * reconciliation (one operation per file beside this one). Bulk queries cannot take variables
 * or fragments, so the selections are strings. Page sizes keep every query's requested cost
 * under Shopify's single-query limit (1,000 points; scalars cost 0, objects 1, a connection
 * 2 + first × the cost of one node). The costs quoted are the requested costs the test suite's
 * Admin API computes; a query refused for its cost anyway is split and retried
 * (app/services/sync/admin-fetch.server.ts).
 */

const money = "shopMoney { amount currencyCode }";

export const PRODUCT_FIELDS = "id title handle status updatedAt";
export const VARIANT_FIELDS = "id title sku price inventoryQuantity updatedAt";
export const LEVEL_FIELDS = 'id updatedAt location { id } quantities(names: ["available"]) { name quantity }';

export const CUSTOMER_FIELDS =
  "id firstName lastName defaultEmailAddress { emailAddress } tags numberOfOrders amountSpent { amount currencyCode } updatedAt";

export const ORDER_FIELDS = [
  "id name email createdAt updatedAt processedAt cancelledAt test sourceName currencyCode taxesIncluded",
  "displayFinancialStatus displayFulfillmentStatus",
  "customer { id firstName lastName defaultEmailAddress { emailAddress } }",
  `totalShippingPriceSet { ${money} }`,
  "refunds { id createdAt }",
].join(" ");

export const LINE_FIELDS = [
  "id title quantity isGiftCard variant { id } product { id }",
  `originalUnitPriceSet { ${money} }`,
  `discountAllocations { allocatedAmountSet { ${money} } }`,
  `taxLines { priceSet { ${money} } }`,
].join(" ");

export const PAGE_INFO = "pageInfo { hasNextPage endCursor }";

export const BULK_OPERATION_FIELDS = "id status errorCode objectCount url partialDataUrl query";

/** A product's variants, each with up to 5 inventory levels (ProductsQuery, ProductVariantsQuery). */
export const productVariants = (args: string) =>
  `variants(${args}) { nodes { ${VARIANT_FIELDS} inventoryItem { id inventoryLevels(first: 5) { nodes { ${LEVEL_FIELDS} } ${PAGE_INFO} } } } ${PAGE_INFO} }`;

/** A refund's refunded lines (RefundsQuery, RefundLinesQuery). */
export const refundLines = (args: string) =>
  `refundLineItems(${args}) { nodes { quantity subtotalSet { ${money} } totalTaxSet { ${money} } lineItem { id isGiftCard } } ${PAGE_INFO} }`;

/** `first` of the paginated top-level queries (CustomersQuery, ProductIdsQuery, OrderIdsQuery). */
export const PAGE_SIZE = 100;

/** What a `node(id:)` query answers: null once the object is gone. */
export interface NodeData {
  node: Record<string, unknown> | null;
}

/** What a `nodes(ids:)` query answers: null (or empty, outside the fragment's type) for an object deleted meanwhile. */
export interface NodesData {
  nodes: (Record<string, unknown> | null)[];
}
