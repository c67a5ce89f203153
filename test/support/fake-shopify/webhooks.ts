/**
 * Webhook bodies as Shopify sends them (API 2026-10): REST-style JSON with numeric `id`s next to
 * `admin_graphql_api_id`, money as fixed-digit strings with `*_set` bags, and timestamps in the
 * shop's UTC offset. Shapes follow Shopify's published sample payloads; see README.md for the few
 * places where the fake simplifies (no addresses, fulfillments or transactions beyond refunds).
 */
import { parseGid, toGid } from './gid.js';
import { formatMoney } from './money.js';
import {
  isPaidStatus,
  lineDiscountedTotalMinor,
  lineDiscountMinor,
  lineTaxMinor,
  orderCurrentDiscountsMinor,
  orderCurrentShippingMinor,
  orderCurrentSubtotalMinor,
  orderCurrentTaxMinor,
  orderCurrentTotalMinor,
  orderFinancialStatus,
  orderLineItemsPriceMinor,
  orderPresentmentMinor,
  orderShippingMinor,
  orderSubtotalMinor,
  orderTotalDiscountsMinor,
  orderTotalMinor,
  orderTotalTaxMinor,
  shippingDiscountedMinor,
} from './orders.js';
import type {
  BulkOperationRecord,
  BulkOperationsFinishPayload,
  CustomerRecord,
  FakeShopifyStore,
  InventoryLevelRecord,
  LineItemRecord,
  NodeRecord,
  OrderFulfillmentStatus,
  OrderRecord,
  ProductRecord,
  RefundRecord,
  ShippingLineRecord,
  ShopState,
  TaxLineRecord,
  VariantRecord,
} from './store.js';
import { isoWithOffset, zoneOffsetMinutes } from './time.js';

export const WEBHOOK_API_VERSION = '2026-10';

export const WEBHOOK_TOPICS = [
  'app/scopes_update',
  'bulk_operations/finish',
  'customer.tags_added',
  'customer.tags_removed',
  'customers/create',
  'customers/data_request',
  'customers/delete',
  'customers/merge',
  'customers/purchasing_summary',
  'customers/redact',
  'customers/update',
  'inventory_levels/update',
  'orders/cancelled',
  'orders/create',
  'orders/edited',
  'orders/fulfilled',
  'orders/paid',
  'orders/partially_fulfilled',
  'orders/updated',
  'products/create',
  'products/delete',
  'products/update',
  'refunds/create',
  'shop/redact',
  'shop/update',
] as const;

export type WebhookTopic = (typeof WEBHOOK_TOPICS)[number];

// ---------------------------------------------------------------------------
// Payload shapes
// ---------------------------------------------------------------------------

export interface MoneyPayload {
  amount: string;
  currency_code: string;
}

export interface MoneySetPayload {
  shop_money: MoneyPayload;
  presentment_money: MoneyPayload;
}

export interface TaxLinePayload {
  channel_liable: boolean;
  price: string;
  price_set: MoneySetPayload;
  rate: number;
  title: string;
}

export interface DiscountAllocationPayload {
  amount: string;
  amount_set: MoneySetPayload;
  discount_application_index: number;
}

export interface DiscountApplicationPayload {
  target_type: 'line_item';
  type: 'manual';
  value: string;
  value_type: 'fixed_amount';
  allocation_method: 'across';
  target_selection: 'explicit';
  title: string;
  description: string;
}

export interface LineItemPayload {
  id: number;
  admin_graphql_api_id: string;
  attributed_staffs: never[];
  current_quantity: number;
  fulfillable_quantity: number;
  fulfillment_service: 'manual';
  fulfillment_status: 'fulfilled' | null;
  gift_card: boolean;
  grams: number;
  name: string;
  pre_tax_price: string;
  pre_tax_price_set: MoneySetPayload;
  price: string;
  price_set: MoneySetPayload;
  product_exists: boolean;
  product_id: number | null;
  properties: never[];
  quantity: number;
  requires_shipping: boolean;
  sales_line_item_group_id: null;
  sku: string | null;
  taxable: boolean;
  title: string;
  total_discount: string;
  total_discount_set: MoneySetPayload;
  variant_id: number | null;
  variant_inventory_management: 'shopify' | null;
  variant_title: string | null;
  vendor: string | null;
  tax_lines: TaxLinePayload[];
  duties: never[];
  discount_allocations: DiscountAllocationPayload[];
}

export interface ShippingLinePayload {
  id: number;
  carrier_identifier: null;
  code: string | null;
  current_discounted_price_set: MoneySetPayload;
  discounted_price: string;
  discounted_price_set: MoneySetPayload;
  is_removed: boolean;
  phone: null;
  price: string;
  price_set: MoneySetPayload;
  requested_fulfillment_service_id: null;
  source: string;
  title: string;
  tax_lines: TaxLinePayload[];
  discount_allocations: DiscountAllocationPayload[];
}

/** `customers/create` / `customers/update` body. Since 2025-01 it has no tags, marketing consent, orders_count or total_spent. */
export interface CustomerPayload {
  id: number;
  created_at: string;
  updated_at: string;
  first_name: string | null;
  last_name: string | null;
  state: string;
  note: string | null;
  verified_email: boolean;
  multipass_identifier: null;
  tax_exempt: boolean;
  email: string | null;
  phone: string | null;
  currency: string;
  addresses: never[];
  tax_exemptions: string[];
  admin_graphql_api_id: string;
  default_address: null;
}

/** The `customer` embedded in order payloads (no `addresses`). */
export type OrderCustomerPayload = Omit<CustomerPayload, 'addresses'>;

export interface RefundLineItemPayload {
  id: number;
  quantity: number;
  line_item_id: number;
  location_id: null;
  restock_type: string;
  /** A JSON number, not a string, in Shopify's payloads. */
  subtotal: number;
  /** A JSON number, not a string, in Shopify's payloads. */
  total_tax: number;
  subtotal_set: MoneySetPayload;
  total_tax_set: MoneySetPayload;
  line_item: LineItemPayload;
}

export interface RefundTransactionPayload {
  id: number;
  admin_graphql_api_id: string;
  order_id: number;
  kind: 'refund';
  gateway: string;
  status: 'success';
  message: null;
  created_at: string;
  processed_at: string;
  test: boolean;
  authorization: null;
  location_id: null;
  user_id: null;
  parent_id: null;
  device_id: null;
  error_code: null;
  source_name: string;
  receipt: Record<string, never>;
  amount: string;
  currency: string;
  payment_id: string;
  manual_payment_gateway: boolean;
  amount_rounding: null;
}

export interface OrderAdjustmentPayload {
  id: number;
  order_id: number;
  refund_id: number;
  kind: 'shipping_refund';
  reason: string;
  /** Negative: money taken off the order. */
  amount: string;
  amount_set: MoneySetPayload;
  tax_amount: string;
  tax_amount_set: MoneySetPayload;
}

/** `refunds/create` body, also the items of an order payload's `refunds`. */
export interface RefundPayload {
  id: number;
  admin_graphql_api_id: string;
  order_id: number;
  created_at: string;
  note: string | null;
  user_id: null;
  processed_at: string;
  restock: boolean;
  duties: never[];
  total_duties_set: MoneySetPayload;
  return: null;
  refund_shipping_lines: never[];
  order_adjustments: OrderAdjustmentPayload[];
  refund_line_items: RefundLineItemPayload[];
  transactions: RefundTransactionPayload[];
}

/** Body of `orders/create`, `orders/updated`, `orders/paid`, `orders/fulfilled`, `orders/partially_fulfilled`, `orders/cancelled`. */
export interface OrderPayload {
  id: number;
  admin_graphql_api_id: string;
  app_id: null;
  browser_ip: null;
  buyer_accepts_marketing: boolean;
  cancel_reason: string | null;
  cancelled_at: string | null;
  cart_token: string | null;
  checkout_token: string | null;
  client_details: null;
  closed_at: string | null;
  confirmation_number: string;
  confirmed: boolean;
  contact_email: string | null;
  created_at: string;
  currency: string;
  current_shipping_price_set: MoneySetPayload;
  current_subtotal_price: string;
  current_subtotal_price_set: MoneySetPayload;
  current_total_additional_fees_set: null;
  current_total_discounts: string;
  current_total_discounts_set: MoneySetPayload;
  current_total_duties_set: null;
  current_total_price: string;
  current_total_price_set: MoneySetPayload;
  current_total_tax: string;
  current_total_tax_set: MoneySetPayload;
  customer_locale: string;
  device_id: null;
  discount_codes: never[];
  duties_included: boolean;
  email: string | null;
  estimated_taxes: boolean;
  financial_status: string;
  fulfillment_status: 'fulfilled' | 'partial' | 'restocked' | null;
  landing_site: null;
  landing_site_ref: null;
  location_id: null;
  merchant_of_record_app_id: null;
  name: string;
  note: string | null;
  note_attributes: never[];
  number: number;
  order_number: number;
  order_status_url: string;
  original_total_additional_fees_set: null;
  original_total_duties_set: null;
  payment_gateway_names: string[];
  phone: null;
  po_number: null;
  presentment_currency: string;
  processed_at: string;
  reference: null;
  referring_site: null;
  source_identifier: null;
  source_name: string;
  source_url: null;
  subtotal_price: string;
  subtotal_price_set: MoneySetPayload;
  /** Comma-and-space joined, as in REST. */
  tags: string;
  tax_exempt: boolean;
  tax_lines: TaxLinePayload[];
  taxes_included: boolean;
  test: boolean;
  token: string;
  total_cash_rounding_payment_adjustment_set: MoneySetPayload;
  total_cash_rounding_refund_adjustment_set: MoneySetPayload;
  total_discounts: string;
  total_discounts_set: MoneySetPayload;
  total_line_items_price: string;
  total_line_items_price_set: MoneySetPayload;
  total_outstanding: string;
  total_price: string;
  total_price_set: MoneySetPayload;
  total_shipping_price_set: MoneySetPayload;
  total_tax: string;
  total_tax_set: MoneySetPayload;
  total_tip_received: string;
  total_weight: number;
  updated_at: string;
  user_id: null;
  billing_address: null;
  customer: OrderCustomerPayload | null;
  discount_applications: DiscountApplicationPayload[];
  fulfillments: never[];
  line_items: LineItemPayload[];
  payment_terms: null;
  refunds: RefundPayload[];
  shipping_address: null;
  shipping_lines: ShippingLinePayload[];
  returns: never[];
  line_item_groups: never[];
}

export interface OrderEditPayload {
  order_edit: {
    id: number;
    app_id: null;
    created_at: string;
    committed_at: string;
    notify_customer: boolean;
    order_id: number;
    staff_note: string;
    user_id: null;
    line_items: {
      additions: Array<{ id: number; delta: number }>;
      removals: Array<{ id: number; delta: number }>;
    };
    discounts: { line_item: { additions: never[]; removals: never[] } };
    shipping_lines: { additions: never[]; removals: never[] };
  };
}

export interface VariantPayload {
  admin_graphql_api_id: string;
  barcode: null;
  compare_at_price: null;
  created_at: string;
  id: number;
  inventory_policy: 'deny';
  position: number;
  price: string;
  product_id: number;
  sku: string | null;
  taxable: boolean;
  title: string;
  updated_at: string;
  option1: string;
  option2: null;
  option3: null;
  image_id: null;
  inventory_item_id: number;
  inventory_quantity: number;
  old_inventory_quantity: number;
}

/** Body of `products/create` and `products/update`. */
export interface ProductPayload {
  admin_graphql_api_id: string;
  body_html: string;
  created_at: string;
  handle: string;
  id: number;
  product_type: string;
  published_at: string | null;
  template_suffix: null;
  title: string;
  updated_at: string;
  vendor: string;
  status: string;
  published_scope: 'web';
  tags: string;
  variants: VariantPayload[];
  options: Array<{ product_id: number; name: string; position: number; values: string[] }>;
  images: never[];
  image: null;
  media: never[];
  variant_gids: Array<{ admin_graphql_api_id: string; updated_at: string }>;
  has_variants_that_requires_components: boolean;
  category: null;
}

export interface ProductDeletePayload {
  id: number;
}

export interface InventoryLevelPayload {
  inventory_item_id: number;
  location_id: number;
  available: number | null;
  updated_at: string;
  admin_graphql_api_id: string;
}

export interface CustomerDeletePayload {
  id: number;
  tax_exemptions: string[];
  admin_graphql_api_id: string;
}

/** `customer.tags_added` / `customer.tags_removed`: camelCase GraphQL-style event payload. */
export interface CustomerTagsPayload {
  customerId: string;
  tags: string[];
  occurredAt: string;
}

export interface CustomerMergePayload {
  admin_graphql_api_customer_kept_id: string;
  admin_graphql_api_customer_deleted_id: string;
  admin_graphql_api_job_id: null;
  status: 'completed' | 'failed';
  errors: Array<{ customer_ids: number[]; field: string; message: string }>;
}

/** `customers/purchasing_summary`: what replaced `orders_count` / `total_spent` in customer payloads. */
export interface PurchasingSummaryPayload {
  customerId: string;
  numberOfOrders: number;
  amountSpent: { amount: string; currencyCode: string };
  lastOrderId: string | null;
  occurredAt: string;
}

export interface ShopPayload {
  id: number;
  name: string;
  email: string;
  domain: string;
  province: string;
  country: string;
  address1: string;
  zip: string;
  city: string;
  source: null;
  phone: string;
  latitude: null;
  longitude: null;
  primary_locale: string;
  address2: null;
  created_at: string;
  updated_at: string;
  country_code: string;
  country_name: string;
  currency: string;
  customer_email: string;
  timezone: string;
  iana_timezone: string;
  shop_owner: string;
  money_format: string;
  money_with_currency_format: string;
  weight_unit: string;
  province_code: string;
  taxes_included: boolean | null;
  auto_configure_tax_inclusivity: null;
  tax_shipping: null;
  county_taxes: null;
  plan_display_name: string;
  plan_name: string;
  has_discounts: boolean;
  has_gift_cards: boolean;
  myshopify_domain: string;
  google_apps_domain: null;
  google_apps_login_enabled: null;
  money_in_emails_format: string;
  money_with_currency_in_emails_format: string;
  eligible_for_payments: boolean;
  requires_extra_payments_agreement: boolean;
  password_enabled: boolean;
  has_storefront: boolean;
  finances: boolean;
  primary_location_id: number | null;
  checkout_api_supported: boolean;
  multi_location_enabled: boolean;
  setup_required: boolean;
  pre_launch_enabled: boolean;
  enabled_presentment_currencies: string[];
  marketing_sms_consent_enabled_at_checkout: boolean;
  transactional_sms_disabled: boolean;
}

export interface AppScopesUpdatePayload {
  id: number;
  shop_id: string;
  previous: string[];
  current: string[];
  updated_at: string;
}

export interface ComplianceCustomerPayload {
  id: number;
  email: string | null;
  phone: string | null;
}

export interface CustomersDataRequestPayload {
  shop_id: number;
  shop_domain: string;
  orders_requested: number[];
  customer: ComplianceCustomerPayload;
  data_request: { id: number };
}

export interface CustomersRedactPayload {
  shop_id: number;
  shop_domain: string;
  customer: ComplianceCustomerPayload;
  orders_to_redact: number[];
}

export interface ShopRedactPayload {
  shop_id: number;
  shop_domain: string;
}

export interface WebhookPayloads {
  'app/scopes_update': AppScopesUpdatePayload;
  'bulk_operations/finish': BulkOperationsFinishPayload;
  'customer.tags_added': CustomerTagsPayload;
  'customer.tags_removed': CustomerTagsPayload;
  'customers/create': CustomerPayload;
  'customers/data_request': CustomersDataRequestPayload;
  'customers/delete': CustomerDeletePayload;
  'customers/merge': CustomerMergePayload;
  'customers/purchasing_summary': PurchasingSummaryPayload;
  'customers/redact': CustomersRedactPayload;
  'customers/update': CustomerPayload;
  'inventory_levels/update': InventoryLevelPayload;
  'orders/cancelled': OrderPayload;
  'orders/create': OrderPayload;
  'orders/edited': OrderEditPayload;
  'orders/fulfilled': OrderPayload;
  'orders/paid': OrderPayload;
  'orders/partially_fulfilled': OrderPayload;
  'orders/updated': OrderPayload;
  'products/create': ProductPayload;
  'products/delete': ProductDeletePayload;
  'products/update': ProductPayload;
  'refunds/create': RefundPayload;
  'shop/redact': ShopRedactPayload;
  'shop/update': ShopPayload;
}

/** Inputs some topics need beyond the resource id. */
export interface WebhookPayloadExtras {
  /** customer.tags_added / customer.tags_removed: the tags that changed. */
  tags?: readonly string[];
  /** app/scopes_update: scopes before the change (`current` is the shop's scopes now). */
  previousScopes?: readonly string[];
  /** customers/merge: the customer merged away (the resource id is the one kept). */
  mergedCustomerId?: string;
  /** customers/data_request: the request id. Default: a fresh id. */
  dataRequestId?: number;
}

/** One delivery. `eventId` (X-Shopify-Event-Id) is shared by every topic one action triggered. */
export type WebhookEvent = {
  [T in WebhookTopic]: {
    shop: string;
    topic: T;
    payload: WebhookPayloads[T];
    /** X-Shopify-Event-Id */
    eventId: string;
    /** X-Shopify-Webhook-Id: unique per delivery. */
    webhookId: string;
    /** X-Shopify-Triggered-At */
    triggeredAt: string;
    /** X-Shopify-API-Version */
    apiVersion: string;
  };
}[WebhookTopic];

export type WebhookEventOf<T extends WebhookTopic> = Extract<WebhookEvent, { topic: T }>;

export type WebhookListener = (event: WebhookEvent) => void | Promise<void>;

/** Pairs a topic with its payload; the caller guarantees they match (they come from `buildWebhookPayload`). */
export function webhookEvent(fields: Omit<WebhookEvent, 'payload' | 'topic'> & { topic: WebhookTopic; payload: WebhookPayloads[WebhookTopic] }): WebhookEvent {
  return fields as WebhookEvent;
}

// ---------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------

interface Ctx {
  store: FakeShopifyStore;
  state: ShopState;
}

function time(ctx: Ctx, ms: number): string {
  return isoWithOffset(ms, ctx.state.shop.timezone);
}

function timeOrNull(ctx: Ctx, ms: number | null): string | null {
  return ms === null ? null : time(ctx, ms);
}

/** Event-style payloads (camelCase topics, app/scopes_update) use UTC with milliseconds. */
function utcMillis(ctx: Ctx): string {
  return new Date(ctx.store.now()).toISOString();
}

function orderMoney(order: OrderRecord, minor: number): string {
  return formatMoney(minor, order.currency);
}

function orderMoneySet(order: OrderRecord, minor: number): MoneySetPayload {
  return {
    shop_money: { amount: formatMoney(minor, order.currency), currency_code: order.currency },
    presentment_money: {
      amount: formatMoney(orderPresentmentMinor(order, minor), order.presentmentCurrency),
      currency_code: order.presentmentCurrency,
    },
  };
}

function taxLinePayload(order: OrderRecord, tax: TaxLineRecord): TaxLinePayload {
  return {
    channel_liable: tax.channelLiable,
    price: orderMoney(order, tax.priceMinor),
    price_set: orderMoneySet(order, tax.priceMinor),
    rate: tax.rate,
    title: tax.title,
  };
}

function numericIdOf(gid: string, type: string): number {
  const parsed = parseGid(gid);
  if (!parsed || parsed.type !== type) {
    throw new Error(`Fake Shopify: expected a ${type} GID, got ${gid}`);
  }
  return parsed.id;
}

function find<K extends NodeRecord['kind']>(ctx: Ctx, gid: string | undefined, kind: K): Extract<NodeRecord, { kind: K }> {
  const record = gid === undefined ? null : ctx.store.findNode(ctx.state, gid);
  if (!record || record.kind !== kind) {
    throw new Error(`Fake Shopify: no ${kind} ${gid ?? '(missing id)'} in ${ctx.state.shop.domain}`);
  }
  return record as Extract<NodeRecord, { kind: K }>;
}

function restFulfillmentStatus(status: OrderFulfillmentStatus): OrderPayload['fulfillment_status'] {
  switch (status) {
    case 'FULFILLED':
      return 'fulfilled';
    case 'PARTIALLY_FULFILLED':
      return 'partial';
    case 'RESTOCKED':
      return 'restocked';
    default:
      return null;
  }
}

function lineItemPayload(ctx: Ctx, order: OrderRecord, line: LineItemRecord): LineItemPayload {
  const variant = line.variantId === null ? undefined : ctx.state.variants.get(line.variantId);
  const discount = lineDiscountMinor(line);
  const preTax = lineDiscountedTotalMinor(line) - (order.taxesIncluded ? lineTaxMinor(line) : 0);
  const fulfilled = order.fulfillmentStatus === 'FULFILLED';
  return {
    id: line.numericId,
    admin_graphql_api_id: line.id,
    attributed_staffs: [],
    current_quantity: line.currentQuantity,
    fulfillable_quantity: fulfilled ? 0 : line.currentQuantity,
    fulfillment_service: 'manual',
    fulfillment_status: fulfilled ? 'fulfilled' : null,
    gift_card: line.isGiftCard,
    grams: 0,
    name: line.variantTitle ? `${line.title} - ${line.variantTitle}` : line.title,
    pre_tax_price: orderMoney(order, preTax),
    pre_tax_price_set: orderMoneySet(order, preTax),
    price: orderMoney(order, line.unitPriceMinor),
    price_set: orderMoneySet(order, line.unitPriceMinor),
    product_exists: line.productId !== null && ctx.state.products.has(line.productId),
    product_id: line.productId,
    properties: [],
    quantity: line.quantity,
    requires_shipping: line.requiresShipping,
    sales_line_item_group_id: null,
    sku: line.sku,
    taxable: line.taxable,
    title: line.title,
    total_discount: orderMoney(order, discount),
    total_discount_set: orderMoneySet(order, discount),
    variant_id: line.variantId,
    variant_inventory_management: variant?.inventoryItem.tracked ? 'shopify' : null,
    variant_title: line.variantTitle,
    vendor: line.vendor,
    tax_lines: line.taxLines.map((tax) => taxLinePayload(order, tax)),
    duties: [],
    discount_allocations: line.discountAllocations.flatMap((amount, index) =>
      amount === 0 ? [] : [{ amount: orderMoney(order, amount), amount_set: orderMoneySet(order, amount), discount_application_index: index }],
    ),
  };
}

function shippingLinePayload(order: OrderRecord, line: ShippingLineRecord): ShippingLinePayload {
  const discounted = shippingDiscountedMinor(line);
  return {
    id: line.numericId,
    carrier_identifier: null,
    code: line.code,
    current_discounted_price_set: orderMoneySet(order, discounted),
    discounted_price: orderMoney(order, discounted),
    discounted_price_set: orderMoneySet(order, discounted),
    is_removed: false,
    phone: null,
    price: orderMoney(order, line.priceMinor),
    price_set: orderMoneySet(order, line.priceMinor),
    requested_fulfillment_service_id: null,
    source: line.source,
    title: line.title,
    tax_lines: line.taxLines.map((tax) => taxLinePayload(order, tax)),
    discount_allocations: [],
  };
}

/** Order-level `tax_lines`: line and shipping taxes summed per title and rate. */
function orderTaxLines(order: OrderRecord): TaxLinePayload[] {
  const grouped = new Map<string, TaxLineRecord>();
  const add = (tax: TaxLineRecord): void => {
    const key = `${tax.title}\u0000${tax.rate}`;
    const existing = grouped.get(key);
    grouped.set(key, existing ? { ...existing, priceMinor: existing.priceMinor + tax.priceMinor } : { ...tax });
  };
  order.lineItems.forEach((line) => line.taxLines.forEach(add));
  order.shippingLines.forEach((line) => line.taxLines.forEach(add));
  if (order.orderLevelTaxMinor !== 0) {
    add({ priceMinor: order.orderLevelTaxMinor, rate: 0, title: 'Tax', channelLiable: false });
  }
  return [...grouped.values()].map((tax) => taxLinePayload(order, tax));
}

function discountApplications(order: OrderRecord): DiscountApplicationPayload[] {
  const count = Math.max(0, ...order.lineItems.map((line) => line.discountAllocations.length));
  return Array.from({ length: count }, (_unused, index) => {
    const total = order.lineItems.reduce((sum, line) => sum + (line.discountAllocations[index] ?? 0), 0);
    return {
      target_type: 'line_item',
      type: 'manual',
      value: orderMoney(order, total),
      value_type: 'fixed_amount',
      allocation_method: 'across',
      target_selection: 'explicit',
      title: `Discount ${index + 1}`,
      description: `Discount ${index + 1}`,
    };
  });
}

function customerPayloadOf(ctx: Ctx, customer: CustomerRecord): CustomerPayload {
  return {
    id: customer.numericId,
    created_at: time(ctx, customer.createdAt),
    updated_at: time(ctx, customer.updatedAt),
    first_name: customer.firstName,
    last_name: customer.lastName,
    state: customer.state.toLowerCase(),
    note: customer.note,
    verified_email: customer.verifiedEmail,
    multipass_identifier: null,
    tax_exempt: false,
    email: customer.email,
    phone: customer.phone,
    currency: ctx.state.shop.currency,
    addresses: [],
    tax_exemptions: [],
    admin_graphql_api_id: customer.id,
    default_address: null,
  };
}

function orderCustomerPayload(ctx: Ctx, customer: CustomerRecord): OrderCustomerPayload {
  const { addresses: _addresses, ...rest } = customerPayloadOf(ctx, customer);
  return rest;
}

function confirmationNumber(order: OrderRecord): string {
  return order.token.slice(0, 9).toUpperCase().replace(/[^A-Z0-9]/g, 'X');
}

function refundPayloadOf(ctx: Ctx, order: OrderRecord, refund: RefundRecord): RefundPayload {
  const zero = orderMoneySet(order, 0);
  return {
    id: refund.numericId,
    admin_graphql_api_id: refund.id,
    order_id: order.numericId,
    created_at: time(ctx, refund.createdAt),
    note: refund.note,
    user_id: null,
    processed_at: time(ctx, refund.createdAt),
    restock: refund.lineItems.some((item) => item.restockType !== 'NO_RESTOCK'),
    duties: [],
    total_duties_set: zero,
    return: null,
    refund_shipping_lines: [],
    order_adjustments:
      refund.shippingAdjustmentId === null
        ? []
        : [
            {
              id: refund.shippingAdjustmentId,
              order_id: order.numericId,
              refund_id: refund.numericId,
              kind: 'shipping_refund',
              reason: 'Shipping refund',
              amount: orderMoney(order, -refund.shippingMinor),
              amount_set: orderMoneySet(order, -refund.shippingMinor),
              tax_amount: orderMoney(order, 0),
              tax_amount_set: zero,
            },
          ],
    refund_line_items: refund.lineItems.map((item) => {
      const line = ctx.state.lineItems.get(item.lineItemId);
      if (!line) {
        throw new Error(`Fake Shopify: dangling line item ${item.lineItemId} in ${refund.id}`);
      }
      return {
        id: item.numericId,
        quantity: item.quantity,
        line_item_id: item.lineItemId,
        location_id: null,
        restock_type: item.restockType.toLowerCase(),
        subtotal: Number(orderMoney(order, item.subtotalMinor)),
        total_tax: Number(orderMoney(order, item.totalTaxMinor)),
        subtotal_set: orderMoneySet(order, item.subtotalMinor),
        total_tax_set: orderMoneySet(order, item.totalTaxMinor),
        line_item: lineItemPayload(ctx, order, line),
      };
    }),
    transactions:
      refund.amountMinor === 0
        ? []
        : [
            {
              id: refund.transactionId,
              admin_graphql_api_id: toGid('OrderTransaction', refund.transactionId),
              order_id: order.numericId,
              kind: 'refund',
              gateway: 'manual',
              status: 'success',
              message: null,
              created_at: time(ctx, refund.createdAt),
              processed_at: time(ctx, refund.createdAt),
              test: order.test,
              authorization: null,
              location_id: null,
              user_id: null,
              parent_id: null,
              device_id: null,
              error_code: null,
              source_name: 'web',
              receipt: {},
              amount: orderMoney(order, refund.amountMinor),
              currency: order.currency,
              payment_id: `r${refund.numericId}`,
              manual_payment_gateway: true,
              amount_rounding: null,
            },
          ],
  };
}

function orderPayloadOf(ctx: Ctx, order: OrderRecord): OrderPayload {
  const set = (minor: number): MoneySetPayload => orderMoneySet(order, minor);
  const money = (minor: number): string => orderMoney(order, minor);
  const customer = order.customerId === null ? undefined : ctx.state.customers.get(order.customerId);
  const financial = orderFinancialStatus(order);
  const currentSubtotal = orderCurrentSubtotalMinor(order);
  const currentDiscounts = orderCurrentDiscountsMinor(order);
  const currentTotal = orderCurrentTotalMinor(order);
  const currentTax = orderCurrentTaxMinor(order);
  const subtotal = orderSubtotalMinor(order);
  const discounts = orderTotalDiscountsMinor(order);
  const lineItemsPrice = orderLineItemsPriceMinor(order);
  const total = orderTotalMinor(order);
  const tax = orderTotalTaxMinor(order);
  const outstanding = isPaidStatus(financial) || financial === 'VOIDED' ? 0 : Math.max(0, currentTotal);
  return {
    id: order.numericId,
    admin_graphql_api_id: order.id,
    app_id: null,
    browser_ip: null,
    buyer_accepts_marketing: false,
    cancel_reason: order.cancelReason === null ? null : order.cancelReason.toLowerCase(),
    cancelled_at: timeOrNull(ctx, order.cancelledAt),
    cart_token: order.cartToken,
    checkout_token: order.checkoutToken,
    client_details: null,
    closed_at: timeOrNull(ctx, order.closedAt),
    confirmation_number: confirmationNumber(order),
    confirmed: true,
    contact_email: order.email,
    created_at: time(ctx, order.createdAt),
    currency: order.currency,
    current_shipping_price_set: set(orderCurrentShippingMinor(order)),
    current_subtotal_price: money(currentSubtotal),
    current_subtotal_price_set: set(currentSubtotal),
    current_total_additional_fees_set: null,
    current_total_discounts: money(currentDiscounts),
    current_total_discounts_set: set(currentDiscounts),
    current_total_duties_set: null,
    current_total_price: money(currentTotal),
    current_total_price_set: set(currentTotal),
    current_total_tax: money(currentTax),
    current_total_tax_set: set(currentTax),
    customer_locale: 'en',
    device_id: null,
    discount_codes: [],
    duties_included: false,
    email: order.email,
    estimated_taxes: false,
    financial_status: financial.toLowerCase(),
    fulfillment_status: restFulfillmentStatus(order.fulfillmentStatus),
    landing_site: null,
    landing_site_ref: null,
    location_id: null,
    merchant_of_record_app_id: null,
    name: order.name,
    note: order.note,
    note_attributes: [],
    number: order.number - 1000,
    order_number: order.number,
    order_status_url: `https://${ctx.state.shop.domain}/${ctx.state.shop.numericId}/orders/${order.token}/authenticate?key=${order.token}`,
    original_total_additional_fees_set: null,
    original_total_duties_set: null,
    payment_gateway_names: ['manual'],
    phone: null,
    po_number: null,
    presentment_currency: order.presentmentCurrency,
    processed_at: time(ctx, order.processedAt),
    reference: null,
    referring_site: null,
    source_identifier: null,
    source_name: order.sourceName,
    source_url: null,
    subtotal_price: money(subtotal),
    subtotal_price_set: set(subtotal),
    tags: order.tags.join(', '),
    tax_exempt: false,
    tax_lines: orderTaxLines(order),
    taxes_included: order.taxesIncluded,
    test: order.test,
    token: order.token,
    total_cash_rounding_payment_adjustment_set: set(0),
    total_cash_rounding_refund_adjustment_set: set(0),
    total_discounts: money(discounts),
    total_discounts_set: set(discounts),
    total_line_items_price: money(lineItemsPrice),
    total_line_items_price_set: set(lineItemsPrice),
    total_outstanding: money(outstanding),
    total_price: money(total),
    total_price_set: set(total),
    total_shipping_price_set: set(orderShippingMinor(order)),
    total_tax: money(tax),
    total_tax_set: set(tax),
    total_tip_received: money(0),
    total_weight: 0,
    updated_at: time(ctx, order.updatedAt),
    user_id: null,
    billing_address: null,
    customer: customer ? orderCustomerPayload(ctx, customer) : null,
    discount_applications: discountApplications(order),
    fulfillments: [],
    line_items: order.lineItems.map((line) => lineItemPayload(ctx, order, line)),
    payment_terms: null,
    refunds: order.refunds.map((refund) => refundPayloadOf(ctx, order, refund)),
    shipping_address: null,
    shipping_lines: order.shippingLines.map((line) => shippingLinePayload(order, line)),
    returns: [],
    line_item_groups: [],
  };
}

function orderEditPayloadOf(ctx: Ctx, order: OrderRecord): OrderEditPayload {
  const edit = order.edits[order.edits.length - 1];
  if (!edit) {
    throw new Error(`Fake Shopify: ${order.id} has no order edit`);
  }
  return {
    order_edit: {
      id: edit.numericId,
      app_id: null,
      created_at: time(ctx, edit.createdAt),
      committed_at: time(ctx, edit.committedAt),
      notify_customer: edit.notifyCustomer,
      order_id: order.numericId,
      staff_note: edit.staffNote,
      user_id: null,
      line_items: {
        additions: edit.additions.map((change) => ({ id: change.lineItemId, delta: change.delta })),
        removals: edit.removals.map((change) => ({ id: change.lineItemId, delta: change.delta })),
      },
      discounts: { line_item: { additions: [], removals: [] } },
      shipping_lines: { additions: [], removals: [] },
    },
  };
}

function variantPayload(ctx: Ctx, variant: VariantRecord): VariantPayload {
  const quantity = ctx.store.variantInventoryQuantity(variant);
  return {
    admin_graphql_api_id: variant.id,
    barcode: null,
    compare_at_price: null,
    created_at: time(ctx, variant.createdAt),
    id: variant.numericId,
    inventory_policy: 'deny',
    position: variant.position,
    price: formatMoney(variant.priceMinor, ctx.state.shop.currency),
    product_id: variant.productId,
    sku: variant.sku,
    taxable: true,
    title: variant.title,
    updated_at: time(ctx, variant.updatedAt),
    option1: variant.title,
    option2: null,
    option3: null,
    image_id: null,
    inventory_item_id: variant.inventoryItem.numericId,
    inventory_quantity: quantity,
    old_inventory_quantity: quantity,
  };
}

function productPayloadOf(ctx: Ctx, product: ProductRecord): ProductPayload {
  const variants = ctx.store.productVariants(ctx.state, product);
  return {
    admin_graphql_api_id: product.id,
    body_html: '',
    created_at: time(ctx, product.createdAt),
    handle: product.handle,
    id: product.numericId,
    product_type: product.productType,
    published_at: product.status === 'ACTIVE' ? time(ctx, product.createdAt) : null,
    template_suffix: null,
    title: product.title,
    updated_at: time(ctx, product.updatedAt),
    vendor: product.vendor,
    status: product.status.toLowerCase(),
    published_scope: 'web',
    tags: product.tags.join(', '),
    variants: variants.map((variant) => variantPayload(ctx, variant)),
    options: [{ product_id: product.numericId, name: 'Title', position: 1, values: variants.map((variant) => variant.title) }],
    images: [],
    image: null,
    media: [],
    variant_gids: variants.map((variant) => ({ admin_graphql_api_id: variant.id, updated_at: new Date(variant.updatedAt).toISOString() })),
    has_variants_that_requires_components: false,
    category: null,
  };
}

function inventoryLevelPayloadOf(ctx: Ctx, level: InventoryLevelRecord): InventoryLevelPayload {
  return {
    inventory_item_id: level.inventoryItemId,
    location_id: level.locationId,
    available: level.available,
    updated_at: time(ctx, level.updatedAt),
    admin_graphql_api_id: level.id,
  };
}

function purchasingSummaryOf(ctx: Ctx, customer: CustomerRecord): PurchasingSummaryPayload {
  const orders = ctx.store.customerOrders(ctx.state, customer);
  const last = orders.reduce<OrderRecord | null>((latest, order) => (!latest || order.createdAt >= latest.createdAt ? order : latest), null);
  return {
    customerId: customer.id,
    numberOfOrders: ctx.store.customerNumberOfOrders(ctx.state, customer),
    amountSpent: {
      amount: formatMoney(ctx.store.customerAmountSpentMinor(ctx.state, customer), ctx.state.shop.currency),
      currencyCode: ctx.state.shop.currency,
    },
    lastOrderId: last?.id ?? null,
    occurredAt: utcMillis(ctx),
  };
}

function moneyFormat(currency: string): string {
  const symbol = new Intl.NumberFormat('en', { style: 'currency', currency, currencyDisplay: 'narrowSymbol' })
    .formatToParts(0)
    .find((part) => part.type === 'currency')?.value;
  return symbol && symbol !== currency ? `${symbol}{{amount}}` : `{{amount}} ${currency}`;
}

function shopPayloadOf(ctx: Ctx): ShopPayload {
  const shop = ctx.state.shop;
  const offset = zoneOffsetMinutes(ctx.store.now(), shop.timezone);
  const abs = Math.abs(offset);
  const gmt = `(GMT${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')})`;
  const format = moneyFormat(shop.currency);
  const firstLocation = ctx.state.locations.values().next().value;
  return {
    id: shop.numericId,
    name: shop.name,
    email: shop.email,
    domain: shop.domain,
    province: '',
    country: 'US',
    address1: '',
    zip: '',
    city: '',
    source: null,
    phone: '',
    latitude: null,
    longitude: null,
    primary_locale: 'en',
    address2: null,
    created_at: time(ctx, shop.createdAt),
    updated_at: time(ctx, shop.updatedAt),
    country_code: 'US',
    country_name: 'United States',
    currency: shop.currency,
    customer_email: shop.email,
    timezone: `${gmt} ${shop.timezone}`,
    iana_timezone: shop.timezone,
    shop_owner: shop.name,
    money_format: format,
    money_with_currency_format: `${format} ${shop.currency}`,
    weight_unit: 'kg',
    province_code: '',
    taxes_included: null,
    auto_configure_tax_inclusivity: null,
    tax_shipping: null,
    county_taxes: null,
    plan_display_name: 'Basic',
    plan_name: 'basic',
    has_discounts: false,
    has_gift_cards: false,
    myshopify_domain: shop.domain,
    google_apps_domain: null,
    google_apps_login_enabled: null,
    money_in_emails_format: format,
    money_with_currency_in_emails_format: `${format} ${shop.currency}`,
    eligible_for_payments: true,
    requires_extra_payments_agreement: false,
    password_enabled: false,
    has_storefront: true,
    finances: true,
    primary_location_id: firstLocation?.numericId ?? null,
    checkout_api_supported: true,
    multi_location_enabled: true,
    setup_required: false,
    pre_launch_enabled: false,
    enabled_presentment_currencies: [shop.currency],
    marketing_sms_consent_enabled_at_checkout: false,
    transactional_sms_disabled: false,
  };
}

function complianceCustomer(ctx: Ctx, customerId: string | undefined): { customer: ComplianceCustomerPayload; orderIds: number[] } {
  if (customerId === undefined) {
    throw new Error('Fake Shopify: compliance webhooks need a customer id');
  }
  const numericId = numericIdOf(customerId, 'Customer');
  const record = ctx.state.customers.get(numericId);
  return {
    customer: { id: numericId, email: record?.email ?? null, phone: record?.phone ?? null },
    orderIds: [...(ctx.state.ordersByCustomer.get(numericId) ?? [])],
  };
}

/** Payload of `bulk_operations/finish` for a finished operation. */
export function bulkOperationsFinishPayload(operation: BulkOperationRecord, timeZone: string): BulkOperationsFinishPayload {
  return {
    admin_graphql_api_id: operation.id,
    completed_at: operation.completedAt === null ? null : isoWithOffset(operation.completedAt, timeZone),
    created_at: isoWithOffset(operation.createdAt, timeZone),
    error_code: operation.errorCode === null ? null : operation.errorCode.toLowerCase(),
    status: operation.status.toLowerCase(),
    type: operation.type.toLowerCase(),
  };
}

function build(ctx: Ctx, topic: WebhookTopic, resourceId: string | undefined, extras: WebhookPayloadExtras): WebhookPayloads[WebhookTopic] {
  switch (topic) {
    case 'orders/create':
    case 'orders/updated':
    case 'orders/paid':
    case 'orders/fulfilled':
    case 'orders/partially_fulfilled':
    case 'orders/cancelled':
      return orderPayloadOf(ctx, find(ctx, resourceId, 'Order'));
    case 'orders/edited':
      return orderEditPayloadOf(ctx, find(ctx, resourceId, 'Order'));
    case 'refunds/create': {
      const refund = find(ctx, resourceId, 'Refund');
      const order = ctx.state.orders.get(refund.orderId);
      if (!order) {
        throw new Error(`Fake Shopify: dangling order of ${refund.id}`);
      }
      return refundPayloadOf(ctx, order, refund);
    }
    case 'products/create':
    case 'products/update':
      return productPayloadOf(ctx, find(ctx, resourceId, 'Product'));
    case 'products/delete':
      return { id: numericIdOf(resourceId ?? '', 'Product') };
    case 'inventory_levels/update':
      return inventoryLevelPayloadOf(ctx, find(ctx, resourceId, 'InventoryLevel'));
    case 'customers/create':
    case 'customers/update':
      return customerPayloadOf(ctx, find(ctx, resourceId, 'Customer'));
    case 'customers/delete':
      return { id: numericIdOf(resourceId ?? '', 'Customer'), tax_exemptions: [], admin_graphql_api_id: resourceId ?? '' };
    case 'customer.tags_added':
    case 'customer.tags_removed':
      return { customerId: toGid('Customer', numericIdOf(resourceId ?? '', 'Customer')), tags: [...(extras.tags ?? [])], occurredAt: utcMillis(ctx) };
    case 'customers/merge': {
      if (extras.mergedCustomerId === undefined) {
        throw new Error('Fake Shopify: customers/merge needs extras.mergedCustomerId');
      }
      return {
        admin_graphql_api_customer_kept_id: toGid('Customer', numericIdOf(resourceId ?? '', 'Customer')),
        admin_graphql_api_customer_deleted_id: toGid('Customer', numericIdOf(extras.mergedCustomerId, 'Customer')),
        admin_graphql_api_job_id: null,
        status: 'completed',
        errors: [],
      };
    }
    case 'customers/purchasing_summary':
      return purchasingSummaryOf(ctx, find(ctx, resourceId, 'Customer'));
    case 'customers/data_request': {
      const { customer, orderIds } = complianceCustomer(ctx, resourceId);
      return {
        shop_id: ctx.state.shop.numericId,
        shop_domain: ctx.state.shop.domain,
        orders_requested: orderIds,
        customer,
        data_request: { id: extras.dataRequestId ?? ctx.store.allocateId() },
      };
    }
    case 'customers/redact': {
      const { customer, orderIds } = complianceCustomer(ctx, resourceId);
      return { shop_id: ctx.state.shop.numericId, shop_domain: ctx.state.shop.domain, customer, orders_to_redact: orderIds };
    }
    case 'shop/redact':
      return { shop_id: ctx.state.shop.numericId, shop_domain: ctx.state.shop.domain };
    case 'shop/update':
      return shopPayloadOf(ctx);
    case 'app/scopes_update':
      return {
        id: ctx.state.shop.installationId,
        shop_id: ctx.state.shop.id,
        previous: [...(extras.previousScopes ?? [])],
        current: [...ctx.state.shop.scopes],
        updated_at: utcMillis(ctx),
      };
    case 'bulk_operations/finish': {
      const operation = ctx.store.findBulkOperation(numericIdOf(resourceId ?? '', 'BulkOperation'));
      if (!operation || operation.shop !== ctx.state.shop.domain) {
        throw new Error(`Fake Shopify: no bulk operation ${resourceId ?? '(missing id)'} in ${ctx.state.shop.domain}`);
      }
      return bulkOperationsFinishPayload(operation, ctx.state.shop.timezone);
    }
  }
}

/** Builds a topic's body from the shop's current state (used by the store's emitter). */
export function buildWebhookPayload<T extends WebhookTopic>(
  store: FakeShopifyStore,
  state: ShopState,
  topic: T,
  resourceId: string | undefined,
  extras: WebhookPayloadExtras = {},
): WebhookPayloads[T] {
  return build({ store, state }, topic, resourceId, extras) as WebhookPayloads[T];
}

/**
 * The JSON body Shopify would send for `topic` about `resourceId` right now, e.g.
 * `webhookPayload(store, shop, 'orders/updated', order.id)`. Resource ids by topic: orders/* →
 * Order GID (orders/edited: its latest `editOrder`), refunds/create → Refund, products/* → Product,
 * inventory_levels/update → InventoryLevel, customers/* and customer.* → Customer,
 * bulk_operations/finish → BulkOperation; shop/update, shop/redact and app/scopes_update take none.
 */
export function webhookPayload<T extends WebhookTopic>(
  store: FakeShopifyStore,
  shop: string,
  topic: T,
  resourceId?: string,
  extras: WebhookPayloadExtras = {},
): WebhookPayloads[T] {
  return buildWebhookPayload(store, store.state(shop), topic, resourceId, extras);
}

export function orderWebhookPayload(store: FakeShopifyStore, shop: string, orderId: string): OrderPayload {
  return webhookPayload(store, shop, 'orders/updated', orderId);
}

export function refundWebhookPayload(store: FakeShopifyStore, shop: string, refundId: string): RefundPayload {
  return webhookPayload(store, shop, 'refunds/create', refundId);
}

export function productWebhookPayload(store: FakeShopifyStore, shop: string, productId: string): ProductPayload {
  return webhookPayload(store, shop, 'products/update', productId);
}

export function customerWebhookPayload(store: FakeShopifyStore, shop: string, customerId: string): CustomerPayload {
  return webhookPayload(store, shop, 'customers/update', customerId);
}

export function inventoryLevelWebhookPayload(store: FakeShopifyStore, shop: string, inventoryLevelId: string): InventoryLevelPayload {
  return webhookPayload(store, shop, 'inventory_levels/update', inventoryLevelId);
}

export function shopWebhookPayload(store: FakeShopifyStore, shop: string): ShopPayload {
  return webhookPayload(store, shop, 'shop/update');
}
