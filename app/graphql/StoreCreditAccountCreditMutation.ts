import type { UserError } from "./DiscountTypes";

/** Credits a customer's store-credit account in the shop's currency (a store-credit reward). */
export const StoreCreditAccountCreditMutation = `#graphql
  mutation RoostStoreCreditAccountCredit($id: ID!, $creditInput: StoreCreditAccountCreditInput!) {
    storeCreditAccountCredit(id: $id, creditInput: $creditInput) {
      storeCreditAccountTransaction { id amount { amount currencyCode } account { id balance { amount currencyCode } } }
      userErrors { field message code }
    }
  }
`;

export interface StoreCreditAccountCreditData {
  storeCreditAccountCredit: {
    storeCreditAccountTransaction: { id: string; amount: { amount: string; currencyCode: string }; account: { id: string; balance: { amount: string; currencyCode: string } } } | null;
    userErrors: UserError[];
  } | null;
}
