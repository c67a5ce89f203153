/**
 * Writes a customer's `roost.points_balance` and `roost.tier` metafields (docs/ledger.md, "Ledger,
 * timeline, write-back"), and the app installation's `roost.program` (docs/rewards.md).
 */
export const MetafieldsSetMutation = `#graphql
  mutation RoostMetafieldsSet($metafields: [MetafieldsSetInput!]!) {
    metafieldsSet(metafields: $metafields) {
      metafields { key namespace value owner { ... on Customer { id } } }
      userErrors { field message code }
    }
  }
`;

export interface MetafieldsSetData {
  metafieldsSet: { userErrors: { field?: string[] | null; message: string; code?: string | null }[] };
}
