import type { LoaderFunctionArgs } from "@remix-run/node";
import db from "../db.server";
import { systemClock } from "../lib/clock";
import { exportFilename, membersCsv } from "../services/members/export.server";
import { findShop } from "../services/shops/shops.server";
import { authenticate } from "../shopify.server";

// Every member of the shop as CSV, streamed batch by batch (the Members page's Export CSV).
export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const shop = await findShop(db, session.shop);
  if (!shop) throw new Response("Not found", { status: 404 });
  const rows = membersCsv(db, shop);
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await rows.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await rows.return(undefined);
    },
  });
  return new Response(body, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="${exportFilename(shop, systemClock.now())}"`,
      "Cache-Control": "no-store",
    },
  });
};
