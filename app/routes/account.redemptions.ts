import type { ActionFunctionArgs } from "@remix-run/node";
import { handleAccountRedeem } from "../http/account.server";
import { httpDeps } from "../runtime.server";
import { redeemForShopper } from "../services/account/redemptions.server";
import { authenticate } from "../shopify.server";

/** POST /account/redemptions: the signed-in shopper spends points on a reward (docs/shopper.md). Customer account session token. */
export const action = (args: ActionFunctionArgs) => handleAccountRedeem({ ...httpDeps(), authenticate: authenticate.public.customerAccount }, args, redeemForShopper);

/** The preflight (OPTIONS) reaches the loader, not the action; GET and HEAD are 405. */
export const loader = action;
