/** A mutation's `userErrors` entry (DiscountUserError, StoreCreditAccountCreditUserError, …). */
export interface UserError {
  field?: string[] | null;
  message: string;
  code?: string | null;
}
