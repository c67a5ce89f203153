import type { ActionFunctionArgs } from "@remix-run/node";
import { handleApiRequest, methodNotAllowed } from "../http/api.server";
import { httpDeps } from "../runtime.server";
import { apiActor, redeemThroughApi } from "../services/api/redemptions.server";
import { redemptionBody } from "../services/api/validators";

/** POST /api/v1/redemptions: a member spends points on a reward (docs/api.md). No Shopify auth: a shop API token. */
export const action = (args: ActionFunctionArgs) =>
  handleApiRequest(httpDeps(), args, {
    schema: redemptionBody,
    handle: (deps, shop, input, caller) => redeemThroughApi(deps, shop, input, { idempotencyKey: caller.idempotencyKey, actor: apiActor(caller.tokenId) }),
  });

export const loader = () => methodNotAllowed();
