import { z } from "zod";
import type { Database } from "../db.server";
import type { Clock } from "../lib/clock";
import type { Logger } from "../lib/logger.server";
import { isShopper, resolveShopper, type Shopper, type ShopperClaims } from "../services/account/shopper.server";
import type { CapStore } from "../services/ledger/cap.server";
import type { LedgerDeps } from "../services/ledger/types";
import type { ApiResult } from "./api.server";
import { bodyLimitFor } from "./body-limit.mjs";
import { isJsonMediaType, readJsonBody } from "./body.server";
import { MemoryWindowLimiter, type WindowLimiter } from "./ingest.server";

/**
 * The HTTP edge of the shopper surfaces (`account.*` routes, docs/shopper.md): the customer
 * account extension calls these cross-origin with its session token. Preflight → method →
 * Shopify's token check (signature, exp, nbf) → Roost's claims check (audience, installed shop,
 * signed-in customer) → per-customer rate limit → (for a write) Idempotency-Key, JSON → one
 * service call → JSON. Every answer carries the CORS headers, errors included, or the
 * extension would see a network error instead of the status.
 */

/** Shopify's check of the token, `authenticate.public.customerAccount` (app/shopify.server.ts): throws a Response to refuse. */
export type CustomerAccountAuthenticator = (request: Request, options?: { corsHeaders?: string[] }) => Promise<{ sessionToken: ShopperClaims }>;

export interface AccountDeps {
  db: Database;
  clock: Clock;
  logger: Logger;
  capStore: CapStore;
  /** The app's API key (SHOPIFY_API_KEY): the only audience a token may name. */
  apiKey: string;
  /** Requests per signed-in customer (ACCOUNT_CUSTOMER_LIMIT), in this process's memory. */
  accountRequests: WindowLimiter;
  authenticate: CustomerAccountAuthenticator;
}

/** 120 requests a minute per customer: a page load and a redemption polled every 2 s fit well inside. */
export const ACCOUNT_CUSTOMER_LIMIT = { limit: 120, windowMs: 60_000 } as const;
export const buildAccountLimiter = () => new MemoryWindowLimiter(ACCOUNT_CUSTOMER_LIMIT);

export const MAX_ACCOUNT_BODY_BYTES = bodyLimitFor("/account").bytes;
/** `{ "rewardId": "…" }` is one level; the rest is room for unknown fields, which are ignored. */
export const MAX_ACCOUNT_JSON_DEPTH = 8;
const IDEMPOTENCY_KEY = /^[\x20-\x7E]{1,200}$/;

const CORS_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  // The extension runs in a sandboxed worker on Shopify's domain; the bearer token, not the
  // origin, is what authenticates, and no cookie is involved.
  "Access-Control-Allow-Origin": "*",
  "Access-Control-Allow-Headers": "Authorization, Content-Type, Idempotency-Key",
  "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
  "Access-Control-Expose-Headers": "Retry-After, Idempotent-Replayed",
});

/** The CORS headers on any answer (Shopify's own `cors()` adds them only for a foreign Origin, and never to its refusals). */
export function withCors(response: Response): Response {
  for (const [name, value] of Object.entries(CORS_HEADERS)) response.headers.set(name, value);
  response.headers.set("Cache-Control", "no-store");
  return response;
}

export function accountError(status: number, error: string, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Response {
  return withCors(Response.json({ error, message, ...extra }, { status, headers }));
}

const answer = (result: ApiResult, headers: Record<string, string> = {}) => withCors(Response.json(result.body, { status: result.status, headers }));

type RouteArgs = { request: Request };

/** Shopify's check then Roost's: the shopper, or the refusal as a Response (with CORS). */
async function authenticateShopper(deps: AccountDeps, request: Request): Promise<Shopper | Response> {
  let claims: ShopperClaims;
  try {
    ({ sessionToken: claims } = await deps.authenticate(request, { corsHeaders: ["Idempotency-Key"] }));
  } catch (thrown) {
    if (!(thrown instanceof Response)) throw thrown;
    // The preflight, answered by the library: 204, with every method and header we take.
    if (thrown.status === 204) return withCors(new Response(null, { status: 204, headers: { "Access-Control-Max-Age": "7200" } }));
    if (thrown.status === 401) {
      const sent = /^Bearer\s+\S/i.test(request.headers.get("Authorization") ?? "");
      return accountError(401, "invalid_token", sent ? "The session token is invalid or expired" : "Send the customer account session token: Authorization: Bearer <token>");
    }
    return accountError(thrown.status, "refused", "The request was refused");
  }
  const shopper = await resolveShopper(deps.db, claims, deps.apiKey);
  if (!isShopper(shopper)) return accountError(401, shopper.error, shopper.message);
  const wait = await deps.accountRequests.take(`${shopper.shop.id}:${shopper.customerId}`);
  if (wait > 0) {
    const seconds = Math.ceil(wait / 1000);
    return accountError(429, "rate_limited", `Too many requests; retry in ${seconds} s`, {}, { "Retry-After": String(seconds) });
  }
  return shopper;
}

function methodNotAllowed(allow: "GET" | "POST"): Response {
  return accountError(405, "method_not_allowed", `Use ${allow}`, {}, { Allow: `${allow}, OPTIONS` });
}

/** A read (GET): the shopper, then one service call. */
export async function handleAccountRead(deps: AccountDeps, { request }: RouteArgs, handle: (deps: Pick<LedgerDeps, "db" | "clock">, shopper: Shopper) => Promise<ApiResult>): Promise<Response> {
  if (request.method !== "GET" && request.method !== "OPTIONS") return methodNotAllowed("GET");
  const shopper = await authenticateShopper(deps, request);
  if (shopper instanceof Response) return shopper;
  try {
    return answer(await handle({ db: deps.db, clock: deps.clock }, shopper));
  } catch (error) {
    deps.logger.error({ err: error, shop: shopper.shop.domain, path: new URL(request.url).pathname }, "shopper read failed");
    return accountError(500, "internal_error", "Something went wrong; try again");
  }
}

const redeemBody = z.object({ rewardId: z.string().trim().min(1).max(100) });

/** POST /account/redemptions: the shopper, an Idempotency-Key, the JSON body, one redemption. */
export async function handleAccountRedeem(deps: AccountDeps, { request }: RouteArgs, handle: (deps: LedgerDeps, shopper: Shopper, input: { rewardId: string; idempotencyKey: string }) => Promise<ApiResult>): Promise<Response> {
  if (request.method !== "POST" && request.method !== "OPTIONS") return methodNotAllowed("POST");
  const shopper = await authenticateShopper(deps, request);
  if (shopper instanceof Response) return shopper;

  const key = request.headers.get("Idempotency-Key");
  if (!key) return accountError(400, "idempotency_key_required", "Send an Idempotency-Key header (one value per redemption, reused on retries)");
  if (!IDEMPOTENCY_KEY.test(key)) return accountError(400, "invalid_idempotency_key", "The Idempotency-Key must be 1–200 printable ASCII characters");
  if (!isJsonMediaType(request.headers.get("Content-Type"))) return accountError(415, "unsupported_media_type", "Send the body as Content-Type: application/json");
  const json = await readJsonBody(request, { maxBytes: MAX_ACCOUNT_BODY_BYTES, maxDepth: MAX_ACCOUNT_JSON_DEPTH });
  if (!json.ok) {
    if (json.reason === "too_large") return accountError(413, "body_too_large", `The body must be at most ${MAX_ACCOUNT_BODY_BYTES} bytes`);
    return accountError(400, "invalid_json", "The body is not valid JSON");
  }
  const parsed = redeemBody.safeParse(json.value);
  if (!parsed.success) return accountError(400, "invalid_request", 'Send {"rewardId": "…"}');

  const logger = deps.logger.child({ shop: shopper.shop.domain });
  try {
    const result = await handle({ db: deps.db, clock: deps.clock, logger, capStore: deps.capStore }, shopper, { rewardId: parsed.data.rewardId, idempotencyKey: key });
    return answer(result, result.status === 200 ? { "Idempotent-Replayed": "true" } : {});
  } catch (error) {
    logger.error({ err: error }, "shopper redemption failed");
    return accountError(500, "internal_error", "Something went wrong; try again with the same Idempotency-Key");
  }
}
