import { beforeAll, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { loader as endpointLoader } from "../../app/routes/app.webhooks.$id";
import { loader as payloadLoader } from "../../app/routes/app.webhooks.$id.deliveries.$deliveryId";
import { TEST_EVENT_SUMMARY } from "../../app/services/members/event-summary.server";
import { orderPayload } from "../fixtures/rest-payloads";
import { deliver } from "../support/deliver";
import { adminRequest } from "../support/shopify";
import { args, customer, programShop, settle } from "./helpers";

// The endpoint page says what each delivery was in a sentence (whose, which order by name) and
// offers its JSON body as a download; no GID is on the page.

let shop: string;
let shopId: string;
let endpointId: string;
const deliveryIds: Record<string, string> = {};

beforeAll(async () => {
  ({ shop, shopId } = await programShop());
  await customer(shop, { id: 6101, email: "ana.lima@example.com", firstName: "Ana", lastName: "Lima" });
  await deliver({ topic: "orders/paid", shop, payload: orderPayload({ id: 1, customerId: 6101, lines: [{ id: 10, price: "57.00", quantity: 1 }] }) });
  const endpoint = await db.endpoint.create({ data: { shopId, url: "https://203.0.113.10/roost", secret: "whsec_x", events: JSON.stringify(["points_earned"]) } });
  endpointId = endpoint.id;
  // Deliveries as the outbox writes them: one per journey event, and a test event.
  const events = await db.journeyEvent.findMany({ where: { shopId, type: { in: ["points_earned", "first_purchase"] } } });
  for (const event of events) {
    const row = await db.endpointDelivery.create({
      data: { shopId, endpointId, eventId: event.id, eventType: event.type, memberId: event.memberId, body: JSON.stringify({ id: event.id, type: event.type, customer: { id: "gid://shopify/Customer/6101" }, data: JSON.parse(event.data) }) },
    });
    deliveryIds[event.type] = row.id;
  }
  const test = await db.endpointDelivery.create({ data: { shopId, endpointId, eventId: "test_1", eventType: "test", body: '{"type":"test"}' } });
  deliveryIds.test = test.id;
});

describe("the endpoint page's deliveries", () => {
  it("reads as sentences naming the member and the order, never a GID", async () => {
    const page = (await endpointLoader(args(await adminRequest(`/app/webhooks/${endpointId}`, shop), { id: endpointId }))) as Awaited<ReturnType<typeof endpointLoader>>;
    const summaries = Object.fromEntries(page.deliveries.map((delivery) => [delivery.eventType, delivery.summary]));
    expect(summaries).toEqual({
      points_earned: "Ana Lima: Earned 57 points on #1001; balance 57.",
      first_purchase: "Ana Lima: Placed their first order, #1001.",
      test: TEST_EVENT_SUMMARY,
    });
    expect(JSON.stringify(page)).not.toContain("gid://");
  });

  it("offers a delivery's JSON body as a download, for this shop's endpoint only", async () => {
    const id = deliveryIds.points_earned;
    const response = await payloadLoader(args(await adminRequest(`/app/webhooks/${endpointId}/deliveries/${id}`, shop), { id: endpointId, deliveryId: id }));
    expect(response.headers.get("Content-Type")).toBe("application/json");
    expect(response.headers.get("Content-Disposition")).toMatch(/^attachment; filename="roost-event-[0-9a-f-]+\.json"$/);
    expect(JSON.parse(await response.text())).toMatchObject({ type: "points_earned", customer: { id: "gid://shopify/Customer/6101" } });

    const { shop: other } = await programShop();
    const theirs = await settle(payloadLoader(args(await adminRequest(`/app/webhooks/${endpointId}/deliveries/${id}`, other), { id: endpointId, deliveryId: id })));
    expect(theirs).toBeInstanceOf(Response);
    expect((theirs as Response).status).toBe(404);
    const wrongEndpoint = await settle(payloadLoader(args(await adminRequest(`/app/webhooks/nope/deliveries/${id}`, shop), { id: "nope", deliveryId: id })));
    expect((wrongEndpoint as Response).status).toBe(404);
  });
});
