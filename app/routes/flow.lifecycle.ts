import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { receiveFlowLifecycle } from "../http/flow.server";
import { httpDeps } from "../runtime.server";

// Shopify Flow's trigger lifecycle callback (extensions/roost-flow-lifecycle/shopify.extension.toml).
export const action = ({ request }: ActionFunctionArgs) => receiveFlowLifecycle(httpDeps(), request);
export const loader = ({ request }: LoaderFunctionArgs) => receiveFlowLifecycle(httpDeps(), request);
