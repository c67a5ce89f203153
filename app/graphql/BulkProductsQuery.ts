import { PRODUCT_FIELDS, VARIANT_FIELDS } from "./fields";

/** Bulk: products with their variants (variant totals in `inventoryQuantity`). */
export const BulkProductsQuery = `{
  products {
    edges { node {
      ${PRODUCT_FIELDS}
      variants { edges { node { ${VARIANT_FIELDS} inventoryItem { id } } } }
    } }
  }
}`;
