import type { ActionFunctionArgs } from "@remix-run/node";
import { errorBody, handleApiRequest, methodNotAllowed } from "../http/api.server";
import { httpDeps } from "../runtime.server";
import { recordExternalRefund } from "../services/api/external-orders.server";
import { externalRefundBody } from "../services/api/validators";

/** POST /api/v1/refunds: a refund from another channel claws back its order's points (docs/api.md). */
export const action = (args: ActionFunctionArgs) =>
  handleApiRequest(httpDeps(), args, {
    schema: externalRefundBody,
    handle: async (deps, shop, refund) => {
      const result = await recordExternalRefund(deps, shop, refund);
      if (result) return { status: 201, body: { refund: result } };
      return {
        status: 404,
        body: errorBody("order_not_found", `No points were awarded for order "${refund.orderId}" on channel "${refund.channel}": send the order first (an order that earned nothing has nothing to claw back)`),
      };
    },
  });

export const loader = () => methodNotAllowed();
