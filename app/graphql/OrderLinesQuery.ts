import { LINE_FIELDS, PAGE_INFO } from "./fields";

/** The next page of an order's lines. */
export const OrderLinesQuery = `query RoostOrderLines($id: ID!, $after: String) {
  node(id: $id) { ... on Order { lineItems(first: 50, after: $after) { nodes { ${LINE_FIELDS} } ${PAGE_INFO} } } }
}`;
