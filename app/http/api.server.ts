import type { AppLoadContext } from "@remix-run/node";
import type { z } from "zod";
import type { Database } from "../db.server";
import type { Clock } from "../lib/clock";
import type { Logger } from "../lib/logger.server";
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  lookupIdempotencyKey,
  type PriorRequest,
  releaseIdempotencyKey,
  requestHash,
} from "../services/api/idempotency.server";
import { authenticateApiToken } from "../services/api/tokens.server";
import { fieldErrors } from "../services/api/validators";
import type { CapStore } from "../services/ledger/cap.server";
import type { LedgerDeps } from "../services/ledger/types";
import { bodyLimitFor } from "./body-limit.mjs";
import { isJsonMediaType, readJsonBody } from "./body.server";
import { clientKey } from "./client-address.server";
import type { FailureLimiter } from "./rate-limit";

/**
 * The HTTP edge of the external API, shared by its routes (`api.v1.*`): for a write (orders,
 * refunds, redemptions) rate limit → bearer token → Idempotency-Key → JSON → zod → one service
 * call → JSON response; for a read (a redemption by id) the same rate limit and token, then one
 * service call. It holds what the routes would otherwise repeat, and the domain services it calls
 * (app/services/api) never see HTTP. Errors: docs/api.md.
 */

type Shop = NonNullable<Awaited<ReturnType<typeof authenticateApiToken>>>["shop"];

export interface ApiResult {
  status: number;
  body: unknown;
}

/** Who asked: the token that authenticated and the request's Idempotency-Key. */
export interface ApiCaller {
  tokenId: string;
  idempotencyKey: string;
}

export interface ApiEndpoint<T> {
  /** The body's schema for the shop the token resolved (amounts follow its currency). */
  schema: (currency: string) => z.ZodType<T>;
  handle: (deps: LedgerDeps, shop: Shop, input: T, caller: ApiCaller) => Promise<ApiResult>;
}

/** What the API's entry takes: the process's dependencies and its failed-authentication limiter (app/runtime.server.ts, httpDeps()). */
export interface ApiDeps {
  db: Database;
  clock: Clock;
  logger: Logger;
  capStore: CapStore;
  /** Failed authentications per client (AUTH_FAILURE_LIMIT per AUTH_FAILURE_WINDOW_MS). */
  apiAuthFailures: FailureLimiter;
}

// From the HTTP layer's table (app/http/body-limit.mjs), which refuses a larger body before this route
// runs; checked here too for callers that reach the route without that layer.
export const MAX_BODY_BYTES = bodyLimitFor("/api/v1").bytes;
/** The bodies need 2 levels; the rest is room for unknown fields, which are ignored. */
export const MAX_JSON_DEPTH = 32;
const IDEMPOTENCY_KEY = /^[\x21-\x7E]{1,255}$/;

/** Failed authentications a client may make per window before every request is refused (docs/api.md). */
export const AUTH_FAILURE_LIMIT = 10;
export const AUTH_FAILURE_WINDOW_MS = 60_000;

/** Every error body: a stable machine code, a sentence for people, and any details. */
export function errorBody(error: string, message: string, extra: Record<string, unknown> = {}) {
  return { error, message, ...extra };
}

export function apiError(status: number, error: string, message: string, extra: Record<string, unknown> = {}, headers: HeadersInit = {}): Response {
  return Response.json(errorBody(error, message, extra), { status, headers: { "Cache-Control": "no-store", ...headers } });
}

export const methodNotAllowed = (allow: "POST" | "GET" = "POST") => apiError(405, "method_not_allowed", `Use ${allow}`, {}, { Allow: allow });

type RouteArgs = { request: Request; context?: AppLoadContext };

/** Rate limit → method → bearer token: the shop and a logger for it, or the refusal. */
async function authenticate(deps: ApiDeps, { request, context }: RouteArgs, method: "POST" | "GET"): Promise<Response | { shop: Shop; tokenId: string; logger: Logger }> {
  const { db, clock, apiAuthFailures: authFailures } = deps;
  // A client that failed authentication too often is refused whatever it sends, a valid token included.
  const client = clientKey(request, context);
  const blockedMs = authFailures.blockedFor(client);
  if (blockedMs > 0) {
    const seconds = Math.ceil(blockedMs / 1000);
    return apiError(429, "rate_limited", `Too many failed authentication attempts; retry in ${seconds} s`, {}, { "Retry-After": String(seconds) });
  }
  if (request.method !== method) return methodNotAllowed(method);

  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("Authorization") ?? "")?.[1];
  const auth = bearer ? await authenticateApiToken(db, bearer, clock) : null;
  if (!auth) {
    authFailures.recordFailure(client);
    return apiError(401, "unauthorized", bearer ? "The API token is unknown or revoked" : "Send Authorization: Bearer <API token>", {}, { "WWW-Authenticate": 'Bearer realm="roost"' });
  }
  return { shop: auth.shop, tokenId: auth.tokenId, logger: deps.logger.child({ shop: auth.shop.domain, api: new URL(request.url).pathname }) };
}

/** A read (GET) of the API: the same rate limit and bearer token, no Idempotency-Key, no body. */
export async function handleApiRead(deps: ApiDeps, args: RouteArgs, handle: (deps: Pick<ApiDeps, "db" | "clock">, shop: Shop) => Promise<ApiResult>): Promise<Response> {
  const auth = await authenticate(deps, args, "GET");
  if (auth instanceof Response) return auth;
  let result: ApiResult;
  try {
    result = await handle({ db: deps.db, clock: deps.clock }, auth.shop);
  } catch (error) {
    auth.logger.error({ err: error }, "external API read failed");
    return apiError(500, "internal_error", "The request could not be processed; retry it");
  }
  return Response.json(result.body, { status: result.status, headers: { "Cache-Control": "no-store" } });
}

export async function handleApiRequest<T>(deps: ApiDeps, args: RouteArgs, endpoint: ApiEndpoint<T>): Promise<Response> {
  const { db, clock } = deps;
  const { request } = args;
  const auth = await authenticate(deps, args, "POST");
  if (auth instanceof Response) return auth;
  const { shop, logger } = auth;

  const key = request.headers.get("Idempotency-Key");
  if (!key) return apiError(400, "idempotency_key_required", "Send an Idempotency-Key header (a unique value per operation, reused on retries)");
  if (!IDEMPOTENCY_KEY.test(key)) return apiError(400, "invalid_idempotency_key", "The Idempotency-Key must be 1–255 visible ASCII characters");
  if (!isJsonMediaType(request.headers.get("Content-Type"))) {
    return apiError(415, "unsupported_media_type", "Send the body as Content-Type: application/json (UTF-8)");
  }

  const parsedJson = await readJsonBody(request, { maxBytes: MAX_BODY_BYTES, maxDepth: MAX_JSON_DEPTH });
  if (!parsedJson.ok) {
    switch (parsedJson.reason) {
      case "too_large":
        return apiError(413, "body_too_large", `The body must be at most ${MAX_BODY_BYTES} bytes`);
      case "too_deep":
        return apiError(400, "body_too_deep", `The body must not be nested deeper than ${MAX_JSON_DEPTH} levels`);
      case "invalid_characters":
        return apiError(400, "invalid_characters", `The body cannot be stored: ${parsedJson.message}`);
      case "invalid_utf8":
        return apiError(400, "invalid_json", "The body is not valid UTF-8");
      default:
        return apiError(400, "invalid_json", "The body is not valid JSON");
    }
  }
  const json = parsedJson.value;

  const identity = { shopId: shop.id, key, requestHash: requestHash(request.method, new URL(request.url).pathname, json) };
  // A key already used answers before validation: the stored response, or a 409.
  const prior = await lookupIdempotencyKey(db, identity);
  if (prior && prior.kind !== "in_flight") return claimResponse(prior);

  const parsed = endpoint.schema(shop.currency).safeParse(json);
  if (!parsed.success) return apiError(422, "invalid_request", "The request body is invalid", { fields: fieldErrors(parsed.error) });

  const claim = await claimIdempotencyKey(db, identity, { clock });
  if (claim.kind !== "claimed") return claimResponse(claim);

  let result: ApiResult;
  try {
    result = await endpoint.handle({ db, clock, logger, capStore: deps.capStore }, shop, parsed.data, { tokenId: auth.tokenId, idempotencyKey: key });
  } catch (error) {
    await releaseIdempotencyKey(db, claim.id).catch(() => undefined);
    // Points or a balance past 2^53 (an amount near the bound at a high rate): refused, never rounded.
    if (error instanceof RangeError) return apiError(422, "out_of_range", error.message);
    logger.error({ err: error }, "external API request failed");
    return apiError(500, "internal_error", "The request could not be processed; retry it with the same Idempotency-Key");
  }
  const body = JSON.stringify(result.body);
  // Only successes are kept for replay: after an error the client can fix and retry the same key.
  try {
    if (result.status >= 200 && result.status < 300) await completeIdempotencyKey(db, claim.id, result.status, body);
    else await releaseIdempotencyKey(db, claim.id);
  } catch (error) {
    // The work is done; a retry after the lease expires finds it (as a duplicate).
    logger.error({ err: error }, "could not store the idempotent response");
  }
  return new Response(body, { status: result.status, headers: { "Content-Type": "application/json", "Cache-Control": "no-store" } });
}

function claimResponse(claim: PriorRequest): Response {
  switch (claim.kind) {
    case "replay":
      return new Response(claim.body, {
        status: claim.status,
        headers: { "Content-Type": "application/json", "Cache-Control": "no-store", "Idempotent-Replayed": "true" },
      });
    case "mismatch":
      return apiError(409, "idempotency_key_reused", "This Idempotency-Key was already used with a different request");
    case "in_flight":
      return apiError(409, "request_in_progress", "A request with this Idempotency-Key is still being processed; retry shortly", {}, { "Retry-After": "1" });
  }
}
