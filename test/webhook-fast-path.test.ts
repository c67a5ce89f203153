import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { ServerBuild } from "@remix-run/node";
import express from "express";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { webhookSubscriptions } from "../app/config.server";
import db from "../app/db.server";
import { BODY_LIMITS, refuseOversizedBodies } from "../app/http/body-limit.mjs";
import { createWebhookFastPath, routeFor, webhookTable } from "../app/http/webhook-fast-path.server";
import { logger } from "../app/lib/logger.server";
import { inboxWorker } from "../app/runtime.server";
import { orderPayload } from "./fixtures/rest-payloads";
import { API_SECRET } from "./support/constants";
import { failInboxWrites } from "./support/faults";
import { installTestShop, uniqueShop } from "./support/shopify";
import { streamBody } from "./support/stream-body";
import { shopifyWebhookHeaders } from "./support/webhook-signing";

// The fast path in front of Remix (server.mjs, production): the webhook routes' own receive(),
// given Node's request. Here in an Express app as server.mjs mounts it; what it leaves goes to
// a stand-in for Remix that answers 299, so a test can tell who answered.

type Manifest = ServerBuild["routes"];
const modules = import.meta.glob<Record<string, unknown>>("../app/routes/webhooks.*.tsx", { eager: true });

/** The route manifest Remix builds for these files (flat routes: dots are slashes, `$` a splat). */
function manifest(extra: Manifest = {}): Manifest {
  const routes: Manifest = { root: { id: "root", path: "", module: {} } as Manifest[string] };
  for (const [file, module] of Object.entries(modules)) {
    const name = file.slice("../app/routes/".length, -".tsx".length);
    const path = name.replaceAll(".", "/").replace(/\$$/, "*");
    routes[`routes/${name}`] = { id: `routes/${name}`, parentId: "root", path, module } as unknown as Manifest[string];
  }
  return { ...routes, ...extra };
}

const warn = vi.fn();
const SMALL: typeof BODY_LIMITS = [{ prefix: "/webhooks", bytes: 64 * 1024 }];
let server: http.Server;
let base: string;

beforeAll(async () => {
  const app = express();
  app.use(refuseOversizedBodies({ logger: { warn }, limits: SMALL }));
  app.use(createWebhookFastPath(manifest(), { logger: { warn }, limits: SMALL }));
  app.all("*", (_req, res) => void res.status(299).send("remix"));
  server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
afterEach(() => {
  warn.mockClear();
  vi.restoreAllMocks();
});

const rows = (shopDomain: string) => db.webhookDelivery.findMany({ where: { shopDomain }, orderBy: { receivedAt: "asc" } });
const paid = (id: number) => JSON.stringify(orderPayload({ id, lines: [{ id, price: "10.00", quantity: 1 }] }));

async function post(path: string, options: { topic: string; shop: string; body: string; secret?: string; method?: string; webhookId?: string }) {
  const headers = shopifyWebhookHeaders({ ...options, secret: options.secret ?? API_SECRET });
  const response = await fetch(`${base}${path}`, { method: options.method ?? "POST", headers, body: options.method === "GET" ? undefined : options.body });
  await inboxWorker().idle();
  return { status: response.status, text: await response.text() };
}

describe("the webhook fast path", () => {
  it("stores a signed delivery and answers 200 without Remix", async () => {
    const shop = uniqueShop("fast");
    await installTestShop(shop);
    const webhookId = crypto.randomUUID();
    const response = await post("/webhooks/orders/paid", { topic: "orders/paid", shop, body: paid(1), webhookId });

    expect(response).toEqual({ status: 200, text: "" });
    expect(await rows(shop)).toEqual([expect.objectContaining({ webhookId, topic: "orders/paid", payload: paid(1) })]);
  });

  it("answers 401 to a bad HMAC and stores nothing", async () => {
    const shop = uniqueShop("fast");
    const response = await post("/webhooks/orders/paid", { topic: "orders/paid", shop, body: paid(2), secret: "not-the-secret" });

    expect(response.status).toBe(401);
    expect(await rows(shop)).toEqual([]);
  });

  it("answers 400 when a Shopify header is missing, as the library's validation does", async () => {
    const shop = uniqueShop("fast");
    const headers = shopifyWebhookHeaders({ topic: "orders/paid", shop, body: paid(6), secret: API_SECRET });
    headers.delete("X-Shopify-Webhook-Id");
    const response = await fetch(`${base}/webhooks/orders/paid`, { method: "POST", headers, body: paid(6) });

    expect(response.status).toBe(400);
    expect(await rows(shop)).toEqual([]);
  });

  it("answers 400 to another topic than the path's and stores nothing", async () => {
    const shop = uniqueShop("fast");
    const response = await post("/webhooks/orders/paid", { topic: "shop/redact", shop, body: paid(3) });

    expect(response).toEqual({ status: 400, text: "X-Shopify-Topic does not match this route (orders/paid)" });
    expect(await rows(shop)).toEqual([]);
  });

  it("answers 413 to a body over the limit, declared or counted as it arrives, before the HMAC check", async () => {
    const headers = Object.fromEntries(shopifyWebhookHeaders({ topic: "orders/paid", shop: "claimed.myshopify.com", body: "x", secret: API_SECRET }));
    for (const chunked of [false, true]) {
      const response = await streamBody(`${base}/webhooks/orders/paid`, { bytes: 1024 * 1024, chunked, headers });
      expect(response.status, `chunked: ${chunked}`).toBe(413);
      expect(response.headers.connection).toBe("close");
      expect(response.body).toBe(`The body must be at most ${64 * 1024} bytes`);
    }
    expect(warn.mock.calls.map(([fields]) => fields)).toEqual([
      expect.objectContaining({ claimedShop: "claimed.myshopify.com", claimedTopic: "orders/paid", declaredBytes: 1024 * 1024 }),
      expect.objectContaining({ claimedShop: "claimed.myshopify.com", claimedTopic: "orders/paid", receivedBytes: expect.any(Number) }),
    ]);
    expect(await rows("claimed.myshopify.com")).toEqual([]);
  });

  it("parks a delivery for a shop Roost has no installation record for", async () => {
    const shop = uniqueShop("fast-unknown");
    expect((await post("/webhooks/customers/create", { topic: "customers/create", shop, body: "{}" })).status).toBe(200);

    expect((await rows(shop)).map((row) => [row.topic, row.status])).toEqual([["customers/create", "parked"]]);
    expect(await db.shop.findUnique({ where: { domain: shop } })).toBeNull();
  });

  it("stores a path without a route of its own as unhandled, as the catch-all route does", async () => {
    const shop = uniqueShop("fast");
    await installTestShop(shop);
    expect((await post("/webhooks/draft_orders/create", { topic: "draft_orders/create", shop, body: "{}" })).status).toBe(200);

    expect((await rows(shop)).map((row) => [row.topic, row.status, row.eventId])).toEqual([["draft_orders/create", "unhandled", null]]);
  });

  it("answers 503 when the inbox cannot be written, so Shopify retries", async () => {
    vi.spyOn(logger, "error").mockImplementation(() => undefined);
    const shop = uniqueShop("fast");
    await installTestShop(shop);
    const restore = await failInboxWrites(db);
    try {
      expect((await post("/webhooks/orders/paid", { topic: "orders/paid", shop, body: paid(4) })).status).toBe(503);
    } finally {
      await restore();
    }
    expect(await rows(shop)).toEqual([]);
  });

  it("leaves to Remix what it does not take: other methods, a query string, other spellings, other paths", async () => {
    const shop = uniqueShop("fast");
    for (const [method, path] of [
      ["GET", "/webhooks/orders/paid"],
      ["PUT", "/webhooks/orders/paid"],
      ["POST", "/webhooks/orders/paid?_data=root"],
      ["POST", "/webhooks/orders/paid/"],
      ["POST", "/webhooks/orders%2Fpaid"],
      ["POST", "/webhooks"],
      ["POST", "/app/webhooks"],
    ]) {
      const response = await post(path, { topic: "orders/paid", shop, body: paid(5), method });
      expect(response, `${method} ${path}`).toEqual({ status: 299, text: "remix" });
    }
    expect(await rows(shop)).toEqual([]);
  });
});

describe("the fast path's table: the webhook routes, read from the route manifest", () => {
  it("knows every webhook route and nothing else: one path per subscription in shopify.app.toml, and the catch-all", () => {
    const files = fs.readdirSync("app/routes").filter((file) => file.startsWith("webhooks."));
    const table = webhookTable(manifest());
    const subscribed = webhookSubscriptions.flatMap((subscription) => [...(subscription.topics ?? []), ...(subscription.compliance_topics ?? [])].map((topic) => [subscription.uri, topic]));

    expect(Object.keys(modules)).toHaveLength(files.length);
    expect([...table.topics].sort()).toEqual(subscribed.sort());
    expect(table.topics.size).toBe(files.length - 1);
    expect(table.catchAll).toBe(true);
    for (const [path, topic] of table.topics) expect(routeFor(table, path)).toBe(topic);
    expect(routeFor(table, "/webhooks/ORDERS/Paid")).toBe("orders/paid");
    expect(routeFor(table, "/webhooks/not/a/route")).toBeNull();
  });

  it("refuses to start when a route under /webhooks names no topic, or a topic sits on another path", () => {
    const route = (id: string, path: string, module: object) => ({ [id]: { id, parentId: "root", path, module } as Manifest[string] });
    expect(() => webhookTable(manifest(route("routes/webhooks.orders.refunded", "webhooks/orders/refunded", { action: () => null })))).toThrow(/under \/webhooks but names no webhook topic/);
    expect(() => webhookTable(manifest(route("routes/webhooks.orders.late", "webhooks/orders/late", { handle: { webhookTopic: "orders/paid" } })))).toThrow(/must be \/webhooks\/orders\/paid/);
    // app.webhooks.tsx is "webhooks" under /app: not a webhook route.
    const admin = { ...route("routes/app", "app", {}), ...route("routes/app.webhooks", "webhooks", {}) };
    admin["routes/app.webhooks"] = { ...admin["routes/app.webhooks"]!, parentId: "routes/app" };
    expect(webhookTable(manifest(admin)).topics.size).toBe(webhookTable(manifest()).topics.size);
  });
});
