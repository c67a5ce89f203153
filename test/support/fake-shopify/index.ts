export { createFakeShopify, DEFAULT_API_VERSION, FakeShopify } from './server.js';
export type { CreateFakeShopifyOptions, FakeRequest, FakeResponse, GraphQLCallOptions, ListeningFakeShopify } from './server.js';
export { installFakeShopifyNetwork } from './network.js';
export type { FakeShopifyDispatcher, FakeShopifyNetwork, InstallNetworkOptions } from './network.js';
export { DEFAULT_THROTTLE, FakeShopifyStore, MAX_METAFIELDS_PER_SET, MAX_TAG_LENGTH, MAX_TAGS } from './store.js';
export type {
  AddCustomerInput,
  AddLineItemInput,
  AddOrderInput,
  AddProductInput,
  AddRefundInput,
  AddVariantInput,
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
  ThrottleConfig,
  ThrottleStatus,
  VariantSnapshot,
} from './store.js';
export type { AdminGraphQLResponse, GraphQLRequestBody, QueryCost } from './execute.js';
export { ManualClock, systemClock } from './time.js';
export type { Clock, TimeInput } from './time.js';
export { parseGid, toGid } from './gid.js';
