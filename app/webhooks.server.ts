import db from "./db.server";
import { systemClock } from "./lib/clock";
import { logger } from "./lib/logger.server";
import { recordDelivery } from "./services/inbox/inbox.server";
import { inboxWorker } from "./services/inbox/runtime.server";
import { authenticate } from "./shopify.server";

/**
 * The one handler behind every webhooks.* route: authenticate (the library answers 405 to
 * non-POST, 401 to a bad HMAC, 400 to missing headers), store the delivery in the inbox,
 * acknowledge, then hand it to the worker. Nothing is acknowledged before it is stored: if
 * the inbox write fails the answer is 503 and Shopify retries.
 */
export async function receiveWebhook(request: Request): Promise<Response> {
  const body = request.method === "POST" ? request.clone().text() : Promise.resolve("");
  const context = await authenticate.webhook(request).catch((error: unknown) => {
    // The library parses the body only after the HMAC checked out: an authenticated delivery
    // with a body that is not JSON. Keep it (the worker marks it failed with the reason).
    if (error instanceof SyntaxError) return headerContext(request);
    throw error;
  });
  const triggeredAt = context.triggeredAt ? new Date(context.triggeredAt) : null;
  let result;
  try {
    result = await recordDelivery(
      db,
      {
        shopDomain: context.shop,
        topic: request.headers.get("X-Shopify-Topic") ?? context.topic,
        webhookId: context.webhookId,
        eventId: context.eventId ?? null,
        apiVersion: context.apiVersion,
        triggeredAt: triggeredAt && !Number.isNaN(triggeredAt.getTime()) ? triggeredAt : null,
        payload: await body,
      },
      systemClock,
    );
  } catch (error) {
    logger.error({ err: error, shop: context.shop, webhookId: context.webhookId }, "could not store webhook delivery");
    return new Response("Delivery could not be stored; retry later", { status: 503 });
  }
  if (result.outcome === "accepted") inboxWorker().kick(result.id);
  return new Response(null, { status: 200 });
}

function headerContext(request: Request) {
  const header = (name: string) => request.headers.get(`X-Shopify-${name}`) ?? "";
  return {
    shop: header("Shop-Domain"),
    topic: header("Topic"),
    webhookId: header("Webhook-Id"),
    eventId: request.headers.get("X-Shopify-Event-Id") ?? undefined,
    apiVersion: header("API-Version"),
    triggeredAt: request.headers.get("X-Shopify-Triggered-At") ?? undefined,
  };
}
