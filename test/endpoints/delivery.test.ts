import { afterEach, beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { systemClock } from "../../app/lib/clock";
import { endpointDeliveries, replayDelivery, sendTestEvent, setEndpointEnabled } from "../../app/services/endpoints/endpoints.server";
import { customerPayload, orderPayload } from "../fixtures/rest-payloads";
import { deliver } from "../support/deliver";
import { deliveriesOf, endpointFor, endpointShop, flush, jobsOf, later, receiver, verifySignature } from "./support";

const ANA = 115310627;
let shop: string;
let shopId: string;
let row: { id: string; domain: string };
let server: Awaited<ReturnType<typeof receiver>>;

beforeEach(async () => {
  ({ shop, shopId, row } = await endpointShop());
  server = await receiver();
});
afterEach(() => server.close());

async function customerAndOrder(orderId = 5001, price = "57.60") {
  await deliver({ topic: "customers/create", shop, payload: customerPayload({ id: ANA, email: "ana.lima@example.com" }) });
  await deliver({ topic: "orders/paid", shop, payload: orderPayload({ id: orderId, customerId: ANA, lines: [{ id: orderId * 10, price, quantity: 1 }] }) });
}

describe("journey events to a merchant's endpoint", () => {
  it("an order that earns points delivers points_earned with the amount and balance, signed; no email without personal data", async () => {
    const { endpoint, secret } = await endpointFor(row, server.url, ["points_earned", "first_purchase"]);
    await customerAndOrder();
    await flush();

    const types = server.received.map((request) => JSON.parse(request.body).type as string).sort();
    expect(types).toEqual(["first_purchase", "points_earned"]);
    const earned = server.received.find((request) => JSON.parse(request.body).type === "points_earned")!;
    const body = JSON.parse(earned.body);
    const member = await db.member.findFirstOrThrow({ where: { shopId, customerGid: `gid://shopify/Customer/${ANA}` } });
    expect(body).toEqual({
      id: expect.any(String),
      type: "points_earned",
      version: 1,
      shop,
      occurred_at: expect.stringMatching(/^2026-11-20T15:15:00\.000Z$/),
      customer: { id: `gid://shopify/Customer/${ANA}` },
      data: { points: member.balance, balance: member.balance, order: "gid://shopify/Order/5001" },
    });
    expect(body.data.points).toBeGreaterThan(0);
    expect(earned.headers["content-type"]).toBe("application/json");
    expect(earned.headers["user-agent"]).toBe("Roost-Webhooks/1");
    expect(earned.headers["roost-event-id"]).toBe(body.id);
    const signature = String(earned.headers["roost-signature"]);
    expect(verifySignature(secret, signature, earned.body, Math.floor(Date.now() / 1000))).toBe(true);
    expect(verifySignature("whsec_wrong", signature, earned.body, Math.floor(Date.now() / 1000))).toBe(false);
    expect(verifySignature(secret, signature, earned.body, Math.floor(Date.now() / 1000) + 3600)).toBe(false);

    const log = await endpointDeliveries(db, shopId, endpoint.id);
    expect(log).toHaveLength(2);
    expect(log.every((delivery) => delivery.status === "delivered" && delivery.attempts === 1 && delivery.responseCode === 200 && delivery.latencyMs !== null)).toBe(true);
  });

  it("carries the member's email only to an endpoint allowed personal data", async () => {
    await endpointFor(row, server.url, ["points_earned"], true);
    const other = await receiver();
    try {
      await endpointFor(row, other.url, ["points_earned"], false);
      await customerAndOrder();
      await flush();
      expect(JSON.parse(server.received[0].body).customer).toEqual({ id: `gid://shopify/Customer/${ANA}`, email: "ana.lima@example.com" });
      expect(JSON.parse(other.received[0].body).customer).toEqual({ id: `gid://shopify/Customer/${ANA}` });
    } finally {
      await other.close();
    }
  });

  it("a failing endpoint is retried with back-off and then delivered exactly once", async () => {
    await endpointFor(row, server.url, ["points_earned"]);
    server.answer(500, 500);
    await customerAndOrder();
    await flush();
    expect(await deliveriesOf(shopId)).toMatchObject([{ status: "pending", attempts: 1, responseCode: 500, error: "HTTP 500" }]);
    // Not due again before 30 s.
    await flush({ clock: later(20_000) });
    expect(server.received).toHaveLength(1);
    await flush({ clock: later(31_000) });
    expect(await deliveriesOf(shopId)).toMatchObject([{ status: "pending", attempts: 2, responseCode: 500 }]);
    // The second wait is twice the first.
    await flush({ clock: later(31_000 + 45_000) });
    expect(server.received).toHaveLength(2);
    await flush({ clock: later(31_000 + 61_000) });
    await flush({ clock: later(10 * 3_600_000) });
    expect(await deliveriesOf(shopId)).toMatchObject([{ status: "delivered", attempts: 3, responseCode: 200, error: null }]);
    expect(server.received).toHaveLength(3);
    expect(new Set(server.received.map((request) => request.headers["roost-event-id"])).size).toBe(1);
    expect(new Set(server.received.map((request) => request.body)).size).toBe(1);
  });

  it("after 24 hours of failures the delivery is failed and sent no more", async () => {
    await endpointFor(row, server.url, ["points_earned"]);
    server.answer(...Array.from({ length: 60 }, () => 503));
    await customerAndOrder();
    await flush();
    let offset = 0;
    for (let hour = 0; hour < 40 && (await deliveriesOf(shopId))[0].status === "pending"; hour += 1) {
      offset += 3_600_000;
      await flush({ clock: later(offset) });
    }
    const [delivery] = await deliveriesOf(shopId);
    expect(delivery).toMatchObject({ status: "failed", responseCode: 503 });
    expect(delivery.lastAttemptAt!.getTime() - delivery.createdAt.getTime()).toBeLessThanOrEqual(24 * 3_600_000);
    expect(delivery.attempts).toBe(server.received.length);
    const sent = server.received.length;
    await flush({ clock: later(offset + 48 * 3_600_000) });
    expect(server.received).toHaveLength(sent);
  });

  it("sends nothing for a type the endpoint does not subscribe to, and nothing twice when dispatched twice", async () => {
    await endpointFor(row, server.url, ["tier_changed"]);
    await customerAndOrder();
    await flush();
    await flush();
    expect(server.received).toHaveLength(0);
    expect(await deliveriesOf(shopId)).toEqual([]);
    expect(await db.journeyEvent.count({ where: { shopId, dispatchedAt: null } })).toBe(0);

    const second = await receiver();
    try {
      await endpointFor(row, second.url, ["points_earned"]);
      // Events recorded before the endpoint existed are not sent to it.
      await flush();
      expect(second.received).toHaveLength(0);
      await deliver({ topic: "orders/paid", shop, payload: orderPayload({ id: 5002, customerId: ANA, lines: [{ id: 50020, price: "10.00", quantity: 1 }] }) });
      await flush();
      await flush();
      expect(second.received.map((request) => JSON.parse(request.body).type)).toEqual(["points_earned"]);
      expect(await jobsOf(shopId)).toMatchObject([{ status: "done" }]);
    } finally {
      await second.close();
    }
  });

  it("a shop without endpoints has its events marked dispatched", async () => {
    await customerAndOrder();
    expect(await db.journeyEvent.count({ where: { shopId, dispatchedAt: null } })).toBeGreaterThan(0);
    await flush();
    expect(await db.journeyEvent.count({ where: { shopId, dispatchedAt: null } })).toBe(0);
    expect(await deliveriesOf(shopId)).toEqual([]);
  });

  it("a replay resends the same event id and body; a test event is delivered and logged", async () => {
    const { endpoint, secret } = await endpointFor(row, server.url, ["points_earned"]);
    await customerAndOrder();
    await flush();
    const [first] = await endpointDeliveries(db, shopId, endpoint.id);
    expect(await replayDelivery({ db, clock: systemClock }, row, first.id, "staff user 1 via admin")).toBe(true);
    await flush();
    expect(server.received).toHaveLength(2);
    expect(server.received[1].headers["roost-event-id"]).toBe(server.received[0].headers["roost-event-id"]);
    expect(server.received[1].body).toBe(server.received[0].body);
    expect(await endpointDeliveries(db, shopId, endpoint.id)).toMatchObject([{ id: first.id, status: "delivered", attempts: 2 }]);
    expect(await db.auditLog.findFirst({ where: { shopId, action: "endpoint.delivery_replayed" } })).toMatchObject({ actor: "staff user 1 via admin" });

    const test = await sendTestEvent({ db, clock: systemClock }, row, endpoint.id, "test");
    expect(test.ok).toBe(true);
    await flush();
    const sent = JSON.parse(server.received[2].body);
    expect(sent).toMatchObject({ type: "test", version: 1, shop, customer: { id: null } });
    expect(sent.id).toMatch(/^test_/);
    expect(verifySignature(secret, String(server.received[2].headers["roost-signature"]), server.received[2].body, Math.floor(Date.now() / 1000))).toBe(true);
    const log = await endpointDeliveries(db, shopId, endpoint.id);
    expect(log[0]).toMatchObject({ eventType: "test", status: "delivered", eventId: sent.id });
    expect(await replayDelivery({ db, clock: systemClock }, { id: "other-shop", domain: "x" }, first.id, "test")).toBe(false);
    expect(await sendTestEvent({ db, clock: systemClock }, row, "no-such-endpoint", "test")).toEqual({ ok: false, error: "No such endpoint" });
  });

  it("a disabled endpoint is sent nothing new", async () => {
    const { endpoint } = await endpointFor(row, server.url, ["points_earned"]);
    expect(await setEndpointEnabled({ db, clock: systemClock }, row, endpoint.id, false, "test")).toBe(true);
    await customerAndOrder();
    await flush();
    expect(server.received).toHaveLength(0);
    expect(await deliveriesOf(shopId)).toEqual([]);
  });
});
