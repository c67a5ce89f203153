// REST-shaped webhook payloads for the ingest benchmark (`npm run bench`), in the shapes
// Shopify documents for API version 2026-10: numeric `id`s with matching
// `admin_graphql_api_id` GIDs, money as decimal strings with `*_set.shop_money` /
// `presentment_money`, ISO timestamps with offsets. Deterministic (seeded), so Roost and the
// baseline receive byte-identical bodies. Records are coherent: orders reference customers
// and variants from one small catalogue, and `updated_at` only moves forward, so a mirror
// that ignores stale deliveries still applies every one of these.

export const BENCH_SHOP = "roost-bench.myshopify.com";

/**
 * Relative frequency of each topic in a store's webhook traffic (per order roughly: one
 * create, one paid, a few updates from fulfilment/tags/edits; inventory and product updates
 * follow every sale; refunds are rare). Topics a route exists for but that are not listed
 * here get DEFAULT_WEIGHT with a generic payload. Never sent: `app/uninstalled` (it would
 * uninstall the bench shop mid-run), `bulk_operations/finish` (it starts a backfill that calls
 * the Admin API) and the compliance topics (rare, and they erase data).
 */
export const TOPIC_WEIGHTS: Record<string, number> = {
  "orders/create": 10,
  "orders/updated": 25,
  "orders/paid": 10,
  "orders/fulfilled": 4,
  "orders/cancelled": 0.5,
  "orders/edited": 1,
  "orders/delete": 0.1,
  "refunds/create": 1.5,
  "products/create": 0.5,
  "products/update": 14,
  "products/delete": 0.1,
  "inventory_levels/update": 20,
  "inventory_levels/connect": 0.2,
  "inventory_levels/disconnect": 0.1,
  "inventory_items/update": 1,
  "customers/create": 3,
  "customers/update": 8,
  "customers/delete": 0.1,
  "customers/purchasing_summary": 8,
  "customers/merge": 0.05,
  "customer.tags_added": 1,
  "customer.tags_removed": 0.5,
  "shop/update": 0.05,
  "app/scopes_update": 0.05,
};
export const DEFAULT_WEIGHT = 0.5;
export const EXCLUDED_TOPICS = new Set([
  "app/uninstalled",
  "bulk_operations/finish",
  "customers/redact",
  "customers/data_request",
  "shop/redact",
]);

/** A deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const gid = (type: string, id: number) => `gid://shopify/${type}/${id}`;
const money = (cents: number) => (cents / 100).toFixed(2);
const moneySet = (cents: number, currency = "USD") => ({
  shop_money: { amount: money(cents), currency_code: currency },
  presentment_money: { amount: money(cents), currency_code: currency },
});

const FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Niklaus", "Margaret", "Tim"];
const LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Perlman", "Wirth", "Hamilton", "Berners-Lee"];
const CITIES = [
  { city: "Portland", province: "Oregon", province_code: "OR", zip: "97205" },
  { city: "Austin", province: "Texas", province_code: "TX", zip: "73301" },
  { city: "Brooklyn", province: "New York", province_code: "NY", zip: "11201" },
  { city: "Denver", province: "Colorado", province_code: "CO", zip: "80202" },
];
const PRODUCTS = ["Linen Apron", "Cast Iron Skillet", "Ceramic Pour-Over", "Walnut Cutting Board", "Copper Kettle", "Stoneware Mug", "Chef Knife", "Herb Keeper"];
const SIZES = ["Small", "Medium", "Large"];

const SHOP_ID = 70_000_000_001;
const LOCATION_IDS = [80_000_000_001, 80_000_000_002];

interface Variant {
  id: number;
  productId: number;
  inventoryItemId: number;
  title: string;
  sku: string;
  price: number;
  grams: number;
}
interface Product {
  id: number;
  title: string;
  handle: string;
  vendor: string;
  variants: Variant[];
}
interface Customer {
  id: number;
  first: string;
  last: string;
  email: string;
  city: (typeof CITIES)[number];
  addressId: number;
}

/**
 * The paid-order scenario's members: customer `index` of a range apart from the ingest mix's
 * 300 customers, so each paid order goes to a member no other delivery touched.
 */
export function benchMember(index: number): Customer {
  const first = FIRST[index % FIRST.length];
  const last = LAST[(index * 5 + Math.floor(index / FIRST.length)) % LAST.length];
  return {
    id: 7_500_000_000 + index * 3,
    first,
    last,
    email: `${first}.${last}.m${index}@example.com`.toLowerCase(),
    city: CITIES[index % CITIES.length],
    addressId: 8_500_000_000 + index,
  };
}

/** Order numbers of the paid-order scenario start here, clear of the ingest mix's. */
const PAID_ORDER_BASE = 1_000_000;
/** A discount code on every third paid order, a gift card line on every seventh. */
const PAID_DISCOUNT = { code: "WELCOME10", percent: 10 };
const GIFT_CARD = { productId: 9_100_000_000, variantId: 45_100_000_000, price: 2500 };

export interface PaidOrder {
  body: string;
  triggeredAt: string;
  orderGid: string;
  customerGid: string;
}

interface OrderShape {
  customer?: Customer;
  created?: Date;
  discountPercent?: number;
  giftCard?: boolean;
}

/** Generates the deliveries of one run: call `next()` for each delivery in sending order. */
export class PayloadFactory {
  private readonly random: () => number;
  private readonly products: Product[] = [];
  private readonly customers: Customer[] = [];
  private readonly mix: { topic: string; cumulative: number }[] = [];
  private orderSeq = 0;
  private seq = 0;
  private readonly start: number;

  constructor(
    readonly topics: string[],
    { seed = 42, start = Date.parse("2026-11-02T15:00:00Z") }: { seed?: number; start?: number } = {},
  ) {
    this.random = rng(seed);
    this.start = start;
    for (let p = 0; p < 40; p += 1) {
      const id = 9_000_000_000 + p * 7;
      const title = `${PRODUCTS[p % PRODUCTS.length]} ${Math.floor(p / PRODUCTS.length) + 1}`;
      const variants = SIZES.map((size, v) => ({
        id: 45_000_000_000 + p * 10 + v,
        productId: id,
        inventoryItemId: 47_000_000_000 + p * 10 + v,
        title: size,
        sku: `RST-${p}-${size[0]}`,
        price: 1500 + ((p * 731 + v * 500) % 9000),
        grams: 200 + v * 150,
      }));
      this.products.push({ id, title, handle: title.toLowerCase().replace(/\s+/g, "-"), vendor: "Roost Goods", variants });
    }
    for (let c = 0; c < 300; c += 1) {
      const first = FIRST[c % FIRST.length];
      const last = LAST[(c * 7) % LAST.length];
      this.customers.push({
        id: 7_000_000_000 + c * 3,
        first,
        last,
        email: `${first}.${last}.${c}@example.com`.toLowerCase(),
        city: CITIES[c % CITIES.length],
        addressId: 8_000_000_000 + c,
      });
    }
    let total = 0;
    for (const topic of topics) {
      total += TOPIC_WEIGHTS[topic] ?? DEFAULT_WEIGHT;
      this.mix.push({ topic, cumulative: total });
    }
    for (const entry of this.mix) entry.cumulative /= total;
  }

  /** The mix as percentages, for the report. */
  shares(): { topic: string; percent: number }[] {
    let previous = 0;
    return this.mix.map(({ topic, cumulative }) => {
      const percent = (cumulative - previous) * 100;
      previous = cumulative;
      return { topic, percent };
    });
  }

  /**
   * `orders/paid` for member `index` (see benchMember): paid, not a test, from the online
   * store, processed in the minutes before `start`. Deterministic in `index` alone.
   */
  paidOrder(index: number): PaidOrder {
    const member = benchMember(index);
    const created = new Date(this.start - 15 * 60_000 + index * 50);
    // Paid a few seconds after checkout; orders/paid carries that update.
    const paidAt = new Date(created.getTime() + 4_000);
    const order = this.order(PAID_ORDER_BASE + index, "orders/paid", paidAt, {
      customer: member,
      created,
      discountPercent: index % 3 === 0 ? PAID_DISCOUNT.percent : 0,
      giftCard: index % 7 === 3,
    });
    return { body: JSON.stringify(order), triggeredAt: paidAt.toISOString(), orderGid: order.admin_graphql_api_id, customerGid: gid("Customer", member.id) };
  }

  /** The REST customer (as customers/create sends it) of member `index`, for seeding. */
  memberCustomer(index: number, now: Date) {
    return this.customer(benchMember(index), now);
  }

  next(): { topic: string; body: string; triggeredAt: string } {
    const r = this.random();
    const topic = (this.mix.find((entry) => r < entry.cumulative) ?? this.mix[this.mix.length - 1]).topic;
    this.seq += 1;
    // One delivery every 50 ms of "store time": updated_at only moves forward.
    const now = new Date(this.start + this.seq * 50);
    const payload = this.build(topic, now);
    return { topic, body: JSON.stringify(payload), triggeredAt: now.toISOString() };
  }

  private pick<T>(items: T[]): T {
    return items[Math.floor(this.random() * items.length)];
  }

  private build(topic: string, now: Date): unknown {
    if (topic === "customer.tags_added" || topic === "customer.tags_removed") {
      return { customerId: gid("Customer", this.pick(this.customers).id), tags: [this.pick(["vip", "wholesale", "newsletter", "repeat-buyer"])], occurredAt: now.toISOString() };
    }
    if (topic === "customers/purchasing_summary") {
      // Sent after a customer's orders change (API 2025-01+), GraphQL-style keys.
      const customer = this.pick(this.customers);
      const orders = 1 + Math.floor(this.random() * 12);
      return {
        customerId: gid("Customer", customer.id),
        numberOfOrders: orders,
        amountSpent: { amount: money(orders * (2500 + Math.floor(this.random() * 9000))), currencyCode: "USD" },
        lastOrderId: gid("Order", this.orderId(Math.max(1, this.orderSeq))),
        lastOrderDate: now.toISOString(),
      };
    }
    if (topic === "customers/merge") {
      const kept = this.pick(this.customers);
      const deleted = this.pick(this.customers);
      return {
        admin_graphql_api_customer_kept_id: gid("Customer", kept.id),
        admin_graphql_api_customer_deleted_id: gid("Customer", deleted.id),
        admin_graphql_api_job_id: null,
        status: "completed",
        errors: [],
      };
    }
    const [resource] = topic.split("/");
    switch (resource) {
      case "orders": {
        // orders/create is a new order; the others concern one of the recent orders.
        const number = topic === "orders/create" || this.orderSeq === 0
          ? (this.orderSeq += 1)
          : Math.max(1, this.orderSeq - Math.floor(this.random() * 20));
        if (topic === "orders/delete") return { id: this.orderId(number) };
        if (topic === "orders/edited") return this.orderEdit(number, now);
        return this.order(number, topic, now);
      }
      case "refunds":
        return this.refund(Math.max(1, this.orderSeq - Math.floor(this.random() * 50)), now);
      case "products":
        if (topic === "products/delete") return { id: this.pick(this.products).id };
        return this.product(this.pick(this.products), now);
      case "inventory_levels":
        return this.inventoryLevel(now);
      case "inventory_items":
        return this.inventoryItem(now);
      case "customers":
        if (topic === "customers/delete") return { id: this.pick(this.customers).id, phone: null, addresses: [], tax_exemptions: [], email_marketing_consent: null, sms_marketing_consent: null, admin_graphql_api_id: gid("Customer", this.pick(this.customers).id) };
        return this.customer(this.pick(this.customers), now);
      case "app":
        return { id: SHOP_ID, previous: ["read_products"], current: ["read_customers", "read_inventory", "read_orders", "read_products", "write_customers"], updated_at: now.toISOString() };
      case "shop":
        return this.shop(now);
      case "checkouts":
        // The checkout of the next order: the order it becomes carries the same token.
        return this.checkout(this.orderSeq + 1, topic, now);
      default:
        return { id: 1_000_000 + this.seq, admin_graphql_api_id: gid("Resource", 1_000_000 + this.seq), updated_at: now.toISOString() };
    }
  }

  private orderId(number: number): number {
    return 5_600_000_000_000 + number * 13;
  }

  private address(customer: Customer) {
    return {
      first_name: customer.first,
      address1: `${100 + (customer.id % 800)} Market Street`,
      phone: "+15035550100",
      city: customer.city.city,
      zip: customer.city.zip,
      province: customer.city.province,
      country: "United States",
      last_name: customer.last,
      address2: null,
      company: null,
      latitude: 45.5152,
      longitude: -122.6784,
      name: `${customer.first} ${customer.last}`,
      country_code: "US",
      province_code: customer.city.province_code,
    };
  }

  private customerSummary(customer: Customer, now: Date) {
    return {
      id: customer.id,
      email: customer.email,
      created_at: "2025-03-14T10:12:00-04:00",
      updated_at: now.toISOString(),
      first_name: customer.first,
      last_name: customer.last,
      state: "enabled",
      note: null,
      verified_email: true,
      multipass_identifier: null,
      tax_exempt: false,
      phone: null,
      currency: "USD",
      tax_exemptions: [],
      admin_graphql_api_id: gid("Customer", customer.id),
      default_address: { id: customer.addressId, customer_id: customer.id, ...this.address(customer), country_name: "United States", default: true },
    };
  }

  private order(number: number, topic: string, now: Date, shape: OrderShape = {}) {
    const id = this.orderId(number);
    // Seeded by the order number: every delivery about one order describes the same order.
    const local = rng(number * 7919);
    const drawn = this.customers[Math.floor(local() * this.customers.length)];
    const customer = shape.customer ?? drawn;
    const lineCount = 2 + Math.floor(local() * 3);
    const lineItems = [];
    let subtotal = 0;
    let discounts = 0;
    let tax = 0;
    for (let i = 0; i < lineCount; i += 1) {
      const product = this.products[Math.floor(local() * this.products.length)];
      const variant = product.variants[Math.floor(local() * product.variants.length)];
      const quantity = 1 + Math.floor(local() * 3);
      // A percentage code is allocated across the lines, each line's share rounded; tax is on
      // the discounted price.
      const discount = shape.discountPercent ? Math.round((variant.price * quantity * shape.discountPercent) / 100) : 0;
      const lineTax = Math.round((variant.price * quantity - discount) * 0.08);
      subtotal += variant.price * quantity;
      discounts += discount;
      tax += lineTax;
      const lineId = 14_000_000_000_000 + number * 10 + i;
      lineItems.push({
        id: lineId,
        admin_graphql_api_id: gid("LineItem", lineId),
        attributed_staffs: [],
        current_quantity: quantity,
        fulfillable_quantity: topic === "orders/fulfilled" ? 0 : quantity,
        fulfillment_service: "manual",
        fulfillment_status: topic === "orders/fulfilled" ? "fulfilled" : null,
        gift_card: false,
        grams: variant.grams,
        name: `${product.title} - ${variant.title}`,
        price: money(variant.price),
        price_set: moneySet(variant.price),
        product_exists: true,
        product_id: product.id,
        properties: [],
        quantity,
        requires_shipping: true,
        sku: variant.sku,
        taxable: true,
        title: product.title,
        total_discount: money(discount),
        total_discount_set: moneySet(discount),
        variant_id: variant.id,
        variant_inventory_management: "shopify",
        variant_title: variant.title,
        vendor: product.vendor,
        tax_lines: [{ channel_liable: false, price: money(lineTax), price_set: moneySet(lineTax), rate: 0.08, title: "State Tax" }],
        duties: [],
        discount_allocations: discount ? [{ amount: money(discount), amount_set: moneySet(discount), discount_application_index: 0 }] : [],
      });
    }
    if (shape.giftCard) {
      // Gift cards are sold untaxed and undiscounted, and never earn points.
      const lineId = 14_000_000_000_000 + number * 10 + lineCount;
      subtotal += GIFT_CARD.price;
      lineItems.push({
        id: lineId,
        admin_graphql_api_id: gid("LineItem", lineId),
        attributed_staffs: [],
        current_quantity: 1,
        fulfillable_quantity: 1,
        fulfillment_service: "manual",
        fulfillment_status: null,
        gift_card: true,
        grams: 0,
        name: `Roost Gift Card - $${money(GIFT_CARD.price)}`,
        price: money(GIFT_CARD.price),
        price_set: moneySet(GIFT_CARD.price),
        product_exists: true,
        product_id: GIFT_CARD.productId,
        properties: [],
        quantity: 1,
        requires_shipping: false,
        sku: null,
        taxable: false,
        title: "Roost Gift Card",
        total_discount: "0.00",
        total_discount_set: moneySet(0),
        variant_id: GIFT_CARD.variantId,
        variant_inventory_management: null,
        variant_title: `$${money(GIFT_CARD.price)}`,
        vendor: "Roost Goods",
        tax_lines: [],
        duties: [],
        discount_allocations: [],
      });
    }
    const shipping = 795;
    const total = subtotal - discounts + tax + shipping;
    const created = (shape.created ?? new Date(this.start + number * 1000)).toISOString();
    const paid = topic !== "orders/create" || local() < 0.9;
    const discountApplications = discounts
      ? [{ target_type: "line_item", type: "discount_code", value: `${shape.discountPercent}.0`, value_type: "percentage", allocation_method: "across", target_selection: "all", code: PAID_DISCOUNT.code }]
      : [];
    return {
      id,
      admin_graphql_api_id: gid("Order", id),
      app_id: 580111,
      browser_ip: "203.0.113.24",
      buyer_accepts_marketing: local() < 0.4,
      cancel_reason: topic === "orders/cancelled" ? "customer" : null,
      cancelled_at: topic === "orders/cancelled" ? now.toISOString() : null,
      cart_token: `hWN${number.toString(36)}A1b2C3`,
      checkout_id: 36_000_000_000 + number,
      checkout_token: `c1a2b3${number.toString(16)}`,
      client_details: { accept_language: "en-US", browser_height: null, browser_ip: "203.0.113.24", browser_width: null, session_hash: null, user_agent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)" },
      closed_at: null,
      confirmation_number: `R${(number * 48271).toString(36).toUpperCase().padStart(8, "X")}`,
      confirmed: true,
      contact_email: customer.email,
      created_at: created,
      currency: "USD",
      current_subtotal_price: money(subtotal - discounts),
      current_subtotal_price_set: moneySet(subtotal - discounts),
      current_total_additional_fees_set: null,
      current_total_discounts: money(discounts),
      current_total_discounts_set: moneySet(discounts),
      current_total_duties_set: null,
      current_total_price: money(total),
      current_total_price_set: moneySet(total),
      current_total_tax: money(tax),
      current_total_tax_set: moneySet(tax),
      customer_locale: "en-US",
      device_id: null,
      discount_codes: discounts ? [{ code: PAID_DISCOUNT.code, amount: money(discounts), type: "percentage" }] : [],
      duties_included: false,
      email: customer.email,
      estimated_taxes: false,
      financial_status: paid ? "paid" : "pending",
      fulfillment_status: topic === "orders/fulfilled" ? "fulfilled" : null,
      landing_site: "/products/linen-apron",
      landing_site_ref: null,
      location_id: null,
      merchant_business_entity_id: "MTcwMDAwMDAwMDE",
      merchant_of_record_app_id: null,
      name: `#${1000 + number}`,
      note: null,
      note_attributes: [],
      number,
      order_number: 1000 + number,
      order_status_url: `https://${BENCH_SHOP}/${SHOP_ID}/orders/${id.toString(16)}/authenticate?key=${(id * 31).toString(36)}`,
      original_total_additional_fees_set: null,
      original_total_duties_set: null,
      payment_gateway_names: ["shopify_payments"],
      phone: null,
      po_number: null,
      presentment_currency: "USD",
      processed_at: created,
      reference: null,
      referring_site: "https://www.google.com/",
      source_identifier: null,
      source_name: "web",
      source_url: null,
      subtotal_price: money(subtotal - discounts),
      subtotal_price_set: moneySet(subtotal - discounts),
      tags: topic === "orders/updated" && local() < 0.3 ? "gift, priority" : "",
      tax_exempt: false,
      tax_lines: [{ price: money(tax), rate: 0.08, title: "State Tax", price_set: moneySet(tax), channel_liable: false }],
      taxes_included: false,
      test: false,
      token: `b1946ac92492d2347c6235b4d2611184${number.toString(16)}`,
      total_cash_rounding_payment_adjustment_set: moneySet(0),
      total_cash_rounding_refund_adjustment_set: moneySet(0),
      total_discounts: money(discounts),
      total_discounts_set: moneySet(discounts),
      total_line_items_price: money(subtotal),
      total_line_items_price_set: moneySet(subtotal),
      total_outstanding: paid ? "0.00" : money(total),
      total_price: money(total),
      total_price_set: moneySet(total),
      total_shipping_price_set: moneySet(shipping),
      total_tax: money(tax),
      total_tax_set: moneySet(tax),
      total_tip_received: "0.00",
      total_weight: lineItems.reduce((sum, item) => sum + item.grams * item.quantity, 0),
      updated_at: now.toISOString(),
      user_id: null,
      billing_address: this.address(customer),
      customer: this.customerSummary(customer, now),
      discount_applications: discountApplications,
      fulfillments: [],
      line_items: lineItems,
      payment_terms: null,
      refunds: [],
      shipping_address: this.address(customer),
      shipping_lines: [{ id: 4_900_000_000 + number, carrier_identifier: null, code: "Standard", discounted_price: money(shipping), discounted_price_set: moneySet(shipping), is_removed: false, phone: null, price: money(shipping), price_set: moneySet(shipping), requested_fulfillment_service_id: null, source: "shopify", title: "Standard", tax_lines: [], discount_allocations: [] }],
    };
  }

  /**
   * checkouts/create, checkouts/update: the REST checkout (the abandoned-checkout resource) of
   * order `number` before it is placed, with the order's customer, lines and totals; its `token`
   * is the order's `checkout_token`. An update comes a minute and a half into the checkout.
   */
  private checkout(number: number, topic: string, now: Date) {
    const order = this.order(number, "orders/create", now);
    const id = 36_000_000_000 + number;
    const created = topic === "checkouts/update" ? new Date(now.getTime() - 90_000) : now;
    return {
      id,
      token: order.checkout_token,
      cart_token: order.cart_token,
      email: order.email,
      gateway: null,
      buyer_accepts_marketing: order.buyer_accepts_marketing,
      buyer_accepts_sms_marketing: false,
      sms_marketing_phone: null,
      created_at: created.toISOString(),
      updated_at: now.toISOString(),
      landing_site: order.landing_site,
      note: null,
      note_attributes: [],
      referring_site: order.referring_site,
      shipping_lines: [{ code: "Standard", price: order.shipping_lines[0].price, original_shop_price: order.shipping_lines[0].price, source: "shopify", title: "Standard", presentment_title: "Standard", phone: null, tax_lines: [], custom_tax_lines: null, markup: "0.00", carrier_identifier: null, carrier_service_id: null, api_client_id: null, requested_fulfillment_service_id: null, applied_discounts: [], id: `shopify-Standard-${order.shipping_lines[0].price}` }],
      shipping_address: topic === "checkouts/update" ? order.shipping_address : null,
      taxes_included: false,
      total_weight: order.total_weight,
      currency: "USD",
      completed_at: null,
      phone: null,
      customer_locale: "en-US",
      line_items: order.line_items.map((line, index) => ({
        key: `${line.variant_id}:${id.toString(16)}${index}`,
        fulfillment_service: line.fulfillment_service,
        gift_card: line.gift_card,
        grams: line.grams,
        presentment_title: line.title,
        presentment_variant_title: line.variant_title,
        product_id: line.product_id,
        quantity: line.quantity,
        requires_shipping: line.requires_shipping,
        sku: line.sku,
        tax_lines: line.tax_lines.map(({ price, rate, title, channel_liable }) => ({ price, rate, title, channel_liable })),
        taxable: line.taxable,
        title: line.title,
        variant_id: line.variant_id,
        variant_title: line.variant_title,
        variant_price: line.price,
        vendor: line.vendor,
        unit_price_measurement: { measured_type: null, quantity_value: null, quantity_unit: null, reference_value: null, reference_unit: null },
        compare_at_price: null,
        line_price: money(Math.round(Number(line.price) * 100) * line.quantity),
        price: line.price,
        applied_discounts: [],
        destination_location_id: null,
        user_id: null,
        rank: null,
        origin_location_id: null,
        properties: {},
      })),
      name: `#${id}`,
      source: null,
      abandoned_checkout_url: `https://${BENCH_SHOP}/${SHOP_ID}/checkouts/${order.checkout_token}/recover?key=${(id * 31).toString(36)}`,
      discount_codes: [],
      tax_lines: order.tax_lines.map(({ price, rate, title, channel_liable }) => ({ price, rate, title, channel_liable })),
      source_name: "web",
      presentment_currency: "USD",
      total_discounts: order.total_discounts,
      total_line_items_price: order.total_line_items_price,
      total_price: order.total_price,
      total_tax: order.total_tax,
      subtotal_price: order.subtotal_price,
      total_duties: null,
      device_id: null,
      user_id: null,
      location_id: null,
      source_identifier: null,
      source_url: null,
      reservation_token: null,
      billing_address: topic === "checkouts/update" ? order.billing_address : null,
      customer: order.customer,
    };
  }

  /** orders/edited: the edit itself; the edited order follows as orders/updated. */
  private orderEdit(number: number, now: Date) {
    const id = 1_300_000_000 + this.seq;
    const lineItemId = 14_000_000_000_000 + number * 10;
    return {
      order_edit: {
        id,
        app_id: null,
        created_at: now.toISOString(),
        notify_customer: false,
        order_id: this.orderId(number),
        staff_note: "Customer asked to change quantity",
        user_id: 110_000_000_001,
        line_items: { additions: [], removals: [{ id: lineItemId, delta: 1 }] },
        discounts: { additions: [], removals: [] },
        shipping_lines: { additions: [], removals: [] },
      },
    };
  }

  private refund(number: number, now: Date) {
    const orderId = this.orderId(number);
    const local = rng(number * 7919);
    const product = this.products[Math.floor(local() * this.products.length)];
    const variant = product.variants[0];
    const id = 930_000_000_000 + this.seq;
    const lineItemId = 14_000_000_000_000 + number * 10;
    const tax = Math.round(variant.price * 0.08);
    return {
      id,
      admin_graphql_api_id: gid("Refund", id),
      created_at: now.toISOString(),
      note: "Arrived damaged",
      order_id: orderId,
      processed_at: now.toISOString(),
      restock: true,
      total_duties_set: moneySet(0),
      user_id: 110_000_000_001,
      order_adjustments: [],
      transactions: [{
        id: 7_500_000_000_000 + this.seq,
        admin_graphql_api_id: gid("OrderTransaction", 7_500_000_000_000 + this.seq),
        amount: money(variant.price + tax),
        authorization: null,
        created_at: now.toISOString(),
        currency: "USD",
        device_id: null,
        error_code: null,
        gateway: "shopify_payments",
        kind: "refund",
        location_id: null,
        message: "Transaction approved",
        order_id: orderId,
        parent_id: 7_400_000_000_000 + number,
        payment_id: `c${orderId}.2`,
        processed_at: now.toISOString(),
        receipt: {},
        source_name: "1830279",
        status: "success",
        test: false,
        user_id: 110_000_000_001,
      }],
      refund_line_items: [{
        id: 610_000_000_000 + this.seq,
        line_item_id: lineItemId,
        location_id: LOCATION_IDS[0],
        quantity: 1,
        restock_type: "return",
        subtotal: Number(money(variant.price)),
        subtotal_set: moneySet(variant.price),
        total_tax: Number(money(tax)),
        total_tax_set: moneySet(tax),
        line_item: {
          id: lineItemId,
          admin_graphql_api_id: gid("LineItem", lineItemId),
          current_quantity: 0,
          fulfillable_quantity: 0,
          fulfillment_service: "manual",
          fulfillment_status: null,
          gift_card: false,
          grams: variant.grams,
          name: `${product.title} - ${variant.title}`,
          price: money(variant.price),
          price_set: moneySet(variant.price),
          product_exists: true,
          product_id: product.id,
          properties: [],
          quantity: 1,
          requires_shipping: true,
          sku: variant.sku,
          taxable: true,
          title: product.title,
          total_discount: "0.00",
          total_discount_set: moneySet(0),
          variant_id: variant.id,
          variant_inventory_management: "shopify",
          variant_title: variant.title,
          vendor: product.vendor,
          tax_lines: [{ channel_liable: false, price: money(tax), price_set: moneySet(tax), rate: 0.08, title: "State Tax" }],
          duties: [],
          discount_allocations: [],
        },
      }],
      duties: [],
      refund_shipping_lines: [],
    };
  }

  private product(product: Product, now: Date) {
    const updated = now.toISOString();
    return {
      admin_graphql_api_id: gid("Product", product.id),
      body_html: `<p>${product.title}: made by hand in small batches. Built to last and to be used every day.</p>`,
      created_at: "2025-01-10T09:00:00-05:00",
      handle: product.handle,
      id: product.id,
      product_type: "Kitchen",
      published_at: "2025-01-10T09:05:00-05:00",
      template_suffix: "",
      title: product.title,
      updated_at: updated,
      vendor: product.vendor,
      status: "active",
      published_scope: "global",
      tags: "kitchen, handmade",
      variants: product.variants.map((variant, position) => ({
        admin_graphql_api_id: gid("ProductVariant", variant.id),
        barcode: null,
        compare_at_price: null,
        created_at: "2025-01-10T09:00:00-05:00",
        id: variant.id,
        inventory_policy: "deny",
        position: position + 1,
        price: money(variant.price),
        product_id: product.id,
        sku: variant.sku,
        taxable: true,
        title: variant.title,
        updated_at: updated,
        option1: variant.title,
        option2: null,
        option3: null,
        image_id: null,
        inventory_item_id: variant.inventoryItemId,
        inventory_quantity: 5 + Math.floor(this.random() * 40),
        old_inventory_quantity: 5 + Math.floor(this.random() * 40),
      })),
      options: [{ name: "Size", id: 11_000_000_000 + (product.id % 1000), product_id: product.id, position: 1, values: SIZES }],
      images: [],
      image: null,
      media: [],
      variant_gids: product.variants.map((variant) => ({ admin_graphql_api_id: gid("ProductVariant", variant.id), updated_at: updated })),
      has_variants_that_requires_components: false,
      category: { admin_graphql_api_id: "gid://shopify/TaxonomyCategory/hg-11", name: "Kitchen & Dining", full_name: "Home & Garden > Kitchen & Dining" },
    };
  }

  private inventoryLevel(now: Date) {
    const variant = this.pick(this.pick(this.products).variants);
    const location = this.pick(LOCATION_IDS);
    return {
      inventory_item_id: variant.inventoryItemId,
      location_id: location,
      available: Math.floor(this.random() * 60),
      updated_at: now.toISOString(),
      admin_graphql_api_id: `gid://shopify/InventoryLevel/${location}?inventory_item_id=${variant.inventoryItemId}`,
    };
  }

  private inventoryItem(now: Date) {
    const variant = this.pick(this.pick(this.products).variants);
    return {
      id: variant.inventoryItemId,
      sku: variant.sku,
      created_at: "2025-01-10T09:00:00-05:00",
      updated_at: now.toISOString(),
      requires_shipping: true,
      cost: money(Math.round(variant.price * 0.4)),
      country_code_of_origin: "US",
      province_code_of_origin: null,
      harmonized_system_code: null,
      tracked: true,
      country_harmonized_system_codes: [],
      weight_value: variant.grams,
      weight_unit: "g",
      admin_graphql_api_id: gid("InventoryItem", variant.inventoryItemId),
    };
  }

  private customer(customer: Customer, now: Date) {
    const consentAt = "2025-03-14T10:12:00-04:00";
    return {
      ...this.customerSummary(customer, now),
      addresses: [{ id: customer.addressId, customer_id: customer.id, ...this.address(customer), country_name: "United States", default: true }],
      email_marketing_consent: { state: this.random() < 0.5 ? "subscribed" : "not_subscribed", opt_in_level: "single_opt_in", consent_updated_at: consentAt },
      sms_marketing_consent: null,
      tags: this.random() < 0.3 ? "vip, repeat-buyer" : "",
    };
  }

  private shop(now: Date) {
    return {
      id: SHOP_ID,
      name: "Roost Bench Store",
      email: "owner@example.com",
      domain: BENCH_SHOP,
      myshopify_domain: BENCH_SHOP,
      currency: "USD",
      iana_timezone: "America/New_York",
      timezone: "(GMT-05:00) America/New_York",
      updated_at: now.toISOString(),
      plan_name: "basic",
      country_code: "US",
    };
  }
}
