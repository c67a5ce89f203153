/** The shop's own ids and details, read at install (docs/security.md, "Shop identity"). */
export const ShopIdentityQuery = `#graphql
  query ShopIdentity {
    shop {
      id
      name
      myshopifyDomain
      primaryDomain {
        host
      }
      ianaTimezone
      currencyCode
    }
  }
`;

export interface ShopIdentityData {
  shop: {
    id: string;
    name: string;
    myshopifyDomain: string;
    primaryDomain: { host: string };
    ianaTimezone: string;
    currencyCode: string;
  };
}
