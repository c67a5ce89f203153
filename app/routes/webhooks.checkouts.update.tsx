import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { receiveWebhook } from "../http/webhooks.server";
import { httpDeps } from "../runtime.server";

// The only topic this route accepts: a delivery whose X-Shopify-Topic says otherwise is refused.
const TOPIC = "checkouts/update";

export const action = ({ request }: ActionFunctionArgs) => receiveWebhook(httpDeps(), request, TOPIC);
// Non-POST requests reach the library too, which answers 405.
export const loader = ({ request }: LoaderFunctionArgs) => receiveWebhook(httpDeps(), request, TOPIC);
