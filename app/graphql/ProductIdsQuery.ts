import { PAGE_INFO } from "./fields";

/** A page of product ids and timestamps only (102 points): details are fetched for what the mirror lacks. */
export const ProductIdsQuery = `query RoostProductIds($first: Int!, $after: String, $query: String) {
  products(first: $first, after: $after, query: $query) { nodes { id updatedAt } ${PAGE_INFO} }
}`;
