/**
 * A webhook route's `handle` export: the topic the route accepts, or null on the catch-all
 * (webhooks.$.tsx). The route's own action reads it, and the fast path builds its table of paths
 * from the build's route manifest through it (app/http/webhook-fast-path.server.ts), so a route
 * is the one place a topic is named. No server imports: Remix keeps `handle` in the client build.
 */
export interface WebhookRouteHandle {
  webhookTopic: string | null;
}

/** Where Shopify posts a topic: shopify.app.toml's uri ("customer.tags_added" → /webhooks/customer/tags_added). */
export const webhookPath = (topic: string) => `/webhooks/${topic.replaceAll(".", "/")}`;
