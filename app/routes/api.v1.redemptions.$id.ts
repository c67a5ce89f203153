import type { LoaderFunctionArgs } from "@remix-run/node";
import { handleApiRead, methodNotAllowed } from "../http/api.server";
import { httpDeps } from "../runtime.server";
import { readRedemption } from "../services/api/redemptions.server";

/** GET /api/v1/redemptions/:id: a redemption of the token's shop, to read its code once issued (docs/api.md). */
export const loader = (args: LoaderFunctionArgs) => handleApiRead(httpDeps(), args, ({ db }, shop) => readRedemption(db, shop.id, args.params.id ?? ""));

export const action = () => methodNotAllowed("GET");
