import { refundLines } from "./fields";

/** The next page of a refund's refunded lines. */
export const RefundLinesQuery = `query RoostRefundLines($id: ID!, $after: String) {
  node(id: $id) { ... on Refund { ${refundLines("first: 50, after: $after")} } }
}`;
