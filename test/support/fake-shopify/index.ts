export { createFakeShopify, DEFAULT_API_VERSION, FakeShopify } from './server.js';
export type { CreateFakeShopifyOptions, FakeRequest, FakeResponse, GraphQLCallOptions, ListeningFakeShopify } from './server.js';
export { installFakeShopifyNetwork } from './network.js';
export type { FakeShopifyDispatcher, FakeShopifyNetwork, InstallNetworkOptions } from './network.js';
export { DEFAULT_THROTTLE, FakeShopifyStore, MAX_METAFIELDS_PER_SET, MAX_TAG_LENGTH, MAX_TAGS } from './store.js';
export type { BulkMutationErrorCode, BulkMutationUserErrorData } from './bulk-mutation.js';
export type {
  AddCustomerInput,
  AddLineItemInput,
  AddOrderInput,
  AddProductInput,
  AddRefundInput,
  AddVariantInput,
  EditOrderInput,
  RefundLineItemInput,
  RefundRestockType,
  SalesChannel,
  ShippingLineInput,
  TaxLineInput,
  UpdateOrderInput,
  UpdateProductInput,
  UpdateShopInput,
  UpdateVariantInput,
  BulkOperationErrorCode,
  BulkOperationFinishEvent,
  BulkOperationFinishListener,
  BulkOperationSnapshot,
  BulkOperationStatus,
  BulkOperationsFinishPayload,
  CustomerSnapshot,
  FailNextOptions,
  FailureStatus,
  FakeShopifyStoreOptions,
  MetafieldSeed,
  MetafieldSnapshot,
  OrderSnapshot,
  ProductSnapshot,
  RecordedRequest,
  RegisterShopOptions,
  StagedUploadRecord,
  ThrottleConfig,
  ThrottleStatus,
  VariantSnapshot,
} from './store.js';
export type { AdminGraphQLResponse, GraphQLRequestBody, QueryCost } from './execute.js';
export {
  customerWebhookPayload,
  inventoryLevelWebhookPayload,
  orderWebhookPayload,
  productWebhookPayload,
  refundWebhookPayload,
  shopWebhookPayload,
  WEBHOOK_API_VERSION,
  WEBHOOK_TOPICS,
  webhookPayload,
} from './webhooks.js';
export type {
  AppScopesUpdatePayload,
  CustomerDeletePayload,
  CustomerMergePayload,
  CustomerPayload,
  CustomersDataRequestPayload,
  CustomersRedactPayload,
  CustomerTagsPayload,
  InventoryLevelPayload,
  LineItemPayload,
  MoneySetPayload,
  OrderCustomerPayload,
  OrderEditPayload,
  OrderPayload,
  ProductDeletePayload,
  ProductPayload,
  PurchasingSummaryPayload,
  RefundLineItemPayload,
  RefundPayload,
  ShippingLinePayload,
  ShopPayload,
  ShopRedactPayload,
  TaxLinePayload,
  VariantPayload,
  WebhookEvent,
  WebhookEventOf,
  WebhookListener,
  WebhookPayloadExtras,
  WebhookPayloads,
  WebhookTopic,
} from './webhooks.js';
export { ManualClock, systemClock } from './time.js';
export type { Clock, TimeInput } from './time.js';
export { parseGid, toGid } from './gid.js';
export type { CodeDiscountRecord, DiscountValue, MetafieldDefinitionRecord, StoreCreditAccountRecord } from './discounts.js';
export { DEFAULT_WEB_PIXEL_REQUIRED, DEFAULT_WEB_PIXEL_SETTINGS } from './web-pixels.js';
export type { WebPixelRecord, WebPixelUserErrorData } from './web-pixels.js';
