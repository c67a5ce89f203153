/**
 * The code discount holding a code, if any: a redemption whose create call's answer was lost
 * (a crash, a timeout) finds the code it asked for here instead of creating a second one.
 */
export const CodeDiscountNodeByCodeQuery = `#graphql
  query RoostCodeDiscountNodeByCode($code: String!) {
    codeDiscountNodeByCode(code: $code) { id }
  }
`;

export interface CodeDiscountNodeByCodeData {
  codeDiscountNodeByCode: { id: string } | null;
}
