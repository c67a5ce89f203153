import type { LoaderFunctionArgs } from "@remix-run/node";
import { appDeps } from "../runtime.server";
import { deliveryPayload } from "../services/members/event-summary.server";
import { findShop } from "../services/shops/shops.server";
import { authenticate } from "../shopify.server";

// One delivery's JSON body, as a download: the endpoint page says what it was in a sentence.
export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const { db } = appDeps();
  const shop = await findShop(db, session.shop);
  const found = shop && params.id && params.deliveryId ? await deliveryPayload(db, shop.id, params.id, params.deliveryId) : null;
  if (!found) throw new Response("Delivery not found", { status: 404 });
  return new Response(found.body, {
    headers: {
      "Content-Type": "application/json",
      "Content-Disposition": `attachment; filename="roost-event-${found.eventId.replace(/[^A-Za-z0-9_-]/g, "")}.json"`,
      "Cache-Control": "no-store",
    },
  });
};
