import { Session } from "@shopify/shopify-api";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import { appScopes } from "../../app/config.server";
import db from "../../app/db.server";
import { systemClock } from "../../app/lib/clock";
import { logger } from "../../app/lib/logger.server";
import { databaseCapStore } from "../../app/services/ledger/cap.server";
import { startBackfill, waitForBackfill } from "../../app/services/sync/backfill.server";
import { parseShopSettings } from "../../app/services/program/settings";
import { markShopInstalled, updateShopSettings } from "../../app/services/shops/shops.server";
import type { createFakeShopify, WebhookEvent } from "../../test/support/fake-shopify";
import { shopifyWebhookHeaders } from "../../test/support/webhook-signing";

const DEMO_TOKEN = "shpat_roost_demo";

type Fake = ReturnType<typeof createFakeShopify>;

/**
 * The simulated store: registered with the fake Admin API, installed (an offline session, as
 * Shopify's token exchange would leave it), and then trading: every change to its catalogue,
 * customers and orders reaches Roost as the signed webhooks Shopify would send.
 */
export async function seedDemoStore({ fake, shop, appUrl }: { fake: Fake; shop: string; appUrl: string }): Promise<SimulationSummary> {
  const details = { name: "Roost Demo Store", timezone: "America/New_York", currency: "USD" };
  fake.store.registerShop(shop, { accessToken: DEMO_TOKEN, ...details, emitWebhooks: true });
  const scope = appScopes.join(",");
  await new PrismaSessionStorage(db).storeSession(
    new Session({ id: `offline_${shop}`, shop, state: "installed", isOnline: false, scope, accessToken: DEMO_TOKEN }),
  );
  const installed = await markShopInstalled(db, { domain: shop, scopes: scope, ...details });
  // The program starts on the install day by default; the demo's orders are placed "now", so a
  // fixed, earlier start keeps them earning whenever the demo runs. A start date already set is kept.
  const { program } = parseShopSettings(installed.settings);
  if (!program.startDate) await updateShopSettings(db, shop, { program: { ...program, startDate: "2026-01-01" } });

  const deliveries: Promise<number>[] = [];
  const stop = fake.store.onWebhook((event) => {
    if (event.shop === shop) deliveries.push(sendWebhook(appUrl, event));
  });
  try {
    fake.store.updateScopes(shop, appScopes);
    const summary = simulateTrading(fake, shop);
    // As on a real install: import the store with bulk operations (finishing by the
    // bulk_operations/finish webhook or by polling), idempotent with the webhooks above.
    const sync = { db, clock: systemClock, logger: logger.child({ component: "demo" }), capStore: databaseCapStore };
    await startBackfill(sync, shop);
    await waitForBackfill(sync, shop, { timeoutMs: 60_000 });
    // Deliveries may still be arriving (the backfill's finish webhooks): wait until none is new.
    let settled = 0;
    while (settled !== deliveries.length) {
      settled = deliveries.length;
      await Promise.all(deliveries);
    }
    const statuses = await Promise.all(deliveries);
    return { ...summary, deliveries: statuses.length, rejected: statuses.filter((status) => status !== 200).length };
  } finally {
    stop();
  }
}

export interface SimulationSummary {
  products: number;
  variants: number;
  customers: number;
  orders: number;
  refunds: number;
  deliveries: number;
  rejected: number;
}

/** A small store's day: catalogue, shoppers, paid orders, a refund, stock running low. */
function simulateTrading(fake: Fake, shop: string): Omit<SimulationSummary, "deliveries" | "rejected"> {
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

  const ana = store.addCustomer(shop, { email: "ana.lima@example.com", firstName: "Ana", lastName: "Lima" });
  const bo = store.addCustomer(shop, { email: "bo.chen@example.com", firstName: "Bo", lastName: "Chen" });
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

  return { products: 3, variants: 5, customers: 3, orders: 3, refunds: 1 };
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
