import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { receiveUnroutedWebhook } from "../webhooks.server";

// A topic Roost has no route for (a subscription added in the Partner Dashboard, a new
// topic): verified and stored, but as unhandled. Its topic is only an unsigned header, so
// nothing here is ever processed, whatever topic it names.
export const action = ({ request }: ActionFunctionArgs) => receiveUnroutedWebhook(request);
export const loader = ({ request }: LoaderFunctionArgs) => receiveUnroutedWebhook(request);
