import type { ActionFunctionArgs } from "@remix-run/node";
import { handleApiRequest, methodNotAllowed } from "../http/api.server";
import { httpDeps } from "../runtime.server";
import { recordExternalOrder } from "../services/api/external-orders.server";
import { externalOrderBody } from "../services/api/validators";

/** POST /api/v1/orders: an order from another channel earns points (docs/api.md). No Shopify auth: a shop API token. */
export const action = (args: ActionFunctionArgs) =>
  handleApiRequest(httpDeps(), args, {
    schema: externalOrderBody,
    handle: async (deps, shop, order) => ({ status: 201, body: { order: await recordExternalOrder(deps, shop, order) } }),
  });

export const loader = () => methodNotAllowed();
