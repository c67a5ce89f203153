import type { z } from "zod";
import defaultDb, { type Database } from "../../db.server";
import { type Clock, systemClock } from "../../lib/clock";
import { logger as rootLogger, type Logger } from "../../lib/logger.server";
import type { LedgerDeps } from "../ledger/ledger.server";
import { currentCapStore } from "../ledger/runtime.server";
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  lookupIdempotencyKey,
  type PriorRequest,
  releaseIdempotencyKey,
  requestHash,
} from "./idempotency.server";
import { authenticateApiToken } from "./tokens.server";
import { fieldErrors } from "./validators";

/**
 * The HTTP edge of the external orders API, shared by `api.v1.orders` and `api.v1.refunds`:
 * bearer token → Idempotency-Key → JSON → zod → one service call → JSON response. This is the
 * one module under app/services/api that sees a `Request`; it holds what both routes would
 * otherwise repeat, and the domain services it calls never see HTTP. Errors: docs/api.md.
 */

type Shop = NonNullable<Awaited<ReturnType<typeof authenticateApiToken>>>["shop"];

export interface ApiResult {
  status: number;
  body: unknown;
}

export interface ApiEndpoint<T> {
  /** The body's schema for the shop the token resolved (amounts follow its currency). */
  schema: (currency: string) => z.ZodType<T>;
  handle: (deps: LedgerDeps, shop: Shop, input: T) => Promise<ApiResult>;
}

export interface ApiDeps {
  db: Database;
  clock: Clock;
  logger: Logger;
}

const MAX_BODY_BYTES = 64 * 1024;
const IDEMPOTENCY_KEY = /^[\x21-\x7E]{1,255}$/;

/** Every error body: a stable machine code, a sentence for people, and any details. */
export function errorBody(error: string, message: string, extra: Record<string, unknown> = {}) {
  return { error, message, ...extra };
}

export function apiError(status: number, error: string, message: string, extra: Record<string, unknown> = {}, headers: HeadersInit = {}): Response {
  return Response.json(errorBody(error, message, extra), { status, headers: { "Cache-Control": "no-store", ...headers } });
}

export const methodNotAllowed = () => apiError(405, "method_not_allowed", "Use POST", {}, { Allow: "POST" });

export async function handleApiRequest<T>(request: Request, endpoint: ApiEndpoint<T>, deps: Partial<ApiDeps> = {}): Promise<Response> {
  const { db = defaultDb, clock = systemClock } = deps;
  if (request.method !== "POST") return methodNotAllowed();

  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("Authorization") ?? "")?.[1];
  const auth = bearer ? await authenticateApiToken(db, bearer, clock) : null;
  if (!auth) {
    return apiError(401, "unauthorized", bearer ? "The API token is unknown or revoked" : "Send Authorization: Bearer <API token>", {}, { "WWW-Authenticate": 'Bearer realm="roost"' });
  }
  const { shop } = auth;
  const logger = (deps.logger ?? rootLogger).child({ shop: shop.domain, api: new URL(request.url).pathname });

  const key = request.headers.get("Idempotency-Key");
  if (!key) return apiError(400, "idempotency_key_required", "Send an Idempotency-Key header (a unique value per order or refund, reused on retries)");
  if (!IDEMPOTENCY_KEY.test(key)) return apiError(400, "invalid_idempotency_key", "The Idempotency-Key must be 1–255 visible ASCII characters");

  const text = await request.text();
  if (new TextEncoder().encode(text).length > MAX_BODY_BYTES) return apiError(413, "body_too_large", `The body must be at most ${MAX_BODY_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return apiError(400, "invalid_json", "The body is not valid JSON");
  }

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
    result = await endpoint.handle({ db, clock, logger, capStore: currentCapStore() }, shop, parsed.data);
  } catch (error) {
    await releaseIdempotencyKey(db, claim.id).catch(() => undefined);
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
