import { createHash, randomBytes, randomUUID } from 'node:crypto';

import { parseGid, toGid } from './gid.js';
import { checkMetafieldValue, isKnownMetafieldType } from './metafield-types.js';
import { formatDecimal, formatMoney, isCurrencyCode, toMinorUnits } from './money.js';
import {
  lineDiscountedTotalMinor,
  lineRemoval,
  lineTaxMinor,
  orderCurrentSubtotalMinor,
  orderCurrentTotalMinor,
  orderFinancialStatus,
  orderRefundedMinor,
  orderSubtotalMinor,
  orderTotalMinor,
  orderTotalTaxMinor,
} from './orders.js';
import type { Clock, TimeInput } from './time.js';
import { isValidTimeZone, isoSeconds, systemClock, toEpochMs, truncateToSecond } from './time.js';
import type { WebhookEvent, WebhookListener, WebhookPayloadExtras, WebhookTopic } from './webhooks.js';
import { bulkOperationsFinishPayload, buildWebhookPayload, WEBHOOK_API_VERSION, webhookEvent } from './webhooks.js';
import type { FlowTriggerDefinition, FlowTriggerReceivedRecord } from './flow.js';
import { loadFlowTriggers } from './flow.js';
import type { CodeDiscountRecord, DiscountState, MetafieldDefinitionRecord, StoreCreditAccountRecord } from './discounts.js';
import { emptyDiscountState, findCodeDiscount } from './discounts.js';
import type { WebPixelRecord } from './web-pixels.js';
import { DEFAULT_WEB_PIXEL_REQUIRED, DEFAULT_WEB_PIXEL_SETTINGS } from './web-pixels.js';

export {
  orderFinancialStatus,
  orderPresentmentMinor,
  orderRefundedMinor,
  orderSubtotalMinor,
  orderTotalMinor,
} from './orders.js';

// ---------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------

export interface ThrottleConfig {
  /** Bucket size. Shopify's standard plan: 2000. */
  maximumAvailable: number;
  /** Points restored per second. Shopify's standard plan: 100. */
  restoreRate: number;
  /** Single-query limit enforced on the requested cost before execution. */
  maxSingleQueryCost: number;
}

export const DEFAULT_THROTTLE: Readonly<ThrottleConfig> = Object.freeze({
  maximumAvailable: 2000,
  restoreRate: 100,
  maxSingleQueryCost: 1000,
});

export interface FakeShopifyStoreOptions {
  clock?: Clock;
  throttle?: Partial<ThrottleConfig>;
  /** Delay between a bulk operation starting to run and completing. Default 0 (next tick). */
  bulkCompletionDelayMs?: number;
  /** When false, bulk operations stay CREATED until `completeBulkOperations()` is called. Default true. */
  autoCompleteBulkOperations?: boolean;
  /** Numeric app id used to resolve the `$app` metafield namespace to `app--<appId>`. */
  appId?: number;
  /** First numeric id handed out; ids are unique across all resource types and shops. */
  firstId?: number;
  /** Default for every shop: store mutations emit the webhooks Shopify would send. Default false. */
  emitWebhooks?: boolean;
  /** The app's web pixel extension settings keys (default Roost's); null: the app has none (NO_EXTENSION). */
  webPixelSettings?: readonly string[] | null;
  /** Bulk mutations one app may run at once per shop: 5 from API 2026-01 (1 before). Default 5. */
  maxConcurrentBulkMutations?: number;
  /** The app's deployed Flow triggers by handle (default: the flow_trigger extensions under extensions/). */
  flowTriggers?: ReadonlyMap<string, FlowTriggerDefinition>;
}

export interface RegisterShopOptions {
  accessToken: string;
  name?: string;
  /** IANA time zone, e.g. "America/New_York". Default "UTC". */
  timezone?: string;
  /** ISO 4217 shop currency. Default "USD". */
  currency?: string;
  email?: string;
  /** Without `read_all_orders`, Shopify only returns orders from the last 60 days. Default true. */
  readAllOrders?: boolean;
  throttle?: Partial<ThrottleConfig>;
  /** Overrides `store.emitWebhooks` for this shop. */
  emitWebhooks?: boolean;
  /** A custom storefront domain (the shop's `primaryDomain`); default: the myshopify domain. */
  primaryDomain?: string;
  /** Access scopes granted to the app (the `current` list of `app/scopes_update`). */
  scopes?: readonly string[];
}

// ---------------------------------------------------------------------------
// Records (internal state; resolvers read these directly)
// ---------------------------------------------------------------------------

export type CustomerState = 'DECLINED' | 'DISABLED' | 'ENABLED' | 'INVITED';
export type ProductStatus = 'ACTIVE' | 'ARCHIVED' | 'DRAFT';
export type OrderFinancialStatus =
  | 'AUTHORIZED'
  | 'EXPIRED'
  | 'PAID'
  | 'PARTIALLY_PAID'
  | 'PARTIALLY_REFUNDED'
  | 'PENDING'
  | 'REFUNDED'
  | 'VOIDED';
export type OrderFulfillmentStatus =
  | 'FULFILLED'
  | 'FULFILLMENT_NOT_REQUIRED'
  | 'IN_PROGRESS'
  | 'ON_HOLD'
  | 'OPEN'
  | 'PARTIALLY_FULFILLED'
  | 'PENDING_FULFILLMENT'
  | 'REQUEST_DECLINED'
  | 'RESTOCKED'
  | 'SCHEDULED'
  | 'UNFULFILLED';
export type OrderCancelReason = 'CUSTOMER' | 'DECLINED' | 'FRAUD' | 'INVENTORY' | 'OTHER' | 'STAFF';
/** API_PERMISSION: an app-data metafield, owned by the app's installation. */
export type MetafieldOwnerType = 'API_PERMISSION' | 'CUSTOMER' | 'ORDER' | 'PRODUCT' | 'PRODUCTVARIANT' | 'SHOP';
export type BulkOperationStatus = 'CANCELED' | 'CANCELING' | 'COMPLETED' | 'CREATED' | 'EXPIRED' | 'FAILED' | 'RUNNING';
export type BulkOperationErrorCode = 'ACCESS_DENIED' | 'INTERNAL_SERVER_ERROR' | 'TIMEOUT';
export type BulkOperationType = 'MUTATION' | 'QUERY';
export type RefundRestockType = 'CANCEL' | 'LEGACY_RESTOCK' | 'NO_RESTOCK' | 'RETURN';

interface BaseRecord {
  /** Shopify GID, e.g. gid://shopify/Customer/1000000000001 */
  id: string;
  numericId: number;
}

export interface ShopRecord extends BaseRecord {
  kind: 'Shop';
  domain: string;
  /** Custom storefront domain, when the shop has one. */
  primaryDomain: string | null;
  name: string;
  email: string;
  timezone: string;
  currency: string;
  accessToken: string;
  readAllOrders: boolean;
  throttle: ThrottleConfig;
  /** null: follow `store.emitWebhooks`. */
  emitWebhooks: boolean | null;
  scopes: string[];
  /** Id of the app installation (`app/scopes_update` payload `id`). */
  installationId: number;
  createdAt: number;
  updatedAt: number;
}

/**
 * The app's installation on the shop (`currentAppInstallation`): the owner of its app-data
 * metafields, which only this app reads and writes (in Liquid, `app.metafields`).
 */
export interface AppInstallationRecord extends BaseRecord {
  kind: 'AppInstallation';
}

export interface CustomerRecord extends BaseRecord {
  kind: 'Customer';
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  phone: string | null;
  note: string | null;
  state: CustomerState;
  verifiedEmail: boolean;
  tags: string[];
  createdAt: number;
  updatedAt: number;
  numberOfOrdersOverride: number | null;
  amountSpentOverrideMinor: number | null;
}

export interface LocationRecord extends BaseRecord {
  kind: 'Location';
  name: string;
  isActive: boolean;
  createdAt: number;
}

export interface ProductRecord extends BaseRecord {
  kind: 'Product';
  title: string;
  handle: string;
  status: ProductStatus;
  vendor: string;
  productType: string;
  tags: string[];
  createdAt: number;
  updatedAt: number;
  variantIds: number[];
}

export interface InventoryLevelRecord extends BaseRecord {
  kind: 'InventoryLevel';
  inventoryItemId: number;
  locationId: number;
  available: number;
  createdAt: number;
  updatedAt: number;
}

export interface InventoryItemRecord extends BaseRecord {
  kind: 'InventoryItem';
  variantId: number;
  tracked: boolean;
  createdAt: number;
  updatedAt: number;
  /** locationId → level, in creation order */
  levels: Map<number, InventoryLevelRecord>;
}

export interface VariantRecord extends BaseRecord {
  kind: 'ProductVariant';
  productId: number;
  title: string;
  sku: string | null;
  priceMinor: number;
  position: number;
  inventoryItem: InventoryItemRecord;
  createdAt: number;
  updatedAt: number;
}

export interface TaxLineRecord {
  priceMinor: number;
  /** Decimal rate, e.g. 0.08 for 8%. */
  rate: number;
  title: string;
  channelLiable: boolean;
}

export interface LineItemRecord extends BaseRecord {
  kind: 'LineItem';
  orderId: number;
  variantId: number | null;
  productId: number | null;
  title: string;
  variantTitle: string | null;
  sku: string | null;
  vendor: string | null;
  /** Units ordered; never changes. */
  quantity: number;
  /** Units left after refunds and order-edit removals. */
  currentQuantity: number;
  /** Original unit price in shop currency (tax-inclusive when the order's taxes are included). */
  unitPriceMinor: number;
  isGiftCard: boolean;
  taxable: boolean;
  requiresShipping: boolean;
  /** Allocated discount amounts; the index is the order's discount application index. */
  discountAllocations: number[];
  taxLines: TaxLineRecord[];
  /** What refunds and edits have taken off this line so far. */
  removed: { subtotalMinor: number; taxMinor: number; discountMinor: number };
}

export interface ShippingLineRecord {
  kind: 'ShippingLine';
  id: string;
  numericId: number;
  orderId: number;
  title: string;
  code: string | null;
  source: string;
  priceMinor: number;
  discountMinor: number;
  taxLines: TaxLineRecord[];
}

export interface RefundLineItemRecord {
  kind: 'RefundLineItem';
  id: string;
  numericId: number;
  refundId: number;
  lineItemId: number;
  quantity: number;
  /** Discounted unit price × quantity (tax-inclusive when the order's taxes are included). */
  subtotalMinor: number;
  totalTaxMinor: number;
  restockType: RefundRestockType;
}

export interface RefundRecord extends BaseRecord {
  kind: 'Refund';
  orderId: number;
  createdAt: number;
  updatedAt: number;
  /** Amount returned to the customer (the refund transaction). */
  amountMinor: number;
  /** Shipping refunded (before tax). */
  shippingMinor: number;
  note: string | null;
  lineItems: RefundLineItemRecord[];
  transactionId: number;
  /** Id of the `shipping_refund` order adjustment, when shipping was refunded. */
  shippingAdjustmentId: number | null;
}

export interface OrderEditRecord {
  numericId: number;
  createdAt: number;
  committedAt: number;
  staffNote: string;
  notifyCustomer: boolean;
  additions: Array<{ lineItemId: number; delta: number }>;
  removals: Array<{ lineItemId: number; delta: number }>;
}

export interface SalesChannel {
  /** ChannelDefinition handle, e.g. "online_store". */
  handle: string;
  name: string;
}

export interface OrderRecord extends BaseRecord {
  kind: 'Order';
  number: number;
  name: string;
  email: string | null;
  customerId: number | null;
  createdAt: number;
  updatedAt: number;
  processedAt: number;
  closedAt: number | null;
  cancelledAt: number | null;
  cancelReason: OrderCancelReason | null;
  test: boolean;
  financialStatusOverride: OrderFinancialStatus | null;
  fulfillmentStatus: OrderFulfillmentStatus;
  /** Shop currency at the time of the order (`currencyCode`, REST `currency`). */
  currency: string;
  presentmentCurrency: string;
  presentmentRate: number;
  taxesIncluded: boolean;
  sourceName: string;
  channel: SalesChannel | null;
  /** REST-only fields (not in GraphQL); they appear in webhook payloads. */
  checkoutToken: string | null;
  cartToken: string | null;
  token: string;
  lineItems: LineItemRecord[];
  shippingLines: ShippingLineRecord[];
  /** Tax not attached to any line (legacy `totalTax` seed). */
  orderLevelTaxMinor: number;
  /** Discount not allocated to any line (legacy `totalDiscounts` seed). */
  orderLevelDiscountMinor: number;
  refunds: RefundRecord[];
  edits: OrderEditRecord[];
  tags: string[];
  note: string | null;
}

export interface MetafieldRecord extends BaseRecord {
  kind: 'Metafield';
  ownerId: string;
  ownerType: MetafieldOwnerType;
  namespace: string;
  key: string;
  type: string;
  value: string;
  createdAt: number;
  updatedAt: number;
}

export interface BulkOperationRecord extends BaseRecord {
  kind: 'BulkOperation';
  shop: string;
  type: BulkOperationType;
  status: BulkOperationStatus;
  errorCode: BulkOperationErrorCode | null;
  /** The bulk query, or the mutation a bulk mutation runs once per JSONL line. */
  query: string;
  groupObjects: boolean;
  /** MUTATION only: the `key` of the staged JSONL file holding each line's variables. */
  stagedUploadPath: string | null;
  clientIdentifier: string | null;
  createdAt: number;
  completedAt: number | null;
  objectCount: number;
  rootObjectCount: number;
  /** JSONL lines of a completed (or partially failed) operation. */
  lines: string[] | null;
  fileSize: number | null;
  partial: boolean;
  /** Unguessable token embedded in the download URL, like a signed storage URL. */
  signature: string;
}

export type NodeRecord =
  | AppInstallationRecord
  | BulkOperationRecord
  | CustomerRecord
  | InventoryItemRecord
  | InventoryLevelRecord
  | LineItemRecord
  | LocationRecord
  | MetafieldRecord
  | OrderRecord
  | ProductRecord
  | RefundRecord
  | ShopRecord
  | VariantRecord;

/** A file posted to a staged upload target (`stagedUploadsCreate`); `key` is Shopify's stagedUploadPath. */
export interface StagedUploadRecord {
  key: string;
  shop: string;
  resource: string;
  filename: string;
  mimeType: string;
  httpMethod: 'POST' | 'PUT';
  /** Signs the target's parameters, as a storage bucket's POST policy would. */
  signature: string;
  createdAt: number;
  /** Null until the file has been posted to the target. */
  content: string | null;
}

export type MetafieldOwnerRecord = AppInstallationRecord | CustomerRecord | OrderRecord | ProductRecord | ShopRecord | VariantRecord;

export type FailureStatus = 429 | 500 | 502 | 503 | 504;

export interface FailNextOptions {
  status: FailureStatus;
  /** How many consecutive GraphQL requests fail. Default 1. */
  times?: number;
  /** Overrides the canned body for the status. */
  body?: string;
  headers?: Record<string, string>;
}

export interface PendingFailure {
  status: FailureStatus;
  remaining: number;
  body: string | null;
  headers: Record<string, string>;
}

export interface ShopState extends DiscountState {
  shop: ShopRecord;
  /** This app's installation: `currentAppInstallation`, the owner of app-data metafields. */
  appInstallation: AppInstallationRecord;
  customers: Map<number, CustomerRecord>;
  products: Map<number, ProductRecord>;
  variants: Map<number, VariantRecord>;
  inventoryItems: Map<number, InventoryItemRecord>;
  inventoryLevels: Map<number, InventoryLevelRecord>;
  locations: Map<number, LocationRecord>;
  orders: Map<number, OrderRecord>;
  ordersByCustomer: Map<number, Set<number>>;
  lineItems: Map<number, LineItemRecord>;
  refunds: Map<number, RefundRecord>;
  /** ownerGid → "namespace\u0000key" → metafield */
  metafields: Map<string, Map<string, MetafieldRecord>>;
  metafieldsById: Map<number, MetafieldRecord>;
  bulkOperations: Map<number, BulkOperationRecord>;
  /** Staged upload key → target, issued by `stagedUploadsCreate`. */
  stagedUploads: Map<string, StagedUploadRecord>;
  bucket: { available: number; updatedAt: number };
  failures: PendingFailure[];
  bulkFailures: BulkOperationErrorCode[];
  nextOrderNumber: number;
  /** Sales channel handle → numeric id (ChannelInformation / App ids). */
  channels: Map<string, number>;
  /** The app's web pixel on this shop (one per app per shop). */
  webPixel: WebPixelRecord | null;
  /** Flow triggers `flowTriggerReceive` accepted, oldest first. */
  flowTriggersReceived: FlowTriggerReceivedRecord[];
}

// ---------------------------------------------------------------------------
// Seed inputs
// ---------------------------------------------------------------------------

export interface MetafieldSeed {
  namespace?: string;
  key: string;
  type: string;
  value: string;
}

export interface AddCustomerInput {
  email?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  phone?: string | null;
  note?: string | null;
  state?: CustomerState;
  verifiedEmail?: boolean;
  tags?: readonly string[];
  createdAt?: TimeInput;
  updatedAt?: TimeInput;
  /** Overrides the count derived from the customer's orders in the store. */
  numberOfOrders?: number;
  /** Overrides the amount derived from the customer's orders in the store. */
  amountSpent?: string | number;
  metafields?: readonly MetafieldSeed[];
}

export interface AddVariantInput {
  title?: string;
  sku?: string | null;
  price?: string | number;
  tracked?: boolean;
  /** Available quantity per location name; unknown locations are created. */
  inventory?: Readonly<Record<string, number>>;
  metafields?: readonly MetafieldSeed[];
}

export interface AddProductInput {
  title: string;
  handle?: string;
  status?: ProductStatus;
  vendor?: string;
  productType?: string;
  tags?: readonly string[];
  createdAt?: TimeInput;
  updatedAt?: TimeInput;
  /** Defaults to a single "Default Title" variant, as Shopify does. */
  variants?: readonly AddVariantInput[];
  metafields?: readonly MetafieldSeed[];
}

export interface TaxLineInput {
  /** Tax amount for the whole line (all units), in the order's currency. */
  price: string | number;
  /** Decimal rate, e.g. 0.08. */
  rate: number;
  title: string;
  channelLiable?: boolean;
}

export interface AddLineItemInput {
  /** ProductVariant GID; price, title, sku and product default from the variant. */
  variantId?: string | null;
  /** Product GID, for custom-priced lines without a variant (ignored when `variantId` is given). */
  productId?: string | null;
  title?: string;
  sku?: string | null;
  quantity?: number;
  /** Unit price in the order's currency (tax-inclusive when `taxesIncluded`). */
  price?: string | number;
  /** Discount amounts allocated to the whole line; entry i belongs to discount application i. */
  discounts?: ReadonlyArray<string | number>;
  taxes?: readonly TaxLineInput[];
  giftCard?: boolean;
  /** Default: true unless the line is a gift card. */
  requiresShipping?: boolean;
}

export interface ShippingLineInput {
  title?: string;
  code?: string | null;
  price: string | number;
  discount?: string | number;
  taxes?: readonly TaxLineInput[];
}

export interface RefundLineItemInput {
  /** LineItem GID of the refunded order line. */
  lineItemId: string;
  quantity: number;
  /** Default NO_RESTOCK. */
  restockType?: RefundRestockType;
}

export interface AddRefundInput {
  /**
   * Amount returned to the customer. Defaults to what the refunded lines and shipping are worth
   * (subtotals, plus their taxes unless the order's taxes are included, plus `shipping`).
   * Required when neither `lineItems` nor `shipping` is given.
   */
  amount?: string | number;
  lineItems?: readonly RefundLineItemInput[];
  /** Shipping amount refunded. */
  shipping?: string | number;
  createdAt?: TimeInput;
  note?: string | null;
}

export interface AddOrderInput {
  /** Customer GID. */
  customerId?: string | null;
  email?: string | null;
  name?: string;
  /**
   * The order's number, for orders placed before the numbering the store continues with (a
   * store's history); the store's own counter is left alone. Default: the next number.
   */
  number?: number;
  createdAt?: TimeInput;
  processedAt?: TimeInput;
  updatedAt?: TimeInput;
  closedAt?: TimeInput | null;
  cancelledAt?: TimeInput | null;
  cancelReason?: OrderCancelReason | null;
  test?: boolean;
  financialStatus?: OrderFinancialStatus;
  fulfillmentStatus?: OrderFulfillmentStatus;
  /** Shop-money currency of the order. Default: the shop's currency. */
  currency?: string;
  presentmentCurrency?: string;
  /** Shop → presentment exchange rate. Default 1. */
  presentmentRate?: number;
  /** Whether line prices include tax. Default false. */
  taxesIncluded?: boolean;
  /** Default "web". */
  sourceName?: string;
  /** Sales channel; defaults from `sourceName` ("web" → online_store, "pos" → pos, otherwise none). */
  channel?: SalesChannel | null;
  /** REST-only; carried by webhooks. */
  checkoutToken?: string | null;
  cartToken?: string | null;
  lineItems: readonly AddLineItemInput[];
  /** One "Standard" shipping line at this price. */
  shipping?: string | number;
  /** Alias of `shipping`. */
  shippingPrice?: string | number;
  shippingLines?: readonly ShippingLineInput[];
  /** Tax not attached to any line (prefer per-line `taxes`). */
  totalTax?: string | number;
  /** Discount not allocated to any line (prefer per-line `discounts`). */
  totalDiscounts?: string | number;
  tags?: readonly string[];
  note?: string | null;
  /** Historical refunds, recorded without webhooks. */
  refunds?: readonly AddRefundInput[];
  metafields?: readonly MetafieldSeed[];
}

export interface UpdateOrderInput {
  email?: string | null;
  financialStatus?: OrderFinancialStatus;
  fulfillmentStatus?: OrderFulfillmentStatus;
  /** Setting it (from null) cancels the order. */
  cancelledAt?: TimeInput | null;
  cancelReason?: OrderCancelReason | null;
  closedAt?: TimeInput | null;
  processedAt?: TimeInput;
  test?: boolean;
  tags?: readonly string[];
  note?: string | null;
  /** Default: now. */
  updatedAt?: TimeInput;
}

export interface EditOrderInput {
  addLineItems?: readonly AddLineItemInput[];
  removeLineItems?: ReadonlyArray<{ lineItemId: string; quantity: number }>;
  staffNote?: string;
  notifyCustomer?: boolean;
  /** Default: now. */
  at?: TimeInput;
}

export interface UpdateVariantInput {
  /** ProductVariant GID. */
  id: string;
  title?: string;
  sku?: string | null;
  price?: string | number;
}

export interface UpdateProductInput {
  title?: string;
  handle?: string;
  status?: ProductStatus;
  vendor?: string;
  productType?: string;
  tags?: readonly string[];
  variants?: readonly UpdateVariantInput[];
  /** Default: now. */
  updatedAt?: TimeInput;
}

export interface UpdateShopInput {
  name?: string;
  email?: string;
  timezone?: string;
  currency?: string;
}

// ---------------------------------------------------------------------------
// Snapshots returned to tests (copies; mutating them does not touch the store)
// ---------------------------------------------------------------------------

export interface MetafieldSnapshot {
  id: string;
  namespace: string;
  key: string;
  type: string;
  value: string;
  createdAt: string;
  updatedAt: string;
}

export interface CustomerSnapshot {
  id: string;
  numericId: number;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  phone: string | null;
  state: CustomerState;
  tags: string[];
  numberOfOrders: number;
  amountSpent: string;
  createdAt: string;
  updatedAt: string;
  metafields: MetafieldSnapshot[];
}

export interface VariantSnapshot {
  id: string;
  numericId: number;
  title: string;
  sku: string | null;
  price: string;
  inventoryItemId: string;
  inventoryQuantity: number;
  inventory: Record<string, number>;
  updatedAt: string;
}

export interface ProductSnapshot {
  id: string;
  numericId: number;
  title: string;
  handle: string;
  status: ProductStatus;
  tags: string[];
  totalInventory: number;
  createdAt: string;
  updatedAt: string;
  variants: VariantSnapshot[];
  metafields: MetafieldSnapshot[];
}

export interface OrderSnapshot {
  id: string;
  numericId: number;
  name: string;
  email: string | null;
  customerId: string | null;
  createdAt: string;
  updatedAt: string;
  processedAt: string;
  cancelledAt: string | null;
  test: boolean;
  currencyCode: string;
  taxesIncluded: boolean;
  sourceName: string;
  displayFinancialStatus: OrderFinancialStatus;
  displayFulfillmentStatus: OrderFulfillmentStatus;
  totalPrice: string;
  subtotalPrice: string;
  totalTax: string;
  currentSubtotalPrice: string;
  currentTotalPrice: string;
  totalRefunded: string;
  tags: string[];
  lineItems: Array<{
    id: string;
    title: string;
    quantity: number;
    currentQuantity: number;
    variantId: string | null;
    productId: string | null;
    unitPrice: string;
    /** After discount allocations, before refunds. */
    discountedTotal: string;
    tax: string;
    isGiftCard: boolean;
  }>;
  refunds: Array<{
    id: string;
    createdAt: string;
    amount: string;
    shipping: string;
    lineItems: Array<{ id: string; lineItemId: string; quantity: number; subtotal: string; totalTax: string }>;
  }>;
  metafields: MetafieldSnapshot[];
}

export interface BulkOperationSnapshot {
  id: string;
  status: BulkOperationStatus;
  errorCode: BulkOperationErrorCode | null;
  type: BulkOperationType;
  query: string;
  clientIdentifier: string | null;
  createdAt: string;
  completedAt: string | null;
  objectCount: number;
  rootObjectCount: number;
  fileSize: number | null;
}

/** Body of Shopify's `bulk_operations/finish` webhook. */
export interface BulkOperationsFinishPayload {
  admin_graphql_api_id: string;
  completed_at: string | null;
  created_at: string;
  error_code: string | null;
  status: string;
  type: string;
}

export interface BulkOperationFinishEvent {
  shop: string;
  operation: BulkOperationSnapshot;
  payload: BulkOperationsFinishPayload;
}

export type BulkOperationFinishListener = (event: BulkOperationFinishEvent) => void | Promise<void>;

export interface BulkQueryResult {
  lines: string[];
  rootObjectCount: number;
}

/** Runs a bulk query or mutation against a shop; installed by the schema layer. Throwing fails the operation. */
export type BulkQueryExecutor = (state: ShopState, operation: BulkOperationRecord, failing: boolean) => BulkQueryResult;

export interface RecordedRequest {
  requestId: string;
  at: string;
  method: string;
  url: string;
  shop: string | null;
  apiVersion: string | null;
  kind: 'bulk-download' | 'graphql' | 'other' | 'staged-upload';
  status: number;
  operationName: string | null;
  query: string | null;
  variables: Record<string, unknown> | null;
  requestedQueryCost: number | null;
  actualQueryCost: number | null;
  /** `extensions.code` of each top-level GraphQL error, e.g. "THROTTLED". */
  errorCodes: string[];
  injectedFailure: boolean;
}

export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

// ---------------------------------------------------------------------------
// Mutation results shared with the schema layer
// ---------------------------------------------------------------------------

export interface UserErrorData {
  field: string[] | null;
  message: string;
}

export interface MetafieldsSetUserErrorData extends UserErrorData {
  code: string;
  elementIndex: number | null;
}

export interface MetafieldsSetInputData {
  ownerId: string;
  namespace?: string | null;
  key: string;
  value: string;
  type?: string | null;
  /** `undefined` = not supplied; `null` = "must not exist yet"; string = must match current digest. */
  compareDigest?: string | null;
}

export const MAX_TAGS = 250;
export const MAX_TAG_LENGTH = 255;
export const MAX_METAFIELDS_PER_SET = 25;

const TAGGABLE_TYPES = new Set(['Customer', 'Order', 'Product']);

const SIXTY_DAYS_MS = 60 * 24 * 60 * 60 * 1000;

function canonicalDomain(domain: string): string {
  const lower = domain.trim().toLowerCase().replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  return lower.includes('.') ? lower : `${lower}.myshopify.com`;
}

/** Splits comma-joined entries, trims, drops blanks: the normalisation Shopify applies to tag input. */
export function normalizeTagInput(tags: readonly string[]): string[] {
  return tags
    .flatMap((tag) => tag.split(','))
    .map((tag) => tag.trim())
    .filter((tag) => tag.length > 0);
}

function sortTags(tags: string[]): string[] {
  return tags.sort((a, b) => {
    const la = a.toLowerCase();
    const lb = b.toLowerCase();
    return la < lb ? -1 : la > lb ? 1 : 0;
  });
}

/** Case-insensitive union keeping the first spelling seen, sorted like Shopify returns tags. */
function mergeTags(existing: readonly string[], added: readonly string[]): string[] {
  const seen = new Set(existing.map((tag) => tag.toLowerCase()));
  const merged = [...existing];
  for (const tag of added) {
    const lower = tag.toLowerCase();
    if (!seen.has(lower)) {
      seen.add(lower);
      merged.push(tag);
    }
  }
  return sortTags(merged);
}

function slugify(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug === '' ? 'product' : slug;
}

export function metafieldDigest(type: string, value: string): string {
  return createHash('sha256').update(`${type}\u0000${value}`).digest('hex');
}

function metafieldKey(namespace: string, key: string): string {
  return `${namespace}\u0000${key}`;
}

/** One topic a store mutation triggers; payloads are built when emitted. */
interface WebhookDelivery {
  topic: WebhookTopic;
  resourceId?: string;
  extras?: WebhookPayloadExtras;
}

function tagDeliveries(customerId: string, before: readonly string[], after: readonly string[]): WebhookDelivery[] {
  const lowerBefore = new Set(before.map((tag) => tag.toLowerCase()));
  const lowerAfter = new Set(after.map((tag) => tag.toLowerCase()));
  const added = after.filter((tag) => !lowerBefore.has(tag.toLowerCase()));
  const removed = before.filter((tag) => !lowerAfter.has(tag.toLowerCase()));
  const deliveries: WebhookDelivery[] = [];
  if (added.length > 0) deliveries.push({ topic: 'customer.tags_added', resourceId: customerId, extras: { tags: added } });
  if (removed.length > 0) deliveries.push({ topic: 'customer.tags_removed', resourceId: customerId, extras: { tags: removed } });
  return deliveries;
}

function defaultChannel(sourceName: string): SalesChannel | null {
  switch (sourceName) {
    case 'web':
      return { handle: 'online_store', name: 'Online Store' };
    case 'pos':
      return { handle: 'pos', name: 'Point of Sale' };
    default:
      return null;
  }
}

function taxLineRecord(input: TaxLineInput, currency: string): TaxLineRecord {
  return {
    priceMinor: toMinorUnits(input.price, currency),
    rate: input.rate,
    title: input.title,
    channelLiable: input.channelLiable ?? false,
  };
}

function applyRemoval(line: LineItemRecord, quantity: number, removal: { subtotalMinor: number; taxMinor: number; discountMinor: number }): void {
  line.currentQuantity -= quantity;
  line.removed.subtotalMinor += removal.subtotalMinor;
  line.removed.taxMinor += removal.taxMinor;
  line.removed.discountMinor += removal.discountMinor;
}

export class FakeShopifyStore {
  readonly clock: Clock;
  readonly appId: number;
  readonly defaultThrottle: ThrottleConfig;
  readonly requests: RecordedRequest[] = [];
  /** Errors raised by `onBulkOperationFinish` listeners or by bulk query execution; tests can assert it stays empty. */
  readonly internalErrors: unknown[] = [];
  bulkCompletionDelayMs: number;
  autoCompleteBulkOperations: boolean;
  maxConcurrentBulkMutations: number;
  /** Default for shops registered without `emitWebhooks`: mutations emit Shopify's webhooks. */
  emitWebhooks: boolean;
  /** The app's web pixel extension settings keys; null: the app has no web pixel extension. */
  webPixelSettings: readonly string[] | null;
  /** Settings keys of the extension whose value may not be empty. */
  webPixelRequired: readonly string[] = DEFAULT_WEB_PIXEL_REQUIRED;
  /** The app's deployed Flow triggers by handle (flowTriggerReceive refuses any other handle). */
  flowTriggers: ReadonlyMap<string, FlowTriggerDefinition>;
  /** Webhooks emitted, oldest first (the newest `webhookLogLimit` are kept). */
  readonly webhookLog: WebhookEvent[] = [];
  webhookLogLimit = 1000;

  private readonly shops = new Map<string, ShopState>();
  private readonly bulkIndex = new Map<number, BulkOperationRecord>();
  private readonly stagedUploadIndex = new Map<string, StagedUploadRecord>();
  private readonly finishListeners = new Set<BulkOperationFinishListener>();
  private readonly webhookListeners = new Set<WebhookListener>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private bulkExecutor: BulkQueryExecutor | null = null;
  private nextNumericId: number;

  constructor(options: FakeShopifyStoreOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.appId = options.appId ?? 4_242_424_242;
    this.defaultThrottle = { ...DEFAULT_THROTTLE, ...options.throttle };
    this.bulkCompletionDelayMs = options.bulkCompletionDelayMs ?? 0;
    this.autoCompleteBulkOperations = options.autoCompleteBulkOperations ?? true;
    this.maxConcurrentBulkMutations = options.maxConcurrentBulkMutations ?? 5;
    this.nextNumericId = options.firstId ?? 1_000_000_000_001;
    this.emitWebhooks = options.emitWebhooks ?? false;
    this.webPixelSettings = options.webPixelSettings === undefined ? DEFAULT_WEB_PIXEL_SETTINGS : options.webPixelSettings;
    this.flowTriggers = options.flowTriggers ?? loadFlowTriggers();
  }

  // -------------------------------------------------------------------------
  // Shops
  // -------------------------------------------------------------------------

  registerShop(domain: string, options: RegisterShopOptions): string {
    const canonical = canonicalDomain(domain);
    const currency = options.currency ?? 'USD';
    const timezone = options.timezone ?? 'UTC';
    if (!isCurrencyCode(currency)) {
      throw new TypeError(`Unknown currency code: ${currency}`);
    }
    if (!isValidTimeZone(timezone)) {
      throw new TypeError(`Unknown IANA time zone: ${timezone}`);
    }
    const existing = this.shops.get(canonical);
    const throttle = { ...this.defaultThrottle, ...options.throttle };
    const handle = canonical.replace(/\.myshopify\.com$/, '');
    const shopFields = {
      domain: canonical,
      primaryDomain: options.primaryDomain ?? existing?.shop.primaryDomain ?? null,
      name: options.name ?? handle,
      email: options.email ?? `owner@${handle}.example`,
      timezone,
      currency,
      accessToken: options.accessToken,
      readAllOrders: options.readAllOrders ?? true,
      throttle,
      emitWebhooks: options.emitWebhooks ?? existing?.shop.emitWebhooks ?? null,
      scopes: [...(options.scopes ?? existing?.shop.scopes ?? [])],
    };
    if (existing) {
      Object.assign(existing.shop, shopFields);
      return canonical;
    }
    const numericId = this.allocateId();
    const installationId = this.allocateId();
    const now = this.now();
    this.shops.set(canonical, {
      shop: {
        kind: 'Shop',
        id: toGid('Shop', numericId),
        numericId,
        ...shopFields,
        installationId,
        createdAt: now,
        updatedAt: now,
      },
      appInstallation: { kind: 'AppInstallation', id: toGid('AppInstallation', installationId), numericId: installationId },
      customers: new Map(),
      products: new Map(),
      variants: new Map(),
      inventoryItems: new Map(),
      inventoryLevels: new Map(),
      locations: new Map(),
      orders: new Map(),
      ordersByCustomer: new Map(),
      lineItems: new Map(),
      refunds: new Map(),
      metafields: new Map(),
      metafieldsById: new Map(),
      bulkOperations: new Map(),
      stagedUploads: new Map(),
      bucket: { available: throttle.maximumAvailable, updatedAt: this.clock.now() },
      failures: [],
      bulkFailures: [],
      nextOrderNumber: 1001,
      channels: new Map(),
      webPixel: null,
      flowTriggersReceived: [],
      ...emptyDiscountState(),
    });
    return canonical;
  }

  hasShop(domain: string): boolean {
    return this.shops.has(canonicalDomain(domain));
  }

  shopDomains(): string[] {
    return [...this.shops.keys()];
  }

  /** Internal state of a shop; throws for unknown shops so seed mistakes surface immediately. */
  state(domain: string): ShopState {
    const state = this.shops.get(canonicalDomain(domain));
    if (!state) {
      throw new Error(`Fake Shopify: shop ${domain} is not registered`);
    }
    return state;
  }

  findState(domain: string): ShopState | undefined {
    return this.shops.get(canonicalDomain(domain));
  }

  allocateId(): number {
    const id = this.nextNumericId;
    this.nextNumericId += 1;
    return id;
  }

  /**
   * Continues a store's numbering after records another run of the fake made (a restarted demo
   * whose database remembers them): ids from `nextId` on, and, for one shop, order numbers from
   * `nextOrderNumber` on. Never moves either backwards.
   */
  continueNumbering(options: { nextId?: number; shop?: string; nextOrderNumber?: number }): void {
    if (options.nextId !== undefined) this.nextNumericId = Math.max(this.nextNumericId, options.nextId);
    if (options.shop !== undefined && options.nextOrderNumber !== undefined) {
      const state = this.state(options.shop);
      state.nextOrderNumber = Math.max(state.nextOrderNumber, options.nextOrderNumber);
    }
  }

  now(): number {
    return truncateToSecond(this.clock.now());
  }

  private time(input: TimeInput | undefined, fallback: number): number {
    return input === undefined ? fallback : truncateToSecond(toEpochMs(input));
  }

  // -------------------------------------------------------------------------
  // Seeding
  // -------------------------------------------------------------------------

  addLocation(shop: string, name: string): string {
    return this.ensureLocation(this.state(shop), name).id;
  }

  private ensureLocation(state: ShopState, name: string): LocationRecord {
    for (const location of state.locations.values()) {
      if (location.name === name) {
        return location;
      }
    }
    const numericId = this.allocateId();
    const location: LocationRecord = {
      kind: 'Location',
      id: toGid('Location', numericId),
      numericId,
      name,
      isActive: true,
      createdAt: this.now(),
    };
    state.locations.set(numericId, location);
    return location;
  }

  addCustomer(shop: string, input: AddCustomerInput = {}): CustomerSnapshot {
    const state = this.state(shop);
    const now = this.now();
    const numericId = this.allocateId();
    const createdAt = this.time(input.createdAt, now);
    const tags = normalizeTagInput(input.tags ?? []);
    const customer: CustomerRecord = {
      kind: 'Customer',
      id: toGid('Customer', numericId),
      numericId,
      email: input.email ?? null,
      firstName: input.firstName ?? null,
      lastName: input.lastName ?? null,
      phone: input.phone ?? null,
      note: input.note ?? null,
      state: input.state ?? 'DISABLED',
      verifiedEmail: input.verifiedEmail ?? true,
      tags: mergeTags([], tags),
      createdAt,
      updatedAt: this.time(input.updatedAt, createdAt),
      numberOfOrdersOverride: input.numberOfOrders ?? null,
      amountSpentOverrideMinor:
        input.amountSpent === undefined ? null : toMinorUnits(input.amountSpent, state.shop.currency),
    };
    state.customers.set(numericId, customer);
    this.seedMetafields(state, customer, input.metafields);
    const deliveries: WebhookDelivery[] = [{ topic: 'customers/create', resourceId: customer.id }];
    if (customer.tags.length > 0) {
      deliveries.push({ topic: 'customer.tags_added', resourceId: customer.id, extras: { tags: customer.tags } });
    }
    this.emit(state, deliveries);
    return this.customerSnapshot(state, customer);
  }

  /** Updates seed fields directly (not through the API); bumps updatedAt unless one is given. */
  updateCustomer(shop: string, customerId: string, patch: Partial<Omit<AddCustomerInput, 'createdAt' | 'metafields'>>): CustomerSnapshot {
    const state = this.state(shop);
    const customer = this.requireRecord(state, customerId, 'Customer');
    const tagsBefore = [...customer.tags];
    if (patch.email !== undefined) customer.email = patch.email;
    if (patch.firstName !== undefined) customer.firstName = patch.firstName;
    if (patch.lastName !== undefined) customer.lastName = patch.lastName;
    if (patch.phone !== undefined) customer.phone = patch.phone;
    if (patch.note !== undefined) customer.note = patch.note;
    if (patch.state !== undefined) customer.state = patch.state;
    if (patch.verifiedEmail !== undefined) customer.verifiedEmail = patch.verifiedEmail;
    if (patch.tags !== undefined) customer.tags = mergeTags([], normalizeTagInput(patch.tags));
    if (patch.numberOfOrders !== undefined) customer.numberOfOrdersOverride = patch.numberOfOrders;
    if (patch.amountSpent !== undefined) {
      customer.amountSpentOverrideMinor = toMinorUnits(patch.amountSpent, state.shop.currency);
    }
    customer.updatedAt = this.time(patch.updatedAt, this.now());
    this.emit(state, [{ topic: 'customers/update', resourceId: customer.id }, ...tagDeliveries(customer.id, tagsBefore, customer.tags)]);
    return this.customerSnapshot(state, customer);
  }

  deleteCustomer(shop: string, customerId: string): void {
    const state = this.state(shop);
    const customer = this.requireRecord(state, customerId, 'Customer');
    state.customers.delete(customer.numericId);
    this.deleteMetafieldsOf(state, customer.id);
    this.emit(state, [{ topic: 'customers/delete', resourceId: customer.id }]);
  }

  /**
   * Merges `mergedId` into `keptId` like the admin's "Merge customers": orders and tags move to the
   * kept customer and the other one is deleted. Emits customers/merge, customers/delete, customers/update.
   */
  mergeCustomers(shop: string, keptId: string, mergedId: string): CustomerSnapshot {
    const state = this.state(shop);
    const kept = this.requireRecord(state, keptId, 'Customer');
    const merged = this.requireRecord(state, mergedId, 'Customer');
    if (kept === merged) {
      throw new Error('Fake Shopify: cannot merge a customer into itself');
    }
    const keptOrders = this.customerOrderIds(state, kept.numericId);
    for (const orderId of state.ordersByCustomer.get(merged.numericId) ?? []) {
      const order = state.orders.get(orderId);
      if (order) {
        order.customerId = kept.numericId;
      }
      keptOrders.add(orderId);
    }
    state.ordersByCustomer.delete(merged.numericId);
    const tagsBefore = [...kept.tags];
    kept.tags = mergeTags(kept.tags, merged.tags);
    kept.email = kept.email ?? merged.email;
    kept.phone = kept.phone ?? merged.phone;
    kept.updatedAt = Math.max(kept.updatedAt, this.now());
    state.customers.delete(merged.numericId);
    this.deleteMetafieldsOf(state, merged.id);
    this.emit(state, [
      { topic: 'customers/merge', resourceId: kept.id, extras: { mergedCustomerId: merged.id } },
      { topic: 'customers/delete', resourceId: merged.id },
      { topic: 'customers/update', resourceId: kept.id },
      ...tagDeliveries(kept.id, tagsBefore, kept.tags),
    ]);
    return this.customerSnapshot(state, kept);
  }

  addProduct(shop: string, input: AddProductInput): ProductSnapshot {
    const state = this.state(shop);
    const now = this.now();
    const numericId = this.allocateId();
    const createdAt = this.time(input.createdAt, now);
    const product: ProductRecord = {
      kind: 'Product',
      id: toGid('Product', numericId),
      numericId,
      title: input.title,
      handle: this.uniqueHandle(state, input.handle ?? slugify(input.title)),
      status: input.status ?? 'ACTIVE',
      vendor: input.vendor ?? state.shop.name,
      productType: input.productType ?? '',
      tags: mergeTags([], normalizeTagInput(input.tags ?? [])),
      createdAt,
      updatedAt: this.time(input.updatedAt, createdAt),
      variantIds: [],
    };
    state.products.set(numericId, product);
    const variants = input.variants && input.variants.length > 0 ? input.variants : [{}];
    variants.forEach((variantInput, index) => {
      const variant = this.createVariant(state, product, variantInput, index + 1, createdAt);
      product.variantIds.push(variant.numericId);
    });
    this.seedMetafields(state, product, input.metafields);
    this.emit(state, [{ topic: 'products/create', resourceId: product.id }]);
    return this.productSnapshot(state, product);
  }

  /** Edits a product and (optionally) its variants; moves updatedAt of what changed. Emits products/update. */
  updateProduct(shop: string, productId: string, patch: UpdateProductInput): ProductSnapshot {
    const state = this.state(shop);
    const product = this.requireRecord(state, productId, 'Product');
    const at = this.time(patch.updatedAt, this.now());
    const variants = (patch.variants ?? []).map((variantPatch) => {
      const variant = this.requireRecord(state, variantPatch.id, 'ProductVariant');
      if (variant.productId !== product.numericId) {
        throw new Error(`Fake Shopify: ${variantPatch.id} is not a variant of ${productId}`);
      }
      return { variant, variantPatch };
    });
    if (patch.title !== undefined) product.title = patch.title;
    if (patch.handle !== undefined && patch.handle !== product.handle) product.handle = this.uniqueHandle(state, patch.handle);
    if (patch.status !== undefined) product.status = patch.status;
    if (patch.vendor !== undefined) product.vendor = patch.vendor;
    if (patch.productType !== undefined) product.productType = patch.productType;
    if (patch.tags !== undefined) product.tags = mergeTags([], normalizeTagInput(patch.tags));
    for (const { variant, variantPatch } of variants) {
      if (variantPatch.title !== undefined) variant.title = variantPatch.title;
      if (variantPatch.sku !== undefined) variant.sku = variantPatch.sku;
      if (variantPatch.price !== undefined) variant.priceMinor = toMinorUnits(variantPatch.price, state.shop.currency);
      variant.updatedAt = at;
    }
    product.updatedAt = at;
    this.emit(state, [{ topic: 'products/update', resourceId: product.id }]);
    return this.productSnapshot(state, product);
  }

  /** Deletes a product with its variants, inventory items and levels. Emits products/delete. */
  deleteProduct(shop: string, productId: string): void {
    const state = this.state(shop);
    const product = this.requireRecord(state, productId, 'Product');
    for (const variant of this.productVariants(state, product)) {
      for (const level of variant.inventoryItem.levels.values()) {
        state.inventoryLevels.delete(level.numericId);
      }
      state.inventoryItems.delete(variant.inventoryItem.numericId);
      state.variants.delete(variant.numericId);
      this.deleteMetafieldsOf(state, variant.id);
    }
    state.products.delete(product.numericId);
    this.deleteMetafieldsOf(state, product.id);
    this.emit(state, [{ topic: 'products/delete', resourceId: product.id }]);
  }

  private uniqueHandle(state: ShopState, base: string): string {
    const taken = new Set([...state.products.values()].map((product) => product.handle));
    if (!taken.has(base)) {
      return base;
    }
    let suffix = 1;
    while (taken.has(`${base}-${suffix}`)) {
      suffix += 1;
    }
    return `${base}-${suffix}`;
  }

  private createVariant(
    state: ShopState,
    product: ProductRecord,
    input: AddVariantInput,
    position: number,
    createdAt: number,
  ): VariantRecord {
    const numericId = this.allocateId();
    const itemId = this.allocateId();
    const inventoryItem: InventoryItemRecord = {
      kind: 'InventoryItem',
      id: toGid('InventoryItem', itemId),
      numericId: itemId,
      variantId: numericId,
      tracked: input.tracked ?? true,
      createdAt,
      updatedAt: createdAt,
      levels: new Map(),
    };
    const variant: VariantRecord = {
      kind: 'ProductVariant',
      id: toGid('ProductVariant', numericId),
      numericId,
      productId: product.numericId,
      title: input.title ?? 'Default Title',
      sku: input.sku ?? null,
      priceMinor: toMinorUnits(input.price ?? '0', state.shop.currency),
      position,
      inventoryItem,
      createdAt,
      updatedAt: createdAt,
    };
    state.variants.set(numericId, variant);
    state.inventoryItems.set(itemId, inventoryItem);
    const inventory = input.inventory ?? {};
    const locationNames = Object.keys(inventory);
    if (locationNames.length === 0 && state.locations.size === 0) {
      this.ensureLocation(state, 'Shop location');
    }
    for (const name of locationNames) {
      this.setLevel(state, inventoryItem, this.ensureLocation(state, name), inventory[name] ?? 0, createdAt);
    }
    this.seedMetafields(state, variant, input.metafields);
    return variant;
  }

  private setLevel(
    state: ShopState,
    item: InventoryItemRecord,
    location: LocationRecord,
    available: number,
    at: number,
  ): InventoryLevelRecord {
    const existing = item.levels.get(location.numericId);
    if (existing) {
      existing.available = available;
      existing.updatedAt = at;
      return existing;
    }
    const numericId = this.allocateId();
    const level: InventoryLevelRecord = {
      kind: 'InventoryLevel',
      id: toGid('InventoryLevel', numericId, { inventory_item_id: item.numericId }),
      numericId,
      inventoryItemId: item.numericId,
      locationId: location.numericId,
      available,
      createdAt: at,
      updatedAt: at,
    };
    item.levels.set(location.numericId, level);
    state.inventoryLevels.set(numericId, level);
    return level;
  }

  /**
   * Sets available stock of a variant at a location (created if missing). Moves the level's, the
   * inventory item's and the product's updatedAt. Emits inventory_levels/update and products/update.
   */
  setInventory(shop: string, variantId: string, locationName: string, available: number, options: { at?: TimeInput } = {}): void {
    const state = this.state(shop);
    const variant = this.requireRecord(state, variantId, 'ProductVariant');
    const at = this.time(options.at, this.now());
    const level = this.setLevel(state, variant.inventoryItem, this.ensureLocation(state, locationName), available, at);
    variant.inventoryItem.updatedAt = at;
    const product = state.products.get(variant.productId);
    if (product) {
      product.updatedAt = at;
    }
    this.emit(state, [
      { topic: 'inventory_levels/update', resourceId: level.id },
      ...(product ? [{ topic: 'products/update' as const, resourceId: product.id }] : []),
    ]);
  }

  addOrder(shop: string, input: AddOrderInput): OrderSnapshot {
    const state = this.state(shop);
    const now = this.now();
    const currency = input.currency ?? state.shop.currency;
    if (!isCurrencyCode(currency)) {
      throw new TypeError(`Unknown currency code: ${currency}`);
    }
    const customer = input.customerId ? this.requireRecord(state, input.customerId, 'Customer') : null;
    const numericId = this.allocateId();
    const createdAt = this.time(input.createdAt, now);
    const number = input.number ?? state.nextOrderNumber;
    if (input.number === undefined) state.nextOrderNumber += 1;
    const presentmentCurrency = input.presentmentCurrency ?? currency;
    if (!isCurrencyCode(presentmentCurrency)) {
      throw new TypeError(`Unknown currency code: ${presentmentCurrency}`);
    }
    const sourceName = input.sourceName ?? 'web';
    const token = createHash('sha256').update(`order-${numericId}`).digest('hex').slice(0, 32);
    const order: OrderRecord = {
      kind: 'Order',
      id: toGid('Order', numericId),
      numericId,
      number,
      name: input.name ?? `#${number}`,
      email: input.email !== undefined ? input.email : (customer?.email ?? null),
      customerId: customer?.numericId ?? null,
      createdAt,
      updatedAt: this.time(input.updatedAt, createdAt),
      processedAt: this.time(input.processedAt, createdAt),
      closedAt: input.closedAt == null ? null : this.time(input.closedAt, createdAt),
      cancelledAt: input.cancelledAt == null ? null : this.time(input.cancelledAt, createdAt),
      cancelReason: input.cancelReason ?? (input.cancelledAt == null ? null : 'OTHER'),
      test: input.test ?? false,
      financialStatusOverride: input.financialStatus ?? null,
      fulfillmentStatus: input.fulfillmentStatus ?? 'UNFULFILLED',
      currency,
      presentmentCurrency,
      presentmentRate: input.presentmentRate ?? 1,
      taxesIncluded: input.taxesIncluded ?? false,
      sourceName,
      channel: input.channel === undefined ? defaultChannel(sourceName) : input.channel,
      checkoutToken:
        input.checkoutToken !== undefined
          ? input.checkoutToken
          : sourceName === 'web'
            ? createHash('sha256').update(`checkout-${numericId}`).digest('hex').slice(0, 32)
            : null,
      cartToken: input.cartToken ?? null,
      token,
      lineItems: [],
      shippingLines: [],
      orderLevelTaxMinor: toMinorUnits(input.totalTax ?? '0', currency),
      orderLevelDiscountMinor: toMinorUnits(input.totalDiscounts ?? '0', currency),
      refunds: [],
      edits: [],
      tags: mergeTags([], normalizeTagInput(input.tags ?? [])),
      note: input.note ?? null,
    };
    order.lineItems = input.lineItems.map((lineInput) => this.createLineItem(state, order, lineInput));
    order.shippingLines = this.createShippingLines(order, input);
    if (order.channel) {
      this.channelId(state, order.channel.handle);
    }
    state.orders.set(numericId, order);
    if (customer) {
      this.customerOrderIds(state, customer.numericId).add(numericId);
      customer.updatedAt = Math.max(customer.updatedAt, order.updatedAt);
    }
    for (const refund of input.refunds ?? []) {
      this.pushRefund(state, order, refund);
    }
    this.seedMetafields(state, order, input.metafields);
    const deliveries: WebhookDelivery[] = [{ topic: 'orders/create', resourceId: order.id }];
    if ((order.financialStatusOverride ?? 'PAID') === 'PAID') {
      deliveries.push({ topic: 'orders/paid', resourceId: order.id });
    }
    if (order.fulfillmentStatus === 'FULFILLED') {
      deliveries.push({ topic: 'orders/fulfilled', resourceId: order.id });
    }
    if (customer) {
      deliveries.push({ topic: 'customers/purchasing_summary', resourceId: customer.id });
    }
    this.emit(state, deliveries);
    return this.orderSnapshot(state, order);
  }

  private createLineItem(state: ShopState, order: OrderRecord, input: AddLineItemInput): LineItemRecord {
    const variant = input.variantId ? this.requireRecord(state, input.variantId, 'ProductVariant') : null;
    const product = variant
      ? (state.products.get(variant.productId) ?? null)
      : input.productId
        ? this.requireRecord(state, input.productId, 'Product')
        : null;
    const quantity = input.quantity ?? 1;
    if (!Number.isInteger(quantity) || quantity <= 0) {
      throw new TypeError(`Fake Shopify: line item quantity must be a positive integer, got ${quantity}`);
    }
    const giftCard = input.giftCard ?? false;
    const lineId = this.allocateId();
    const line: LineItemRecord = {
      kind: 'LineItem',
      id: toGid('LineItem', lineId),
      numericId: lineId,
      orderId: order.numericId,
      variantId: variant?.numericId ?? null,
      productId: product?.numericId ?? null,
      title: input.title ?? product?.title ?? 'Custom item',
      variantTitle: variant && variant.title !== 'Default Title' ? variant.title : null,
      sku: input.sku !== undefined ? input.sku : (variant?.sku ?? null),
      vendor: product?.vendor ?? null,
      quantity,
      currentQuantity: quantity,
      unitPriceMinor: input.price !== undefined ? toMinorUnits(input.price, order.currency) : (variant?.priceMinor ?? 0),
      isGiftCard: giftCard,
      taxable: !giftCard,
      requiresShipping: input.requiresShipping ?? !giftCard,
      discountAllocations: (input.discounts ?? []).map((amount) => toMinorUnits(amount, order.currency)),
      taxLines: (input.taxes ?? []).map((tax) => taxLineRecord(tax, order.currency)),
      removed: { subtotalMinor: 0, taxMinor: 0, discountMinor: 0 },
    };
    if (lineDiscountedTotalMinor(line) < 0) {
      throw new RangeError(`Fake Shopify: discounts exceed the price of line "${line.title}"`);
    }
    state.lineItems.set(lineId, line);
    return line;
  }

  private createShippingLines(order: OrderRecord, input: AddOrderInput): ShippingLineRecord[] {
    const single = input.shipping ?? input.shippingPrice;
    const inputs: readonly ShippingLineInput[] =
      input.shippingLines ?? (single === undefined ? [] : [{ title: 'Standard', code: 'Standard', price: single }]);
    return inputs.map((shippingInput) => {
      const numericId = this.allocateId();
      return {
        kind: 'ShippingLine',
        id: toGid('ShippingLine', numericId),
        numericId,
        orderId: order.numericId,
        title: shippingInput.title ?? 'Standard',
        code: shippingInput.code === undefined ? (shippingInput.title ?? 'Standard') : shippingInput.code,
        source: 'shopify',
        priceMinor: toMinorUnits(shippingInput.price, order.currency),
        discountMinor: toMinorUnits(shippingInput.discount ?? '0', order.currency),
        taxLines: (shippingInput.taxes ?? []).map((tax) => taxLineRecord(tax, order.currency)),
      };
    });
  }

  /** Numeric id of a sales channel (ChannelInformation.channelId, its App and ChannelDefinition). */
  channelId(state: ShopState, handle: string): number {
    let id = state.channels.get(handle);
    if (id === undefined) {
      id = this.allocateId();
      state.channels.set(handle, id);
    }
    return id;
  }

  private customerOrderIds(state: ShopState, customerId: number): Set<number> {
    let orders = state.ordersByCustomer.get(customerId);
    if (!orders) {
      orders = new Set();
      state.ordersByCustomer.set(customerId, orders);
    }
    return orders;
  }

  /** Validates every refund line first, then applies them; throws (changing nothing) on bad input. */
  private pushRefund(state: ShopState, order: OrderRecord, input: AddRefundInput): RefundRecord {
    const requested = new Map<LineItemRecord, number>();
    const entries = (input.lineItems ?? []).map((entry) => {
      const line = this.requireRecord(state, entry.lineItemId, 'LineItem');
      if (line.orderId !== order.numericId) {
        throw new Error(`Fake Shopify: ${entry.lineItemId} is not a line item of ${order.id}`);
      }
      if (!Number.isInteger(entry.quantity) || entry.quantity <= 0) {
        throw new RangeError(`Fake Shopify: refund quantity must be a positive integer, got ${entry.quantity}`);
      }
      const total = (requested.get(line) ?? 0) + entry.quantity;
      if (total > line.currentQuantity) {
        throw new RangeError(`Fake Shopify: cannot refund ${total} of ${line.id}; ${line.currentQuantity} refundable`);
      }
      requested.set(line, total);
      return { line, entry };
    });
    const shippingMinor = input.shipping === undefined ? 0 : toMinorUnits(input.shipping, order.currency);
    if (input.amount === undefined && entries.length === 0 && shippingMinor === 0) {
      throw new Error('Fake Shopify: a refund needs an amount, line items or shipping');
    }
    const numericId = this.allocateId();
    const createdAt = this.time(input.createdAt, this.now());
    const lineItems = entries.map(({ line, entry }): RefundLineItemRecord => {
      const removal = lineRemoval(line, entry.quantity);
      applyRemoval(line, entry.quantity, removal);
      const id = this.allocateId();
      return {
        kind: 'RefundLineItem',
        id: toGid('RefundLineItem', id),
        numericId: id,
        refundId: numericId,
        lineItemId: line.numericId,
        quantity: entry.quantity,
        subtotalMinor: removal.subtotalMinor,
        totalTaxMinor: removal.taxMinor,
        restockType: entry.restockType ?? 'NO_RESTOCK',
      };
    });
    const computed =
      lineItems.reduce((sum, item) => sum + item.subtotalMinor + (order.taxesIncluded ? 0 : item.totalTaxMinor), 0) + shippingMinor;
    const refund: RefundRecord = {
      kind: 'Refund',
      id: toGid('Refund', numericId),
      numericId,
      orderId: order.numericId,
      createdAt,
      updatedAt: createdAt,
      amountMinor: input.amount === undefined ? computed : toMinorUnits(input.amount, order.currency),
      shippingMinor,
      note: input.note ?? null,
      lineItems,
      transactionId: this.allocateId(),
      shippingAdjustmentId: shippingMinor === 0 ? null : this.allocateId(),
    };
    order.refunds.push(refund);
    state.refunds.set(numericId, refund);
    order.updatedAt = Math.max(order.updatedAt, refund.createdAt);
    return refund;
  }

  /**
   * A refund of the store's past, recorded without webhooks (as `addOrder`'s `refunds` are) on an
   * order added earlier: no app was listening then. Order and customer updatedAt move to its time.
   */
  addPastRefund(shop: string, orderId: string, input: AddRefundInput): OrderSnapshot {
    const state = this.state(shop);
    const order = this.requireRecord(state, orderId, 'Order');
    const refund = this.pushRefund(state, order, input);
    this.touchCustomer(state, order.customerId, refund.createdAt);
    return this.orderSnapshot(state, order);
  }

  /**
   * Records a refund the way the admin would: per refunded line, subtotal = discounted unit price ×
   * quantity and tax proportional to quantity (the last units take the remainder). Order and
   * customer updatedAt move to the refund time. Emits refunds/create and orders/updated.
   */
  addRefund(shop: string, orderId: string, input: AddRefundInput): OrderSnapshot {
    const state = this.state(shop);
    const order = this.requireRecord(state, orderId, 'Order');
    const refund = this.pushRefund(state, order, input);
    this.touchCustomer(state, order.customerId, refund.createdAt);
    this.emit(state, [
      { topic: 'refunds/create', resourceId: refund.id },
      { topic: 'orders/updated', resourceId: order.id },
      ...this.purchasingSummary(state, order),
    ]);
    return this.orderSnapshot(state, order);
  }

  /**
   * Changes an order like the admin or a payment/fulfillment would and moves its updatedAt. Emits
   * orders/updated, plus orders/paid, orders/fulfilled, orders/partially_fulfilled and
   * orders/cancelled when the order enters that state.
   */
  updateOrder(shop: string, orderId: string, patch: UpdateOrderInput): OrderSnapshot {
    const state = this.state(shop);
    const order = this.requireRecord(state, orderId, 'Order');
    const at = this.time(patch.updatedAt, this.now());
    const before = { financial: orderFinancialStatus(order), fulfillment: order.fulfillmentStatus, cancelledAt: order.cancelledAt };
    if (patch.email !== undefined) order.email = patch.email;
    if (patch.financialStatus !== undefined) order.financialStatusOverride = patch.financialStatus;
    if (patch.fulfillmentStatus !== undefined) order.fulfillmentStatus = patch.fulfillmentStatus;
    if (patch.processedAt !== undefined) order.processedAt = this.time(patch.processedAt, at);
    if (patch.test !== undefined) order.test = patch.test;
    if (patch.tags !== undefined) order.tags = mergeTags([], normalizeTagInput(patch.tags));
    if (patch.note !== undefined) order.note = patch.note;
    if (patch.closedAt !== undefined) order.closedAt = patch.closedAt === null ? null : this.time(patch.closedAt, at);
    if (patch.cancelledAt !== undefined) {
      order.cancelledAt = patch.cancelledAt === null ? null : this.time(patch.cancelledAt, at);
      order.cancelReason = order.cancelledAt === null ? null : (patch.cancelReason ?? order.cancelReason ?? 'OTHER');
      if (order.cancelledAt !== null) {
        order.closedAt = order.closedAt ?? order.cancelledAt;
      }
    } else if (patch.cancelReason !== undefined) {
      order.cancelReason = patch.cancelReason;
    }
    order.updatedAt = at;
    this.touchCustomer(state, order.customerId, at);
    const deliveries: WebhookDelivery[] = [{ topic: 'orders/updated', resourceId: order.id }];
    if (orderFinancialStatus(order) === 'PAID' && before.financial !== 'PAID') {
      deliveries.push({ topic: 'orders/paid', resourceId: order.id });
    }
    if (order.fulfillmentStatus !== before.fulfillment) {
      if (order.fulfillmentStatus === 'FULFILLED') deliveries.push({ topic: 'orders/fulfilled', resourceId: order.id });
      if (order.fulfillmentStatus === 'PARTIALLY_FULFILLED') deliveries.push({ topic: 'orders/partially_fulfilled', resourceId: order.id });
    }
    if (order.cancelledAt !== before.cancelledAt) {
      if (order.cancelledAt !== null && before.cancelledAt === null) {
        deliveries.push({ topic: 'orders/cancelled', resourceId: order.id });
      }
      deliveries.push(...this.purchasingSummary(state, order));
    }
    this.emit(state, deliveries);
    return this.orderSnapshot(state, order);
  }

  cancelOrder(shop: string, orderId: string, options: { at?: TimeInput; reason?: OrderCancelReason } = {}): OrderSnapshot {
    const at = this.time(options.at, this.now());
    return this.updateOrder(shop, orderId, { cancelledAt: at, cancelReason: options.reason ?? 'OTHER', updatedAt: at });
  }

  /**
   * Commits an order edit: removed units leave `currentQuantity` (and current totals) the way a
   * refund would; added items become new line items. Emits orders/edited and orders/updated.
   */
  editOrder(shop: string, orderId: string, input: EditOrderInput): OrderSnapshot {
    const state = this.state(shop);
    const order = this.requireRecord(state, orderId, 'Order');
    const at = this.time(input.at, this.now());
    const requested = new Map<LineItemRecord, number>();
    const removals = (input.removeLineItems ?? []).map((entry) => {
      const line = this.requireRecord(state, entry.lineItemId, 'LineItem');
      const total = (requested.get(line) ?? 0) + entry.quantity;
      if (line.orderId !== order.numericId || !Number.isInteger(entry.quantity) || entry.quantity <= 0 || total > line.currentQuantity) {
        throw new RangeError(`Fake Shopify: cannot remove ${entry.quantity} of ${entry.lineItemId} from ${order.id}`);
      }
      requested.set(line, total);
      return { line, quantity: entry.quantity };
    });
    for (const { line, quantity } of removals) {
      applyRemoval(line, quantity, lineRemoval(line, quantity));
    }
    const added = (input.addLineItems ?? []).map((lineInput) => this.createLineItem(state, order, lineInput));
    order.lineItems.push(...added);
    order.edits.push({
      numericId: this.allocateId(),
      createdAt: at,
      committedAt: at,
      staffNote: input.staffNote ?? '',
      notifyCustomer: input.notifyCustomer ?? false,
      additions: added.map((line) => ({ lineItemId: line.numericId, delta: line.quantity })),
      removals: removals.map(({ line, quantity }) => ({ lineItemId: line.numericId, delta: quantity })),
    });
    order.updatedAt = Math.max(order.updatedAt, at);
    this.touchCustomer(state, order.customerId, at);
    this.emit(state, [
      { topic: 'orders/edited', resourceId: order.id },
      { topic: 'orders/updated', resourceId: order.id },
      ...this.purchasingSummary(state, order),
    ]);
    return this.orderSnapshot(state, order);
  }

  private purchasingSummary(state: ShopState, order: OrderRecord): WebhookDelivery[] {
    const customer = order.customerId === null ? undefined : state.customers.get(order.customerId);
    return customer ? [{ topic: 'customers/purchasing_summary', resourceId: customer.id }] : [];
  }

  private touchCustomer(state: ShopState, customerId: number | null, at: number): void {
    const customer = customerId === null ? undefined : state.customers.get(customerId);
    if (customer) {
      customer.updatedAt = Math.max(customer.updatedAt, at);
    }
  }

  // -------------------------------------------------------------------------
  // Shop-level events
  // -------------------------------------------------------------------------

  /** Changes shop settings; emits shop/update. */
  updateShop(shop: string, patch: UpdateShopInput): void {
    const state = this.state(shop);
    if (patch.currency !== undefined && !isCurrencyCode(patch.currency)) {
      throw new TypeError(`Unknown currency code: ${patch.currency}`);
    }
    if (patch.timezone !== undefined && !isValidTimeZone(patch.timezone)) {
      throw new TypeError(`Unknown IANA time zone: ${patch.timezone}`);
    }
    if (patch.name !== undefined) state.shop.name = patch.name;
    if (patch.email !== undefined) state.shop.email = patch.email;
    if (patch.currency !== undefined) state.shop.currency = patch.currency;
    if (patch.timezone !== undefined) state.shop.timezone = patch.timezone;
    state.shop.updatedAt = this.now();
    this.emit(state, [{ topic: 'shop/update', resourceId: state.shop.id }]);
  }

  /** Replaces the app's granted scopes; emits app/scopes_update with the previous and current lists. */
  updateScopes(shop: string, scopes: readonly string[]): void {
    const state = this.state(shop);
    const previous = [...state.shop.scopes];
    state.shop.scopes = [...scopes];
    this.emit(state, [{ topic: 'app/scopes_update', resourceId: state.shop.id, extras: { previousScopes: previous } }]);
  }

  /** Delivers the customers/data_request compliance webhook (always, whatever `emitWebhooks` says). */
  requestCustomerData(shop: string, customerId: string): WebhookEvent {
    return this.triggerWebhook(shop, 'customers/data_request', customerId, { dataRequestId: this.allocateId() });
  }

  /** Delivers the customers/redact compliance webhook (always). The store keeps its data. */
  redactCustomer(shop: string, customerId: string): WebhookEvent {
    return this.triggerWebhook(shop, 'customers/redact', customerId);
  }

  /** Delivers the shop/redact compliance webhook (always). */
  redactShop(shop: string): WebhookEvent {
    return this.triggerWebhook(shop, 'shop/redact');
  }

  private seedMetafields(state: ShopState, owner: MetafieldOwnerRecord, seeds: readonly MetafieldSeed[] | undefined): void {
    if (!seeds || seeds.length === 0) {
      return;
    }
    const result = this.setMetafields(
      state,
      seeds.map((seed) => ({ ownerId: owner.id, namespace: seed.namespace, key: seed.key, type: seed.type, value: seed.value })),
    );
    if (result.userErrors.length > 0) {
      throw new Error(`Fake Shopify: invalid metafield seed: ${result.userErrors.map((e) => e.message).join('; ')}`);
    }
  }

  /** Seeds a metafield on any owner (validated like metafieldsSet; throws on invalid input). */
  setMetafield(shop: string, ownerId: string, seed: MetafieldSeed): MetafieldSnapshot {
    const state = this.state(shop);
    const result = this.setMetafields(state, [{ ownerId, namespace: seed.namespace, key: seed.key, type: seed.type, value: seed.value }]);
    const [record] = result.metafields;
    if (!record) {
      throw new Error(`Fake Shopify: invalid metafield: ${result.userErrors.map((e) => e.message).join('; ')}`);
    }
    return metafieldSnapshot(record);
  }

  // -------------------------------------------------------------------------
  // Lookups
  // -------------------------------------------------------------------------

  /** Resolves a GID to a record of this shop (null for malformed, unknown or foreign ids). */
  findNode(state: ShopState, gid: string): NodeRecord | null {
    const parsed = parseGid(gid);
    if (!parsed) {
      return null;
    }
    switch (parsed.type) {
      case 'Shop':
        return parsed.id === state.shop.numericId ? state.shop : null;
      case 'AppInstallation':
        return parsed.id === state.appInstallation.numericId ? state.appInstallation : null;
      case 'Customer':
        return state.customers.get(parsed.id) ?? null;
      case 'Product':
        return state.products.get(parsed.id) ?? null;
      case 'ProductVariant':
        return state.variants.get(parsed.id) ?? null;
      case 'InventoryItem':
        return state.inventoryItems.get(parsed.id) ?? null;
      case 'InventoryLevel':
        return state.inventoryLevels.get(parsed.id) ?? null;
      case 'Location':
        return state.locations.get(parsed.id) ?? null;
      case 'Order':
        return state.orders.get(parsed.id) ?? null;
      case 'LineItem':
        return state.lineItems.get(parsed.id) ?? null;
      case 'Refund':
        return state.refunds.get(parsed.id) ?? null;
      case 'Metafield':
        return state.metafieldsById.get(parsed.id) ?? null;
      case 'BulkOperation':
        return state.bulkOperations.get(parsed.id) ?? null;
      default:
        return null;
    }
  }

  private requireRecord<K extends NodeRecord['kind']>(state: ShopState, gid: string, kind: K): Extract<NodeRecord, { kind: K }> {
    const record = this.findNode(state, gid);
    if (!record || record.kind !== kind) {
      throw new Error(`Fake Shopify: no ${kind} ${gid} in ${state.shop.domain}`);
    }
    return record as Extract<NodeRecord, { kind: K }>;
  }

  /** Orders visible to the app: Shopify hides orders older than 60 days without read_all_orders. */
  visibleOrders(state: ShopState): OrderRecord[] {
    const orders = [...state.orders.values()];
    return state.shop.readAllOrders ? orders : orders.filter((order) => this.isOrderVisible(state, order));
  }

  isOrderVisible(state: ShopState, order: OrderRecord): boolean {
    return state.shop.readAllOrders || order.createdAt >= this.now() - SIXTY_DAYS_MS;
  }

  customerOrders(state: ShopState, customer: CustomerRecord): OrderRecord[] {
    const ids = state.ordersByCustomer.get(customer.numericId) ?? new Set<number>();
    return [...ids].map((id) => state.orders.get(id)).filter((order): order is OrderRecord => order !== undefined);
  }

  customerNumberOfOrders(state: ShopState, customer: CustomerRecord): number {
    return customer.numberOfOrdersOverride ?? this.customerOrders(state, customer).length;
  }

  /** Lifetime spend: totals net of refunds over non-cancelled orders, unless overridden by the seed. */
  customerAmountSpentMinor(state: ShopState, customer: CustomerRecord): number {
    if (customer.amountSpentOverrideMinor !== null) {
      return customer.amountSpentOverrideMinor;
    }
    return this.customerOrders(state, customer)
      .filter((order) => order.cancelledAt === null)
      .reduce((sum, order) => sum + orderTotalMinor(order) - orderRefundedMinor(order), 0);
  }

  variantInventoryQuantity(variant: VariantRecord): number {
    let total = 0;
    for (const level of variant.inventoryItem.levels.values()) {
      total += level.available;
    }
    return total;
  }

  productVariants(state: ShopState, product: ProductRecord): VariantRecord[] {
    return product.variantIds
      .map((id) => state.variants.get(id))
      .filter((variant): variant is VariantRecord => variant !== undefined);
  }

  productTotalInventory(state: ShopState, product: ProductRecord): number {
    return this.productVariants(state, product)
      .filter((variant) => variant.inventoryItem.tracked)
      .reduce((sum, variant) => sum + this.variantInventoryQuantity(variant), 0);
  }

  // -------------------------------------------------------------------------
  // Snapshots for assertions
  // -------------------------------------------------------------------------

  /** The shop's code discounts, oldest first. */
  discounts(shop: string): CodeDiscountRecord[] {
    return [...this.state(shop).discounts.values()].map((discount) => structuredClone(discount));
  }

  /** The code discount holding `code` (any case), or undefined. */
  discountByCode(shop: string, code: string): CodeDiscountRecord | undefined {
    const discount = findCodeDiscount(this.state(shop), code);
    return discount ? structuredClone(discount) : undefined;
  }

  /** The customer's store-credit account (balance and transactions), or undefined before its first credit. */
  storeCredit(shop: string, customerGid: string): StoreCreditAccountRecord | undefined {
    const account = this.state(shop).storeCreditAccounts.get(customerGid);
    return account ? structuredClone(account) : undefined;
  }

  /** The metafield definitions metafieldDefinitionCreate made, oldest first. */
  metafieldDefinitions(shop: string): MetafieldDefinitionRecord[] {
    return this.state(shop).metafieldDefinitions.map((definition) => structuredClone(definition));
  }

  /** The Flow triggers the shop's flowTriggerReceive accepted, oldest first. */
  flowTriggersReceived(shop: string): FlowTriggerReceivedRecord[] {
    return [...this.state(shop).flowTriggersReceived];
  }

  customer(shop: string, customerId: string): CustomerSnapshot | undefined {
    const state = this.state(shop);
    const record = this.findNode(state, customerId);
    return record?.kind === 'Customer' ? this.customerSnapshot(state, record) : undefined;
  }

  customers(shop: string): CustomerSnapshot[] {
    const state = this.state(shop);
    return [...state.customers.values()].map((customer) => this.customerSnapshot(state, customer));
  }

  product(shop: string, productId: string): ProductSnapshot | undefined {
    const state = this.state(shop);
    const record = this.findNode(state, productId);
    return record?.kind === 'Product' ? this.productSnapshot(state, record) : undefined;
  }

  products(shop: string): ProductSnapshot[] {
    const state = this.state(shop);
    return [...state.products.values()].map((product) => this.productSnapshot(state, product));
  }

  order(shop: string, orderId: string): OrderSnapshot | undefined {
    const state = this.state(shop);
    const record = this.findNode(state, orderId);
    return record?.kind === 'Order' ? this.orderSnapshot(state, record) : undefined;
  }

  orders(shop: string): OrderSnapshot[] {
    const state = this.state(shop);
    return [...state.orders.values()].map((order) => this.orderSnapshot(state, order));
  }

  /** Metafields of an owner; `namespace` accepts `$app` forms. */
  metafields(shop: string, ownerId: string, namespace?: string): MetafieldSnapshot[] {
    const state = this.state(shop);
    const resolved = namespace === undefined ? undefined : this.resolveNamespace(namespace);
    return [...(state.metafields.get(ownerId)?.values() ?? [])]
      .filter((record) => resolved === undefined || record.namespace === resolved)
      .map(metafieldSnapshot);
  }

  /** The GID of this app's installation on the shop (`currentAppInstallation { id }`). */
  appInstallationId(shop: string): string {
    return this.state(shop).appInstallation.id;
  }

  /** The app-data metafields the app wrote on its installation (Liquid's `app.metafields`). */
  appMetafields(shop: string): MetafieldSnapshot[] {
    return this.metafields(shop, this.appInstallationId(shop));
  }

  metafield(shop: string, ownerId: string, namespace: string, key: string): MetafieldSnapshot | undefined {
    const record = this.findMetafield(this.state(shop), ownerId, this.resolveNamespace(namespace), key);
    return record ? metafieldSnapshot(record) : undefined;
  }

  bulkOperation(operationId: string): BulkOperationSnapshot | undefined {
    const parsed = parseGid(operationId);
    const record = parsed?.type === 'BulkOperation' ? this.bulkIndex.get(parsed.id) : undefined;
    return record ? bulkSnapshot(record) : undefined;
  }

  private customerSnapshot(state: ShopState, customer: CustomerRecord): CustomerSnapshot {
    return {
      id: customer.id,
      numericId: customer.numericId,
      email: customer.email,
      firstName: customer.firstName,
      lastName: customer.lastName,
      phone: customer.phone,
      state: customer.state,
      tags: [...customer.tags],
      numberOfOrders: this.customerNumberOfOrders(state, customer),
      amountSpent: formatDecimal(this.customerAmountSpentMinor(state, customer), state.shop.currency),
      createdAt: isoSeconds(customer.createdAt),
      updatedAt: isoSeconds(customer.updatedAt),
      metafields: this.metafieldSnapshots(state, customer.id),
    };
  }

  private productSnapshot(state: ShopState, product: ProductRecord): ProductSnapshot {
    return {
      id: product.id,
      numericId: product.numericId,
      title: product.title,
      handle: product.handle,
      status: product.status,
      tags: [...product.tags],
      totalInventory: this.productTotalInventory(state, product),
      createdAt: isoSeconds(product.createdAt),
      updatedAt: isoSeconds(product.updatedAt),
      variants: this.productVariants(state, product).map((variant) => ({
        id: variant.id,
        numericId: variant.numericId,
        title: variant.title,
        sku: variant.sku,
        price: formatMoney(variant.priceMinor, state.shop.currency),
        inventoryItemId: variant.inventoryItem.id,
        inventoryQuantity: this.variantInventoryQuantity(variant),
        inventory: Object.fromEntries(
          [...variant.inventoryItem.levels.values()].map((level) => [
            state.locations.get(level.locationId)?.name ?? String(level.locationId),
            level.available,
          ]),
        ),
        updatedAt: isoSeconds(variant.updatedAt),
      })),
      metafields: this.metafieldSnapshots(state, product.id),
    };
  }

  private orderSnapshot(state: ShopState, order: OrderRecord): OrderSnapshot {
    const customer = order.customerId === null ? undefined : state.customers.get(order.customerId);
    return {
      id: order.id,
      numericId: order.numericId,
      name: order.name,
      email: order.email,
      customerId: customer?.id ?? null,
      createdAt: isoSeconds(order.createdAt),
      updatedAt: isoSeconds(order.updatedAt),
      processedAt: isoSeconds(order.processedAt),
      cancelledAt: order.cancelledAt === null ? null : isoSeconds(order.cancelledAt),
      test: order.test,
      currencyCode: order.currency,
      taxesIncluded: order.taxesIncluded,
      sourceName: order.sourceName,
      displayFinancialStatus: orderFinancialStatus(order),
      displayFulfillmentStatus: order.fulfillmentStatus,
      totalPrice: formatDecimal(orderTotalMinor(order), order.currency),
      subtotalPrice: formatDecimal(orderSubtotalMinor(order), order.currency),
      totalTax: formatDecimal(orderTotalTaxMinor(order), order.currency),
      currentSubtotalPrice: formatDecimal(orderCurrentSubtotalMinor(order), order.currency),
      currentTotalPrice: formatDecimal(orderCurrentTotalMinor(order), order.currency),
      totalRefunded: formatDecimal(orderRefundedMinor(order), order.currency),
      tags: [...order.tags],
      lineItems: order.lineItems.map((line) => ({
        id: line.id,
        title: line.title,
        quantity: line.quantity,
        currentQuantity: line.currentQuantity,
        variantId: line.variantId === null ? null : toGid('ProductVariant', line.variantId),
        productId: line.productId === null ? null : toGid('Product', line.productId),
        unitPrice: formatDecimal(line.unitPriceMinor, order.currency),
        discountedTotal: formatDecimal(lineDiscountedTotalMinor(line), order.currency),
        tax: formatDecimal(lineTaxMinor(line), order.currency),
        isGiftCard: line.isGiftCard,
      })),
      refunds: order.refunds.map((refund) => ({
        id: refund.id,
        createdAt: isoSeconds(refund.createdAt),
        amount: formatDecimal(refund.amountMinor, order.currency),
        shipping: formatDecimal(refund.shippingMinor, order.currency),
        lineItems: refund.lineItems.map((item) => ({
          id: item.id,
          lineItemId: toGid('LineItem', item.lineItemId),
          quantity: item.quantity,
          subtotal: formatDecimal(item.subtotalMinor, order.currency),
          totalTax: formatDecimal(item.totalTaxMinor, order.currency),
        })),
      })),
      metafields: this.metafieldSnapshots(state, order.id),
    };
  }

  private metafieldSnapshots(state: ShopState, ownerId: string): MetafieldSnapshot[] {
    return [...(state.metafields.get(ownerId)?.values() ?? [])].map(metafieldSnapshot);
  }

  // -------------------------------------------------------------------------
  // Tags (tagsAdd / tagsRemove)
  // -------------------------------------------------------------------------

  private taggable(state: ShopState, id: string): CustomerRecord | OrderRecord | ProductRecord | UserErrorData {
    const parsed = parseGid(id);
    if (parsed && !TAGGABLE_TYPES.has(parsed.type)) {
      return { field: ['id'], message: `${parsed.type} is not a taggable resource type` };
    }
    const record = this.findNode(state, id);
    if (!record || (record.kind !== 'Customer' && record.kind !== 'Order' && record.kind !== 'Product')) {
      return { field: ['id'], message: 'Resource not found' };
    }
    return record;
  }

  addTags(state: ShopState, id: string, tags: readonly string[]): { node: NodeRecord | null; userErrors: UserErrorData[] } {
    const target = this.taggable(state, id);
    if (!('kind' in target)) {
      return { node: null, userErrors: [target] };
    }
    const incoming = normalizeTagInput(tags);
    const tooLong = incoming.find((tag) => tag.length > MAX_TAG_LENGTH);
    if (tooLong !== undefined) {
      return {
        node: null,
        userErrors: [{ field: ['tags'], message: `Tag is too long (maximum is ${MAX_TAG_LENGTH} characters): ${tooLong.slice(0, 40)}...` }],
      };
    }
    const merged = mergeTags(target.tags, incoming);
    if (merged.length > MAX_TAGS) {
      return {
        node: null,
        userErrors: [{ field: ['tags'], message: `Tags cannot exceed ${MAX_TAGS} tags per resource (would have ${merged.length})` }],
      };
    }
    const before = [...target.tags];
    if (this.applyTags(target, merged)) {
      this.emitTagChange(state, target, before);
    }
    return { node: target, userErrors: [] };
  }

  removeTags(state: ShopState, id: string, tags: readonly string[]): { node: NodeRecord | null; userErrors: UserErrorData[] } {
    const target = this.taggable(state, id);
    if (!('kind' in target)) {
      return { node: null, userErrors: [target] };
    }
    const removing = new Set(normalizeTagInput(tags).map((tag) => tag.toLowerCase()));
    const remaining = target.tags.filter((tag) => !removing.has(tag.toLowerCase()));
    const before = [...target.tags];
    if (this.applyTags(target, remaining)) {
      this.emitTagChange(state, target, before);
    }
    return { node: target, userErrors: [] };
  }

  /** Only a real change is saved, so a no-op tagsAdd does not move updatedAt (Rails dirty tracking). */
  private applyTags(target: CustomerRecord | OrderRecord | ProductRecord, tags: string[]): boolean {
    const changed = tags.length !== target.tags.length || tags.some((tag, index) => tag !== target.tags[index]);
    if (!changed) {
      return false;
    }
    target.tags = tags;
    target.updatedAt = Math.max(target.updatedAt, this.now());
    return true;
  }

  private emitTagChange(state: ShopState, target: CustomerRecord | OrderRecord | ProductRecord, before: readonly string[]): void {
    switch (target.kind) {
      case 'Customer':
        this.emit(state, [{ topic: 'customers/update', resourceId: target.id }, ...tagDeliveries(target.id, before, target.tags)]);
        return;
      case 'Order':
        this.emit(state, [{ topic: 'orders/updated', resourceId: target.id }]);
        return;
      case 'Product':
        this.emit(state, [{ topic: 'products/update', resourceId: target.id }]);
        return;
    }
  }

  // -------------------------------------------------------------------------
  // Metafields (metafieldsSet / metafieldsDelete)
  // -------------------------------------------------------------------------

  /** `$app` → `app--<appId>`, `$app:foo` → `app--<appId>--foo`, like Shopify's app-reserved namespaces. */
  resolveNamespace(namespace: string | null | undefined): string {
    const value = namespace ?? '$app';
    if (value === '$app') {
      return `app--${this.appId}`;
    }
    if (value.startsWith('$app:')) {
      return `app--${this.appId}--${value.slice('$app:'.length)}`;
    }
    return value;
  }

  findMetafield(state: ShopState, ownerId: string, namespace: string, key: string): MetafieldRecord | undefined {
    return state.metafields.get(ownerId)?.get(metafieldKey(namespace, key));
  }

  ownerMetafields(state: ShopState, ownerId: string): MetafieldRecord[] {
    return [...(state.metafields.get(ownerId)?.values() ?? [])];
  }

  private metafieldOwner(state: ShopState, ownerId: string): MetafieldOwnerRecord | null {
    const record = this.findNode(state, ownerId);
    switch (record?.kind) {
      case 'AppInstallation':
      case 'Customer':
      case 'Order':
      case 'Product':
      case 'ProductVariant':
      case 'Shop':
        return record;
      default:
        return null;
    }
  }

  /** Validates every input first and writes nothing unless all pass (metafieldsSet is atomic). */
  setMetafields(
    state: ShopState,
    inputs: readonly MetafieldsSetInputData[],
  ): { metafields: MetafieldRecord[]; userErrors: MetafieldsSetUserErrorData[] } {
    if (inputs.length > MAX_METAFIELDS_PER_SET) {
      return {
        metafields: [],
        userErrors: [
          {
            field: ['metafields'],
            message: `Exceeded the maximum metafields input limit of ${MAX_METAFIELDS_PER_SET}.`,
            code: 'LESS_THAN_OR_EQUAL_TO',
            elementIndex: null,
          },
        ],
      };
    }
    const userErrors: MetafieldsSetUserErrorData[] = [];
    const planned: Array<{ owner: MetafieldOwnerRecord; namespace: string; key: string; type: string; value: string }> = [];
    inputs.forEach((input, index) => {
      const error = (field: string, code: string, message: string): void => {
        userErrors.push({ field: ['metafields', String(index), field], message, code, elementIndex: index });
      };
      const owner = this.metafieldOwner(state, input.ownerId);
      if (!owner) {
        error('ownerId', 'INVALID', 'Owner does not exist.');
        return;
      }
      const namespace = this.resolveNamespace(input.namespace);
      if (namespace.length < 3) {
        error('namespace', 'TOO_SHORT', 'Namespace is too short (minimum is 3 characters).');
      } else if (namespace.length > 255) {
        error('namespace', 'TOO_LONG', 'Namespace is too long (maximum is 255 characters).');
      } else if (!/^[A-Za-z0-9_-]+$/.test(namespace)) {
        error('namespace', 'INVALID', 'Namespace contains one or more invalid characters.');
      }
      const key = input.key;
      if (key.trim() === '') {
        error('key', 'BLANK', "Key can't be blank.");
      } else if (key.length < 2) {
        error('key', 'TOO_SHORT', 'Key is too short (minimum is 2 characters).');
      } else if (key.length > 64) {
        error('key', 'TOO_LONG', 'Key is too long (maximum is 64 characters).');
      } else if (!/^[A-Za-z0-9_-]+$/.test(key)) {
        error('key', 'INVALID', 'Key contains one or more invalid characters.');
      }
      const existing = this.findMetafield(state, owner.id, namespace, key);
      const type = input.type ?? existing?.type ?? null;
      if (type === null || type.trim() === '') {
        error('type', 'BLANK', "Type can't be blank.");
        return;
      }
      if (!isKnownMetafieldType(type)) {
        error('type', 'INVALID_TYPE', `Type '${type}' is not a valid metafield type.`);
        return;
      }
      if (existing && existing.type !== type) {
        error('type', 'INVALID_TYPE', `Type '${type}' does not match the existing metafield type '${existing.type}'.`);
        return;
      }
      if (input.value === '') {
        error('value', 'BLANK', "Value can't be blank.");
        return;
      }
      const check = checkMetafieldValue(type, input.value);
      if (!check.ok) {
        error('value', 'INVALID_VALUE', check.message);
        return;
      }
      if (input.compareDigest !== undefined) {
        const current = existing ? metafieldDigest(existing.type, existing.value) : null;
        if (input.compareDigest !== current) {
          error(
            'compareDigest',
            'STALE_OBJECT',
            'The resource has been updated since it was loaded. Try again with an updated `compareDigest` value.',
          );
          return;
        }
      }
      planned.push({ owner, namespace, key, type, value: check.value });
    });
    if (userErrors.length > 0) {
      return { metafields: [], userErrors };
    }
    const now = this.now();
    const written = planned.map((plan) => this.writeMetafield(state, plan.owner, plan.namespace, plan.key, plan.type, plan.value, now));
    return { metafields: written, userErrors: [] };
  }

  private writeMetafield(
    state: ShopState,
    owner: MetafieldOwnerRecord,
    namespace: string,
    key: string,
    type: string,
    value: string,
    now: number,
  ): MetafieldRecord {
    let byKey = state.metafields.get(owner.id);
    if (!byKey) {
      byKey = new Map();
      state.metafields.set(owner.id, byKey);
    }
    const existing = byKey.get(metafieldKey(namespace, key));
    if (existing) {
      if (existing.value !== value) {
        existing.value = value;
        existing.updatedAt = now;
      }
      return existing;
    }
    const numericId = this.allocateId();
    const record: MetafieldRecord = {
      kind: 'Metafield',
      id: toGid('Metafield', numericId),
      numericId,
      ownerId: owner.id,
      ownerType: metafieldOwnerType(owner),
      namespace,
      key,
      type,
      value,
      createdAt: now,
      updatedAt: now,
    };
    byKey.set(metafieldKey(namespace, key), record);
    state.metafieldsById.set(numericId, record);
    return record;
  }

  deleteMetafields(
    state: ShopState,
    identifiers: ReadonlyArray<{ ownerId: string; namespace: string; key: string }>,
  ): { deleted: Array<{ ownerId: string; namespace: string; key: string } | null>; userErrors: UserErrorData[] } {
    const userErrors: UserErrorData[] = [];
    identifiers.forEach((identifier, index) => {
      if (!this.metafieldOwner(state, identifier.ownerId)) {
        userErrors.push({ field: ['metafields', String(index), 'ownerId'], message: 'Owner does not exist.' });
      }
    });
    if (userErrors.length > 0) {
      return { deleted: [], userErrors };
    }
    const deleted = identifiers.map((identifier) => {
      const namespace = this.resolveNamespace(identifier.namespace);
      const record = this.findMetafield(state, identifier.ownerId, namespace, identifier.key);
      if (!record) {
        return null;
      }
      state.metafields.get(identifier.ownerId)?.delete(metafieldKey(namespace, identifier.key));
      state.metafieldsById.delete(record.numericId);
      return { ownerId: identifier.ownerId, namespace, key: identifier.key };
    });
    return { deleted, userErrors: [] };
  }

  private deleteMetafieldsOf(state: ShopState, ownerId: string): void {
    for (const record of state.metafields.get(ownerId)?.values() ?? []) {
      state.metafieldsById.delete(record.numericId);
    }
    state.metafields.delete(ownerId);
  }

  // -------------------------------------------------------------------------
  // Throttle (leaky bucket per shop)
  // -------------------------------------------------------------------------

  private refill(state: ShopState): void {
    const now = this.clock.now();
    const { maximumAvailable, restoreRate } = state.shop.throttle;
    const elapsed = Math.max(0, now - state.bucket.updatedAt) / 1000;
    state.bucket.available = Math.min(maximumAvailable, state.bucket.available + elapsed * restoreRate);
    state.bucket.updatedAt = now;
  }

  throttleStatus(state: ShopState): ThrottleStatus {
    this.refill(state);
    return {
      maximumAvailable: state.shop.throttle.maximumAvailable,
      currentlyAvailable: Math.floor(state.bucket.available),
      restoreRate: state.shop.throttle.restoreRate,
    };
  }

  /** Takes `cost` points if available; returns false (taking nothing) when the request must be throttled. */
  tryConsume(state: ShopState, cost: number): boolean {
    this.refill(state);
    if (cost > state.bucket.available) {
      return false;
    }
    state.bucket.available -= cost;
    return true;
  }

  /** Gives back requested-minus-actual points after execution (negative when actual exceeded requested). */
  returnPoints(state: ShopState, points: number): void {
    this.refill(state);
    state.bucket.available = Math.min(state.shop.throttle.maximumAvailable, state.bucket.available + points);
  }

  /** Test helper: empties the bucket down to `currentlyAvailable` points. */
  drainBucket(shop: string, currentlyAvailable = 0): void {
    const state = this.state(shop);
    this.refill(state);
    state.bucket.available = Math.min(currentlyAvailable, state.bucket.available);
  }

  // -------------------------------------------------------------------------
  // Fault injection and request log
  // -------------------------------------------------------------------------

  /** The next `times` GraphQL requests for `shop` fail with `status`, before auth and with no side effects. */
  failNext(shop: string, options: FailNextOptions): void {
    this.state(shop).failures.push({
      status: options.status,
      remaining: options.times ?? 1,
      body: options.body ?? null,
      headers: options.headers ?? {},
    });
  }

  takeFailure(state: ShopState): PendingFailure | null {
    const failure = state.failures[0];
    if (!failure) {
      return null;
    }
    failure.remaining -= 1;
    if (failure.remaining <= 0) {
      state.failures.shift();
    }
    return failure;
  }

  /** The next bulk operation run for `shop` ends FAILED with `errorCode` (partial data kept if any). */
  failNextBulkOperation(shop: string, errorCode: BulkOperationErrorCode = 'INTERNAL_SERVER_ERROR'): void {
    this.state(shop).bulkFailures.push(errorCode);
  }

  recordRequest(entry: RecordedRequest): void {
    this.requests.push(entry);
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  // -------------------------------------------------------------------------
  // Bulk operations
  // -------------------------------------------------------------------------

  setBulkQueryExecutor(executor: BulkQueryExecutor): void {
    this.bulkExecutor = executor;
  }

  onBulkOperationFinish(listener: BulkOperationFinishListener): () => void {
    this.finishListeners.add(listener);
    return () => {
      this.finishListeners.delete(listener);
    };
  }

  runningBulkQuery(state: ShopState): BulkOperationRecord | undefined {
    return this.runningBulkOperations(state, 'QUERY')[0];
  }

  /** Operations of `type` not yet finished (CREATED, RUNNING or CANCELING), oldest first. */
  runningBulkOperations(state: ShopState, type: BulkOperationType): BulkOperationRecord[] {
    return [...state.bulkOperations.values()].filter(
      (operation) =>
        operation.type === type &&
        (operation.status === 'CREATED' || operation.status === 'RUNNING' || operation.status === 'CANCELING'),
    );
  }

  latestBulkOperation(state: ShopState, type: BulkOperationType): BulkOperationRecord | undefined {
    let latest: BulkOperationRecord | undefined;
    for (const operation of state.bulkOperations.values()) {
      if (operation.type === type) {
        latest = operation;
      }
    }
    return latest;
  }

  findBulkOperation(numericId: number): BulkOperationRecord | undefined {
    return this.bulkIndex.get(numericId);
  }

  /** Creates a QUERY bulk operation; the caller has already validated the query. */
  createBulkQuery(state: ShopState, query: string, groupObjects: boolean): BulkOperationRecord {
    return this.createBulkOperation(state, { type: 'QUERY', query, groupObjects, stagedUploadPath: null, clientIdentifier: null });
  }

  /** Creates a MUTATION bulk operation; the caller has already validated the mutation and the staged file. */
  createBulkMutation(state: ShopState, mutation: string, stagedUploadPath: string, groupObjects: boolean, clientIdentifier: string | null): BulkOperationRecord {
    return this.createBulkOperation(state, { type: 'MUTATION', query: mutation, groupObjects, stagedUploadPath, clientIdentifier });
  }

  private createBulkOperation(
    state: ShopState,
    input: { type: BulkOperationType; query: string; groupObjects: boolean; stagedUploadPath: string | null; clientIdentifier: string | null },
  ): BulkOperationRecord {
    const numericId = this.allocateId();
    const operation: BulkOperationRecord = {
      kind: 'BulkOperation',
      id: toGid('BulkOperation', numericId),
      numericId,
      shop: state.shop.domain,
      status: 'CREATED',
      errorCode: null,
      ...input,
      createdAt: this.now(),
      completedAt: null,
      objectCount: 0,
      rootObjectCount: 0,
      lines: null,
      fileSize: null,
      partial: false,
      signature: randomBytes(16).toString('hex'),
    };
    state.bulkOperations.set(numericId, operation);
    this.bulkIndex.set(numericId, operation);
    if (this.autoCompleteBulkOperations) {
      this.schedule(() => {
        if (operation.status !== 'CREATED') {
          return;
        }
        operation.status = 'RUNNING';
        if (this.bulkCompletionDelayMs > 0) {
          this.schedule(() => this.finishBulkOperation(operation), this.bulkCompletionDelayMs);
        } else {
          this.finishBulkOperation(operation);
        }
      }, 0);
    }
    return operation;
  }

  /** Starts a cancel; the operation reaches CANCELED on the next tick (or on `completeBulkOperations`). */
  cancelBulkOperation(operation: BulkOperationRecord): UserErrorData | null {
    if (operation.status !== 'CREATED' && operation.status !== 'RUNNING') {
      return {
        field: ['id'],
        message: `A bulk operation cannot be canceled when it is ${operation.status.toLowerCase()}`,
      };
    }
    operation.status = 'CANCELING';
    this.schedule(() => this.finishBulkOperation(operation), 0);
    return null;
  }

  /** Synchronously finishes every pending bulk operation (optionally for one shop); returns them. */
  completeBulkOperations(shop?: string): BulkOperationSnapshot[] {
    const domain = shop === undefined ? undefined : canonicalDomain(shop);
    const finished: BulkOperationSnapshot[] = [];
    for (const operation of this.bulkIndex.values()) {
      if (domain !== undefined && operation.shop !== domain) {
        continue;
      }
      if (operation.status === 'CREATED' || operation.status === 'RUNNING' || operation.status === 'CANCELING') {
        this.finishBulkOperation(operation);
        finished.push(bulkSnapshot(operation));
      }
    }
    return finished;
  }

  private finishBulkOperation(operation: BulkOperationRecord): void {
    if (operation.status !== 'CREATED' && operation.status !== 'RUNNING' && operation.status !== 'CANCELING') {
      return;
    }
    const state = this.state(operation.shop);
    if (operation.status === 'CANCELING') {
      operation.status = 'CANCELED';
      operation.completedAt = this.now();
      this.emitFinish(state, operation);
      return;
    }
    const plannedFailure = state.bulkFailures.shift();
    try {
      if (!this.bulkExecutor) {
        throw new Error('Fake Shopify: no bulk operation executor installed');
      }
      const result = this.bulkExecutor(state, operation, plannedFailure !== undefined);
      operation.objectCount = result.lines.length;
      operation.rootObjectCount = result.rootObjectCount;
      if (plannedFailure) {
        // A failed operation keeps roughly the first half of its output as partial data; a failing
        // bulk mutation has applied only those lines, so its result is already that half.
        const partialLines = operation.type === 'MUTATION' ? result.lines : result.lines.slice(0, Math.floor(result.lines.length / 2));
        this.storeLines(operation, partialLines, true);
        operation.objectCount = partialLines.length;
        operation.status = 'FAILED';
        operation.errorCode = plannedFailure;
      } else {
        this.storeLines(operation, result.lines, false);
        operation.status = 'COMPLETED';
      }
    } catch (error) {
      operation.status = 'FAILED';
      operation.errorCode = 'INTERNAL_SERVER_ERROR';
      this.internalErrors.push(error);
    }
    operation.completedAt = this.now();
    this.emitFinish(state, operation);
  }

  private storeLines(operation: BulkOperationRecord, lines: string[], partial: boolean): void {
    operation.lines = lines.length > 0 ? lines : null;
    operation.partial = partial;
    operation.fileSize = lines.length > 0 ? lines.reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0) : null;
  }

  /** JSONL content of a finished operation, or null when there is none (Shopify's url is then null too). */
  bulkOperationFile(numericId: number, signature: string): string[] | null {
    const operation = this.bulkIndex.get(numericId);
    if (!operation || operation.signature !== signature || operation.lines === null) {
      return null;
    }
    return operation.lines;
  }

  // -------------------------------------------------------------------------
  // Staged uploads
  // -------------------------------------------------------------------------

  /** Issues a staged upload target; the file arrives later through `receiveStagedUpload`. */
  createStagedUpload(
    state: ShopState,
    input: { resource: string; filename: string; mimeType: string; httpMethod: 'POST' | 'PUT' },
  ): StagedUploadRecord {
    const folder = input.resource === 'BULK_MUTATION_VARIABLES' ? 'bulk' : 'uploads';
    const record: StagedUploadRecord = {
      key: `tmp/${state.shop.numericId}/${folder}/${randomUUID()}/${input.filename}`,
      shop: state.shop.domain,
      ...input,
      signature: randomBytes(16).toString('hex'),
      createdAt: this.now(),
      content: null,
    };
    state.stagedUploads.set(record.key, record);
    this.stagedUploadIndex.set(record.key, record);
    return record;
  }

  /** Stores a file posted to a staged target; null when the key was never issued or the signature is wrong. */
  receiveStagedUpload(key: string, signature: string, content: string): StagedUploadRecord | null {
    const record = this.stagedUploadIndex.get(key);
    if (!record || record.signature !== signature) {
      return null;
    }
    record.content = content;
    return record;
  }

  /** The uploaded file at `key` for `state`'s shop, or undefined when none was posted. */
  stagedUpload(state: ShopState, key: string): StagedUploadRecord | undefined {
    const record = state.stagedUploads.get(key);
    return record && record.content !== null ? record : undefined;
  }

  private emitFinish(state: ShopState, operation: BulkOperationRecord): void {
    this.emit(state, [{ topic: 'bulk_operations/finish', resourceId: operation.id }]);
    const event: BulkOperationFinishEvent = {
      shop: state.shop.domain,
      operation: bulkSnapshot(operation),
      payload: bulkOperationsFinishPayload(operation, state.shop.timezone),
    };
    for (const listener of this.finishListeners) {
      try {
        const result = listener(event);
        if (result instanceof Promise) {
          result.catch((error: unknown) => this.internalErrors.push(error));
        }
      } catch (error) {
        this.internalErrors.push(error);
      }
    }
  }

  private schedule(task: () => void, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      task();
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  // -------------------------------------------------------------------------
  // Webhooks
  // -------------------------------------------------------------------------

  /** Subscribes to emitted webhooks (every shop); returns the unsubscribe function. */
  onWebhook(listener: WebhookListener): () => void {
    this.webhookListeners.add(listener);
    return () => {
      this.webhookListeners.delete(listener);
    };
  }

  webhooksEnabled(shop: string): boolean {
    const state = this.state(shop);
    return state.shop.emitWebhooks ?? this.emitWebhooks;
  }

  /** Turns emitting on or off for one shop (`null`: follow `store.emitWebhooks`). */
  setEmitWebhooks(shop: string, enabled: boolean | null): void {
    this.state(shop).shop.emitWebhooks = enabled;
  }

  clearWebhookLog(): void {
    this.webhookLog.length = 0;
  }

  /**
   * Builds the payload of `topic` for `resourceId` from the current state and delivers it to the
   * listeners, whatever `emitWebhooks` says. Use it for topics no store mutation covers.
   */
  triggerWebhook(shop: string, topic: WebhookTopic, resourceId?: string, extras: WebhookPayloadExtras = {}): WebhookEvent {
    const [event] = this.emit(this.state(shop), [{ topic, resourceId, extras }], true);
    if (!event) {
      throw new Error(`Fake Shopify: no ${topic} webhook was built`);
    }
    return event;
  }

  /** One merchant action: every topic shares one event id (X-Shopify-Event-Id); each delivery has its own webhook id. */
  private emit(state: ShopState, deliveries: readonly WebhookDelivery[], force = false): WebhookEvent[] {
    if (deliveries.length === 0 || (!force && !(state.shop.emitWebhooks ?? this.emitWebhooks))) {
      return [];
    }
    const eventId = randomUUID();
    const triggeredAt = new Date(this.clock.now()).toISOString();
    const events = deliveries.map((delivery) =>
      webhookEvent({
        shop: state.shop.domain,
        topic: delivery.topic,
        payload: buildWebhookPayload(this, state, delivery.topic, delivery.resourceId, delivery.extras ?? {}),
        eventId,
        webhookId: randomUUID(),
        triggeredAt,
        apiVersion: WEBHOOK_API_VERSION,
      }),
    );
    for (const event of events) {
      this.webhookLog.push(event);
      if (this.webhookLog.length > this.webhookLogLimit) {
        this.webhookLog.splice(0, this.webhookLog.length - this.webhookLogLimit);
      }
      for (const listener of this.webhookListeners) {
        try {
          const result = listener(event);
          if (result instanceof Promise) {
            result.catch((error: unknown) => this.internalErrors.push(error));
          }
        } catch (error) {
          this.internalErrors.push(error);
        }
      }
    }
    return events;
  }

  /** Cancels pending bulk timers; call from test teardown. */
  dispose(): void {
    for (const timer of this.timers) {
      clearTimeout(timer);
    }
    this.timers.clear();
    this.finishListeners.clear();
    this.webhookListeners.clear();
  }
}

export function metafieldOwnerType(owner: MetafieldOwnerRecord): MetafieldOwnerType {
  switch (owner.kind) {
    case 'AppInstallation':
      return 'API_PERMISSION';
    case 'Customer':
      return 'CUSTOMER';
    case 'Order':
      return 'ORDER';
    case 'Product':
      return 'PRODUCT';
    case 'ProductVariant':
      return 'PRODUCTVARIANT';
    case 'Shop':
      return 'SHOP';
  }
}

export function metafieldSnapshot(record: MetafieldRecord): MetafieldSnapshot {
  return {
    id: record.id,
    namespace: record.namespace,
    key: record.key,
    type: record.type,
    value: record.value,
    createdAt: isoSeconds(record.createdAt),
    updatedAt: isoSeconds(record.updatedAt),
  };
}

export function bulkSnapshot(operation: BulkOperationRecord): BulkOperationSnapshot {
  return {
    id: operation.id,
    status: operation.status,
    errorCode: operation.errorCode,
    type: operation.type,
    query: operation.query,
    clientIdentifier: operation.clientIdentifier,
    createdAt: isoSeconds(operation.createdAt),
    completedAt: operation.completedAt === null ? null : isoSeconds(operation.completedAt),
    objectCount: operation.objectCount,
    rootObjectCount: operation.rootObjectCount,
    fileSize: operation.fileSize,
  };
}
