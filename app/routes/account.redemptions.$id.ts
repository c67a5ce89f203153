import type { LoaderFunctionArgs } from "@remix-run/node";
import { handleAccountRead } from "../http/account.server";
import { httpDeps } from "../runtime.server";
import { readShopperRedemption } from "../services/account/redemptions.server";
import { authenticate } from "../shopify.server";

/** GET /account/redemptions/:id: the shopper's own redemption, polled until its code is issued (docs/shopper.md). */
export const loader = (args: LoaderFunctionArgs) =>
  handleAccountRead({ ...httpDeps(), authenticate: authenticate.public.customerAccount }, args, (deps, shopper) => readShopperRedemption(deps, shopper, args.params.id ?? ""));

/** OPTIONS reaches the loader; anything sent to the action is 405. */
export const action = loader;
