import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import db from "../app/db.server";
import type { Clock } from "../app/lib/clock";
import {
  claimDelivery,
  completeDelivery,
  dueDeliveryIds,
  failDelivery,
  listDeliveries,
  recordDelivery,
} from "../app/services/inbox/inbox.server";
import { LEASE_MS } from "../app/services/jobs/queue.server";
import { action, loader } from "../app/routes/webhooks.orders.paid";
import { sessionStorage } from "../app/shopify.server";
import { orderPayload } from "./fixtures/rest-payloads";
import { deliver } from "./support/deliver";
import { installTestShop, signedWebhook, uniqueShop } from "./support/shopify";

const at = (iso: string): Clock => ({ now: () => new Date(iso) });
const rows = (shopDomain: string) => db.webhookDelivery.findMany({ where: { shopDomain }, orderBy: { receivedAt: "asc" } });
const thrown = (promise: Promise<Response>) => promise.catch((error: unknown) => error as Response);

let shop: string;
beforeEach(() => {
  shop = uniqueShop("ingest");
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("webhook authentication (the library's validation, the library's answers)", () => {
  const request = (options: Partial<Parameters<typeof signedWebhook>[0]> = {}) =>
    signedWebhook({ topic: "orders/paid", shop, payload: orderPayload({ id: 1, lines: [{ id: 1, price: "1.00", quantity: 1 }] }), ...options });

  it.each(["GET", "PUT", "DELETE"])("answers 405 to %s and stores nothing", async (method) => {
    const handler = method === "GET" ? loader : action;
    const response = await thrown(handler({ request: request({ method }), params: {}, context: {} }));
    expect(response.status).toBe(405);
    expect(response.statusText).toBe("Method not allowed");
    expect(await rows(shop)).toEqual([]);
  });

  it.each(["X-Shopify-Hmac-Sha256", "X-Shopify-Topic", "X-Shopify-Shop-Domain", "X-Shopify-API-Version", "X-Shopify-Webhook-Id"])(
    "answers 400 when %s is missing and stores nothing",
    async (header) => {
      const response = await thrown(action({ request: request({ omit: [header] }), params: {}, context: {} }));
      expect(response.status).toBe(400);
      expect(response.statusText).toBe("Bad Request");
      expect(await rows(shop)).toEqual([]);
    },
  );

  it("answers 400 to an empty body and stores nothing", async () => {
    const response = await thrown(action({ request: request({ payload: "" }), params: {}, context: {} }));
    expect(response.status).toBe(400);
    expect(await rows(shop)).toEqual([]);
  });

  it("answers 401 to a body signed with another secret, and to a body changed after signing", async () => {
    const wrongSecret = await thrown(action({ request: request({ secret: "not-the-secret" }), params: {}, context: {} }));
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.statusText).toBe("Unauthorized");

    const signed = request();
    const tampered = new Request(signed.url, { method: "POST", headers: signed.headers, body: `${await signed.text()} ` });
    expect((await thrown(action({ request: tampered, params: {}, context: {} }))).status).toBe(401);
    expect(await rows(shop)).toEqual([]);
  });

  it("accepts a verified delivery without loading a session, and stores its headers and raw body", async () => {
    const loadSession = vi.spyOn(sessionStorage, "loadSession");
    const body = JSON.stringify(orderPayload({ id: 7, lines: [{ id: 1, price: "1.00", quantity: 1 }] }));
    const response = await action({
      request: request({ payload: body, webhookId: `wh-${shop}`, eventId: `ev-${shop}`, triggeredAt: "2026-11-20T15:15:00.123Z" }),
      params: {},
      context: {},
    });

    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
    expect(loadSession).not.toHaveBeenCalled();
    const [row] = await rows(shop);
    expect(row).toMatchObject({
      shopDomain: shop,
      topic: "orders/paid",
      webhookId: `wh-${shop}`,
      eventId: `ev-${shop}`,
      apiVersion: "2026-10",
      triggeredAt: new Date("2026-11-20T15:15:00.123Z"),
      payload: body,
    });
  });

  it("stores a delivery whose X-Shopify-Triggered-At is not a date with no trigger time", async () => {
    await installTestShop(shop);
    const { status } = await deliver({ topic: "orders/edited", shop, payload: { order_edit: { order_id: 1 } }, triggeredAt: "yesterday", webhookId: `t-${shop}` });
    expect(status).toBe("processed");
    expect((await db.webhookDelivery.findUniqueOrThrow({ where: { webhookId: `t-${shop}` } })).triggeredAt).toBeNull();
  });

  it("keeps a verified body that is not JSON, as failed with the reason", async () => {
    await installTestShop(shop);
    const { response, status, error } = await deliver({ topic: "orders/paid", shop, payload: "{not json" });
    expect(response.status).toBe(200);
    expect(status).toBe("failed");
    expect(error).toBe("payload is not valid JSON");
  });
});

describe("the raw inbox insert", () => {
  const clock = at("2026-11-21T10:00:00.000Z");
  const incoming = (overrides: Partial<Parameters<typeof recordDelivery>[1]> = {}) => ({
    shopDomain: shop,
    topic: "orders/paid",
    webhookId: `wh-${crypto.randomUUID()}`,
    eventId: `ev-${crypto.randomUUID()}`,
    apiVersion: "2026-10",
    triggeredAt: new Date("2026-11-21T09:59:59.250Z"),
    payload: '{"id":1}',
    ...overrides,
  });

  it("reports the same webhook id as a duplicate and stores it once", async () => {
    const delivery = incoming();
    const first = await recordDelivery(db, delivery, clock);
    expect(first).toEqual({ outcome: "accepted", id: expect.any(String) });
    expect(await recordDelivery(db, { ...delivery, eventId: "another-event", payload: "{}" }, clock)).toEqual({ outcome: "duplicate", reason: "webhook-id" });
    expect((await rows(shop)).map((row) => [row.id, row.webhookId, row.payload])).toEqual([[first.outcome === "accepted" && first.id, delivery.webhookId, '{"id":1}']]);
  });

  it("reports the same event id for the same shop and topic under a new webhook id as a duplicate", async () => {
    const delivery = incoming({ eventId: "ev-shared" });
    await recordDelivery(db, delivery, clock);
    expect(await recordDelivery(db, { ...delivery, webhookId: `${delivery.webhookId}-again` }, clock)).toEqual({ outcome: "duplicate", reason: "event-id" });
    expect((await rows(shop)).map((row) => row.webhookId)).toEqual([delivery.webhookId]);
  });

  it("accepts the same event id on another topic, and for another shop", async () => {
    const other = uniqueShop("ingest-other");
    const paid = await recordDelivery(db, incoming({ eventId: "ev-1" }), clock);
    const updated = await recordDelivery(db, incoming({ eventId: "ev-1", topic: "orders/updated" }), clock);
    const elsewhere = await recordDelivery(db, incoming({ eventId: "ev-1", shopDomain: other }), clock);
    expect([paid.outcome, updated.outcome, elsewhere.outcome]).toEqual(["accepted", "accepted", "accepted"]);
    expect((await rows(shop)).map((row) => row.topic).sort()).toEqual(["orders/paid", "orders/updated"]);
    expect((await rows(other)).map((row) => row.eventId)).toEqual(["ev-1"]);
  });

  it("never treats deliveries without an event id as duplicates of each other", async () => {
    const outcomes = [
      await recordDelivery(db, incoming({ eventId: null }), clock),
      await recordDelivery(db, incoming({ eventId: "" }), clock),
      await recordDelivery(db, incoming({ eventId: undefined }), clock),
    ];
    expect(outcomes.map((result) => result.outcome)).toEqual(["accepted", "accepted", "accepted"]);
    expect((await rows(shop)).map((row) => row.eventId)).toEqual([null, null, null]);
  });

  it("writes rows that Prisma reads back exactly, dates included, and that Prisma's date filters find", async () => {
    const delivery = incoming({ webhookId: `exact-${shop}`, eventId: `exact-ev-${shop}` });
    const result = await recordDelivery(db, delivery, clock);
    if (result.outcome !== "accepted") throw new Error("not accepted");
    const withoutTrigger = await recordDelivery(db, incoming({ triggeredAt: null }), at("2026-11-21T10:00:00.001Z"));

    expect(await db.webhookDelivery.findUniqueOrThrow({ where: { id: result.id } })).toEqual({
      id: result.id,
      shopDomain: shop,
      topic: "orders/paid",
      webhookId: `exact-${shop}`,
      eventId: `exact-ev-${shop}`,
      apiVersion: "2026-10",
      triggeredAt: new Date("2026-11-21T09:59:59.250Z"),
      payload: '{"id":1}',
      payloadDroppedAt: null,
      status: "pending",
      attempts: 0,
      lastError: null,
      nextAttemptAt: new Date("2026-11-21T10:00:00.000Z"),
      lockedBy: null,
      lockedUntil: null,
      receivedAt: new Date("2026-11-21T10:00:00.000Z"),
      processedAt: null,
    });
    expect(await db.webhookDelivery.count({ where: { shopDomain: shop, receivedAt: { gte: new Date("2026-11-21T10:00:00.000Z"), lt: new Date("2026-11-21T10:00:00.001Z") } } })).toBe(1);
    expect((await rows(shop)).map((row) => row.id)).toEqual([result.id, withoutTrigger.outcome === "accepted" && withoutTrigger.id]);
    expect((await listDeliveries(db, { shopDomain: shop })).map((row) => row.triggeredAt)).toEqual([null, new Date("2026-11-21T09:59:59.250Z")]);
    // Due exactly at its nextAttemptAt, not a millisecond before.
    expect(await dueDeliveryIds(db, at("2026-11-21T09:59:59.999Z"), 10_000)).not.toContain(result.id);
    expect(await dueDeliveryIds(db, at("2026-11-21T10:00:00.000Z"), 10_000)).toContain(result.id);
  });
});

describe("claim and complete", () => {
  const received = "2026-11-21T10:00:00.000Z";
  async function stored(): Promise<string> {
    const result = await recordDelivery(
      db,
      { shopDomain: shop, topic: "orders/paid", webhookId: `c-${crypto.randomUUID()}`, eventId: null, apiVersion: "2026-10", triggeredAt: null, payload: "{}" },
      at(received),
    );
    if (result.outcome !== "accepted") throw new Error("not accepted");
    return result.id;
  }

  it("claims a due delivery once, returning the row as Prisma reads it, with the lease and the attempt counted", async () => {
    const id = await stored();
    const now = at("2026-11-21T10:00:05.000Z");
    const claimed = await claimDelivery(db, id, now);

    expect(claimed).toEqual(await db.webhookDelivery.findUniqueOrThrow({ where: { id } }));
    expect(claimed).toMatchObject({ attempts: 1, status: "pending", lockedUntil: new Date(Date.parse("2026-11-21T10:00:05.000Z") + LEASE_MS), receivedAt: new Date(received) });
    expect(await claimDelivery(db, id, now)).toBeNull();
  });

  it("does not claim a delivery before it is due, and takes over a lease once it has expired", async () => {
    const id = await stored();
    expect(await claimDelivery(db, id, at("2026-11-21T09:59:59.999Z"))).toBeNull();

    expect((await claimDelivery(db, id, at("2026-11-21T10:00:00.000Z")))?.attempts).toBe(1);
    // The lease runs to 10:00:00.000 + LEASE_MS: held until then, free a millisecond after.
    const leaseEnd = Date.parse("2026-11-21T10:00:00.000Z") + LEASE_MS;
    const instant = (ms: number) => at(new Date(ms).toISOString());
    expect(await claimDelivery(db, id, instant(leaseEnd - 1))).toBeNull();
    expect(await claimDelivery(db, id, instant(leaseEnd))).toBeNull();
    expect(await claimDelivery(db, id, instant(leaseEnd + 1))).toMatchObject({ attempts: 2, lockedUntil: new Date(leaseEnd + 1 + LEASE_MS) });
  });

  it("does not claim a processed, failed or dead delivery", async () => {
    const id = await stored();
    for (const status of ["processed", "failed", "dead"]) {
      await db.webhookDelivery.update({ where: { id }, data: { status } });
      expect(await claimDelivery(db, id, at("2026-11-21T11:00:00.000Z"))).toBeNull();
    }
  });

  it("completes a delivery in one statement that Prisma reads back", async () => {
    const id = await stored();
    const claimed = await claimDelivery(db, id, at("2026-11-21T10:00:01.000Z"));
    await failDelivery(db, claimed!, { message: "Admin API timed out", terminal: false }, at("2026-11-21T10:00:02.000Z"));
    await claimDelivery(db, id, at("2026-11-21T10:00:12.000Z"));
    await completeDelivery(db, id, at("2026-11-21T10:00:13.456Z"));

    expect(await db.webhookDelivery.findUniqueOrThrow({ where: { id } })).toMatchObject({
      status: "processed",
      attempts: 2,
      processedAt: new Date("2026-11-21T10:00:13.456Z"),
      lockedUntil: null,
      lastError: null,
    });
  });
});
