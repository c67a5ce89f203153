import { beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { action as endpointAction, loader as endpointLoader } from "../../app/routes/app.webhooks.$id";
import { action as listAction, loader as listLoader } from "../../app/routes/app.webhooks";
import { JOURNEY_EVENT_TYPES } from "../../app/services/journeys/events";
import { adminRequest } from "../support/shopify";
import { args, programShop, settle } from "../members/helpers";

// The Webhooks pages' loaders and actions with real requests. The URLs are public IP literals
// (TEST-NET-3), so the address check needs no DNS; nothing is sent (no job runner here).

const HOOK = "https://203.0.113.10/roost";
let shop: string;
let shopId: string;

const post = async (path: string, fields: Record<string, string | string[]>, asShop = shop) => {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) for (const one of [value].flat()) body.append(name, one);
  return adminRequest(path, asShop, { method: "POST", body });
};
const data = async <T>(promise: Promise<T>): Promise<Exclude<T, Response>> => {
  const result = await settle(promise);
  if (result instanceof Response) throw new Error(`route answered ${result.status}: ${await result.text()}`);
  return result as Exclude<T, Response>;
};
const status = async (promise: Promise<unknown>) => {
  const result = await settle(promise);
  return result instanceof Response ? result.status : "returned";
};
const add = (fields: Record<string, string | string[]>, asShop = shop) => post("/app/webhooks", fields, asShop).then((request) => listAction(args(request)));
const page = (id: string, asShop = shop) => adminRequest(`/app/webhooks/${id}`, asShop).then((request) => endpointLoader(args(request, { id })));
const act = (id: string, fields: Record<string, string>, asShop = shop) => post(`/app/webhooks/${id}`, fields, asShop).then((request) => endpointAction(args(request, { id })));

beforeEach(async () => {
  ({ shop, shopId } = await programShop());
});

describe("webhooks routes", () => {
  it("a refused URL or no events is a field error and stores nothing", async () => {
    expect(await data(listLoader(args(await adminRequest("/app/webhooks", shop))))).toMatchObject({ endpoints: [] });

    const ftp = await data(add({ url: "ftp://x", "events[]": ["points_earned"] }));
    expect(ftp).toEqual({ ok: false, errors: { url: "The URL must start with https://" } });
    const loopback = await data(add({ url: "https://127.0.0.1/hook", "events[]": ["points_earned"] }));
    expect(loopback).toMatchObject({ ok: false, errors: { url: expect.stringContaining("private, loopback or link-local") } });
    const none = await data(add({ url: HOOK }));
    expect(none).toEqual({ ok: false, errors: { events: "Choose at least one event" } });
    const unknown = await data(add({ url: "", "events[]": ["points_spent"] }));
    expect(unknown).toMatchObject({ ok: false, errors: { url: "Enter the endpoint's URL", events: expect.stringContaining("Unknown event points_spent") } });

    expect(await db.endpoint.count({ where: { shopId } })).toBe(0);
    expect(await db.auditLog.count({ where: { shopId, action: { startsWith: "endpoint." } } })).toBe(0);
  });

  it("adding shows the secret once; the list and the endpoint page never carry it", async () => {
    const added = await data(add({ url: HOOK, "events[]": ["tier_changed", "points_earned"], personalData: "true" }));
    if (!added.ok) throw new Error(`not added: ${JSON.stringify(added.errors)}`);
    expect(added.secret).toMatch(/^whsec_[0-9a-f]{64}$/);
    const row = await db.endpoint.findFirstOrThrow({ where: { shopId } });
    expect(row).toMatchObject({ id: added.endpoint.id, url: HOOK, secret: added.secret, personalData: true, enabled: true });
    expect(JSON.parse(row.events)).toEqual(["points_earned", "tier_changed"]);
    expect(await db.auditLog.findFirstOrThrow({ where: { shopId, action: "endpoint.added" } })).toMatchObject({ actor: expect.stringMatching(/^staff/) });

    const list = await data(listLoader(args(await adminRequest("/app/webhooks", shop))));
    expect(list.endpoints).toEqual([
      expect.objectContaining({ id: row.id, url: HOOK, events: ["points_earned", "tier_changed"], personalData: true, enabled: true, counts: { delivered: 0, pending: 0, failed: 0 }, lastDelivery: null }),
    ]);
    const detail = await data(page(row.id));
    expect(detail).toMatchObject({ endpoint: { id: row.id, url: HOOK }, deliveries: [], timezone: "America/New_York" });
    for (const shown of [list, detail]) expect(JSON.stringify(shown)).not.toContain(added.secret);

    // Both spellings of the checkboxes: Polaris' events[] and a plain form's events.
    const all = await data(add({ url: "https://203.0.113.11/all", events: [...JOURNEY_EVENT_TYPES] }));
    if (!all.ok) throw new Error("not added");
    expect(await db.endpoint.findUniqueOrThrow({ where: { id: all.endpoint.id } })).toMatchObject({ events: JSON.stringify(JOURNEY_EVENT_TYPES), personalData: false });
  });

  it("another shop's endpoint is not found, on the page and for every action", async () => {
    const added = await data(add({ url: HOOK, "events[]": ["points_earned"] }));
    if (!added.ok) throw new Error("not added");
    const id = added.endpoint.id;
    await act(id, { intent: "test" });
    const delivery = await db.endpointDelivery.findFirstOrThrow({ where: { shopId, endpointId: id } });

    const other = await programShop();
    expect(await status(page(id, other.shop))).toBe(404);
    expect(await status(page("no-such-endpoint"))).toBe(404);
    for (const intent of ["test", "enable", "disable", "remove"]) expect(await status(act(id, { intent }, other.shop))).toBe(404);
    expect(await status(act(id, { intent: "replay", deliveryId: delivery.id }, other.shop))).toBe(404);
    // A delivery of another shop's endpoint, replayed from this shop's own endpoint page.
    const theirs = await data(add({ url: HOOK, "events[]": ["points_earned"] }, other.shop));
    if (!theirs.ok) throw new Error("not added");
    expect(await status(act(theirs.endpoint.id, { intent: "replay", deliveryId: delivery.id }, other.shop))).toBe(404);

    expect(await db.endpoint.findUniqueOrThrow({ where: { id } })).toMatchObject({ enabled: true });
    expect(await db.endpointDelivery.count({ where: { endpointId: id } })).toBe(1);
    expect(await db.auditLog.count({ where: { shopId: other.shopId, action: { not: "endpoint.added" }, AND: { action: { startsWith: "endpoint." } } } })).toBe(0);
    expect(await status(act(id, { intent: "explode" }))).toBe(400);
  });

  it("send test event, replay, disable and enable, then remove after the page's confirmation", async () => {
    const added = await data(add({ url: HOOK, "events[]": ["points_earned"] }));
    if (!added.ok) throw new Error("not added");
    const id = added.endpoint.id;

    expect(await data(act(id, { intent: "test" }))).toEqual({ intent: "test", message: expect.stringMatching(/^Test event queued/) });
    const detail = await data(page(id));
    expect(detail.deliveries).toEqual([expect.objectContaining({ eventType: "test", label: "Test event", eventId: expect.stringMatching(/^test_/), status: "pending", attempts: 0 })]);
    expect(detail.endpoint.counts).toEqual({ delivered: 0, pending: 1, failed: 0 });

    // As the sender leaves a failed delivery; a replay makes it pending again with the same event id.
    const [delivery] = detail.deliveries;
    await db.endpointDelivery.update({ where: { id: delivery.id }, data: { status: "failed", attempts: 3, responseCode: 500, lastAttemptAt: new Date() } });
    expect((await data(page(id))).endpoint.lastDelivery).toMatchObject({ status: "failed", responseCode: 500 });
    expect(await data(act(id, { intent: "replay", deliveryId: delivery.id }))).toEqual({ intent: "replay", message: expect.stringMatching(/^Replay queued/) });
    expect(await db.endpointDelivery.findUniqueOrThrow({ where: { id: delivery.id } })).toMatchObject({ status: "pending", eventId: delivery.eventId });
    expect(await status(act(id, { intent: "replay", deliveryId: "no-such-delivery" }))).toBe(404);
    expect(await status(act(id, { intent: "replay" }))).toBe(400);

    expect(await data(act(id, { intent: "disable" }))).toMatchObject({ intent: "disable", message: expect.stringMatching(/^Endpoint disabled/) });
    expect((await data(page(id))).endpoint.enabled).toBe(false);
    expect(await data(act(id, { intent: "enable" }))).toMatchObject({ intent: "enable" });
    expect((await data(page(id))).endpoint.enabled).toBe(true);

    const removed = await settle(act(id, { intent: "remove" }));
    expect(removed).toBeInstanceOf(Response);
    expect(new URL((removed as Response).headers.get("Location") ?? "", "http://x").pathname).toBe("/app/webhooks");
    expect(await db.endpoint.count({ where: { id } })).toBe(0);
    expect(await db.endpointDelivery.count({ where: { endpointId: id } })).toBe(0);
    expect(await status(page(id))).toBe(404);
    expect((await db.auditLog.findMany({ where: { shopId }, orderBy: { createdAt: "asc" }, select: { action: true } })).map((row) => row.action).filter((action) => action.startsWith("endpoint."))).toEqual([
      "endpoint.added",
      "endpoint.test_sent",
      "endpoint.delivery_replayed",
      "endpoint.disabled",
      "endpoint.enabled",
      "endpoint.removed",
    ]);
  });
});
