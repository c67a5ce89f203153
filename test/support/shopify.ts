import { getJwt } from "@shopify/shopify-api/test-helpers";
import { Session } from "@shopify/shopify-api";
import { createFakeShopify } from "./fake-shopify";
import { API_KEY, API_SECRET, API_VERSION, APP_URL } from "./constants";
import { shopifyWebhookHeaders } from "./webhook-signing";

/** The one fake Shopify Admin API of this test worker. */
export const fakeShopify = createFakeShopify();

let counter = 0;
/** A fresh *.myshopify.com domain, so tests never share a shop. */
export function uniqueShop(prefix = "roost-test"): string {
  counter += 1;
  return `${prefix}-${process.env.VITEST_POOL_ID ?? "1"}-${Date.now().toString(36)}-${counter}.myshopify.com`;
}

export function hostParam(shop: string): string {
  return Buffer.from(`admin.shopify.com/store/${shop.replace(".myshopify.com", "")}`).toString("base64url");
}

/** An App Bridge session token for the shop, signed as Shopify signs them (HS256, 1 minute). */
export async function sessionToken(shop: string, secret = API_SECRET): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const { token } = await getJwt(shop.replace(/\.myshopify\.com$/, ""), API_KEY, secret, { exp: now + 60, nbf: now - 5, iat: now - 5 });
  return token;
}

export const OFFLINE_TOKEN = (shop: string) => `shpat_test_${shop.split(".")[0]}`;

/**
 * A shop that has installed Roost: registered with the fake Admin API and holding an offline
 * session, so `authenticate.admin` needs no network.
 */
export async function installTestShop(
  shop: string,
  options: { name?: string; timezone?: string; currency?: string } = {},
): Promise<Session> {
  const [{ sessionStorage }, { appScopes }, { default: db }, { markShopInstalled }, { inboxWorker }] = await Promise.all([
    import("../../app/shopify.server"),
    import("../../app/config.server"),
    import("../../app/db.server"),
    import("../../app/services/shops/shops.server"),
    import("../../app/runtime.server"),
  ]);
  const name = options.name ?? "Roost Test Store";
  const timezone = options.timezone ?? "America/New_York";
  const currency = options.currency ?? "USD";
  fakeShopify.store.registerShop(shop, {
    accessToken: OFFLINE_TOKEN(shop),
    name,
    timezone,
    currency,
  });
  const session = new Session({
    id: `offline_${shop}`,
    shop,
    state: "installed",
    isOnline: false,
    scope: appScopes.join(","),
    accessToken: OFFLINE_TOKEN(shop),
  });
  await sessionStorage.storeSession(session);
  // As afterAuth does: deliveries parked before the install go to the worker.
  await markShopInstalled(db, { domain: shop, scopes: session.scope ?? null, name, timezone, currency }, undefined, { kick: (id) => inboxWorker().kick(id) });
  return session;
}

/** A request from the embedded admin: App Bridge puts the session token in the header. */
export async function adminRequest(path: string, shop: string, init: RequestInit = {}): Promise<Request> {
  const headers = new Headers(init.headers);
  headers.set("Authorization", `Bearer ${await sessionToken(shop)}`);
  headers.set("User-Agent", CHROME_UA);
  return new Request(new URL(path, APP_URL), { ...init, headers });
}

/** The first document load inside the admin: the token arrives as `id_token`. */
export async function embeddedDocumentRequest(path: string, shop: string): Promise<Request> {
  const url = new URL(path, APP_URL);
  url.searchParams.set("embedded", "1");
  url.searchParams.set("shop", shop);
  url.searchParams.set("host", hostParam(shop));
  url.searchParams.set("id_token", await sessionToken(shop));
  return new Request(url, { headers: { "User-Agent": CHROME_UA } });
}

export const CHROME_UA =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

export interface WebhookOptions {
  topic: string;
  shop: string;
  payload: unknown;
  webhookId?: string;
  eventId?: string;
  triggeredAt?: string;
  secret?: string;
  method?: string;
  /** Headers to leave out, to test the library's 400. */
  omit?: string[];
}

/** A webhook delivery signed exactly as Shopify signs it. */
export function signedWebhook(options: WebhookOptions): Request {
  const body = typeof options.payload === "string" ? options.payload : JSON.stringify(options.payload);
  const headers = shopifyWebhookHeaders({ ...options, body, secret: options.secret ?? API_SECRET, apiVersion: API_VERSION });
  for (const name of options.omit ?? []) headers.delete(name);
  const method = options.method ?? "POST";
  return new Request(`${APP_URL}/webhooks/${options.topic}`, {
    method,
    headers,
    body: method === "GET" || method === "HEAD" ? undefined : body,
  });
}
