// The operations live in app/graphql/, one per file. These names remain only for the importers
// still being reworked (backfill.server.ts, reconcile.server.ts); import from app/graphql/ instead.
export { BackfillMutation as BULK_RUN } from "../../graphql/BackfillMutation";
export { BulkCustomersQuery as BULK_CUSTOMERS } from "../../graphql/BulkCustomersQuery";
export { BulkInventoryQuery as BULK_INVENTORY } from "../../graphql/BulkInventoryQuery";
export { BulkOperationQuery as BULK_POLL } from "../../graphql/BulkOperationQuery";
export { bulkOrdersQuery } from "../../graphql/BulkOrdersQuery";
export { BulkProductsQuery as BULK_PRODUCTS } from "../../graphql/BulkProductsQuery";
export { CurrentBulkOperationQuery as BULK_CURRENT } from "../../graphql/CurrentBulkOperationQuery";
export { CustomersQuery as CUSTOMERS_PAGE } from "../../graphql/CustomersQuery";
export { OrderIdsQuery as ORDERS_PAGE } from "../../graphql/OrderIdsQuery";
export { ProductIdsQuery as PRODUCTS_PAGE } from "../../graphql/ProductIdsQuery";
