import { LINE_FIELDS, ORDER_FIELDS } from "./fields";

/**
 * Bulk: orders created since `since` (all when null) with their line items; refunds are listed
 * by id and fetched afterwards (RefundsQuery). A function, as bulk queries take no variables.
 */
export function bulkOrdersQuery(since: Date | null): string {
  const filter = since ? `(query: ${JSON.stringify(`created_at:>='${since.toISOString()}'`)})` : "";
  return `{
  orders${filter} {
    edges { node {
      ${ORDER_FIELDS}
      lineItems { edges { node { ${LINE_FIELDS} } } }
    } }
  }
}`;
}
