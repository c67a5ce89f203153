import { LINE_FIELDS, ORDER_FIELDS, PAGE_INFO } from "./fields";

/** Orders per request, with up to ORDER_LINES_FIRST lines each: 228 points per order. */
export const ORDERS_PER_REQUEST = 4;
export const ORDER_LINES_FIRST = 20;

/** Orders by id with their first lines (the rest: OrderLinesQuery). */
export const OrdersQuery = `query RoostOrders($ids: [ID!]!) {
  nodes(ids: $ids) { ... on Order { ${ORDER_FIELDS} lineItems(first: ${ORDER_LINES_FIRST}) { nodes { ${LINE_FIELDS} } ${PAGE_INFO} } } }
}`;
