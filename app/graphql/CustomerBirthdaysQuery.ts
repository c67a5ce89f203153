/**
 * Customers with the merchant's birth-date metafield, a page at a time: the birthday bonus reads
 * the date from it (`namespace.key`, a `date` metafield, chosen in the settings).
 */
export const CustomerBirthdaysQuery = `#graphql
  query RoostCustomerBirthdays($first: Int!, $after: String, $namespace: String!, $key: String!) {
    customers(first: $first, after: $after, sortKey: ID) {
      nodes { id metafield(namespace: $namespace, key: $key) { value type } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

export interface CustomerBirthdaysData {
  customers: {
    nodes: { id: string; metafield: { value: string; type: string } | null }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}
