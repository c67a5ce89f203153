import { productVariants } from "./fields";

/** The next page of a product's variants. */
export const ProductVariantsQuery = `query RoostProductVariants($id: ID!, $after: String) {
  node(id: $id) { ... on Product { ${productVariants("first: 20, after: $after")} } }
}`;
