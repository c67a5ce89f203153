import { LogSeverity, shopifyApi, WebhookValidationErrorReason } from "@shopify/shopify-api";
import { apiVersion } from "../config.server";
import type { Database } from "../db.server";
import type { Clock } from "../lib/clock";
import { throttledLog } from "../lib/log-throttle.server";
import type { Logger } from "../lib/logger.server";
import { recordDelivery } from "../services/inbox/inbox.server";
import { cachedShop, isShopDomain, releaseParkedIfKnown } from "../services/shops/shops.server";

/**
 * Shopify's own webhook validation (`webhooks.validate` of @shopify/shopify-api: HMAC of the
 * raw body with the app secret, then the required X-Shopify-* headers). `authenticate.webhook`
 * calls exactly this, and then also loads the shop's offline session from the database, parses
 * the JSON and builds an Admin API client: none of which the inbox needs, and together about a
 * third of the ingest cost. shopify-app-remix does not expose its `api` object, so this is a
 * second instance over the same secret and API version; it only validates.
 */
export type WebhookValidator = ReturnType<typeof shopifyApi>;

/** Built once per process, on the first delivery (app/http/edge.server.ts). */
export function createWebhookValidator(env: Record<string, string | undefined>, logger: Logger): WebhookValidator {
  const validationLogger = logger.child({ component: "webhook-validation" });
  return shopifyApi({
    apiKey: env.SHOPIFY_API_KEY ?? "",
    apiSecretKey: env.SHOPIFY_API_SECRET ?? "",
    apiVersion,
    hostName: new URL(env.SHOPIFY_APP_URL || "http://localhost").host,
    isEmbeddedApp: true,
    // Its start-up notices (version, future flags) are app/shopify.server.ts's to log.
    logger: {
      level: LogSeverity.Warning,
      log: (severity, message) => {
        if (severity === LogSeverity.Error) validationLogger.error(message);
        else validationLogger.warn(message);
      },
    },
  });
}

/** What the webhook routes take (app/runtime.server.ts, httpDeps()). */
export interface WebhookDeps {
  db: Database;
  clock: Clock;
  logger: Logger;
  webhookValidator: () => WebhookValidator;
  /** Hands a stored delivery to the inbox worker. */
  kick: (deliveryId: string) => void;
}

/**
 * What `receive` reads of a delivery. A Fetch Request is one (the Remix routes pass theirs);
 * the fast path (app/http/webhook-fast-path.server.ts) passes a view of Node's request. It is
 * also what `webhooks.validate` is given as `rawRequest`: the runtime adapter shopify-app-remix
 * installs (@shopify/shopify-api/adapters/web-api) reads its `method`, `url` and
 * `headers.entries()`.
 */
export interface WebhookRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: { get(name: string): string | null; entries(): IterableIterator<[string, string]> };
  /** The whole body as text, read once: UTF-8 as Request.text() decodes it (a BOM dropped). */
  text(): Promise<string>;
}

/** X-Shopify-Topic as @shopify/shopify-api reports it: "orders/paid" → "ORDERS_PAID". */
const topicKey = (topic: string) => topic.toUpperCase().replace(/[/.]/g, "_");

const refuse = (status: 400 | 401 | 405, statusText: string, body?: string) => new Response(body, { status, statusText });

/**
 * The handler behind every webhooks.<topic> route, given the route's own topic: verify (405 to
 * non-POST, 400 to a missing body or X-Shopify-* header, 401 to a bad HMAC, as
 * `authenticate.webhook` answers), check what the signature does not cover, store the delivery
 * in the inbox, acknowledge, then hand it to the worker.
 *
 * Only the body is signed (docs/security.md): X-Shopify-Topic must be the route's topic, and
 * X-Shopify-Shop-Domain a *.myshopify.com domain, else 400 and nothing is stored. A domain with
 * no Shop row is stored as `parked` (never creating the shop) until the shop installs. Nothing
 * is acknowledged before it is stored: if the inbox write fails the answer is 503 and Shopify
 * retries. The body is read once and never parsed here: a verified body that is not JSON, or
 * names another shop, is kept and the worker marks it failed with the reason.
 */
export function receiveWebhook(deps: WebhookDeps, request: WebhookRequest, routeTopic: string): Promise<Response> {
  return receive(deps, request, routeTopic);
}

/**
 * The catch-all route's handler (a subscription without a route of its own): verified and
 * stored like any other, but as `unhandled`. Its topic is only the unsigned header, so it is
 * never dispatched, not even to a topic that has a route, and never replayed; and it takes no
 * part in event-id deduplication, so it cannot stand in for a routed delivery.
 */
export function receiveUnroutedWebhook(deps: WebhookDeps, request: WebhookRequest): Promise<Response> {
  return receive(deps, request, null);
}

async function receive(deps: WebhookDeps, request: WebhookRequest, routeTopic: string | null): Promise<Response> {
  const { db, clock, logger } = deps;
  if (request.method !== "POST") throw refuse(405, "Method not allowed");
  const rawBody = await request.text();
  const check = await deps.webhookValidator().webhooks.validate({ rawBody, rawRequest: request });
  if (!check.valid) {
    if (check.reason === WebhookValidationErrorReason.InvalidHmac) throw refuse(401, "Unauthorized");
    throw refuse(400, "Bad Request");
  }
  if (routeTopic !== null && check.topic !== topicKey(routeTopic)) {
    // Throttled: a replayed body can be sent as often as the sender likes.
    throttledLog(logger, "webhooks").warn({ shop: check.domain, route: routeTopic, topic: check.topic, webhookId: check.webhookId }, "webhook topic does not match its route: refused");
    throw refuse(400, "Bad Request", `X-Shopify-Topic does not match this route (${routeTopic})`);
  }
  if (!isShopDomain(check.domain)) {
    throttledLog(logger, "webhooks").warn({ claimedShop: check.domain.slice(0, 255), route: routeTopic, webhookId: check.webhookId }, "webhook shop domain is not a myshopify.com domain: refused");
    throw refuse(400, "Bad Request", "X-Shopify-Shop-Domain is not a <name>.myshopify.com domain");
  }
  const headerTopic = request.headers.get("X-Shopify-Topic") ?? check.topic;
  // Unsigned, and it dates tombstones: never later than the delivery's arrival.
  const now = clock.now();
  const sent = check.triggeredAt ? new Date(check.triggeredAt) : null;
  const triggeredAt = sent && !Number.isNaN(sent.getTime()) ? (sent > now ? now : sent) : null;
  let result;
  let status: "pending" | "parked" | "unhandled" = "unhandled";
  try {
    if (routeTopic !== null) status = (await cachedShop(db, check.domain)) ? "pending" : "parked";
    result = await recordDelivery(
      db,
      {
        shopDomain: check.domain,
        topic: routeTopic ?? headerTopic.slice(0, 255),
        webhookId: check.webhookId,
        eventId: routeTopic !== null && "eventId" in check ? (check.eventId ?? null) : null,
        apiVersion: check.apiVersion,
        triggeredAt,
        payload: rawBody,
        status,
      },
      clock,
    );
  } catch (error) {
    throttledLog(logger, "webhooks").error({ err: error, shop: check.domain, webhookId: check.webhookId }, "could not store webhook delivery");
    return new Response("Delivery could not be stored; retry later", { status: 503 });
  }
  if (result.outcome === "accepted") {
    if (status === "pending") deps.kick(result.id);
    else if (status === "parked") await releaseIfInstalledMeanwhile(deps, check.domain);
  }
  return new Response(null, { status: 200 });
}

/** A parked delivery whose shop installed while it was being stored (see releaseParkedIfKnown). */
async function releaseIfInstalledMeanwhile(deps: WebhookDeps, domain: string): Promise<void> {
  try {
    for (const id of await releaseParkedIfKnown(deps.db, domain, deps.clock)) deps.kick(id);
  } catch (error) {
    // Stored and parked: acknowledged all the same. The next install of the shop releases it.
    deps.logger.warn({ err: error, shop: domain }, "could not check a parked delivery's shop again");
  }
}
