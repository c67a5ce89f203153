import { LEVEL_FIELDS, PAGE_INFO } from "./fields";

/** The next page of an inventory item's levels. */
export const InventoryLevelsQuery = `query RoostInventoryLevels($id: ID!, $after: String) {
  node(id: $id) { ... on InventoryItem { inventoryLevels(first: 50, after: $after) { nodes { ${LEVEL_FIELDS} } ${PAGE_INFO} } } }
}`;
