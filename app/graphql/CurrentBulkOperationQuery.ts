import { BULK_OPERATION_FIELDS } from "./fields";

/** The shop's current bulk query operation (Shopify runs one at a time per shop). */
export const CurrentBulkOperationQuery = `query RoostCurrentBulkOperation {
  currentBulkOperation(type: QUERY) { ${BULK_OPERATION_FIELDS} }
}`;

export interface CurrentBulkOperationData {
  currentBulkOperation: unknown;
}
