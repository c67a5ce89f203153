import type { AddressInfo } from "node:net";
import http from "node:http";
import express from "express";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import {
  BODY_LIMITS,
  type BodyLimit,
  BodyTooLargeError,
  bodyLimitFor,
  DEFAULT_BODY_LIMIT,
  limitedRequestHandler,
  refuseOversizedBodies,
} from "../app/http/body-limit.mjs";
import { streamBody } from "./support/stream-body";

describe("bodyLimitFor: one table, keyed by path prefix", () => {
  it("gives webhooks 25 MiB, the external API and the pixel ingest 64 KiB, everything else 1 MiB", () => {
    expect(bodyLimitFor("/webhooks/orders/paid").bytes).toBe(25 * 1024 * 1024);
    expect(bodyLimitFor("/api/v1/orders")).toMatchObject({ bytes: 64 * 1024, json: true });
    expect(bodyLimitFor("/api/v1/refunds").bytes).toBe(64 * 1024);
    expect(bodyLimitFor("/ingest/events").bytes).toBe(64 * 1024);
    expect(bodyLimitFor("/account/redemptions")).toMatchObject({ bytes: 8 * 1024, json: true, cors: true });
    expect(bodyLimitFor("/app/settings")).toBe(DEFAULT_BODY_LIMIT);
    expect(DEFAULT_BODY_LIMIT.bytes).toBe(1024 * 1024);
    expect(BODY_LIMITS.map((limit: BodyLimit) => limit.prefix)).toEqual(["/webhooks", "/api/v1", "/ingest", "/account"]);
  });

  it("matches whole segments, as the router would spell the path", () => {
    expect(bodyLimitFor("/webhooksfoo")).toBe(DEFAULT_BODY_LIMIT);
    expect(bodyLimitFor("/api/v10/orders")).toBe(DEFAULT_BODY_LIMIT);
    // Routing ignores case, decodes the path and collapses slashes: so does the table.
    expect(bodyLimitFor("/API/V1/orders").bytes).toBe(64 * 1024);
    expect(bodyLimitFor("/api%2Fv1/orders").bytes).toBe(64 * 1024);
    expect(bodyLimitFor("//api//v1/orders").bytes).toBe(64 * 1024);
    expect(bodyLimitFor("/api/v1/%E0%A4%A")).toMatchObject({ prefix: "/api/v1" });
  });
});

const LIMITS: BodyLimit[] = [
  { prefix: "/small", bytes: 1000 },
  { prefix: "/api", bytes: 1000, json: true },
];

describe("the HTTP layer's limits (in-process server, small limits)", () => {
  const warn = vi.fn();
  const reads: { path: string; outcome: string; aborted: boolean }[] = [];
  let server: http.Server;
  let base: string;

  beforeAll(async () => {
    const logger = { warn };
    // Stands in for Remix: reads the body as a route would, except under /small/ignore.
    const handleRequest = async (request: Request, context?: { seen: string }) => {
      const path = new URL(request.url).pathname;
      if (path.endsWith("/ignore")) return new Response("answered without reading", { status: 401 });
      try {
        const text = await request.text();
        reads.push({ path, outcome: `read ${text.length}`, aborted: request.signal.aborted });
        return Response.json({ length: text.length, context: context?.seen });
      } catch (error) {
        reads.push({ path, outcome: error instanceof BodyTooLargeError ? "too large" : String(error), aborted: request.signal.aborted });
        throw error;
      }
    };
    const app = express();
    app.use(refuseOversizedBodies({ logger, limits: LIMITS }));
    app.all("*", limitedRequestHandler({ handleRequest, getLoadContext: () => ({ seen: "context" }), logger, limits: LIMITS }));
    server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    warn.mockClear();
    reads.length = 0;
  });

  it("answers 413 at once to a Content-Length over the limit, before anything reads the body", async () => {
    const result = await streamBody(`${base}/small/hook`, {
      bytes: 50 * 1024 * 1024,
      headers: { "X-Shopify-Shop-Domain": "claimed.myshopify.com", "X-Shopify-Topic": "orders/paid" },
    });

    expect(result.status).toBe(413);
    expect(result.headers.connection).toBe("close");
    expect(result.body).toBe("The body must be at most 1000 bytes");
    expect(reads).toEqual([]);
    // The rest was never read: the upload stalled on TCP flow control, far short of 50 MB.
    expect(result.sent).toBeLessThan(20 * 1024 * 1024);
    expect(warn).toHaveBeenCalledOnce();
    expect(warn.mock.calls[0][0]).toMatchObject({
      path: "/small/hook",
      limitBytes: 1000,
      declaredBytes: 50 * 1024 * 1024,
      claimedShop: "claimed.myshopify.com",
      claimedTopic: "orders/paid",
    });
    expect(warn.mock.calls[0][1]).toMatch(/413.*unverified X-Shopify-\* headers/);
  });

  it("counts a chunked body as it is read: the route's read fails at one byte over, the client gets 413", async () => {
    const result = await streamBody(`${base}/small/hook`, { bytes: 50 * 1024 * 1024, chunked: true });

    expect(result.status).toBe(413);
    expect(result.headers.connection).toBe("close");
    expect(result.sent).toBeLessThan(20 * 1024 * 1024);
    await vi.waitFor(() => expect(reads).toEqual([{ path: "/small/hook", outcome: "too large", aborted: true }]));
    expect(warn.mock.calls[0][0]).toMatchObject({ limitBytes: 1000, receivedBytes: expect.any(Number) });
    expect(warn.mock.calls[0][0].receivedBytes).toBeGreaterThan(1000);
  });

  it("lets a body of exactly the limit through, with or without a Content-Length, and passes the load context", async () => {
    for (const chunked of [false, true]) {
      const result = await streamBody(`${base}/small/hook`, { bytes: 1000, chunked });
      expect(result.status).toBe(200);
      expect(JSON.parse(result.body)).toEqual({ length: 1000, context: "context" });
    }
    expect((await streamBody(`${base}/small/hook`, { bytes: 1001, chunked: true })).status).toBe(413);
    expect((await streamBody(`${base}/small/hook`, { bytes: 1001 })).status).toBe(413);
    expect(warn).toHaveBeenCalledTimes(2);
  });

  it("answers the external API's JSON error body under a JSON limit", async () => {
    for (const chunked of [false, true]) {
      const result = await streamBody(`${base}/api/orders`, { bytes: 5 * 1024 * 1024, chunked });
      expect(result.status).toBe(413);
      expect(result.headers["content-type"]).toMatch(/^application\/json/);
      expect(JSON.parse(result.body)).toEqual({ error: "body_too_large", message: "The body must be at most 1000 bytes" });
    }
  });

  it("hangs up without reading the rest when a route answers before reading the body", async () => {
    const result = await streamBody(`${base}/small/ignore`, { bytes: 50 * 1024 * 1024, chunked: true });

    expect(result.status).toBe(401);
    expect(result.headers.connection).toBe("close");
    expect(result.sent).toBeLessThan(20 * 1024 * 1024);
    expect(warn).not.toHaveBeenCalled();
  });

  it("applies the default limit to paths not in the table, and keeps serving after refusing", async () => {
    expect((await streamBody(`${base}/elsewhere`, { bytes: 2 * 1024 * 1024 })).status).toBe(413);
    expect((await streamBody(`${base}/elsewhere`, { bytes: 512 * 1024, chunked: true })).status).toBe(200);
    const get = await fetch(`${base}/elsewhere`);
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual({ length: 0, context: "context" });
  });
});
