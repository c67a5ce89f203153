import { BULK_OPERATION_FIELDS } from "./fields";

/** Runs `mutation` once per line of the staged JSONL file at `stagedUploadPath` (its variables). */
export const BulkOperationRunMutation = `#graphql
  mutation RoostBulkOperationRunMutation($mutation: String!, $stagedUploadPath: String!) {
    bulkOperationRunMutation(mutation: $mutation, stagedUploadPath: $stagedUploadPath) {
      bulkOperation { id status }
      userErrors { field message code }
    }
  }
`;

export interface BulkOperationRunMutationData {
  bulkOperationRunMutation: {
    bulkOperation: { id: string; status: string } | null;
    userErrors: { field?: string[] | null; message: string; code?: string | null }[];
  } | null;
}

/** The app's latest bulk mutation (CurrentBulkOperationQuery's counterpart for mutations). */
export const CurrentBulkMutationQuery = `query RoostCurrentBulkMutation {
  currentBulkOperation(type: MUTATION) { ${BULK_OPERATION_FIELDS} }
}`;

export interface CurrentBulkMutationData {
  currentBulkOperation: { id: string; status: string; query?: string | null } | null;
}
