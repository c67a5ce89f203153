/** Starts a bulk query (`bulkOperationRunQuery`) with one of the Bulk*Query documents. */
export const BackfillMutation = `mutation RoostBackfill($query: String!) {
  bulkOperationRunQuery(query: $query, groupObjects: true) {
    bulkOperation { id status }
    userErrors { field message code }
  }
}`;
