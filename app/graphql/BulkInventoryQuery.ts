import { LEVEL_FIELDS } from "./fields";

/**
 * Bulk: every variant's inventory levels per location. A query of its own: bulk queries nest at
 * most two connections deep, so products → variants → inventoryLevels does not fit in one.
 */
export const BulkInventoryQuery = `{
  productVariants {
    edges { node {
      id
      inventoryItem { id inventoryLevels { edges { node { ${LEVEL_FIELDS} item { id } } } } }
    } }
  }
}`;
