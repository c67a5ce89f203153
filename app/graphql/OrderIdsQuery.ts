import { PAGE_INFO } from "./fields";

/** A page of order ids, timestamps and refund ids (202 points). */
export const OrderIdsQuery = `query RoostOrderIds($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, query: $query) { nodes { id updatedAt refunds { id } } ${PAGE_INFO} }
}`;
