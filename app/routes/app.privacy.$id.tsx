import type { LoaderFunctionArgs } from "@remix-run/node";
import db from "../db.server";
import { findDataRequest } from "../services/privacy/privacy.server";
import { findShop } from "../services/shops/shops.server";
import { authenticate } from "../shopify.server";

// A customer data export, as a JSON download for the merchant to hand over.
export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const shop = await findShop(db, session.shop);
  const found = shop && params.id ? await findDataRequest(db, shop.id, params.id) : null;
  if (!found) throw new Response("Not found", { status: 404 });
  return new Response(found.export, {
    headers: {
      "Content-Type": "application/json",
      "Content-Disposition": `attachment; filename="roost-data-request-${found.requestId ?? found.id}.json"`,
      "Cache-Control": "no-store",
    },
  });
};
