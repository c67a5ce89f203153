import "@shopify/shopify-app-remix/adapters/node";
import {
  AppDistribution,
  LogSeverity,
  shopifyApp,
} from "@shopify/shopify-app-remix/server";
import { PrismaSessionStorage } from "@shopify/shopify-app-session-storage-prisma";
import { apiVersion, appScopes } from "./config.server";
import db from "./db.server";
import { appDeps, appRuntime } from "./runtime.server";
import { learnShopIdentityOnInstall } from "./services/shopify/admin.server";
import { DEFINITIONS_QUEUE, queueMetafieldDefinitions } from "./services/outbox/definitions.server";
import { PROGRAM_METAFIELD_QUEUE, queueProgramMetafield } from "./services/outbox/program-metafield.server";
import { markShopInstalled } from "./services/shops/shops.server";
import { SYNC_QUEUE } from "./services/sync/deps.server";
import { startBackfillOnInstall } from "./services/sync/scheduler.server";

/**
 * The library logs every admin request at Info ("Authenticating admin request"): noise at Roost's
 * default level, so it speaks at Warning unless LOG_LEVEL asks for debug or trace (tests: errors only).
 */
function shopifyLogLevel(): LogSeverity {
  if (process.env.NODE_ENV === "test") return LogSeverity.Error;
  return process.env.LOG_LEVEL === "debug" || process.env.LOG_LEVEL === "trace" ? LogSeverity.Debug : LogSeverity.Warning;
}

const shopify = shopifyApp({
  apiKey: process.env.SHOPIFY_API_KEY,
  apiSecretKey: process.env.SHOPIFY_API_SECRET || "",
  apiVersion,
  scopes: appScopes,
  appUrl: process.env.SHOPIFY_APP_URL || "",
  authPathPrefix: "/auth",
  sessionStorage: new PrismaSessionStorage(db, {
    connectionRetries: Number(process.env.ROOST_SESSION_TABLE_RETRIES ?? 2),
    connectionRetryIntervalMs: 1000,
  }),
  distribution: AppDistribution.AppStore,
  // Shopify-managed installation + token exchange: no OAuth redirects inside the admin.
  useOnlineTokens: false,
  logger: { level: shopifyLogLevel() },
  future: {
    unstable_newEmbeddedAuthStrategy: true,
  },
  hooks: {
    afterAuth: async ({ session }) => {
      // Install or reinstall: the shop's records are reused, never recreated. Deliveries parked
      // while Roost had no installation record for the shop go to the inbox worker now.
      await markShopInstalled(db, { domain: session.shop, scopes: session.scope ?? null }, undefined, { kick: (id) => appRuntime().runner.kickDelivery(id) });
      // Its Shopify id and primary domain, which signed payloads that name their shop must match.
      await learnShopIdentityOnInstall(db, session.shop);
      // Import the catalogue, customers and recent orders (skipped after a recent backfill): the
      // shop's sync job, due now and started at once.
      // roost.points_balance and roost.tier get their definitions, and the theme block its
      // program facts (app.metafields.roost.program): the queues write them, retrying.
      const installed = await db.shop.findUnique({ where: { domain: session.shop }, select: { id: true } });
      if (installed) {
        await queueMetafieldDefinitions(db, installed.id, new Date());
        await queueProgramMetafield(db, installed.id, new Date());
        appRuntime().runner.kick(DEFINITIONS_QUEUE);
        appRuntime().runner.kick(PROGRAM_METAFIELD_QUEUE);
      }
      await startBackfillOnInstall(appDeps(), session.shop, () => appRuntime().runner.kick(SYNC_QUEUE));
    },
  },
  ...(process.env.SHOP_CUSTOM_DOMAIN ? { customShopDomains: [process.env.SHOP_CUSTOM_DOMAIN] } : {}),
});

export default shopify;
export const addDocumentResponseHeaders = shopify.addDocumentResponseHeaders;
export const authenticate = shopify.authenticate;
export const unauthenticated = shopify.unauthenticated;
export const login = shopify.login;
export const registerWebhooks = shopify.registerWebhooks;
export const sessionStorage = shopify.sessionStorage;
