import { getHmac } from "@shopify/shopify-api/test-helpers";

export interface SignedDelivery {
  topic: string;
  shop: string;
  body: string;
  secret: string;
  apiVersion?: string;
  webhookId?: string;
  eventId?: string;
  triggeredAt?: string;
}

/** The headers Shopify sends with a webhook: base64 HMAC-SHA256 of the raw body and every X-Shopify-* header. */
export function shopifyWebhookHeaders(delivery: SignedDelivery): Headers {
  return new Headers({
    "Content-Type": "application/json",
    "X-Shopify-Hmac-Sha256": getHmac(delivery.body, delivery.secret),
    "X-Shopify-Topic": delivery.topic,
    "X-Shopify-Shop-Domain": delivery.shop,
    "X-Shopify-API-Version": delivery.apiVersion ?? "2026-10",
    "X-Shopify-Webhook-Id": delivery.webhookId ?? crypto.randomUUID(),
    "X-Shopify-Event-Id": delivery.eventId ?? crypto.randomUUID(),
    "X-Shopify-Triggered-At": delivery.triggeredAt ?? new Date().toISOString(),
  });
}
