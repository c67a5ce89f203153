import { LogSeverity, shopifyApi, WebhookValidationErrorReason } from "@shopify/shopify-api";
import db from "./db.server";
import { systemClock } from "./lib/clock";
import { throttledLog } from "./lib/log-throttle.server";
import { logger } from "./lib/logger.server";
import { recordDelivery } from "./services/inbox/inbox.server";
import { inboxWorker } from "./services/inbox/runtime.server";
import { apiVersion } from "./shopify.server";

/**
 * Shopify's own webhook validation (`webhooks.validate` of @shopify/shopify-api: HMAC of the
 * raw body with the app secret, then the required X-Shopify-* headers). `authenticate.webhook`
 * calls exactly this, and then also loads the shop's offline session from the database, parses
 * the JSON and builds an Admin API client: none of which the inbox needs, and together about a
 * third of the ingest cost. shopify-app-remix does not expose its `api` object, so this is a
 * second instance over the same secret and API version; it only validates.
 */
let validator: ReturnType<typeof shopifyApi> | undefined;
function webhookValidator(): ReturnType<typeof shopifyApi> {
  if (validator) return validator;
  const validationLogger = logger.child({ component: "webhook-validation" });
  validator = shopifyApi({
    apiKey: process.env.SHOPIFY_API_KEY ?? "",
    apiSecretKey: process.env.SHOPIFY_API_SECRET ?? "",
    apiVersion,
    hostName: new URL(process.env.SHOPIFY_APP_URL || "http://localhost").host,
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
  return validator;
}

/**
 * The one handler behind every webhooks.* route: verify (405 to non-POST, 400 to a missing body
 * or X-Shopify-* header, 401 to a bad HMAC, as `authenticate.webhook` answers), store the
 * delivery in the inbox, acknowledge, then hand it to the worker. Nothing is acknowledged
 * before it is stored: if the inbox write fails the answer is 503 and Shopify retries. The
 * body is read once and never parsed here: a verified body that is not JSON is kept, and the
 * worker marks it failed with the reason.
 */
export async function receiveWebhook(request: Request): Promise<Response> {
  if (request.method !== "POST") throw new Response(undefined, { status: 405, statusText: "Method not allowed" });
  const rawBody = await request.text();
  const check = await webhookValidator().webhooks.validate({ rawBody, rawRequest: request });
  if (!check.valid) {
    if (check.reason === WebhookValidationErrorReason.InvalidHmac) throw new Response(undefined, { status: 401, statusText: "Unauthorized" });
    throw new Response(undefined, { status: 400, statusText: "Bad Request" });
  }
  const triggeredAt = check.triggeredAt ? new Date(check.triggeredAt) : null;
  let result;
  try {
    result = await recordDelivery(
      db,
      {
        shopDomain: check.domain,
        topic: request.headers.get("X-Shopify-Topic") ?? check.topic,
        webhookId: check.webhookId,
        eventId: "eventId" in check ? (check.eventId ?? null) : null,
        apiVersion: check.apiVersion,
        triggeredAt: triggeredAt && !Number.isNaN(triggeredAt.getTime()) ? triggeredAt : null,
        payload: rawBody,
      },
      systemClock,
    );
  } catch (error) {
    throttledLog(logger, "webhooks").error({ err: error, shop: check.domain, webhookId: check.webhookId }, "could not store webhook delivery");
    return new Response("Delivery could not be stored; retry later", { status: 503 });
  }
  if (result.outcome === "accepted") inboxWorker().kick(result.id);
  return new Response(null, { status: 200 });
}
