import { refundLines } from "./fields";

/** Refunds per request with up to 50 refunded lines: 303 points per refund. */
export const REFUNDS_PER_REQUEST = 3;

/** Refunds by id with their first refunded lines (the rest: RefundLinesQuery). */
export const RefundsQuery = `query RoostRefunds($ids: [ID!]!) {
  nodes(ids: $ids) { ... on Refund { id createdAt ${refundLines("first: 50")} } }
}`;
