import type { AppLoadContext } from "@remix-run/node";
import { Redis } from "ioredis";
import type { Database } from "../db.server";
import { type Clock, systemClock } from "../lib/clock";
import type { Logger } from "../lib/logger.server";
import { parsePixelEvent, pixelBatchSchema, type PixelEventInput } from "../services/events/schema";
import { applyPixelBatch } from "../services/signals/pixel.server";
import { bodyLimitFor } from "./body-limit.mjs";
import { readJsonBody } from "./body.server";
import { clientKey } from "./client-address.server";
import { corsPreflight, PIXEL_CORS_HEADERS } from "./cors.server";

/**
 * The web pixel's entry point, `POST /ingest/events` (docs/security.md, "Web pixel"): CORS →
 * per-client rate limit → content type → body within 64 KiB → JSON → the envelope → the shop by
 * its public orgId → per-shop rate limit → each event validated → the batch stored in one
 * transaction (app/services/signals/pixel.server.ts) → the answer. Unsigned: nothing here
 * reaches the ledger.
 */

export interface IngestDeps {
  db: Database;
  clock: Clock;
  logger: Logger;
  ingestLimits: IngestLimits;
}

// From the HTTP layer's table, which refuses a larger body before the route runs; checked here
// too for callers that reach the route without that layer.
export const MAX_INGEST_BYTES = bodyLimitFor("/ingest/events").bytes;
/** Shopify's events nest about 8 deep (checkout → line item → variant → price); the rest is room. */
export const MAX_INGEST_DEPTH = 32;

function answer(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers: { ...PIXEL_CORS_HEADERS, "Cache-Control": "no-store", ...headers } });
}

function refuse(status: number, error: string, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Response {
  return answer(status, { error, message, ...extra }, headers);
}

/** `text/plain` (what navigator.sendBeacon and a string fetch send) or `application/json`, UTF-8. */
function acceptedMediaType(header: string | null): boolean {
  if (!header) return false;
  const [type, ...parameters] = header.split(";");
  if (!["text/plain", "application/json"].includes(type.trim().toLowerCase())) return false;
  return parameters.every((parameter) => {
    const [name, value = ""] = parameter.split("=");
    return name.trim().toLowerCase() !== "charset" || /^"?utf-8"?$/i.test(value.trim());
  });
}

export interface IngestAnswer {
  accepted: number;
  duplicates: number;
  rejected: { index: number; reason: string }[];
}

export async function handleIngest(deps: IngestDeps, { request, context }: { request: Request; context?: AppLoadContext }): Promise<Response> {
  if (request.method === "OPTIONS") return corsPreflight();
  if (request.method !== "POST") return refuse(405, "method_not_allowed", "Use POST", {}, { Allow: "OPTIONS, POST" });

  const client = clientKey(request, context);
  const clientWait = await deps.ingestLimits.perClient.take(client);
  if (clientWait > 0) return tooMany(clientWait, "this client");

  if (!acceptedMediaType(request.headers.get("Content-Type"))) {
    return refuse(415, "unsupported_media_type", "Send the batch as Content-Type: text/plain or application/json (UTF-8)");
  }
  const json = await readJsonBody(request, { maxBytes: MAX_INGEST_BYTES, maxDepth: MAX_INGEST_DEPTH });
  if (!json.ok) {
    if (json.reason === "too_large") return refuse(413, "body_too_large", `The body must be at most ${MAX_INGEST_BYTES} bytes`);
    if (json.reason === "too_deep") return refuse(400, "body_too_deep", `The body must not be nested deeper than ${MAX_INGEST_DEPTH} levels`);
    return refuse(400, "invalid_json", "The body is not valid JSON");
  }
  const envelope = pixelBatchSchema.safeParse(json.value);
  if (!envelope.success) {
    const issue = envelope.error.issues[0];
    return refuse(400, "invalid_batch", `Send {"orgId": "…", "events": [ … ]}: ${issue.path.join(".") || "body"}: ${issue.message}`);
  }
  const { orgId, events } = envelope.data;

  const shop = await deps.db.shop.findUnique({ where: { orgId }, select: { id: true, domain: true, installed: true, cohortRulesEnabled: true } });
  if (!shop || !shop.installed) return refuse(404, "unknown_org", "No shop has this orgId");
  const shopWait = await deps.ingestLimits.perShop.take(shop.id);
  if (shopWait > 0) return tooMany(shopWait, "this shop");

  const valid: PixelEventInput[] = [];
  const rejected: IngestAnswer["rejected"] = [];
  events.forEach((value, index) => {
    const parsed = parsePixelEvent(value);
    if (parsed.ok) valid.push(parsed.event);
    else rejected.push({ index, reason: parsed.reason });
  });
  if (valid.length === 0) return refuse(400, "no_valid_events", "No event in the batch is valid; nothing was stored", { rejected });

  try {
    const { stored, duplicates } = await applyPixelBatch(deps, shop, valid);
    const body: IngestAnswer = { accepted: stored.length, duplicates, rejected };
    return answer(200, body);
  } catch (error) {
    deps.logger.error({ err: error, shop: shop.domain }, "pixel batch could not be stored");
    return refuse(503, "unavailable", "The batch was not stored; send it again", {}, { "Retry-After": "5" });
  }
}

function tooMany(waitMs: number, who: string): Response {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return refuse(429, "rate_limited", `Too many batches from ${who}; retry in ${seconds} s`, {}, { "Retry-After": String(seconds) });
}

// ------------------------------------------------------------------- rate limits

/** A fixed-window counter: `take` counts one request and answers 0 (go ahead) or the ms until the window ends. */
export interface WindowLimiter {
  readonly limit: number;
  readonly windowMs: number;
  take(key: string): Promise<number>;
}

export interface IngestLimits {
  /** Batches per shop (orgId), in all processes when Redis counts them. */
  perShop: WindowLimiter;
  /** Batches per client address (app/http/client-address.server.ts). */
  perClient: WindowLimiter;
  close?(): Promise<void>;
}

/**
 * The defaults (docs/security.md, "Web pixel"): a shop may send 20,000 batches per 10 s (2,000 a
 * second, twice what one 2-core process stores); a client address 1,200 per minute, since a
 * carrier NAT puts many shoppers behind one address.
 */
export const INGEST_SHOP_LIMIT = { limit: 20_000, windowMs: 10_000 } as const;
export const INGEST_CLIENT_LIMIT = { limit: 1_200, windowMs: 60_000 } as const;

/** Windows aligned to the clock (`floor(now / windowMs)`), so memory and Redis count alike. */
export class MemoryWindowLimiter implements WindowLimiter {
  readonly limit: number;
  readonly windowMs: number;
  private readonly clock: Clock;
  private readonly maxKeys: number;
  /** Insertion order is window order: the first entries are the oldest. */
  private readonly counts = new Map<string, { window: number; count: number }>();

  constructor(options: { limit: number; windowMs: number; clock?: Clock; maxKeys?: number }) {
    this.limit = options.limit;
    this.windowMs = options.windowMs;
    this.clock = options.clock ?? systemClock;
    this.maxKeys = options.maxKeys ?? 100_000;
  }

  take(key: string): Promise<number> {
    const now = this.clock.now().getTime();
    const window = Math.floor(now / this.windowMs);
    let entry = this.counts.get(key);
    if (!entry || entry.window !== window) {
      this.counts.delete(key);
      entry = { window, count: 0 };
      this.counts.set(key, entry);
      this.evict(window);
    }
    entry.count += 1;
    return Promise.resolve(entry.count > this.limit ? (window + 1) * this.windowMs - now : 0);
  }

  get size(): number {
    return this.counts.size;
  }

  private evict(window: number): void {
    for (const [key, entry] of this.counts) {
      if (this.counts.size <= this.maxKeys && entry.window === window) return;
      this.counts.delete(key);
    }
  }
}

/**
 * The same windows counted in Redis (INCR with an expiry, one round trip), shared by every
 * process. When Redis does not answer, the request is let through (logged): the pixel's data is
 * unsigned and earns nothing, so losing a storefront's events would cost more than a moment
 * without a limit.
 */
export class RedisWindowLimiter implements WindowLimiter {
  readonly limit: number;
  readonly windowMs: number;
  private readonly clock: Clock;
  private lastWarning = 0;

  constructor(
    private readonly redis: Redis,
    private readonly options: { name: string; limit: number; windowMs: number; clock?: Clock; logger: Logger },
  ) {
    this.limit = options.limit;
    this.windowMs = options.windowMs;
    this.clock = options.clock ?? systemClock;
  }

  async take(key: string): Promise<number> {
    const now = this.clock.now().getTime();
    const window = Math.floor(now / this.windowMs);
    const redisKey = `roost:ingest:${this.options.name}:${key}:${window}`;
    try {
      const results = await this.redis.multi().incr(redisKey).pexpire(redisKey, this.windowMs * 2).exec();
      const count = Number(results?.[0]?.[1] ?? 0);
      return count > this.limit ? (window + 1) * this.windowMs - now : 0;
    } catch (error) {
      if (now - this.lastWarning > 10_000) {
        this.lastWarning = now;
        this.options.logger.warn({ err: error, limiter: this.options.name }, "ingest rate limit unavailable (Redis); letting batches through");
      }
      return 0;
    }
  }
}

/** The process's ingest limits: in Redis when REDIS_URL is set, in memory otherwise. */
export function buildIngestLimits(options: { env?: Record<string, string | undefined>; logger: Logger; clock?: Clock }): IngestLimits {
  const env = options.env ?? process.env;
  if (!env.REDIS_URL) {
    return {
      perShop: new MemoryWindowLimiter({ ...INGEST_SHOP_LIMIT, clock: options.clock }),
      perClient: new MemoryWindowLimiter({ ...INGEST_CLIENT_LIMIT, clock: options.clock }),
    };
  }
  const redis = new Redis(env.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 250, connectTimeout: 2000, lazyConnect: false });
  redis.on("error", () => undefined); // each command's failure is handled (and logged) where it happens
  const logger = options.logger.child({ component: "ingest-limits" });
  return {
    perShop: new RedisWindowLimiter(redis, { name: "shop", ...INGEST_SHOP_LIMIT, clock: options.clock, logger }),
    perClient: new RedisWindowLimiter(redis, { name: "client", ...INGEST_CLIENT_LIMIT, clock: options.clock, logger }),
    close: async () => {
      redis.disconnect();
    },
  };
}
