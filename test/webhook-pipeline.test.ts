import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { runCli } from "../app/cli/roost.server";
import db from "../app/db.server";
import type { Clock } from "../app/lib/clock";
import { logger } from "../app/lib/logger.server";
import { MAX_ATTEMPTS } from "../app/services/inbox/inbox.server";
import { inboxWorker } from "../app/runtime.server";
import { InboxWorker } from "../app/services/inbox/worker.server";
import { databaseCapStore } from "../app/services/ledger/cap.server";
import { topicHandlers } from "../app/services/webhooks/topics.server";
import { action as scopesUpdate } from "../app/routes/webhooks.app.scopes_update";
import { action as uninstalled, loader as uninstalledGet } from "../app/routes/webhooks.app.uninstalled";
import { shopPayload } from "./fixtures/rest-payloads";
import { failInboxWrites } from "./support/faults";
import { installTestShop, signedWebhook, uniqueShop } from "./support/shopify";

const call = (handler: typeof uninstalled, request: Request) => handler({ request, params: {}, context: {} });

async function deliver(handler: typeof uninstalled, request: Request): Promise<Response> {
  const response = await call(handler, request);
  await inboxWorker().idle();
  return response;
}

const rows = (shopDomain: string) => db.webhookDelivery.findMany({ where: { shopDomain } });

function cliOutput() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: { write: (text: string) => out.push(text) }, stderr: { write: (text: string) => err.push(text) } },
    json: () => JSON.parse(out.join("")),
    stderr: () => err.join(""),
  };
}

let shop: string;
beforeEach(async () => {
  shop = uniqueShop();
  await installTestShop(shop, { name: "Pipeline Store" });
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("app/uninstalled", () => {
  it("answers 200, stores one inbox row, and uninstalls the shop", async () => {
    const response = await deliver(uninstalled, signedWebhook({ topic: "app/uninstalled", shop, payload: shopPayload(shop) }));

    expect(response.status).toBe(200);
    const [row, ...others] = await rows(shop);
    expect(others).toHaveLength(0);
    expect(row).toMatchObject({ topic: "app/uninstalled", status: "processed", attempts: 1, lastError: null });
    const stored = await db.shop.findUniqueOrThrow({ where: { domain: shop } });
    expect(stored.installed).toBe(false);
    expect(stored.uninstalledAt).toBeInstanceOf(Date);
    expect(await db.session.count({ where: { shop } })).toBe(0);
  });

  it("revokes the shop's API tokens", async () => {
    const { createApiToken, authenticateApiToken } = await import("../app/services/api/tokens.server");
    const { id: shopId } = await db.shop.findUniqueOrThrow({ where: { domain: shop } });
    const { token } = await createApiToken(db, { shopId, name: "POS bridge", actor: "test" });
    expect(await authenticateApiToken(db, token)).not.toBeNull();

    await deliver(uninstalled, signedWebhook({ topic: "app/uninstalled", shop, payload: shopPayload(shop) }));

    expect(await authenticateApiToken(db, token)).toBeNull();
    expect((await db.apiToken.findFirstOrThrow({ where: { shopId } })).revokedAt).toBeInstanceOf(Date);
  });

  it("reuses the shop's records when the shop installs again", async () => {
    const before = await db.shop.findUniqueOrThrow({ where: { domain: shop } });
    await deliver(uninstalled, signedWebhook({ topic: "app/uninstalled", shop, payload: shopPayload(shop) }));
    await installTestShop(shop, { name: "Pipeline Store" });

    const after = await db.shop.findUniqueOrThrow({ where: { domain: shop } });
    expect(after).toMatchObject({ id: before.id, orgId: before.orgId, installed: true, uninstalledAt: null });
  });

  it("acknowledges the same delivery again without storing or processing it twice", async () => {
    const handler = vi.spyOn(topicHandlers, "app/uninstalled");
    const delivery = { topic: "app/uninstalled", shop, payload: shopPayload(shop), webhookId: "wh-repeat-1", eventId: "ev-repeat-1" };

    expect((await deliver(uninstalled, signedWebhook(delivery))).status).toBe(200);
    expect((await deliver(uninstalled, signedWebhook(delivery))).status).toBe(200);

    expect(await rows(shop)).toHaveLength(1);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it("treats the same event id for the same topic under a new webhook id as a duplicate", async () => {
    const handler = vi.spyOn(topicHandlers, "app/uninstalled");
    const eventId = `ev-${shop}`;

    await deliver(uninstalled, signedWebhook({ topic: "app/uninstalled", shop, payload: shopPayload(shop), eventId, webhookId: `a-${shop}` }));
    const second = await deliver(uninstalled, signedWebhook({ topic: "app/uninstalled", shop, payload: shopPayload(shop), eventId, webhookId: `b-${shop}` }));

    expect(second.status).toBe(200);
    expect(handler).toHaveBeenCalledTimes(1);
    expect((await rows(shop)).map((row) => row.webhookId)).toEqual([`a-${shop}`]);
  });

  it("processes the same event id under another topic", async () => {
    const eventId = `ev-shared-${shop}`;
    await deliver(uninstalled, signedWebhook({ topic: "app/uninstalled", shop, payload: shopPayload(shop), eventId }));
    await deliver(scopesUpdate, signedWebhook({ topic: "app/scopes_update", shop, payload: { current: ["read_orders"] }, eventId }));

    expect((await rows(shop)).map((row) => row.status).sort()).toEqual(["processed", "processed"]);
  });
});

describe("requests that are not Shopify's", () => {
  it("answers 401 to a wrong HMAC and stores nothing", async () => {
    const response = await call(uninstalled, signedWebhook({ topic: "app/uninstalled", shop, payload: shopPayload(shop), secret: "not-the-secret" })).catch((thrown: Response) => thrown);

    expect((response as Response).status).toBe(401);
    expect(await rows(shop)).toHaveLength(0);
  });

  it("answers 405 to GET", async () => {
    const response = await uninstalledGet({ request: signedWebhook({ topic: "app/uninstalled", shop, payload: shopPayload(shop), method: "GET" }), params: {}, context: {} }).catch((thrown: Response) => thrown);

    expect((response as Response).status).toBe(405);
    expect(await rows(shop)).toHaveLength(0);
  });

  it("answers 400 when a required Shopify header is missing and stores nothing", async () => {
    const request = signedWebhook({ topic: "app/uninstalled", shop, payload: shopPayload(shop), omit: ["X-Shopify-Webhook-Id"] });
    const response = await call(uninstalled, request).catch((thrown: Response) => thrown);

    expect((response as Response).status).toBe(400);
    expect(await rows(shop)).toHaveLength(0);
  });
});

describe("persist before acknowledging", () => {
  it("answers 503 when the inbox cannot be written, so Shopify retries", async () => {
    vi.spyOn(logger, "error").mockImplementation(() => undefined);
    const restore = await failInboxWrites(db);
    try {
      const response = await call(uninstalled, signedWebhook({ topic: "app/uninstalled", shop, payload: shopPayload(shop) }));
      expect(response.status).toBe(503);
    } finally {
      await restore();
    }
    expect(await rows(shop)).toHaveLength(0);
    expect((await db.shop.findUniqueOrThrow({ where: { domain: shop } })).installed).toBe(true);
  });

  it("keeps an authenticated but unprocessable payload as failed with its reason", async () => {
    const response = await deliver(scopesUpdate, signedWebhook({ topic: "app/scopes_update", shop, payload: { current: "read_orders" } }));

    expect(response.status).toBe(200);
    const [row] = await rows(shop);
    expect(row.status).toBe("failed");
    expect(row.lastError).toMatch(/app\/scopes_update payload is invalid: current: /);
  });
});

describe("retries and dead letters", () => {
  it("retries a failing delivery with back-off, dead-letters it after the last attempt, and replays it", async () => {
    let now = new Date();
    const clock: Clock = { now: () => now };
    const worker = new InboxWorker({ db, clock, logger, handlers: topicHandlers, capStore: databaseCapStore });
    const failing = vi.spyOn(topicHandlers, "app/scopes_update").mockRejectedValue(new Error("Admin API timed out"));
    const webhookId = `retry-${shop}`;

    await deliver(scopesUpdate, signedWebhook({ topic: "app/scopes_update", shop, payload: { current: [] }, webhookId }));
    let [row] = await rows(shop);
    expect(row).toMatchObject({ status: "pending", attempts: 1, lastError: "Admin API timed out" });

    // Not due yet: the back-off holds it.
    await worker.drain();
    expect((await rows(shop))[0]).toMatchObject({ status: "pending", attempts: 1 });

    const waits: number[] = [];
    while (row.status === "pending") {
      waits.push(Math.round((row.nextAttemptAt.getTime() - now.getTime()) / 1000));
      now = new Date(row.nextAttemptAt.getTime() + 1);
      await worker.drain();
      [row] = await rows(shop);
    }
    expect(row).toMatchObject({ status: "dead", attempts: MAX_ATTEMPTS, lastError: "Admin API timed out" });
    // The worker drains the whole inbox; count only this shop's attempts.
    expect(failing.mock.calls.filter(([context]) => context.shopDomain === shop)).toHaveLength(MAX_ATTEMPTS);
    expect(waits).toEqual([10, 60, 300, 900, 3600, 14400, 43200]);

    const listed = cliOutput();
    expect(await runCli(["inbox:list", "--shop", shop, "--status", "dead", "--json"], { ...listed.io, db, clock })).toBe(0);
    expect(listed.json()).toEqual({
      shop,
      deliveries: [
        expect.objectContaining({ webhookId, topic: "app/scopes_update", status: "dead", attempts: 8, error: "Admin API timed out" }),
      ],
    });

    failing.mockRestore();
    const replayed = cliOutput();
    expect(await runCli(["inbox:replay", webhookId, "--shop", shop, "--json"], { ...replayed.io, db, clock })).toBe(0);
    expect(replayed.json()).toEqual({ replayed: { webhookId, topic: "app/scopes_update", status: "pending" } });
    await worker.drain();
    [row] = await rows(shop);
    expect(row).toMatchObject({ status: "processed", attempts: 1 });
  });

  it("picks up a delivery whose worker crashed mid-processing once its lease expires", async () => {
    let now = new Date();
    const clock: Clock = { now: () => now };
    const worker = new InboxWorker({ db, clock, logger, handlers: topicHandlers, capStore: databaseCapStore });
    const row = await db.webhookDelivery.create({
      data: {
        shopDomain: shop, topic: "app/uninstalled", webhookId: `crash-${shop}`, apiVersion: "2026-10", payload: JSON.stringify(shopPayload(shop)),
        attempts: 1, lockedUntil: new Date(now.getTime() + 60_000),
      },
    });
    await worker.drain();
    expect(await db.webhookDelivery.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ status: "pending", attempts: 1 });
    now = new Date(now.getTime() + 61_000);
    await worker.drain();
    expect(await db.webhookDelivery.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ status: "processed", attempts: 2 });
  });
});
