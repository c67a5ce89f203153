import type { ActionFunctionArgs } from "@remix-run/node";
import { handleIngest } from "../http/ingest.server";
import { httpDeps } from "../runtime.server";

/** POST /ingest/events: the web pixel's batches (docs/security.md, "Web pixel"). No Shopify auth: the shop's public orgId. */
export const action = (args: ActionFunctionArgs) => handleIngest(httpDeps(), args);

/** GET and HEAD: 405 (OPTIONS and POST go to the action). */
export const loader = (args: ActionFunctionArgs) => handleIngest(httpDeps(), args);
