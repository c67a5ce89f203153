import { CUSTOMER_FIELDS, PAGE_INFO } from "./fields";

/** A page of customers (302 points at PAGE_SIZE). */
export const CustomersQuery = `query RoostCustomers($first: Int!, $after: String, $query: String) {
  customers(first: $first, after: $after, query: $query) { nodes { ${CUSTOMER_FIELDS} } ${PAGE_INFO} }
}`;
