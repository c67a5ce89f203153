/** Upload targets for a bulk mutation's variables file (one JSONL line per call). */
export const StagedUploadsCreateMutation = `#graphql
  mutation RoostStagedUploadsCreate($input: [StagedUploadInput!]!) {
    stagedUploadsCreate(input: $input) {
      stagedTargets { url resourceUrl parameters { name value } }
      userErrors { field message }
    }
  }
`;

export interface StagedUploadsCreateData {
  stagedUploadsCreate: {
    stagedTargets: { url: string | null; resourceUrl: string | null; parameters: { name: string; value: string }[] }[] | null;
    userErrors: { field?: string[] | null; message: string }[];
  } | null;
}
