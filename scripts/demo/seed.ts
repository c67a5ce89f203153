import { Session } from "@shopify/shopify-api";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import { appScopes } from "../../app/config.server";
import db from "../../app/db.server";
import { markShopInstalled } from "../../app/services/shops/shops.server";
import type { createFakeShopify } from "../../test/support/fake-shopify";
import { shopifyWebhookHeaders } from "../../test/support/webhook-signing";

const DEMO_TOKEN = "shpat_roost_demo";

/**
 * The simulated store: registered with the fake Admin API, installed (an offline session, as
 * Shopify's token exchange would leave it), and sending Roost the webhooks a store sends.
 */
export async function seedDemoStore({
  fake,
  shop,
  appUrl,
}: {
  fake: ReturnType<typeof createFakeShopify>;
  shop: string;
  appUrl: string;
}): Promise<void> {
  const details = { name: "Roost Demo Store", timezone: "America/New_York", currency: "USD" };
  fake.store.registerShop(shop, { accessToken: DEMO_TOKEN, ...details });
  const scope = appScopes.join(",");
  await new PrismaSessionStorage(db).storeSession(
    new Session({ id: `offline_${shop}`, shop, state: "installed", isOnline: false, scope, accessToken: DEMO_TOKEN }),
  );
  await markShopInstalled(db, { domain: shop, scopes: scope, ...details });

  // What a store sends on install: its granted scopes.
  await sendWebhook(appUrl, shop, "app/scopes_update", {
    id: 1,
    previous: [],
    current: appScopes,
    updated_at: new Date().toISOString(),
  });
}

/** A delivery signed exactly as Shopify signs it, sent to the running app over loopback. */
export async function sendWebhook(appUrl: string, shop: string, topic: string, payload: unknown): Promise<number> {
  const body = JSON.stringify(payload);
  const response = await fetch(`${appUrl}/webhooks/${topic}`, {
    method: "POST",
    body,
    headers: shopifyWebhookHeaders({ topic, shop, body, secret: process.env.SHOPIFY_API_SECRET ?? "" }),
  });
  return response.status;
}
