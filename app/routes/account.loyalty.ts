import type { LoaderFunctionArgs } from "@remix-run/node";
import { handleAccountRead } from "../http/account.server";
import { httpDeps } from "../runtime.server";
import { loadShopperLoyalty } from "../services/account/loyalty.server";
import { authenticate } from "../shopify.server";

/** GET /account/loyalty: the signed-in shopper's points, tier, rewards and redemptions (docs/shopper.md). Customer account session token. */
export const loader = (args: LoaderFunctionArgs) =>
  handleAccountRead({ ...httpDeps(), authenticate: authenticate.public.customerAccount }, args, async ({ db, clock }, shopper) => ({
    status: 200,
    body: await loadShopperLoyalty(db, shopper, clock.now()),
  }));

/** OPTIONS reaches the loader (Remix sends only POST, PUT, PATCH and DELETE to the action); anything else here is 405. */
export const action = loader;
