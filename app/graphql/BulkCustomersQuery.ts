import { CUSTOMER_FIELDS } from "./fields";

/** Bulk: every customer. */
export const BulkCustomersQuery = `{
  customers {
    edges { node { ${CUSTOMER_FIELDS} } }
  }
}`;
