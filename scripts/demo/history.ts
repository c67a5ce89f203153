import type { AddOrderInput, createFakeShopify } from "../../test/support/fake-shopify";
import { rng } from "../bench/payloads";

type Fake = ReturnType<typeof createFakeShopify>;

/** How far back the store's history goes. */
export const HISTORY_DAYS = 90;
/** Generated customers (the three named ones of the demo come on top). */
export const HISTORY_CUSTOMERS = 250;
const DAY_MS = 24 * 3600_000;

const FIRST_NAMES = ["Maya", "Theo", "Iris", "Omar", "Lena", "Jonas", "Priya", "Mateo", "Sofia", "Kenji", "Nora", "Elias", "Amara", "Felix", "Hana", "Luca", "Zoe", "Ravi", "Ines", "Owen", "Yara", "Noah", "Elsa", "Tariq"];
const LAST_NAMES = ["Novak", "Okafor", "Berg", "Silva", "Kowalski", "Haddad", "Tanaka", "Moreau", "Quinn", "Reyes", "Fischer", "Dubois", "Patel", "Larsen", "Costa", "Ibrahim", "Walsh", "Romero", "Sato", "Byrne"];

/** The catalogue before the install: [title, [variant title, price, stock]…]. Low stock on a few. */
const CATALOGUE: [string, [string, string, number][]][] = [
  ["Alpaca Scarf", [["Rust", "58.00", 12], ["Slate", "58.00", 3]]],
  ["Wool Socks", [["S/M", "16.00", 40], ["L/XL", "16.00", 25]]],
  ["Linen Throw", [["Natural", "89.00", 7]]],
  ["Ceramic Mug", [["White", "22.00", 30], ["Sage", "22.00", 4]]],
  ["Stoneware Bowl", [["Small", "18.00", 20], ["Large", "28.00", 9]]],
  ["Beeswax Candle", [["Tall", "14.50", 50]]],
  ["Leather Wallet", [["Tan", "64.00", 5], ["Black", "64.00", 11]]],
  ["Canvas Tote", [["Ecru", "29.00", 35]]],
  ["Cashmere Gloves", [["Grey", "72.00", 2], ["Navy", "72.00", 8]]],
  ["Knit Cardigan", [["S", "118.00", 6], ["M", "118.00", 4], ["L", "118.00", 9]]],
  ["Rain Jacket", [["Olive", "145.00", 10]]],
  ["Trail Flask", [["Steel", "34.00", 18]]],
];

export interface HistoryVariant {
  productGid: string;
  variantGid: string;
  path: string;
  /** Minor units. */
  price: number;
}

export interface StoreHistory {
  products: number;
  customers: number;
  orders: number;
  refunds: number;
  /** What the storefront sells, for the pixel traffic and the trading timer. */
  variants: HistoryVariant[];
  /** The generated customers' ids, names and emails (the trading timer's repeat buyers). */
  shoppers: { id: string; name: string }[];
}

/**
 * The store's last 90 days before Roost was installed, added without webhooks (no app was
 * listening), so the install's backfill is what brings it in: a catalogue, a few hundred
 * customers (a quarter of them repeat buyers, a quarter never ordered), their orders at daytime
 * hours (most paid, some pending, a few cancelled) and refunds (full and partial). Order numbers
 * run up to #1000, so the orders placed after the install start at #1001. Every time is before
 * `installedAt`, which the caller keeps across restarts: the same history on every start.
 */
export function addStoreHistory(fake: Fake, shop: string, installedAt: Date): StoreHistory {
  const store = fake.store;
  // A fixed sequence: the same store on every start, so a restart finds what it imported.
  const random = rng(20261206);
  const pick = <T>(values: readonly T[]) => values[Math.floor(random() * values.length)];
  const end = installedAt.getTime() - 3600_000;
  const start = end - HISTORY_DAYS * DAY_MS;
  const iso = (ms: number) => new Date(Math.min(ms, end)).toISOString();
  /** A moment on a given day ago, between 13:00 and 03:00 UTC (the store's day, New York). */
  const daytime = (daysAgo: number) => {
    const midnight = Math.floor((end - daysAgo * DAY_MS) / DAY_MS) * DAY_MS;
    return Math.min(end, midnight + (13 + random() * 14) * 3600_000);
  };

  const variants: HistoryVariant[] = [];
  for (const [title, options] of CATALOGUE) {
    const product = store.addProduct(shop, {
      title,
      createdAt: iso(start - 30 * DAY_MS),
      updatedAt: iso(start - 30 * DAY_MS),
      variants: options.map(([variant, price, stock]) => ({ title: variant, price, sku: `${title.replace(/\W+/g, "-").toUpperCase()}-${variant.replace(/\W+/g, "")}`, inventory: { Warehouse: stock } })),
    });
    for (const variant of product.variants) {
      variants.push({ productGid: product.id, variantGid: variant.id, path: `/products/${product.handle}`, price: Math.round(Number(variant.price) * 100) });
    }
  }

  // Customers and when each ordered: a quarter never, half once, a quarter two or three times.
  const shoppers: StoreHistory["shoppers"] = [];
  const placed: { customerId: string; at: number }[] = [];
  for (let index = 0; index < HISTORY_CUSTOMERS; index += 1) {
    const first = FIRST_NAMES[index % FIRST_NAMES.length];
    // Every pair of names once (for fewer than 480 customers).
    const last = LAST_NAMES[(index * 7 + Math.floor(index / FIRST_NAMES.length)) % LAST_NAMES.length];
    const roll = random();
    const orders = roll < 0.25 ? 0 : roll < 0.75 ? 1 : 2 + Math.floor(random() * 2);
    const times = Array.from({ length: orders }, () => daytime(Math.floor(random() * HISTORY_DAYS))).sort((a, b) => a - b);
    const joined = (times[0] ?? daytime(Math.floor(random() * HISTORY_DAYS))) - Math.floor(random() * 3 * DAY_MS);
    const customer = store.addCustomer(shop, {
      email: `${first}.${last}${index >= 480 ? index : ""}@example.com`.toLowerCase(),
      firstName: first,
      lastName: last,
      tags: random() < 0.15 ? ["newsletter"] : [],
      createdAt: iso(joined),
      updatedAt: iso(joined),
    });
    shoppers.push({ id: customer.id, name: `${first} ${last}` });
    for (const at of times) placed.push({ customerId: customer.id, at });
  }

  // Numbered in the order they were placed, ending at #1000.
  placed.sort((a, b) => a.at - b.at);
  let refunds = 0;
  placed.forEach(({ customerId, at }, index) => {
    const lines = Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({ variantId: pick(variants).variantGid, quantity: random() < 0.8 ? 1 : 2 }));
    const unique = [...new Map(lines.map((line) => [line.variantId, line])).values()];
    const roll = random();
    const input: AddOrderInput = {
      customerId,
      number: 1001 - placed.length + index,
      createdAt: iso(at),
      processedAt: iso(at),
      updatedAt: iso(at),
      lineItems: unique.map((line) => ({ ...line, discounts: random() < 0.1 ? ["5.00"] : [] })),
      shipping: random() < 0.5 ? "6.00" : "0.00",
      financialStatus: "PAID",
      fulfillmentStatus: at < end - 3 * DAY_MS ? "FULFILLED" : undefined,
    };
    // 6 % pending, 3 % cancelled, 2 % refunded in full and 5 % in part some days later.
    let refund: { at: string; full: boolean } | null = null;
    if (roll < 0.06) {
      input.financialStatus = "PENDING";
    } else if (roll < 0.09) {
      const cancelled = iso(at + 3600_000);
      Object.assign(input, { financialStatus: "VOIDED", cancelledAt: cancelled, cancelReason: "CUSTOMER", updatedAt: cancelled, fulfillmentStatus: undefined });
    } else if (roll < 0.16) {
      refund = { at: iso(at + (2 + Math.floor(random() * 8)) * DAY_MS), full: roll < 0.11 };
      input.financialStatus = refund.full ? "REFUNDED" : "PARTIALLY_REFUNDED";
    }
    const order = store.addOrder(shop, input);
    if (refund) {
      const lineItems = refund.full ? order.lineItems.map((line) => ({ lineItemId: line.id, quantity: line.quantity })) : [{ lineItemId: order.lineItems[0].id, quantity: 1 }];
      store.addPastRefund(shop, order.id, { createdAt: refund.at, lineItems });
      refunds += 1;
    }
  });
  return { products: CATALOGUE.length, customers: HISTORY_CUSTOMERS, orders: placed.length, refunds, variants, shoppers };
}
