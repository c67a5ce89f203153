import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { receiveWebhook } from "../webhooks.server";

// A topic Roost has no route for (a subscription added in the Partner Dashboard, a new
// topic): verified, stored and acknowledged like any other, and counted as unhandled.
export const action = ({ request }: ActionFunctionArgs) => receiveWebhook(request);
export const loader = ({ request }: LoaderFunctionArgs) => receiveWebhook(request);
