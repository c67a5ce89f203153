import { createHash, randomBytes } from 'node:crypto';

import { parseGid, toGid } from './gid.js';
import { checkMetafieldValue, isKnownMetafieldType } from './metafield-types.js';
import { convertMinor, formatDecimal, formatMoney, isCurrencyCode, toMinorUnits } from './money.js';
import type { Clock, TimeInput } from './time.js';
import { isValidTimeZone, isoSeconds, isoWithOffset, systemClock, toEpochMs, truncateToSecond } from './time.js';

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
export type MetafieldOwnerType = 'CUSTOMER' | 'ORDER' | 'PRODUCT' | 'PRODUCTVARIANT' | 'SHOP';
export type BulkOperationStatus = 'CANCELED' | 'CANCELING' | 'COMPLETED' | 'CREATED' | 'EXPIRED' | 'FAILED' | 'RUNNING';
export type BulkOperationErrorCode = 'ACCESS_DENIED' | 'INTERNAL_SERVER_ERROR' | 'TIMEOUT';
export type BulkOperationType = 'MUTATION' | 'QUERY';

interface BaseRecord {
  /** Shopify GID, e.g. gid://shopify/Customer/1000000000001 */
  id: string;
  numericId: number;
}

export interface ShopRecord extends BaseRecord {
  kind: 'Shop';
  domain: string;
  name: string;
  email: string;
  timezone: string;
  currency: string;
  accessToken: string;
  readAllOrders: boolean;
  throttle: ThrottleConfig;
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

export interface LineItemRecord extends BaseRecord {
  kind: 'LineItem';
  orderId: number;
  variantId: number | null;
  productId: number | null;
  title: string;
  variantTitle: string | null;
  sku: string | null;
  quantity: number;
  unitPriceMinor: number;
}

export interface RefundRecord extends BaseRecord {
  kind: 'Refund';
  orderId: number;
  createdAt: number;
  amountMinor: number;
  note: string | null;
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
  currency: string;
  presentmentCurrency: string;
  presentmentRate: number;
  lineItems: LineItemRecord[];
  shippingMinor: number;
  taxMinor: number;
  discountMinor: number;
  refunds: RefundRecord[];
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
  query: string;
  groupObjects: boolean;
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

export type MetafieldOwnerRecord = CustomerRecord | OrderRecord | ProductRecord | ShopRecord | VariantRecord;

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

export interface ShopState {
  shop: ShopRecord;
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
  bucket: { available: number; updatedAt: number };
  failures: PendingFailure[];
  bulkFailures: BulkOperationErrorCode[];
  nextOrderNumber: number;
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

export interface AddLineItemInput {
  /** ProductVariant GID; price, title and sku default from the variant. */
  variantId?: string | null;
  title?: string;
  sku?: string | null;
  quantity?: number;
  /** Unit price in shop currency. */
  price?: string | number;
}

export interface AddRefundInput {
  /** Shop-currency amount refunded. */
  amount: string | number;
  createdAt?: TimeInput;
  note?: string | null;
}

export interface AddOrderInput {
  /** Customer GID. */
  customerId?: string | null;
  email?: string | null;
  name?: string;
  createdAt?: TimeInput;
  processedAt?: TimeInput;
  updatedAt?: TimeInput;
  closedAt?: TimeInput | null;
  cancelledAt?: TimeInput | null;
  cancelReason?: OrderCancelReason | null;
  test?: boolean;
  financialStatus?: OrderFinancialStatus;
  fulfillmentStatus?: OrderFulfillmentStatus;
  presentmentCurrency?: string;
  /** Shop → presentment exchange rate. Default 1. */
  presentmentRate?: number;
  lineItems: readonly AddLineItemInput[];
  shippingPrice?: string | number;
  totalTax?: string | number;
  totalDiscounts?: string | number;
  tags?: readonly string[];
  note?: string | null;
  refunds?: readonly AddRefundInput[];
  metafields?: readonly MetafieldSeed[];
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
  displayFinancialStatus: OrderFinancialStatus;
  totalPrice: string;
  subtotalPrice: string;
  totalRefunded: string;
  tags: string[];
  lineItems: Array<{ id: string; title: string; quantity: number; variantId: string | null; unitPrice: string }>;
  refunds: Array<{ id: string; createdAt: string; amount: string }>;
  metafields: MetafieldSnapshot[];
}

export interface BulkOperationSnapshot {
  id: string;
  status: BulkOperationStatus;
  errorCode: BulkOperationErrorCode | null;
  type: BulkOperationType;
  query: string;
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

/** Runs a bulk query against a shop; installed by the schema layer. Throwing fails the operation. */
export type BulkQueryExecutor = (state: ShopState, operation: BulkOperationRecord) => BulkQueryResult;

export interface RecordedRequest {
  requestId: string;
  at: string;
  method: string;
  url: string;
  shop: string | null;
  apiVersion: string | null;
  kind: 'bulk-download' | 'graphql' | 'other';
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

export class FakeShopifyStore {
  readonly clock: Clock;
  readonly appId: number;
  readonly defaultThrottle: ThrottleConfig;
  readonly requests: RecordedRequest[] = [];
  /** Errors raised by `onBulkOperationFinish` listeners or by bulk query execution; tests can assert it stays empty. */
  readonly internalErrors: unknown[] = [];
  bulkCompletionDelayMs: number;
  autoCompleteBulkOperations: boolean;

  private readonly shops = new Map<string, ShopState>();
  private readonly bulkIndex = new Map<number, BulkOperationRecord>();
  private readonly finishListeners = new Set<BulkOperationFinishListener>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private bulkExecutor: BulkQueryExecutor | null = null;
  private nextNumericId: number;

  constructor(options: FakeShopifyStoreOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.appId = options.appId ?? 4_242_424_242;
    this.defaultThrottle = { ...DEFAULT_THROTTLE, ...options.throttle };
    this.bulkCompletionDelayMs = options.bulkCompletionDelayMs ?? 0;
    this.autoCompleteBulkOperations = options.autoCompleteBulkOperations ?? true;
    this.nextNumericId = options.firstId ?? 1_000_000_000_001;
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
      name: options.name ?? handle,
      email: options.email ?? `owner@${handle}.example`,
      timezone,
      currency,
      accessToken: options.accessToken,
      readAllOrders: options.readAllOrders ?? true,
      throttle,
    };
    if (existing) {
      Object.assign(existing.shop, shopFields);
      return canonical;
    }
    const numericId = this.allocateId();
    this.shops.set(canonical, {
      shop: { kind: 'Shop', id: toGid('Shop', numericId), numericId, ...shopFields },
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
      bucket: { available: throttle.maximumAvailable, updatedAt: this.clock.now() },
      failures: [],
      bulkFailures: [],
      nextOrderNumber: 1001,
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
    return this.customerSnapshot(state, customer);
  }

  /** Updates seed fields directly (not through the API); bumps updatedAt unless one is given. */
  updateCustomer(shop: string, customerId: string, patch: Partial<Omit<AddCustomerInput, 'createdAt' | 'metafields'>>): CustomerSnapshot {
    const state = this.state(shop);
    const customer = this.requireRecord(state, customerId, 'Customer');
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
    return this.customerSnapshot(state, customer);
  }

  deleteCustomer(shop: string, customerId: string): void {
    const state = this.state(shop);
    const customer = this.requireRecord(state, customerId, 'Customer');
    state.customers.delete(customer.numericId);
    this.deleteMetafieldsOf(state, customer.id);
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
    return this.productSnapshot(state, product);
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
  ): void {
    const existing = item.levels.get(location.numericId);
    if (existing) {
      existing.available = available;
      existing.updatedAt = at;
      return;
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
  }

  /** Sets available stock of a variant at a location (created if missing); bumps the product's updatedAt. */
  setInventory(shop: string, variantId: string, locationName: string, available: number): void {
    const state = this.state(shop);
    const variant = this.requireRecord(state, variantId, 'ProductVariant');
    const now = this.now();
    this.setLevel(state, variant.inventoryItem, this.ensureLocation(state, locationName), available, now);
    variant.inventoryItem.updatedAt = now;
    const product = state.products.get(variant.productId);
    if (product) {
      product.updatedAt = now;
    }
  }

  addOrder(shop: string, input: AddOrderInput): OrderSnapshot {
    const state = this.state(shop);
    const now = this.now();
    const currency = state.shop.currency;
    const customer = input.customerId ? this.requireRecord(state, input.customerId, 'Customer') : null;
    const numericId = this.allocateId();
    const createdAt = this.time(input.createdAt, now);
    const number = state.nextOrderNumber;
    state.nextOrderNumber += 1;
    const presentmentCurrency = input.presentmentCurrency ?? currency;
    if (!isCurrencyCode(presentmentCurrency)) {
      throw new TypeError(`Unknown currency code: ${presentmentCurrency}`);
    }
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
      lineItems: [],
      shippingMinor: toMinorUnits(input.shippingPrice ?? '0', currency),
      taxMinor: toMinorUnits(input.totalTax ?? '0', currency),
      discountMinor: toMinorUnits(input.totalDiscounts ?? '0', currency),
      refunds: [],
      tags: mergeTags([], normalizeTagInput(input.tags ?? [])),
      note: input.note ?? null,
    };
    for (const lineInput of input.lineItems) {
      const variant = lineInput.variantId ? this.requireRecord(state, lineInput.variantId, 'ProductVariant') : null;
      const product = variant ? state.products.get(variant.productId) ?? null : null;
      const lineId = this.allocateId();
      const line: LineItemRecord = {
        kind: 'LineItem',
        id: toGid('LineItem', lineId),
        numericId: lineId,
        orderId: numericId,
        variantId: variant?.numericId ?? null,
        productId: product?.numericId ?? null,
        title: lineInput.title ?? product?.title ?? 'Custom item',
        variantTitle: variant && variant.title !== 'Default Title' ? variant.title : null,
        sku: lineInput.sku !== undefined ? lineInput.sku : (variant?.sku ?? null),
        quantity: lineInput.quantity ?? 1,
        unitPriceMinor:
          lineInput.price !== undefined ? toMinorUnits(lineInput.price, currency) : (variant?.priceMinor ?? 0),
      };
      order.lineItems.push(line);
      state.lineItems.set(lineId, line);
    }
    state.orders.set(numericId, order);
    if (customer) {
      let orders = state.ordersByCustomer.get(customer.numericId);
      if (!orders) {
        orders = new Set();
        state.ordersByCustomer.set(customer.numericId, orders);
      }
      orders.add(numericId);
      customer.updatedAt = Math.max(customer.updatedAt, order.updatedAt);
    }
    for (const refund of input.refunds ?? []) {
      this.pushRefund(state, order, refund);
    }
    this.seedMetafields(state, order, input.metafields);
    return this.orderSnapshot(state, order);
  }

  private pushRefund(state: ShopState, order: OrderRecord, input: AddRefundInput): RefundRecord {
    const numericId = this.allocateId();
    const refund: RefundRecord = {
      kind: 'Refund',
      id: toGid('Refund', numericId),
      numericId,
      orderId: order.numericId,
      createdAt: this.time(input.createdAt, this.now()),
      amountMinor: toMinorUnits(input.amount, order.currency),
      note: input.note ?? null,
    };
    order.refunds.push(refund);
    state.refunds.set(numericId, refund);
    order.updatedAt = Math.max(order.updatedAt, refund.createdAt);
    return refund;
  }

  /** Records a refund the way the admin would: order and customer updatedAt move to the refund time. */
  addRefund(shop: string, orderId: string, input: AddRefundInput): OrderSnapshot {
    const state = this.state(shop);
    const order = this.requireRecord(state, orderId, 'Order');
    const refund = this.pushRefund(state, order, input);
    this.touchCustomer(state, order.customerId, refund.createdAt);
    return this.orderSnapshot(state, order);
  }

  cancelOrder(shop: string, orderId: string, options: { at?: TimeInput; reason?: OrderCancelReason } = {}): OrderSnapshot {
    const state = this.state(shop);
    const order = this.requireRecord(state, orderId, 'Order');
    const at = this.time(options.at, this.now());
    order.cancelledAt = at;
    order.cancelReason = options.reason ?? 'OTHER';
    order.closedAt = order.closedAt ?? at;
    order.updatedAt = at;
    this.touchCustomer(state, order.customerId, at);
    return this.orderSnapshot(state, order);
  }

  private touchCustomer(state: ShopState, customerId: number | null, at: number): void {
    const customer = customerId === null ? undefined : state.customers.get(customerId);
    if (customer) {
      customer.updatedAt = Math.max(customer.updatedAt, at);
    }
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
      displayFinancialStatus: orderFinancialStatus(order),
      totalPrice: formatDecimal(orderTotalMinor(order), order.currency),
      subtotalPrice: formatDecimal(orderSubtotalMinor(order), order.currency),
      totalRefunded: formatDecimal(orderRefundedMinor(order), order.currency),
      tags: [...order.tags],
      lineItems: order.lineItems.map((line) => ({
        id: line.id,
        title: line.title,
        quantity: line.quantity,
        variantId: line.variantId === null ? null : toGid('ProductVariant', line.variantId),
        unitPrice: formatDecimal(line.unitPriceMinor, order.currency),
      })),
      refunds: order.refunds.map((refund) => ({
        id: refund.id,
        createdAt: isoSeconds(refund.createdAt),
        amount: formatDecimal(refund.amountMinor, order.currency),
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
    this.applyTags(target, merged);
    return { node: target, userErrors: [] };
  }

  removeTags(state: ShopState, id: string, tags: readonly string[]): { node: NodeRecord | null; userErrors: UserErrorData[] } {
    const target = this.taggable(state, id);
    if (!('kind' in target)) {
      return { node: null, userErrors: [target] };
    }
    const removing = new Set(normalizeTagInput(tags).map((tag) => tag.toLowerCase()));
    const remaining = target.tags.filter((tag) => !removing.has(tag.toLowerCase()));
    this.applyTags(target, remaining);
    return { node: target, userErrors: [] };
  }

  /** Only a real change is saved, so a no-op tagsAdd does not move updatedAt (Rails dirty tracking). */
  private applyTags(target: CustomerRecord | OrderRecord | ProductRecord, tags: string[]): void {
    const changed = tags.length !== target.tags.length || tags.some((tag, index) => tag !== target.tags[index]);
    if (!changed) {
      return;
    }
    target.tags = tags;
    target.updatedAt = Math.max(target.updatedAt, this.now());
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
    return [...state.bulkOperations.values()].find(
      (operation) =>
        operation.type === 'QUERY' &&
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
    const numericId = this.allocateId();
    const operation: BulkOperationRecord = {
      kind: 'BulkOperation',
      id: toGid('BulkOperation', numericId),
      numericId,
      shop: state.shop.domain,
      type: 'QUERY',
      status: 'CREATED',
      errorCode: null,
      query,
      groupObjects,
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
        throw new Error('Fake Shopify: no bulk query executor installed');
      }
      const result = this.bulkExecutor(state, operation);
      operation.objectCount = result.lines.length;
      operation.rootObjectCount = result.rootObjectCount;
      if (plannedFailure) {
        // A failed operation keeps roughly the first half of its output as partial data.
        const partialLines = result.lines.slice(0, Math.floor(result.lines.length / 2));
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

  private emitFinish(state: ShopState, operation: BulkOperationRecord): void {
    const event: BulkOperationFinishEvent = {
      shop: state.shop.domain,
      operation: bulkSnapshot(operation),
      payload: {
        admin_graphql_api_id: operation.id,
        completed_at: operation.completedAt === null ? null : isoWithOffset(operation.completedAt, state.shop.timezone),
        created_at: isoWithOffset(operation.createdAt, state.shop.timezone),
        error_code: operation.errorCode === null ? null : operation.errorCode.toLowerCase(),
        status: operation.status.toLowerCase(),
        type: operation.type.toLowerCase(),
      },
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

  /** Cancels pending bulk timers; call from test teardown. */
  dispose(): void {
    for (const timer of this.timers) {
      clearTimeout(timer);
    }
    this.timers.clear();
    this.finishListeners.clear();
  }
}

// ---------------------------------------------------------------------------
// Derived order values
// ---------------------------------------------------------------------------

export function orderSubtotalMinor(order: OrderRecord): number {
  return order.lineItems.reduce((sum, line) => sum + line.unitPriceMinor * line.quantity, 0) - order.discountMinor;
}

export function orderTotalMinor(order: OrderRecord): number {
  return orderSubtotalMinor(order) + order.shippingMinor + order.taxMinor;
}

export function orderRefundedMinor(order: OrderRecord): number {
  return order.refunds.reduce((sum, refund) => sum + refund.amountMinor, 0);
}

export function orderFinancialStatus(order: OrderRecord): OrderFinancialStatus {
  const refunded = orderRefundedMinor(order);
  if (refunded > 0) {
    return refunded >= orderTotalMinor(order) ? 'REFUNDED' : 'PARTIALLY_REFUNDED';
  }
  return order.financialStatusOverride ?? 'PAID';
}

export function orderPresentmentMinor(order: OrderRecord, shopMinor: number): number {
  return convertMinor(shopMinor, order.currency, order.presentmentCurrency, order.presentmentRate);
}

export function metafieldOwnerType(owner: MetafieldOwnerRecord): MetafieldOwnerType {
  switch (owner.kind) {
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
    createdAt: isoSeconds(operation.createdAt),
    completedAt: operation.completedAt === null ? null : isoSeconds(operation.completedAt),
    objectCount: operation.objectCount,
    rootObjectCount: operation.rootObjectCount,
    fileSize: operation.fileSize,
  };
}
