import type { GraphQLFieldResolver, GraphQLResolveInfo, GraphQLSchema, ValueNode } from 'graphql';
import { buildSchema, GraphQLError, isInterfaceType, isObjectType, isScalarType, Kind, responsePathAsArray, valueFromASTUntyped } from 'graphql';

import { bulkQueryUserErrors, runBulkQuery } from './bulk.js';
import type { BulkMutationErrorCode } from './bulk-mutation.js';
import { bulkMutationUserErrors, parseVariablesFile, runBulkMutation } from './bulk-mutation.js';
import { stagedUploadsCreate } from './staged-uploads.js';
import type { MeteredContext } from './cost.js';
import { instrumentActualCost } from './cost.js';
import { parseGid, toGid } from './gid.js';
import { metafieldJsonValue } from './metafield-types.js';
import type { MoneyBag } from './money.js';
import { formatMoney, moneyV2 } from './money.js';
import type { ConnectionData, PageArgs, SortKey } from './pagination.js';
import { paginate } from './pagination.js';
import { ADMIN_SDL } from './sdl.js';
import type { SearchSchema, SearchWarning } from './search.js';
import { compileSearch, SearchSyntaxError } from './search.js';
import {
  isPaidStatus,
  lineCurrentDiscountedTotalMinor,
  lineDiscountedTotalMinor,
  lineDiscountMinor,
  lineOriginalTotalMinor,
  orderCurrentDiscountsMinor,
  orderCurrentShippingMinor,
  orderCurrentSubtotalMinor,
  orderCurrentTaxMinor,
  orderCurrentTotalMinor,
  orderFinancialStatus,
  orderPresentmentMinor,
  orderRefundedMinor,
  orderShippingMinor,
  orderSubtotalMinor,
  orderTotalDiscountsMinor,
  orderTotalMinor,
  orderTotalTaxMinor,
  shippingDiscountedMinor,
} from './orders.js';
import type {
  AppInstallationRecord,
  BulkOperationRecord,
  CustomerRecord,
  FakeShopifyStore,
  InventoryItemRecord,
  InventoryLevelRecord,
  LineItemRecord,
  LocationRecord,
  MetafieldOwnerRecord,
  MetafieldRecord,
  MetafieldsSetInputData,
  NodeRecord,
  OrderRecord,
  ProductRecord,
  RefundLineItemRecord,
  RefundRecord,
  SalesChannel,
  ShippingLineRecord,
  ShopRecord,
  ShopState,
  StagedUploadRecord,
  TaxLineRecord,
  VariantRecord,
} from './store.js';
import { metafieldDigest } from './store.js';
import type { CodeDiscountRecord, DiscountHost } from './discounts.js';
import { createBasicCodeDiscount, createFreeShippingCodeDiscount, createMetafieldDefinition, creditStoreCredit, findCodeDiscount } from './discounts.js';
import { receiveFlowTrigger } from './flow.js';
import { createWebPixel, deleteWebPixel, findWebPixel, updateWebPixel } from './web-pixels.js';
import { isoSeconds, zoneOffsetMinutes } from './time.js';

export interface SearchExtension {
  path: Array<string | number>;
  query: string;
  warnings: SearchWarning[];
}

export interface FakeShopifyContext extends MeteredContext {
  store: FakeShopifyStore;
  state: ShopState;
  /** True while executing a bulk operation's inner query: connections are unbounded. */
  bulk: boolean;
  searchWarnings: SearchExtension[];
  bulkOperationUrl: (operation: BulkOperationRecord) => string | null;
  /** Where the file for a staged upload target is posted; null where no upload can happen (inside bulk runs). */
  stagedUploadUrl: (upload: StagedUploadRecord) => string | null;
}

type Args = Record<string, unknown>;
type FieldFn<TSource> = (source: TSource, args: Args, context: FakeShopifyContext, info: GraphQLResolveInfo) => unknown;
type ResolverMap = Record<string, Record<string, FieldFn<never>>>;

// ---------------------------------------------------------------------------
// Argument helpers
// ---------------------------------------------------------------------------

function str(args: Args, name: string): string | null {
  const value = args[name];
  return typeof value === 'string' ? value : null;
}

function int(args: Args, name: string): number | null {
  const value = args[name];
  return typeof value === 'number' ? value : null;
}

function strings(args: Args, name: string): string[] {
  const value = args[name];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function pageArgs(args: Args): PageArgs {
  return {
    first: int(args, 'first'),
    last: int(args, 'last'),
    after: str(args, 'after'),
    before: str(args, 'before'),
    reverse: args.reverse === true,
  };
}

function invalidGlobalId(id: string): GraphQLError {
  return new GraphQLError(`Invalid global id '${id}'`, {
    extensions: { code: 'argumentLiteralsIncompatible', typeName: 'CoercionError' },
  });
}

function findById(ctx: FakeShopifyContext, id: string): NodeRecord | null {
  if (!parseGid(id)) {
    throw invalidGlobalId(id);
  }
  return ctx.store.findNode(ctx.state, id);
}

function findKind<K extends NodeRecord['kind']>(ctx: FakeShopifyContext, id: string, kind: K): Extract<NodeRecord, { kind: K }> | null {
  const record = findById(ctx, id);
  return record && record.kind === kind ? (record as Extract<NodeRecord, { kind: K }>) : null;
}

/** What discounts, store credit and metafield definitions need of the store and the shop. */
function discountHost(ctx: FakeShopifyContext): DiscountHost {
  return {
    allocateId: () => ctx.store.allocateId(),
    now: () => ctx.store.now(),
    currency: ctx.state.shop.currency,
    customerExists: (gid) => ctx.store.findNode(ctx.state, gid)?.kind === 'Customer',
  };
}

function required<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) {
    throw new Error(`Fake Shopify: dangling ${what}`);
  }
  return value;
}

// ---------------------------------------------------------------------------
// Search + pagination
// ---------------------------------------------------------------------------

function searchConnection<T>(
  ctx: FakeShopifyContext,
  info: GraphQLResolveInfo,
  args: Args,
  items: Iterable<T>,
  schema: SearchSchema<T>,
  keyOf: (item: T) => SortKey,
): ConnectionData<T> {
  const query = str(args, 'query');
  let matches: (record: T) => boolean;
  try {
    const compiled = compileSearch(query, schema, ctx.state.shop.timezone);
    matches = compiled.matches;
    if (compiled.warnings.length > 0 && query !== null) {
      ctx.searchWarnings.push({ path: responsePathAsArray(info.path), query, warnings: compiled.warnings });
    }
  } catch (error) {
    if (error instanceof SearchSyntaxError) {
      throw new GraphQLError(error.message, { extensions: { code: 'BAD_REQUEST' } });
    }
    throw error;
  }
  return paginate([...items].filter(matches), keyOf, pageArgs(args), { unbounded: ctx.bulk });
}

function count(items: number, limit: number | null): { count: number; precision: 'AT_LEAST' | 'EXACT' } {
  const cap = limit ?? 10_000;
  return items > cap ? { count: cap, precision: 'AT_LEAST' } : { count: items, precision: 'EXACT' };
}

function filterCount<T>(ctx: FakeShopifyContext, args: Args, items: Iterable<T>, schema: SearchSchema<T>): { count: number; precision: 'AT_LEAST' | 'EXACT' } {
  const compiled = compileSearch(str(args, 'query'), schema, ctx.state.shop.timezone);
  return count([...items].filter(compiled.matches).length, int(args, 'limit'));
}

function displayName(customer: CustomerRecord): string {
  const name = [customer.firstName, customer.lastName].filter((part) => part && part.trim() !== '').join(' ');
  return name !== '' ? name : (customer.email ?? customer.phone ?? '');
}

function customerSearch(ctx: FakeShopifyContext): SearchSchema<CustomerRecord> {
  return {
    fields: {
      id: { kind: 'number', get: (c) => c.numericId },
      email: { kind: 'string', get: (c) => c.email },
      first_name: { kind: 'string', get: (c) => c.firstName },
      last_name: { kind: 'string', get: (c) => c.lastName },
      phone: { kind: 'string', get: (c) => c.phone },
      state: { kind: 'string', get: (c) => c.state.toLowerCase() },
      tag: { kind: 'string', get: (c) => c.tags },
      created_at: { kind: 'date', get: (c) => c.createdAt },
      updated_at: { kind: 'date', get: (c) => c.updatedAt },
      orders_count: { kind: 'number', get: (c) => ctx.store.customerNumberOfOrders(ctx.state, c) },
      amount_spent: {
        kind: 'number',
        get: (c) => Number(moneyV2(ctx.store.customerAmountSpentMinor(ctx.state, c), ctx.state.shop.currency).amount),
      },
    },
    text: (c) => [c.email, c.firstName, c.lastName, c.phone, displayName(c)],
  };
}

function customerSortKey(sortKey: unknown): (c: CustomerRecord) => SortKey {
  switch (sortKey) {
    case 'CREATED_AT':
      return (c) => ({ value: c.createdAt, id: c.numericId });
    case 'UPDATED_AT':
      return (c) => ({ value: c.updatedAt, id: c.numericId });
    case 'NAME':
      return (c) => ({ value: displayName(c), id: c.numericId });
    default:
      return (c) => ({ value: c.numericId, id: c.numericId });
  }
}

function productSearch(ctx: FakeShopifyContext): SearchSchema<ProductRecord> {
  return {
    fields: {
      id: { kind: 'number', get: (p) => p.numericId },
      title: { kind: 'string', get: (p) => p.title },
      handle: { kind: 'string', get: (p) => p.handle },
      status: { kind: 'string', get: (p) => p.status.toLowerCase() },
      vendor: { kind: 'string', get: (p) => p.vendor },
      product_type: { kind: 'string', get: (p) => p.productType },
      tag: { kind: 'string', get: (p) => p.tags },
      sku: {
        kind: 'string',
        get: (p) => ctx.store.productVariants(ctx.state, p).flatMap((v) => (v.sku === null ? [] : [v.sku])),
      },
      created_at: { kind: 'date', get: (p) => p.createdAt },
      updated_at: { kind: 'date', get: (p) => p.updatedAt },
      inventory_total: { kind: 'number', get: (p) => ctx.store.productTotalInventory(ctx.state, p) },
    },
    text: (p) => [p.title, p.handle, p.vendor, p.productType, ...p.tags],
  };
}

function productSortKey(ctx: FakeShopifyContext, sortKey: unknown): (p: ProductRecord) => SortKey {
  switch (sortKey) {
    case 'CREATED_AT':
    case 'PUBLISHED_AT':
      return (p) => ({ value: p.createdAt, id: p.numericId });
    case 'UPDATED_AT':
      return (p) => ({ value: p.updatedAt, id: p.numericId });
    case 'TITLE':
      return (p) => ({ value: p.title, id: p.numericId });
    case 'VENDOR':
      return (p) => ({ value: p.vendor, id: p.numericId });
    case 'PRODUCT_TYPE':
      return (p) => ({ value: p.productType, id: p.numericId });
    case 'INVENTORY_TOTAL':
      return (p) => ({ value: ctx.store.productTotalInventory(ctx.state, p), id: p.numericId });
    default:
      return (p) => ({ value: p.numericId, id: p.numericId });
  }
}

function variantSearch(ctx: FakeShopifyContext): SearchSchema<VariantRecord> {
  return {
    fields: {
      id: { kind: 'number', get: (v) => v.numericId },
      sku: { kind: 'string', get: (v) => v.sku },
      title: { kind: 'string', get: (v) => v.title },
      product_id: { kind: 'number', get: (v) => v.productId },
      inventory_quantity: { kind: 'number', get: (v) => ctx.store.variantInventoryQuantity(v) },
      created_at: { kind: 'date', get: (v) => v.createdAt },
      updated_at: { kind: 'date', get: (v) => v.updatedAt },
    },
    text: (v) => [v.title, v.sku, ctx.state.products.get(v.productId)?.title ?? null],
  };
}

function variantSortKey(ctx: FakeShopifyContext, sortKey: unknown): (v: VariantRecord) => SortKey {
  switch (sortKey) {
    case 'POSITION':
      return (v) => ({ value: v.position, id: v.numericId });
    case 'SKU':
      return (v) => ({ value: v.sku ?? '', id: v.numericId });
    case 'TITLE':
      return (v) => ({ value: v.title, id: v.numericId });
    case 'NAME':
    case 'FULL_TITLE':
      return (v) => ({ value: variantDisplayName(ctx, v), id: v.numericId });
    case 'INVENTORY_QUANTITY':
      return (v) => ({ value: ctx.store.variantInventoryQuantity(v), id: v.numericId });
    default:
      return (v) => ({ value: v.numericId, id: v.numericId });
  }
}

function variantDisplayName(ctx: FakeShopifyContext, variant: VariantRecord): string {
  const product = ctx.state.products.get(variant.productId);
  return `${product?.title ?? ''} - ${variant.title}`;
}

function fulfillmentSearchValue(order: OrderRecord): string {
  switch (order.fulfillmentStatus) {
    case 'FULFILLED':
      return 'shipped';
    case 'PARTIALLY_FULFILLED':
      return 'partial';
    default:
      return 'unshipped';
  }
}

function orderSearch(ctx: FakeShopifyContext): SearchSchema<OrderRecord> {
  return {
    fields: {
      id: { kind: 'number', get: (o) => o.numericId },
      name: { kind: 'string', get: (o) => [o.name, o.name.replace(/^#/, '')] },
      email: { kind: 'string', get: (o) => o.email },
      customer_id: { kind: 'number', get: (o) => o.customerId },
      created_at: { kind: 'date', get: (o) => o.createdAt },
      updated_at: { kind: 'date', get: (o) => o.updatedAt },
      processed_at: { kind: 'date', get: (o) => o.processedAt },
      cancelled_at: { kind: 'date', get: (o) => o.cancelledAt },
      financial_status: { kind: 'string', get: (o) => orderFinancialStatus(o).toLowerCase() },
      fulfillment_status: { kind: 'string', get: fulfillmentSearchValue },
      status: {
        kind: 'string',
        get: (o) => (o.cancelledAt !== null ? 'cancelled' : o.closedAt !== null ? 'closed' : 'open'),
      },
      test: { kind: 'boolean', get: (o) => o.test },
      source_name: { kind: 'string', get: (o) => o.sourceName },
      tag: { kind: 'string', get: (o) => o.tags },
      sku: { kind: 'string', get: (o) => o.lineItems.flatMap((line) => (line.sku === null ? [] : [line.sku])) },
    },
    text: (o) => {
      const customer = o.customerId === null ? undefined : ctx.state.customers.get(o.customerId);
      return [o.name, o.email, customer ? displayName(customer) : null];
    },
  };
}

function orderSortKey(ctx: FakeShopifyContext, sortKey: unknown): (o: OrderRecord) => SortKey {
  switch (sortKey) {
    case 'CREATED_AT':
      return (o) => ({ value: o.createdAt, id: o.numericId });
    case 'UPDATED_AT':
      return (o) => ({ value: o.updatedAt, id: o.numericId });
    case 'PROCESSED_AT':
      return (o) => ({ value: o.processedAt, id: o.numericId });
    case 'ORDER_NUMBER':
      return (o) => ({ value: o.number, id: o.numericId });
    case 'TOTAL_PRICE':
      return (o) => ({ value: orderTotalMinor(o), id: o.numericId });
    case 'TOTAL_ITEMS_QUANTITY':
      return (o) => ({ value: o.lineItems.reduce((sum, line) => sum + line.quantity, 0), id: o.numericId });
    case 'FINANCIAL_STATUS':
      return (o) => ({ value: orderFinancialStatus(o), id: o.numericId });
    case 'FULFILLMENT_STATUS':
      return (o) => ({ value: o.fulfillmentStatus, id: o.numericId });
    case 'CUSTOMER_NAME':
      return (o) => {
        const customer = o.customerId === null ? undefined : ctx.state.customers.get(o.customerId);
        return { value: customer ? displayName(customer) : '', id: o.numericId };
      };
    default:
      return (o) => ({ value: o.numericId, id: o.numericId });
  }
}

const byId = <T extends { numericId: number }>(record: T): SortKey => ({ value: record.numericId, id: record.numericId });

// ---------------------------------------------------------------------------
// Shared field groups
// ---------------------------------------------------------------------------

function splitMetafieldKey(ctx: FakeShopifyContext, args: Args): { namespace: string; key: string } {
  const key = str(args, 'key') ?? '';
  const namespace = str(args, 'namespace');
  if (namespace === null && key.includes('.')) {
    const dot = key.lastIndexOf('.');
    return { namespace: ctx.store.resolveNamespace(key.slice(0, dot)), key: key.slice(dot + 1) };
  }
  return { namespace: ctx.store.resolveNamespace(namespace), key };
}

const metafieldOwnerFields: Record<string, FieldFn<MetafieldOwnerRecord>> = {
  metafield: (owner, args, ctx) => {
    const { namespace, key } = splitMetafieldKey(ctx, args);
    return ctx.store.findMetafield(ctx.state, owner.id, namespace, key) ?? null;
  },
  metafields: (owner, args, ctx) => {
    const namespaceArg = str(args, 'namespace');
    const namespace = namespaceArg === null ? null : ctx.store.resolveNamespace(namespaceArg);
    const keys = strings(args, 'keys').map((fullKey) => {
      const dot = fullKey.lastIndexOf('.');
      return dot === -1 ? fullKey : `${ctx.store.resolveNamespace(fullKey.slice(0, dot))}.${fullKey.slice(dot + 1)}`;
    });
    const records = ctx.store
      .ownerMetafields(ctx.state, owner.id)
      .filter((record) => namespace === null || record.namespace === namespace)
      .filter((record) => keys.length === 0 || keys.includes(`${record.namespace}.${record.key}`));
    return paginate(records, byId, pageArgs(args), { unbounded: ctx.bulk });
  },
};

function orderMoney(order: OrderRecord, minor: number): MoneyBag {
  return {
    shopMoney: moneyV2(minor, order.currency),
    presentmentMoney: moneyV2(orderPresentmentMinor(order, minor), order.presentmentCurrency),
  };
}

function lineItemOrder(ctx: FakeShopifyContext, line: LineItemRecord): OrderRecord {
  return required(ctx.state.orders.get(line.orderId), `order of line item ${line.id}`);
}

function shippingOrder(ctx: FakeShopifyContext, line: ShippingLineRecord): OrderRecord {
  return required(ctx.state.orders.get(line.orderId), `order of shipping line ${line.id}`);
}

function refundLineOrder(ctx: FakeShopifyContext, item: RefundLineItemRecord): OrderRecord {
  return refundOrder(ctx, required(ctx.state.refunds.get(item.refundId), `refund of ${item.id}`));
}

function refundOrder(ctx: FakeShopifyContext, refund: RefundRecord): OrderRecord {
  return required(ctx.state.orders.get(refund.orderId), `order of ${refund.id}`);
}

interface TaxLineData {
  priceSet: MoneyBag;
  rate: number;
  ratePercentage: number;
  title: string;
  channelLiable: boolean;
}

function taxLineData(order: OrderRecord, tax: TaxLineRecord): TaxLineData {
  return {
    priceSet: orderMoney(order, tax.priceMinor),
    rate: tax.rate,
    ratePercentage: Math.round(tax.rate * 100 * 1e6) / 1e6,
    title: tax.title,
    channelLiable: tax.channelLiable,
  };
}

/** A unit price from a line total: Shopify rounds the per-unit amount to the currency's minor unit. */
function perUnit(totalMinor: number, quantity: number): number {
  return quantity === 0 ? 0 : Math.round(totalMinor / quantity);
}

interface ChannelInformationData {
  kind: 'ChannelInformation';
  id: string;
  channelId: string;
  displayName: string;
  app: { kind: 'App'; id: string; title: string; handle: string };
  channelDefinition: { kind: 'ChannelDefinition'; id: string; handle: string; channelName: string; subChannelName: string; isMarketplace: boolean };
}

function channelInformation(ctx: FakeShopifyContext, order: OrderRecord, channel: SalesChannel): ChannelInformationData {
  const channelId = ctx.store.channelId(ctx.state, channel.handle);
  return {
    kind: 'ChannelInformation',
    id: toGid('ChannelInformation', order.numericId),
    channelId: toGid('Channel', channelId),
    displayName: channel.name,
    app: { kind: 'App', id: toGid('App', channelId), title: channel.name, handle: channel.handle },
    channelDefinition: {
      kind: 'ChannelDefinition',
      id: toGid('ChannelDefinition', channelId),
      handle: channel.handle,
      channelName: channel.name,
      subChannelName: channel.name,
      isMarketplace: false,
    },
  };
}

// ---------------------------------------------------------------------------
// Resolvers
// ---------------------------------------------------------------------------

function typed<TSource>(fields: Record<string, FieldFn<TSource>>): Record<string, FieldFn<never>> {
  return fields;
}

const resolvers: ResolverMap = {
  QueryRoot: typed<undefined>({
    shop: (_source, _args, ctx) => ctx.state.shop,
    currentAppInstallation: (_source, _args, ctx) => ctx.state.appInstallation,
    node: (_source, args, ctx) => findById(ctx, str(args, 'id') ?? ''),
    nodes: (_source, args, ctx) => {
      const ids = strings(args, 'ids');
      if (ids.length > 250) {
        throw new GraphQLError('The maximum number of IDs is 250.', { extensions: { code: 'MAX_INPUT_SIZE_EXCEEDED' } });
      }
      return ids.map((id) => findById(ctx, id));
    },
    customer: (_source, args, ctx) => findKind(ctx, str(args, 'id') ?? '', 'Customer'),
    customers: (_source, args, ctx, info) =>
      searchConnection(ctx, info, args, ctx.state.customers.values(), customerSearch(ctx), customerSortKey(args.sortKey)),
    customersCount: (_source, args, ctx) => filterCount(ctx, args, ctx.state.customers.values(), customerSearch(ctx)),
    product: (_source, args, ctx) => findKind(ctx, str(args, 'id') ?? '', 'Product'),
    products: (_source, args, ctx, info) =>
      searchConnection(ctx, info, args, ctx.state.products.values(), productSearch(ctx), productSortKey(ctx, args.sortKey)),
    productsCount: (_source, args, ctx) => filterCount(ctx, args, ctx.state.products.values(), productSearch(ctx)),
    productVariant: (_source, args, ctx) => findKind(ctx, str(args, 'id') ?? '', 'ProductVariant'),
    productVariants: (_source, args, ctx, info) =>
      searchConnection(ctx, info, args, ctx.state.variants.values(), variantSearch(ctx), variantSortKey(ctx, args.sortKey)),
    order: (_source, args, ctx) => {
      const order = findKind(ctx, str(args, 'id') ?? '', 'Order');
      return order && ctx.store.isOrderVisible(ctx.state, order) ? order : null;
    },
    orders: (_source, args, ctx, info) =>
      searchConnection(ctx, info, args, ctx.store.visibleOrders(ctx.state), orderSearch(ctx), orderSortKey(ctx, args.sortKey)),
    ordersCount: (_source, args, ctx) => filterCount(ctx, args, ctx.store.visibleOrders(ctx.state), orderSearch(ctx)),
    location: (_source, args, ctx) => {
      const id = str(args, 'id');
      return id === null ? (ctx.state.locations.values().next().value ?? null) : findKind(ctx, id, 'Location');
    },
    locations: (_source, args, ctx) => paginate([...ctx.state.locations.values()], byId, pageArgs(args), { unbounded: ctx.bulk }),
    bulkOperation: (_source, args, ctx) => findKind(ctx, str(args, 'id') ?? '', 'BulkOperation'),
    webPixel: (_source, args, ctx) => findWebPixel(ctx.state, args),
    codeDiscountNodeByCode: (_source, args, ctx) => findCodeDiscount(ctx.state, str(args, 'code') ?? ''),
    currentBulkOperation: (_source, args, ctx) =>
      ctx.store.latestBulkOperation(ctx.state, args.type === 'MUTATION' ? 'MUTATION' : 'QUERY') ?? null,
  }),

  DiscountCodeNode: typed<CodeDiscountRecord>({
    // The union member is the discount's own type (graphql-js reads __typename).
    codeDiscount: (node) => ({ ...node, __typename: node.discountType }),
  }),

  AppInstallation: typed<AppInstallationRecord>({
    ...metafieldOwnerFields,
  }),

  Shop: typed<ShopRecord>({
    contactEmail: (shop) => shop.email,
    myshopifyDomain: (shop) => shop.domain,
    // The storefront's domain: a custom one when registered with it, else the myshopify one.
    primaryDomain: (shop) => {
      const host = shop.primaryDomain ?? shop.domain;
      return { id: `gid://shopify/Domain/${shop.numericId}`, host, url: `https://${host}`, sslEnabled: true };
    },
    url: (shop) => `https://${shop.primaryDomain ?? shop.domain}`,
    ianaTimezone: (shop) => shop.timezone,
    currencyCode: (shop) => shop.currency,
    timezoneAbbreviation: (shop, _args, ctx) =>
      new Intl.DateTimeFormat('en-US', { timeZone: shop.timezone, timeZoneName: 'short' })
        .formatToParts(new Date(ctx.store.now()))
        .find((part) => part.type === 'timeZoneName')?.value ?? 'UTC',
    timezoneOffset: (shop, _args, ctx) => {
      const minutes = zoneOffsetMinutes(ctx.store.now(), shop.timezone);
      const abs = Math.abs(minutes);
      return `${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
    },
    timezoneOffsetMinutes: (shop, _args, ctx) => zoneOffsetMinutes(ctx.store.now(), shop.timezone),
    ...metafieldOwnerFields,
  }),

  Customer: typed<CustomerRecord>({
    legacyResourceId: (customer) => customer.numericId,
    defaultEmailAddress: (customer) => (customer.email === null ? null : { emailAddress: customer.email }),
    defaultPhoneNumber: (customer) => (customer.phone === null ? null : { phoneNumber: customer.phone }),
    displayName: (customer) => displayName(customer),
    numberOfOrders: (customer, _args, ctx) => ctx.store.customerNumberOfOrders(ctx.state, customer),
    amountSpent: (customer, _args, ctx) =>
      moneyV2(ctx.store.customerAmountSpentMinor(ctx.state, customer), ctx.state.shop.currency),
    lastOrder: (customer, _args, ctx) => {
      const orders = ctx.store.customerOrders(ctx.state, customer);
      return orders.reduce<OrderRecord | null>((latest, order) => (!latest || order.createdAt >= latest.createdAt ? order : latest), null);
    },
    orders: (customer, args, ctx, info) => {
      const orders = ctx.store.customerOrders(ctx.state, customer).filter((order) => ctx.store.isOrderVisible(ctx.state, order));
      return searchConnection(ctx, info, args, orders, orderSearch(ctx), orderSortKey(ctx, args.sortKey));
    },
    ...metafieldOwnerFields,
  }),

  Product: typed<ProductRecord>({
    legacyResourceId: (product) => product.numericId,
    totalInventory: (product, _args, ctx) => ctx.store.productTotalInventory(ctx.state, product),
    tracksInventory: (product, _args, ctx) =>
      ctx.store.productVariants(ctx.state, product).some((variant) => variant.inventoryItem.tracked),
    variantsCount: (product) => ({ count: product.variantIds.length, precision: 'EXACT' }),
    variants: (product, args, ctx) =>
      paginate(ctx.store.productVariants(ctx.state, product), variantSortKey(ctx, args.sortKey), pageArgs(args), {
        unbounded: ctx.bulk,
      }),
    ...metafieldOwnerFields,
  }),

  ProductVariant: typed<VariantRecord>({
    legacyResourceId: (variant) => variant.numericId,
    displayName: (variant, _args, ctx) => variantDisplayName(ctx, variant),
    price: (variant, _args, ctx) => formatMoney(variant.priceMinor, ctx.state.shop.currency),
    inventoryQuantity: (variant, _args, ctx) => ctx.store.variantInventoryQuantity(variant),
    product: (variant, _args, ctx) => required(ctx.state.products.get(variant.productId), `product of ${variant.id}`),
    ...metafieldOwnerFields,
  }),

  InventoryItem: typed<InventoryItemRecord>({
    legacyResourceId: (item) => item.numericId,
    sku: (item, _args, ctx) => ctx.state.variants.get(item.variantId)?.sku ?? null,
    variant: (item, _args, ctx) => required(ctx.state.variants.get(item.variantId), `variant of ${item.id}`),
    inventoryLevel: (item, args, ctx) => {
      const location = findKind(ctx, str(args, 'locationId') ?? '', 'Location');
      return location ? (item.levels.get(location.numericId) ?? null) : null;
    },
    inventoryLevels: (item, args, ctx) => paginate([...item.levels.values()], byId, pageArgs(args), { unbounded: ctx.bulk }),
  }),

  InventoryLevel: typed<InventoryLevelRecord>({
    item: (level, _args, ctx) => required(ctx.state.inventoryItems.get(level.inventoryItemId), `item of ${level.id}`),
    location: (level, _args, ctx) => required(ctx.state.locations.get(level.locationId), `location of ${level.id}`),
    quantities: (level, args) => {
      const known = new Set(['available', 'committed', 'damaged', 'incoming', 'on_hand', 'quality_control', 'reserved', 'safety_stock']);
      return strings(args, 'names').map((name) => {
        if (!known.has(name)) {
          throw new GraphQLError(`The quantity name '${name}' is not valid.`, { extensions: { code: 'BAD_REQUEST' } });
        }
        return {
          id: toGid('InventoryQuantity', level.numericId, { name }),
          name,
          quantity: name === 'available' || name === 'on_hand' ? level.available : 0,
          updatedAt: level.updatedAt,
        };
      });
    },
  }),

  Location: typed<LocationRecord>({
    legacyResourceId: (location) => location.numericId,
  }),

  Order: typed<OrderRecord>({
    legacyResourceId: (order) => order.numericId,
    closed: (order) => order.closedAt !== null,
    channelInformation: (order, _args, ctx) => (order.channel === null ? null : channelInformation(ctx, order, order.channel)),
    displayFinancialStatus: (order) => orderFinancialStatus(order),
    displayFulfillmentStatus: (order) => order.fulfillmentStatus,
    fullyPaid: (order) => isPaidStatus(orderFinancialStatus(order)),
    customer: (order, _args, ctx) => (order.customerId === null ? null : (ctx.state.customers.get(order.customerId) ?? null)),
    currencyCode: (order) => order.currency,
    presentmentCurrencyCode: (order) => order.presentmentCurrency,
    subtotalLineItemsQuantity: (order) => order.lineItems.reduce((sum, line) => sum + line.quantity, 0),
    currentSubtotalLineItemsQuantity: (order) => order.lineItems.reduce((sum, line) => sum + line.currentQuantity, 0),
    subtotalPriceSet: (order) => orderMoney(order, orderSubtotalMinor(order)),
    currentSubtotalPriceSet: (order) => orderMoney(order, orderCurrentSubtotalMinor(order)),
    totalPriceSet: (order) => orderMoney(order, orderTotalMinor(order)),
    currentTotalPriceSet: (order) => orderMoney(order, orderCurrentTotalMinor(order)),
    totalRefundedSet: (order) => orderMoney(order, orderRefundedMinor(order)),
    totalRefundedShippingSet: (order) => orderMoney(order, order.refunds.reduce((sum, refund) => sum + refund.shippingMinor, 0)),
    totalTaxSet: (order) => orderMoney(order, orderTotalTaxMinor(order)),
    currentTotalTaxSet: (order) => orderMoney(order, orderCurrentTaxMinor(order)),
    totalDiscountsSet: (order) => orderMoney(order, orderTotalDiscountsMinor(order)),
    currentTotalDiscountsSet: (order) => orderMoney(order, orderCurrentDiscountsMinor(order)),
    totalShippingPriceSet: (order) => orderMoney(order, orderShippingMinor(order)),
    currentShippingPriceSet: (order) => orderMoney(order, orderCurrentShippingMinor(order)),
    totalOutstandingSet: (order) => {
      const status = orderFinancialStatus(order);
      return orderMoney(order, isPaidStatus(status) || status === 'VOIDED' ? 0 : Math.max(0, orderCurrentTotalMinor(order)));
    },
    lineItems: (order, args, ctx) => paginate(order.lineItems, byId, pageArgs(args), { unbounded: ctx.bulk }),
    shippingLines: (order, args, ctx) => paginate(order.shippingLines, byId, pageArgs(args), { unbounded: ctx.bulk }),
    refunds: (order, args) => {
      const first = int(args, 'first');
      return first === null ? order.refunds : order.refunds.slice(0, Math.max(0, first));
    },
    ...metafieldOwnerFields,
  }),

  LineItem: typed<LineItemRecord>({
    name: (line) => (line.variantTitle ? `${line.title} - ${line.variantTitle}` : line.title),
    refundableQuantity: (line) => line.currentQuantity,
    unfulfilledQuantity: (line, _args, ctx) => (lineItemOrder(ctx, line).fulfillmentStatus === 'FULFILLED' ? 0 : line.currentQuantity),
    variant: (line, _args, ctx) => (line.variantId === null ? null : (ctx.state.variants.get(line.variantId) ?? null)),
    product: (line, _args, ctx) => (line.productId === null ? null : (ctx.state.products.get(line.productId) ?? null)),
    originalUnitPriceSet: (line, _args, ctx) => orderMoney(lineItemOrder(ctx, line), line.unitPriceMinor),
    originalTotalSet: (line, _args, ctx) => orderMoney(lineItemOrder(ctx, line), lineOriginalTotalMinor(line)),
    discountedUnitPriceSet: (line, _args, ctx) =>
      orderMoney(lineItemOrder(ctx, line), perUnit(lineDiscountedTotalMinor(line), line.quantity)),
    discountedTotalSet: (line, _args, ctx) => orderMoney(lineItemOrder(ctx, line), lineDiscountedTotalMinor(line)),
    discountedUnitPriceAfterAllDiscountsSet: (line, _args, ctx) =>
      orderMoney(lineItemOrder(ctx, line), perUnit(lineCurrentDiscountedTotalMinor(line), line.currentQuantity)),
    totalDiscountSet: (line, _args, ctx) => orderMoney(lineItemOrder(ctx, line), lineDiscountMinor(line)),
    discountAllocations: (line, _args, ctx) => {
      const order = lineItemOrder(ctx, line);
      return line.discountAllocations
        .filter((amount) => amount !== 0)
        .map((amount) => ({ allocatedAmountSet: orderMoney(order, amount) }));
    },
    taxLines: (line, args, ctx) => {
      const order = lineItemOrder(ctx, line);
      const first = int(args, 'first');
      const taxes = first === null ? line.taxLines : line.taxLines.slice(0, Math.max(0, first));
      return taxes.map((tax) => taxLineData(order, tax));
    },
  }),

  ShippingLine: typed<ShippingLineRecord>({
    carrierIdentifier: () => null,
    isRemoved: () => false,
    originalPriceSet: (line, _args, ctx) => orderMoney(shippingOrder(ctx, line), line.priceMinor),
    discountedPriceSet: (line, _args, ctx) => orderMoney(shippingOrder(ctx, line), shippingDiscountedMinor(line)),
    currentDiscountedPriceSet: (line, _args, ctx) => orderMoney(shippingOrder(ctx, line), shippingDiscountedMinor(line)),
    taxLines: (line, _args, ctx) => line.taxLines.map((tax) => taxLineData(shippingOrder(ctx, line), tax)),
  }),

  Refund: typed<RefundRecord>({
    legacyResourceId: (refund) => refund.numericId,
    order: (refund, _args, ctx) => refundOrder(ctx, refund),
    totalRefundedSet: (refund, _args, ctx) => orderMoney(refundOrder(ctx, refund), refund.amountMinor),
    refundLineItems: (refund, args, ctx) => paginate(refund.lineItems, byId, pageArgs(args), { unbounded: ctx.bulk }),
  }),

  RefundLineItem: typed<RefundLineItemRecord>({
    lineItem: (item, _args, ctx) => required(ctx.state.lineItems.get(item.lineItemId), `line item of ${item.id}`),
    restocked: (item) => item.restockType !== 'NO_RESTOCK',
    priceSet: (item, _args, ctx) => {
      const line = required(ctx.state.lineItems.get(item.lineItemId), `line item of ${item.id}`);
      return orderMoney(lineItemOrder(ctx, line), line.unitPriceMinor);
    },
    subtotalSet: (item, _args, ctx) => orderMoney(refundLineOrder(ctx, item), item.subtotalMinor),
    totalTaxSet: (item, _args, ctx) => orderMoney(refundLineOrder(ctx, item), item.totalTaxMinor),
  }),

  Metafield: typed<MetafieldRecord>({
    legacyResourceId: (metafield) => metafield.numericId,
    jsonValue: (metafield) => metafieldJsonValue(metafield.type, metafield.value),
    compareDigest: (metafield) => metafieldDigest(metafield.type, metafield.value),
    owner: (metafield, _args, ctx) => required(ctx.store.findNode(ctx.state, metafield.ownerId), `owner of ${metafield.id}`),
  }),

  BulkOperation: typed<BulkOperationRecord>({
    url: (operation, _args, ctx) =>
      operation.status === 'COMPLETED' && operation.lines !== null ? ctx.bulkOperationUrl(operation) : null,
    partialDataUrl: (operation, _args, ctx) =>
      operation.status === 'FAILED' && operation.lines !== null ? ctx.bulkOperationUrl(operation) : null,
  }),

  Mutation: typed<undefined>({
    tagsAdd: (_source, args, ctx) => {
      const id = str(args, 'id') ?? '';
      if (!parseGid(id)) throw invalidGlobalId(id);
      return ctx.store.addTags(ctx.state, id, strings(args, 'tags'));
    },
    tagsRemove: (_source, args, ctx) => {
      const id = str(args, 'id') ?? '';
      if (!parseGid(id)) throw invalidGlobalId(id);
      return ctx.store.removeTags(ctx.state, id, strings(args, 'tags'));
    },
    metafieldsSet: (_source, args, ctx) => {
      const raw = Array.isArray(args.metafields) ? (args.metafields as Array<Record<string, unknown>>) : [];
      const inputs: MetafieldsSetInputData[] = raw.map((input) => {
        const data: MetafieldsSetInputData = {
          ownerId: str(input, 'ownerId') ?? '',
          namespace: str(input, 'namespace'),
          key: str(input, 'key') ?? '',
          value: str(input, 'value') ?? '',
          type: str(input, 'type'),
        };
        // An explicit null compareDigest means "only create"; omitting it means "no check".
        if ('compareDigest' in input) {
          data.compareDigest = str(input, 'compareDigest');
        }
        return data;
      });
      return ctx.store.setMetafields(ctx.state, inputs);
    },
    metafieldsDelete: (_source, args, ctx) => {
      const raw = Array.isArray(args.metafields) ? (args.metafields as Array<Record<string, unknown>>) : [];
      const result = ctx.store.deleteMetafields(
        ctx.state,
        raw.map((input) => ({ ownerId: str(input, 'ownerId') ?? '', namespace: str(input, 'namespace') ?? '', key: str(input, 'key') ?? '' })),
      );
      return { deletedMetafields: result.deleted, userErrors: result.userErrors };
    },
    bulkOperationRunQuery: (_source, args, ctx, info) => {
      const running = ctx.store.runningBulkQuery(ctx.state);
      if (running) {
        return {
          bulkOperation: null,
          userErrors: [
            {
              field: null,
              code: 'OPERATION_IN_PROGRESS',
              message: `A bulk query operation for this app and shop is already in progress: ${running.id}.`,
            },
          ],
        };
      }
      const query = str(args, 'query') ?? '';
      const problems = bulkQueryUserErrors(info.schema, query);
      if (problems.length > 0) {
        return {
          bulkOperation: null,
          userErrors: problems.map((message) => ({ field: ['query'], code: 'INVALID', message })),
        };
      }
      return { bulkOperation: ctx.store.createBulkQuery(ctx.state, query, args.groupObjects === true), userErrors: [] };
    },
    bulkOperationRunMutation: (_source, args, ctx, info) => {
      const refuse = (code: BulkMutationErrorCode, field: string[] | null, message: string) => ({ bulkOperation: null, userErrors: [{ code, field, message }] });
      const running = ctx.store.runningBulkOperations(ctx.state, 'MUTATION');
      const limit = ctx.store.maxConcurrentBulkMutations;
      if (running.length >= limit) {
        // Before API 2026-01 one bulk mutation ran at a time; from 2026-01 up to five do.
        return limit === 1
          ? refuse('OPERATION_IN_PROGRESS', null, `A bulk mutation operation for this app and shop is already in progress: ${running[0]?.id ?? ''}.`)
          : refuse('LIMIT_REACHED', null, `Bulk operations limit reached. This app already runs ${running.length} bulk mutation operations on this shop; please try again later.`);
      }
      const mutation = str(args, 'mutation') ?? '';
      const problems = bulkMutationUserErrors(info.schema, mutation);
      if (problems.length > 0) {
        return { bulkOperation: null, userErrors: problems };
      }
      const path = str(args, 'stagedUploadPath') ?? '';
      const file = ctx.store.stagedUpload(ctx.state, path);
      if (!file || file.content === null) {
        return refuse(
          'NO_SUCH_FILE',
          ['stagedUploadPath'],
          `The JSONL file could not be found. Try uploading the file again, and check that you've entered the URL correctly for the stagedUploadPath mutation argument.`,
        );
      }
      const parsed = parseVariablesFile(file.content);
      if ('error' in parsed) {
        return refuse('INVALID_STAGED_UPLOAD_FILE', ['stagedUploadPath'], parsed.error);
      }
      const clientIdentifier = str(args, 'clientIdentifier');
      return {
        bulkOperation: ctx.store.createBulkMutation(ctx.state, mutation, path, args.groupObjects !== false, clientIdentifier),
        userErrors: [],
      };
    },
    stagedUploadsCreate: (_source, args, ctx) => stagedUploadsCreate(ctx, args),
    webPixelCreate: (_source, args, ctx) => createWebPixel(ctx.store, ctx.state, args),
    webPixelUpdate: (_source, args, ctx) => updateWebPixel(ctx.store, ctx.state, args),
    webPixelDelete: (_source, args, ctx) => deleteWebPixel(ctx.state, args),
    discountCodeBasicCreate: (_source, args, ctx) => createBasicCodeDiscount(discountHost(ctx), ctx.state, args),
    discountCodeFreeShippingCreate: (_source, args, ctx) => createFreeShippingCodeDiscount(discountHost(ctx), ctx.state, args),
    storeCreditAccountCredit: (_source, args, ctx) => creditStoreCredit(discountHost(ctx), ctx.state, args),
    metafieldDefinitionCreate: (_source, args, ctx) => createMetafieldDefinition(discountHost(ctx), ctx.state, args),
    flowTriggerReceive: (_source, args, ctx) => receiveFlowTrigger({ flowTriggers: ctx.store.flowTriggers, now: () => ctx.store.clock.now() }, ctx.state, args),
    bulkOperationCancel: (_source, args, ctx) => {
      const operation = findKind(ctx, str(args, 'id') ?? '', 'BulkOperation');
      if (!operation) {
        return { bulkOperation: null, userErrors: [{ field: ['id'], message: 'Bulk operation does not exist' }] };
      }
      const error = ctx.store.cancelBulkOperation(operation);
      return { bulkOperation: operation, userErrors: error ? [error] : [] };
    },
  }),
};

// ---------------------------------------------------------------------------
// Scalars
// ---------------------------------------------------------------------------

function serializeDateTime(value: unknown): string {
  if (typeof value === 'number') return isoSeconds(value);
  if (value instanceof Date) return isoSeconds(value.getTime());
  if (typeof value === 'string') return value;
  throw new TypeError(`DateTime cannot represent ${String(value)}`);
}

function serializeString(name: string): (value: unknown) => string {
  return (value) => {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'bigint') return String(value);
    throw new TypeError(`${name} cannot represent ${String(value)}`);
  };
}

function parseStringLiteral(name: string): (ast: ValueNode) => string {
  return (ast) => {
    if (ast.kind === Kind.STRING) return ast.value;
    if (ast.kind === Kind.INT || ast.kind === Kind.FLOAT) return ast.value;
    throw new GraphQLError(`${name} cannot represent a non-string value`, { nodes: ast });
  };
}

function configureScalars(schema: GraphQLSchema): void {
  for (const name of ['DateTime', 'Decimal', 'Money', 'URL', 'UnsignedInt64']) {
    const scalar = schema.getType(name);
    if (!isScalarType(scalar)) continue;
    scalar.serialize = name === 'DateTime' ? serializeDateTime : serializeString(name);
    scalar.parseValue = serializeString(name);
    scalar.parseLiteral = parseStringLiteral(name);
  }
  const json = schema.getType('JSON');
  if (isScalarType(json)) {
    json.serialize = (value) => value;
    json.parseValue = (value) => value;
    json.parseLiteral = (ast, variables) => valueFromASTUntyped(ast, variables);
  }
}

function attachResolvers(schema: GraphQLSchema): void {
  for (const [typeName, fields] of Object.entries(resolvers)) {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) {
      throw new Error(`Fake Shopify: resolvers for unknown type ${typeName}`);
    }
    const definitions = type.getFields();
    for (const [fieldName, resolve] of Object.entries(fields)) {
      const field = definitions[fieldName];
      if (!field) {
        throw new Error(`Fake Shopify: resolver for unknown field ${typeName}.${fieldName}`);
      }
      field.resolve = resolve as GraphQLFieldResolver<unknown, FakeShopifyContext>;
    }
  }
  for (const type of Object.values(schema.getTypeMap())) {
    if (isInterfaceType(type)) {
      // Every record's `kind` is its GraphQL object type name.
      type.resolveType = (value: unknown) =>
        typeof value === 'object' && value !== null && 'kind' in value && typeof value.kind === 'string' ? value.kind : undefined;
    }
  }
}

/** Builds the executable schema and installs the bulk query runner on `store`. */
export function createAdminSchema(store: FakeShopifyStore): GraphQLSchema {
  const schema = buildSchema(ADMIN_SDL);
  configureScalars(schema);
  attachResolvers(schema);
  instrumentActualCost<FakeShopifyContext>(schema);
  store.setBulkQueryExecutor((state, operation, failing) =>
    operation.type === 'MUTATION' ? runBulkMutation(schema, store, state, operation, failing) : runBulkQuery(schema, store, state, operation),
  );
  return schema;
}
