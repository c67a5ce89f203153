/**
 * Admin GraphQL (2026-10) documents used by backfill and reconciliation. Bulk queries cannot
 * take variables, so field lists are shared as strings. Page sizes keep every query's requested
 * cost under Shopify's single-query limit (1,000 points; scalars cost 0, objects 1, a
 * connection 2 + first × the cost of one node). The costs quoted are the requested costs the
 * test suite's Admin API computes; a query refused for its cost anyway is split and retried
 * (see admin-fetch.server.ts).
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

const PAGE_INFO = "pageInfo { hasNextPage endCursor }";

// ------------------------------------------------------------------- bulk

/** Products with their variants (variant totals in `inventoryQuantity`). */
export const BULK_PRODUCTS = `{
  products {
    edges { node {
      ${PRODUCT_FIELDS}
      variants { edges { node { ${VARIANT_FIELDS} inventoryItem { id } } } }
    } }
  }
}`;

/**
 * Every variant's inventory levels per location. A query of its own: bulk queries nest at most
 * two connections deep, so products → variants → inventoryLevels does not fit in one.
 */
export const BULK_INVENTORY = `{
  productVariants {
    edges { node {
      id
      inventoryItem { id inventoryLevels { edges { node { ${LEVEL_FIELDS} item { id } } } } }
    } }
  }
}`;

export const BULK_CUSTOMERS = `{
  customers {
    edges { node { ${CUSTOMER_FIELDS} } }
  }
}`;

/** Orders with their line items; refunds are listed by id and fetched afterwards (see fetchRefunds). */
export function bulkOrdersQuery(since: Date | null): string {
  const filter = since ? `(query: ${JSON.stringify(`created_at:>='${since.toISOString()}'`)})` : "";
  return `{
  orders${filter} {
    edges { node {
      ${ORDER_FIELDS}
      lineItems { edges { node { ${LINE_FIELDS} } } }
    } }
  }
}`;
}

export const BULK_RUN = `mutation RoostBackfill($query: String!) {
  bulkOperationRunQuery(query: $query, groupObjects: true) {
    bulkOperation { id status }
    userErrors { field message code }
  }
}`;

const BULK_FIELDS = "id status errorCode objectCount url partialDataUrl query";

export const BULK_POLL = `query RoostBulkOperation($id: ID!) {
  node(id: $id) { ... on BulkOperation { ${BULK_FIELDS} } }
}`;

export const BULK_CURRENT = `query RoostCurrentBulkOperation {
  currentBulkOperation(type: QUERY) { ${BULK_FIELDS} }
}`;

// ------------------------------------------------------------------- paginated (reconciliation)

export const PAGE_SIZE = 100;

/** 302 points. */
export const CUSTOMERS_PAGE = `query RoostCustomers($first: Int!, $after: String, $query: String) {
  customers(first: $first, after: $after, query: $query) { nodes { ${CUSTOMER_FIELDS} } ${PAGE_INFO} }
}`;

/** Ids and timestamps only (102 points): details are fetched for what the mirror lacks. */
export const PRODUCTS_PAGE = `query RoostProductIds($first: Int!, $after: String, $query: String) {
  products(first: $first, after: $after, query: $query) { nodes { id updatedAt } ${PAGE_INFO} }
}`;

/** Ids, timestamps and refund ids (202 points). */
export const ORDERS_PAGE = `query RoostOrderIds($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, query: $query) { nodes { id updatedAt refunds { id } } ${PAGE_INFO} }
}`;

// ------------------------------------------------------------------- details by id

/** Orders per request, with up to ORDER_LINES_FIRST lines each: 228 points per order. */
export const ORDERS_PER_REQUEST = 4;
export const ORDER_LINES_FIRST = 20;
export const ORDERS_BY_ID = `query RoostOrders($ids: [ID!]!) {
  nodes(ids: $ids) { ... on Order { ${ORDER_FIELDS} lineItems(first: ${ORDER_LINES_FIRST}) { nodes { ${LINE_FIELDS} } ${PAGE_INFO} } } }
}`;
export const ORDER_LINES_PAGE = `query RoostOrderLines($id: ID!, $after: String) {
  node(id: $id) { ... on Order { lineItems(first: 50, after: $after) { nodes { ${LINE_FIELDS} } ${PAGE_INFO} } } }
}`;

/** Products per request with up to 20 variants × 5 levels: 383 points per product. */
export const PRODUCTS_PER_REQUEST = 2;
const productVariants = (args: string) =>
  `variants(${args}) { nodes { ${VARIANT_FIELDS} inventoryItem { id inventoryLevels(first: 5) { nodes { ${LEVEL_FIELDS} } ${PAGE_INFO} } } } ${PAGE_INFO} }`;
export const PRODUCTS_BY_ID = `query RoostProducts($ids: [ID!]!) {
  nodes(ids: $ids) { ... on Product { ${PRODUCT_FIELDS} ${productVariants("first: 20")} } }
}`;
export const PRODUCT_VARIANTS_PAGE = `query RoostProductVariants($id: ID!, $after: String) {
  node(id: $id) { ... on Product { ${productVariants("first: 20, after: $after")} } }
}`;
export const INVENTORY_LEVELS_PAGE = `query RoostInventoryLevels($id: ID!, $after: String) {
  node(id: $id) { ... on InventoryItem { inventoryLevels(first: 50, after: $after) { nodes { ${LEVEL_FIELDS} } ${PAGE_INFO} } } }
}`;

/** Refunds per request with up to 50 refunded lines: 303 points per refund. */
export const REFUNDS_PER_REQUEST = 3;
const refundLines = (args: string) =>
  `refundLineItems(${args}) { nodes { quantity subtotalSet { ${money} } totalTaxSet { ${money} } lineItem { id isGiftCard } } ${PAGE_INFO} }`;
export const REFUNDS_BY_ID = `query RoostRefunds($ids: [ID!]!) {
  nodes(ids: $ids) { ... on Refund { id createdAt ${refundLines("first: 50")} } }
}`;
export const REFUND_LINES_PAGE = `query RoostRefundLines($id: ID!, $after: String) {
  node(id: $id) { ... on Refund { ${refundLines("first: 50, after: $after")} } }
}`;
