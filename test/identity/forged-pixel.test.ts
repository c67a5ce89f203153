import { describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { checkoutData, pixelEvent, pixelShop, post } from "../ingest/helpers";
import { deliver } from "../support/deliver";
import { ANA, ANA_GID, checkoutPayload } from "./helpers";

// The pixel is unsigned: anyone with the public orgId can post as any visitor, claiming any
// customer. Through the real ingest route, those claims link no one; only the signed checkout does.

describe("pixel batches that claim a customer", () => {
  it("link nothing, whether the customer id sits in init data, the event, or a made-up field", async () => {
    const shop = await pixelShop();
    const forged = [
      pixelEvent("page_viewed", { clientId: "forger", init: { data: { customer: { id: String(ANA), email: "ana.lima@example.com" } } } }),
      pixelEvent("checkout_started", { clientId: "forger", customerId: ANA_GID }, { ...checkoutData("tok-forged"), customer: { id: ANA_GID } }),
      pixelEvent("checkout_completed", { clientId: "forger", customerId: String(ANA) }, checkoutData("tok-forged", "gid://shopify/OrderIdentity/5")),
    ];
    const { response } = await post({ orgId: shop.orgId, events: forged });
    expect(response.status).toBe(200);
    expect(await db.pixelEvent.count({ where: { shopId: shop.id, clientId: "forger" } })).toBe(3);
    expect(await db.visitorLink.count({ where: { shopId: shop.id } })).toBe(0);
    expect(await db.checkoutToken.findUniqueOrThrow({ where: { shopId_token: { shopId: shop.id, token: "tok-forged" } } })).toMatchObject({ clientId: "forger", customerGid: null });
  });

  it("are linked by the signed checkout that carries their token, and only then", async () => {
    const shop = await pixelShop();
    await post({ orgId: shop.orgId, events: [pixelEvent("checkout_started", { clientId: "visitor-real" }, checkoutData("tok-real"))] });
    expect(await db.visitorLink.count({ where: { shopId: shop.id } })).toBe(0);
    // A forger posting the same token later does not take the checkout over.
    await post({ orgId: shop.orgId, events: [pixelEvent("checkout_completed", { clientId: "forger" }, checkoutData("tok-real"))] });

    const { status } = await deliver({ topic: "checkouts/update", shop: shop.domain, payload: checkoutPayload({ id: 31, token: "tok-real", customerId: ANA }) });
    expect(status).toBe("processed");
    expect(await db.visitorLink.findMany({ where: { shopId: shop.id }, select: { clientId: true, customerGid: true } })).toEqual([{ clientId: "visitor-real", customerGid: ANA_GID }]);
  });
});
