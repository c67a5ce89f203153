import type { UserError } from "./DiscountTypes";

/** Creates a free-shipping reward's single-use code for one customer (docs/rewards.md). */
export const DiscountCodeFreeShippingCreateMutation = `#graphql
  mutation RoostDiscountCodeFreeShippingCreate($freeShippingCodeDiscount: DiscountCodeFreeShippingInput!) {
    discountCodeFreeShippingCreate(freeShippingCodeDiscount: $freeShippingCodeDiscount) {
      codeDiscountNode { id }
      userErrors { field message code }
    }
  }
`;

export interface DiscountCodeFreeShippingCreateData {
  discountCodeFreeShippingCreate: { codeDiscountNode: { id: string } | null; userErrors: UserError[] } | null;
}
