import type { UserError } from "./DiscountTypes";

/**
 * Defines one of Roost's customer metafields (roost.points_balance, roost.tier) at install, so
 * the admin shows them, customer segments can use them and the Customer Account API and the
 * storefront can read them. An existing definition answers `TAKEN`, which is success.
 */
export const MetafieldDefinitionCreateMutation = `#graphql
  mutation RoostMetafieldDefinitionCreate($definition: MetafieldDefinitionInput!) {
    metafieldDefinitionCreate(definition: $definition) {
      createdDefinition { id namespace key }
      userErrors { field message code }
    }
  }
`;

export interface MetafieldDefinitionCreateData {
  metafieldDefinitionCreate: { createdDefinition: { id: string; namespace: string; key: string } | null; userErrors: UserError[] } | null;
}
