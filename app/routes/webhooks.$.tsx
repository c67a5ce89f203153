import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import type { WebhookRouteHandle } from "../http/webhook-route";
import { receiveUnroutedWebhook } from "../http/webhooks.server";
import { httpDeps } from "../runtime.server";

// A topic Roost has no route for (a subscription added in the Partner Dashboard, a new
// topic): verified and stored, but as unhandled. Its topic is only an unsigned header, so
// nothing here is ever processed, whatever topic it names. The fast path takes every other
// /webhooks/ path here too (app/http/webhook-fast-path.server.ts).
export const handle = { webhookTopic: null } satisfies WebhookRouteHandle;

export const action = ({ request }: ActionFunctionArgs) => receiveUnroutedWebhook(httpDeps(), request);
export const loader = ({ request }: LoaderFunctionArgs) => receiveUnroutedWebhook(httpDeps(), request);
