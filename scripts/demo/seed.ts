import { Session } from "@shopify/shopify-api";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import { appScopes } from "../../app/config.server";
import db from "../../app/db.server";
import { systemClock } from "../../app/lib/clock";
import { logger } from "../../app/lib/logger.server";
import type { PixelEventInput } from "../../app/services/events/schema";
import { applyPixelBatch } from "../../app/services/signals/pixel.server";
import { createRule, getRuleByKey } from "../../app/services/cohorts/rules.server";
import { reconcileTags } from "../../app/services/tags/reconcile.server";
import { backfillProgress } from "../../app/services/sync/backfill.server";
import { SYNC_QUEUE } from "../../app/services/sync/deps.server";
import { startBackfillOnInstall } from "../../app/services/sync/scheduler.server";
import { shopDay } from "../../app/lib/shop-day";
import { addStoreHistory, HISTORY_DAYS, type HistoryVariant, type StoreHistory } from "./history";
import { seedRedemptions } from "./redemptions";
import { pixelEvent, productLine } from "./storefront";
import { queueProgramMetafield } from "../../app/services/outbox/program-metafield.server";
import { parseShopSettings } from "../../app/services/program/settings";
import { createReward, listRewards, parseReward } from "../../app/services/rewards/catalogue.server";
import { markShopInstalled, updateShopSettings } from "../../app/services/shops/shops.server";
import type { createFakeShopify, WebhookEvent } from "../../test/support/fake-shopify";
import { shopifyWebhookHeaders } from "../../test/support/webhook-signing";

const DEMO_TOKEN = "shpat_roost_demo";
/** The first id of the records added on the install day, above the history's and the backfill's. */
const TODAY_FIRST_ID = 2_000_000_000_001;

type Fake = ReturnType<typeof createFakeShopify>;

/**
 * The simulated store: registered with the fake Admin API, installed (an offline session, as
 * Shopify's token exchange would leave it), and then trading: every change to its catalogue,
 * customers and orders reaches Roost as the signed webhooks Shopify would send.
 */
export async function seedDemoStore({ fake, shop, appUrl }: { fake: Fake; shop: string; appUrl: string }): Promise<SimulationSummary> {
  const details = { name: "Roost Demo Store", timezone: "America/New_York", currency: "USD" };
  // Webhooks off while the store's past is added: no app was listening then.
  fake.store.registerShop(shop, { accessToken: DEMO_TOKEN, ...details, emitWebhooks: false });
  const installedAt = await firstInstall(shop);
  const history = addStoreHistory(fake, shop, installedAt);
  fake.store.setEmitWebhooks(shop, true);
  const scope = appScopes.join(",");
  await new PrismaSessionStorage(db).storeSession(
    new Session({ id: `offline_${shop}`, shop, state: "installed", isOnline: false, scope, accessToken: DEMO_TOKEN }),
  );
  const installed = await markShopInstalled(db, { domain: shop, scopes: scope, ...details });
  // A program that started with the store's history and counts the orders the backfill imports
  // (retroactive), so the history earns as it is imported. A start date already set is kept.
  const { program } = parseShopSettings(installed.settings);
  if (!program.startDate) {
    const startDate = shopDay(new Date(installedAt.getTime() - HISTORY_DAYS * 24 * 3600_000), details.timezone);
    await updateShopSettings(db, shop, { program: { ...program, startDate, retroactive: true } });
  }
  // As afterAuth: the program's facts for the theme block (app.metafields.roost.program), written by the runner.
  await queueProgramMetafield(db, installed.id, new Date());

  const deliveries: Promise<number>[] = [];
  const stop = fake.store.onWebhook((event) => {
    if (event.shop === shop) deliveries.push(sendWebhook(appUrl, event));
  });
  try {
    fake.store.updateScopes(shop, appScopes);
    // As on a real install (afterAuth): the shop's sync job imports the store's past with bulk
    // operations. A restart is a reinstall: a backfill that completed on an earlier start is not
    // repeated. Today's trading comes after it, so its shoppers are the newest members.
    await startBackfillOnInstall({ db, clock: systemClock, logger: logger.child({ component: "demo" }) }, shop);
    await syncPassDone(installed.id);
    // Today's records take the same ids on every start, whatever the backfill's bulk operations took.
    fake.store.continueNumbering({ nextId: TODAY_FIRST_ID });
    const storefront = simulateToday(fake, shop);
    // Deliveries may still be arriving: wait until none is new.
    let settled = 0;
    while (settled !== deliveries.length) {
      settled = deliveries.length;
      await Promise.all(deliveries);
    }
    const statuses = await Promise.all(deliveries);
    // The storefront's events record each variant's stock as the mirror holds it when they
    // arrive: the catalogue's webhooks must be processed first, not only stored.
    await inboxDrained(shop);
    await simulateStorefront(installed.id, { ...storefront, browsing: history.variants });
    await seedCohorts(shop);
    await seedRewards(shop);
    // The set-up's webhooks end here, as before any redemption: the store's answers to the tag
    // writes that follow are not delivered unless the store keeps trading. Delivering them would
    // leave the mirror with this run's tags, which a restart's fresh store does not have.
    stop();
    // Some of the history's shoppers have already spent points, through the customer account's endpoint.
    await seedRedemptions({ appUrl, shop, shopId: installed.id, customerGids: history.shoppers.map((shopper) => shopper.id) });
    // Orders placed from now on (the trading timer) follow the ones the database knows, this run's or an earlier one's.
    fake.store.continueNumbering({ nextId: Date.now() * 1000, shop, nextOrderNumber: (await lastOrderNumber(installed.id)) + 1 });
    return { history, deliveries: statuses.length, rejected: statuses.filter((status) => status !== 200).length };
  } finally {
    stop();
  }
}

/** When the demo store was first installed: its first backfill's start, kept across restarts so its history stays put. */
async function firstInstall(shop: string): Promise<Date> {
  const row = await db.shop.findUnique({ where: { domain: shop }, select: { id: true } });
  const first = row && (await db.backfillRun.findFirst({ where: { shopId: row.id }, orderBy: { startedAt: "asc" }, select: { startedAt: true } }));
  return first?.startedAt ?? new Date();
}

/**
 * Waits for the shop's sync pass, which the server's runner runs, to be over: the backfill
 * finished (or failed) and the reconciliation that follows it done, so that pass never meets
 * today's trading half-delivered (it would count those records as "repaired").
 */
async function syncPassDone(shopId: string, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status } = await backfillProgress(db, shopId);
    if (status === "failed") throw new Error("the demo store's backfill failed: see the log above");
    const job = await db.job.findUnique({ where: { queue_key: { queue: SYNC_QUEUE, key: shopId } }, select: { status: true, runAt: true } });
    if (status === "completed" && job?.status !== "running" && !(job?.status === "pending" && job.runAt.getTime() <= Date.now())) return;
    if (Date.now() > deadline) throw new Error("the demo store's backfill did not finish in time");
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function inboxDrained(shop: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await db.webhookDelivery.count({ where: { shopDomain: shop, status: "pending" } })) > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function lastOrderNumber(shopId: string): Promise<number> {
  const orders = await db.order.findMany({ where: { shopId }, select: { name: true } });
  return Math.max(1000, ...orders.map((order) => Number(/\d+/.exec(order.name ?? "")?.[0] ?? 0)));
}

export interface SimulationSummary {
  /** The store's past, added before the install (the backfill imports it). */
  history: StoreHistory;
  /** Webhooks the store sent while the demo was set up, and how many the app refused. */
  deliveries: number;
  rejected: number;
}

/** What the storefront's visitors could look at, and the checkouts the store's customers placed. */
interface Storefront {
  variants: HistoryVariant[];
  /** The catalogue the last days' visitors browse. */
  browsing?: HistoryVariant[];
  checkouts: { token: string; visitor: string; bought: { productGid: string; variantGid: string; quantity: number }[] }[];
}

/**
 * The day of the install, after the backfill, delivered as webhooks: a new line of products,
 * three new customers (Ana Lima, Bo Chen, Cleo Ward, whom the browser tests follow) with their
 * orders #1001–#1003, a refund, stock running low.
 */
function simulateToday(fake: Fake, shop: string): Storefront {
  const store = fake.store;
  const beanie = store.addProduct(shop, {
    title: "Merino Beanie",
    variants: [
      { title: "Charcoal", price: "32.00", sku: "BEANIE-CH", inventory: { Warehouse: 14, "Main Street": 3 } },
      { title: "Oat", price: "32.00", sku: "BEANIE-OT", inventory: { Warehouse: 4 } },
    ],
  });
  const mittens = store.addProduct(shop, {
    title: "Felted Mittens",
    variants: [
      { title: "S", price: "24.50", sku: "MITT-S", inventory: { Warehouse: 20 } },
      { title: "M", price: "24.50", sku: "MITT-M", inventory: { Warehouse: 6 } },
    ],
  });
  const gift = store.addProduct(shop, { title: "Gift Card", variants: [{ title: "$50", price: "50.00", sku: "GIFT-50" }] });

  // Tags other apps wrote: Roost's cohort tags join them and never touch them.
  const ana = store.addCustomer(shop, { email: "ana.lima@example.com", firstName: "Ana", lastName: "Lima", tags: ["newsletter"] });
  const bo = store.addCustomer(shop, { email: "bo.chen@example.com", firstName: "Bo", lastName: "Chen", tags: ["wholesale-inquiry"] });
  const cleo = store.addCustomer(shop, { email: "cleo.ward@example.com", firstName: "Cleo", lastName: "Ward" });

  const [charcoal, oat] = beanie.variants;
  const [small, medium] = mittens.variants;
  const first = store.addOrder(shop, {
    customerId: ana.id,
    financialStatus: "PAID",
    checkoutToken: "demo-checkout-1",
    lineItems: [
      { variantId: charcoal.id, quantity: 2, discounts: ["6.40"], taxes: [{ price: "5.12", rate: 0.08, title: "State tax" }] },
      { variantId: gift.variants[0].id, quantity: 1, giftCard: true },
    ],
    shipping: "6.00",
  });
  store.addOrder(shop, {
    customerId: bo.id,
    financialStatus: "PAID",
    checkoutToken: "demo-checkout-2",
    lineItems: [{ variantId: small.id, quantity: 1 }, { variantId: oat.id, quantity: 1 }],
  });
  store.addOrder(shop, {
    customerId: cleo.id,
    financialStatus: "PENDING",
    checkoutToken: "demo-checkout-3",
    lineItems: [{ variantId: medium.id, quantity: 3 }],
  });
  store.addRefund(shop, first.id, { lineItems: [{ lineItemId: first.lineItems[0].id, quantity: 1 }] });
  store.setInventory(shop, oat.id, "Warehouse", 2);

  const item = (product: typeof beanie, variant: (typeof beanie.variants)[number]) => ({
    productGid: product.id,
    variantGid: variant.id,
    path: `/products/${product.handle}`,
    price: Math.round(Number(variant.price) * 100),
  });
  const storefront: Storefront = {
    variants: [item(beanie, charcoal), item(beanie, oat), item(mittens, small), item(mittens, medium)],
    // The tokens the orders above carry: their orders/create webhooks link each visitor to its customer.
    checkouts: [
      { token: "demo-checkout-1", visitor: "demo-visitor-ana", bought: [{ productGid: beanie.id, variantGid: charcoal.id, quantity: 2 }] },
      { token: "demo-checkout-2", visitor: "demo-visitor-bo", bought: [{ productGid: mittens.id, variantGid: small.id, quantity: 1 }, { productGid: beanie.id, variantGid: oat.id, quantity: 1 }] },
      { token: "demo-checkout-3", visitor: "demo-visitor-cleo", bought: [{ productGid: mittens.id, variantGid: medium.id, quantity: 3 }] },
    ],
  };
  return storefront;
}

/**
 * A starting catalogue, so the member page can redeem at once: $5 off for 50 points (Bo has
 * them) and free shipping for 30. A shop that already has rewards keeps its own.
 */
async function seedRewards(shop: string): Promise<void> {
  const row = await db.shop.findUniqueOrThrow({ where: { domain: shop } });
  if ((await listRewards(db, row.id)).length > 0) return;
  for (const input of [
    { type: "fixed_amount", name: "$5 off your next order", pointsCost: "50", value: "5" },
    { type: "free_shipping", name: "Free shipping", pointsCost: "30" },
  ]) {
    const parsed = parseReward(input, row.currency);
    if (!parsed.ok) throw new Error(`demo reward refused: ${JSON.stringify(parsed.errors)}`);
    await createReward(db, row, parsed.value, "system:demo");
  }
}

/**
 * The cohorts a new merchant would start with, enabled: first purchases (Ana and Bo among them;
 * Cleo's order is unpaid), big spenders (Bo's $56.50; Ana's order is half refunded), repeat
 * buyers (two orders or more) and shoppers who left a low-stock item in their cart. Enabling
 * evaluates them at once and queues their tags, which the server's tag writer puts on the
 * simulated store's customers within seconds (`/__demo/store` shows them). A key already there
 * is skipped: a restart keeps the merchant's own changes to it.
 */
async function seedCohorts(shop: string): Promise<void> {
  const row = await db.shop.findUniqueOrThrow({ where: { domain: shop } });
  const deps = { db, clock: systemClock };
  const wanted = [
    { template: "first-purchase", key: "first-purchase", params: { days: "30" } },
    { template: "high-value", key: "big-spenders", params: { minSpend: "50", days: "90" } },
    { template: "repeat-purchaser", key: "repeat-buyers", params: { minOrders: "2" } },
    { template: "cart-abandoned-low-stock", key: "low-stock-carts", params: { hours: "24", lookbackDays: "7" } },
  ];
  for (const rule of wanted) {
    if (await getRuleByKey(db, row.id, rule.key)) continue;
    const created = await createRule(deps, row, { ...rule, enabled: true }, "system:demo");
    if (!created.ok) throw new Error(`demo cohort ${rule.key} refused: ${JSON.stringify(created.errors)}`);
  }
  // The simulated store starts empty on every run while the database remembers the tags written
  // last time: the reconciliation (hourly on the server) finds them missing and queues them now.
  await reconcileTags(deps, row);
}

const STOREFRONT_VISITORS = 300;
/** Visitors over the last days, beside the last hour's: a few thousand events. */
const BROWSING_VISITORS = 600;
const BROWSING_DAYS = 3;

/**
 * The storefront's last hour, as the web pixel would have sent it: a few hundred anonymous
 * visitors browsing (some leave a checkout unfinished, which links no one), and the three
 * customers' visitors browsing, then checking out with the tokens their orders carry. Sent
 * through the pixel's own seam, in batches as the pixel flushes them; the links come from the
 * orders' signed webhooks, whichever arrives first. Deterministic, and sent once per database.
 */
async function simulateStorefront(shopId: string, storefront: Storefront): Promise<void> {
  if ((await db.pixelEvent.count({ where: { shopId, clientId: { startsWith: "demo-visitor-" } } })) > 0) return;
  const now = Date.now();
  const events: PixelEventInput[] = [];
  const event = (clientId: string, name: PixelEventInput["name"], minutesAgo: number, fields: Partial<PixelEventInput> = {}) =>
    events.push(pixelEvent(events, clientId, name, new Date(now - minutesAgo * 60_000), fields));
  const variantOf = (gid: string) => storefront.variants.find((variant) => variant.variantGid === gid)!;

  // A fixed sequence (a linear congruential generator): the same visitors on every start.
  let seed = 20261205;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pick = <T>(values: readonly T[]) => values[Math.floor(random() * values.length)];
  for (let index = 0; index < STOREFRONT_VISITORS; index += 1) {
    const visitor = `demo-visitor-${String(index).padStart(3, "0")}`;
    let minutes = 55 - random() * 40;
    event(visitor, "page_viewed", minutes, { pagePath: "/" });
    const variant = pick(storefront.variants);
    event(visitor, "product_viewed", (minutes -= 1), productLine(variant));
    if (random() < 0.35) event(visitor, "product_added_to_cart", (minutes -= 1), productLine(variant, 1 + Math.floor(random() * 2)));
    if (random() < 0.1) event(visitor, "checkout_started", (minutes -= 2), { checkoutToken: `demo-unfinished-${index}` });
  }
  // The last three days: more visitors browsing the whole catalogue, a few carts left behind.
  const browsing = storefront.browsing ?? [];
  for (let index = 0; index < (browsing.length > 0 ? BROWSING_VISITORS : 0); index += 1) {
    const visitor = `demo-visitor-b${String(index).padStart(4, "0")}`;
    let minutes = 60 + random() * (BROWSING_DAYS * 24 * 60 - 60);
    event(visitor, "page_viewed", minutes, { pagePath: "/" });
    for (let views = 1 + Math.floor(random() * 3); views > 0; views -= 1) {
      const variant = pick(browsing);
      event(visitor, "product_viewed", (minutes -= 1 + random() * 3), productLine(variant));
      if (random() < 0.25) event(visitor, "product_added_to_cart", (minutes -= 1), productLine(variant, 1));
    }
  }
  for (const [position, checkout] of storefront.checkouts.entries()) {
    let minutes = 50 - position * 5;
    event(checkout.visitor, "page_viewed", minutes, { pagePath: "/collections/winter" });
    for (const bought of checkout.bought) {
      event(checkout.visitor, "product_viewed", (minutes -= 1), productLine(variantOf(bought.variantGid)));
      event(checkout.visitor, "product_added_to_cart", (minutes -= 1), productLine(variantOf(bought.variantGid), bought.quantity));
    }
    event(checkout.visitor, "checkout_started", (minutes -= 2), { checkoutToken: checkout.token });
    event(checkout.visitor, "checkout_completed", (minutes -= 3), { checkoutToken: checkout.token, currency: "USD" });
  }

  const deps = { db, clock: systemClock };
  const BATCH = 50;
  for (let start = 0; start < events.length; start += BATCH) await applyPixelBatch(deps, { id: shopId }, events.slice(start, start + BATCH));
}

/** A delivery signed exactly as Shopify signs it, sent to the running app over loopback. */
export async function sendWebhook(appUrl: string, event: WebhookEvent): Promise<number> {
  const body = JSON.stringify(event.payload);
  const response = await fetch(`${appUrl}/webhooks/${event.topic.replaceAll(".", "/")}`, {
    method: "POST",
    body,
    headers: shopifyWebhookHeaders({
      topic: event.topic,
      shop: event.shop,
      body,
      secret: process.env.SHOPIFY_API_SECRET ?? "",
      webhookId: event.webhookId,
      eventId: event.eventId,
      triggeredAt: event.triggeredAt,
    }),
  });
  return response.status;
}
