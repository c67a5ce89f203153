import { PRODUCT_FIELDS, productVariants } from "./fields";

/** Products per request with up to 20 variants × 5 levels: 383 points per product. */
export const PRODUCTS_PER_REQUEST = 2;

/** Products by id with their first variants and levels (the rest: ProductVariantsQuery, InventoryLevelsQuery). */
export const ProductsQuery = `query RoostProducts($ids: [ID!]!) {
  nodes(ids: $ids) { ... on Product { ${PRODUCT_FIELDS} ${productVariants("first: 20")} } }
}`;
