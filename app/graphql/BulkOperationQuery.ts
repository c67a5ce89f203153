import { BULK_OPERATION_FIELDS } from "./fields";

/** A bulk operation by id, polled until it completes. */
export const BulkOperationQuery = `query RoostBulkOperation($id: ID!) {
  node(id: $id) { ... on BulkOperation { ${BULK_OPERATION_FIELDS} } }
}`;

export interface BulkOperationData {
  node: unknown;
}
