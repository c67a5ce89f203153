import type { UserError } from "./DiscountTypes";

/**
 * Creates a reward's single-use code: an amount or percentage off for one customer only
 * (`context.customers`), used once (`usageLimit` 1, `appliesOncePerCustomer`), with the reward's
 * minimum subtotal (docs/rewards.md).
 */
export const DiscountCodeBasicCreateMutation = `#graphql
  mutation RoostDiscountCodeBasicCreate($basicCodeDiscount: DiscountCodeBasicInput!) {
    discountCodeBasicCreate(basicCodeDiscount: $basicCodeDiscount) {
      codeDiscountNode { id }
      userErrors { field message code }
    }
  }
`;

export interface DiscountCodeBasicCreateData {
  discountCodeBasicCreate: { codeDiscountNode: { id: string } | null; userErrors: UserError[] } | null;
}
