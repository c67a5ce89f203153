import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import type { WebhookRouteHandle } from "../http/webhook-route";
import { receiveWebhook } from "../http/webhooks.server";
import { httpDeps } from "../runtime.server";

// The only topic this route accepts: a delivery whose X-Shopify-Topic says otherwise is refused.
// The fast path in front of Remix (app/http/webhook-fast-path.server.ts) reads it from here too.
export const handle = { webhookTopic: "checkouts/create" } satisfies WebhookRouteHandle;

export const action = ({ request }: ActionFunctionArgs) => receiveWebhook(httpDeps(), request, handle.webhookTopic);
// Non-POST requests reach the library too, which answers 405.
export const loader = ({ request }: LoaderFunctionArgs) => receiveWebhook(httpDeps(), request, handle.webhookTopic);
