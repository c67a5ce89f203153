import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { receiveWebhook } from "../webhooks.server";

export const action = ({ request }: ActionFunctionArgs) => receiveWebhook(request);
// Non-POST requests reach the library too, which answers 405.
export const loader = ({ request }: LoaderFunctionArgs) => receiveWebhook(request);
