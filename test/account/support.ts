import { SignJWT } from "jose";
import { action as redeemAction, loader as redeemLoader } from "../../app/routes/account.redemptions";
import { loader as readLoader } from "../../app/routes/account.redemptions.$id";
import { loader as loyaltyLoader } from "../../app/routes/account.loyalty";
import { API_KEY, API_SECRET, APP_URL } from "../support/constants";
import { CHROME_UA } from "../support/shopify";

// Calls as the customer account extension makes them (docs/shopper.md): cross-origin from
// Shopify's extension sandbox, with a session token signed as Shopify signs them (HS256 with the
// app's secret, 5 minutes).

export const EXTENSION_ORIGIN = "https://extensions.shopifycdn.com";

export interface TokenOptions {
  /** The customer GID; null leaves `sub` out (a shopper who is not signed in). */
  sub?: string | null;
  aud?: string;
  dest?: string;
  secret?: string;
  /** Seconds from now; null leaves `exp` out. */
  expiresIn?: number | null;
}

/** A customer account session token for a customer of `shop`. */
export async function customerToken(shop: string, options: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = { dest: options.dest ?? `https://${shop}`, aud: options.aud ?? API_KEY, nbf: now - 5, iat: now - 5, jti: crypto.randomUUID(), sid: crypto.randomUUID() };
  if (options.sub !== null) claims.sub = options.sub ?? "gid://shopify/Customer/1";
  if (options.expiresIn !== null) claims.exp = now + (options.expiresIn ?? 300);
  return new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(new TextEncoder().encode(options.secret ?? API_SECRET));
}

export interface AccountCall {
  token?: string | null;
  method?: string;
  key?: string | null;
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

export function accountRequest(path: string, call: AccountCall = {}): Request {
  const headers = new Headers({ Origin: EXTENSION_ORIGIN, "User-Agent": CHROME_UA, ...call.headers });
  if (call.token) headers.set("Authorization", `Bearer ${call.token}`);
  if (call.key) headers.set("Idempotency-Key", call.key);
  const method = call.method ?? (call.body === undefined ? "GET" : "POST");
  let body: string | undefined;
  if (call.body !== undefined) {
    headers.set("Content-Type", call.contentType ?? "application/json");
    body = typeof call.body === "string" ? call.body : JSON.stringify(call.body);
  }
  return new Request(new URL(path, APP_URL), { method, headers, body });
}

const args = (request: Request, params: Record<string, string> = {}) => ({ request, params, context: {} });

export interface Answer<T = Record<string, unknown>> {
  response: Response;
  json: T;
}

async function read<T>(response: Response): Promise<Answer<T>> {
  const text = await response.clone().text();
  return { response, json: (text ? JSON.parse(text) : null) as T };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the answers are read as the extension reads them: untyped JSON
type Json = any;

export const getLoyalty = async (call: AccountCall): Promise<Answer<Json>> => read(await loyaltyLoader(args(accountRequest("/account/loyalty", call))));

export const postRedemption = async (call: AccountCall): Promise<Answer<Json>> => read(await redeemAction(args(accountRequest("/account/redemptions", { key: crypto.randomUUID(), ...call }))));

export const getRedemption = async (id: string, call: AccountCall): Promise<Answer<Json>> =>
  read(await readLoader(args(accountRequest(`/account/redemptions/${encodeURIComponent(id)}`, call), { id })));

/** The preflight on the redemptions route goes to its loader (Remix sends OPTIONS there). */
export const preflight = (path: string) => accountRequest(path, { method: "OPTIONS", headers: { "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, content-type, idempotency-key" } });

export { args, redeemLoader };
