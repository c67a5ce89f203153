import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AUTH_FAILURE_LIMIT, AUTH_FAILURE_WINDOW_MS } from "../../app/http/api.server";
import { UNKNOWN_CLIENT } from "../../app/http/client-address.server";
import { FailureLimiter } from "../../app/http/rate-limit";
import { action as ordersAction } from "../../app/routes/api.v1.orders";
import { useApiAuthLimiter } from "../../app/runtime.server";
import { type ApiShop, apiRequest, apiShop, args, db, enrol, orderBody, postOrder, postRefund, refundBody } from "./helpers";

/** Failed API-token attempts per client (docs/api.md, "Rate limit"). */

let now = Date.parse("2026-11-20T10:00:00Z");
const clock = { now: () => new Date(now) };
let previous: FailureLimiter;
let shop: ApiShop;

beforeEach(async () => {
  now = Date.parse("2026-11-20T10:00:00Z");
  previous = useApiAuthLimiter(new FailureLimiter({ limit: AUTH_FAILURE_LIMIT, windowMs: AUTH_FAILURE_WINDOW_MS, clock }));
  shop = await apiShop();
  await enrol(shop, 77, "ana.lima@example.com");
});
afterEach(() => {
  useApiAuthLimiter(previous);
});

const wrongToken = () => `roost_${"x".repeat(43)}`;

async function fail(client: string | null, times: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < times; i += 1) statuses.push((await postOrder(shop, orderBody(), { token: wrongToken(), client })).response.status);
  return statuses;
}

describe("failed API-token attempts are limited per client", () => {
  it("10 failures a minute answer 401; the 11th and every request after it 429 with Retry-After, a valid token included", async () => {
    expect(await fail("203.0.113.7", 10)).toEqual(Array(10).fill(401));

    const eleventh = await postOrder(shop, orderBody(), { token: wrongToken(), client: "203.0.113.7" });
    expect(eleventh.response.status).toBe(429);
    expect(eleventh.json).toMatchObject({ error: "rate_limited", message: expect.any(String) });
    expect(eleventh.response.headers.get("Retry-After")).toBe("60");

    now += 15_000;
    const valid = await postOrder(shop, orderBody(), { client: "203.0.113.7" });
    expect(valid.response.status).toBe(429);
    expect(valid.response.headers.get("Retry-After")).toBe("45");
    const refund = await postRefund(shop, refundBody("1"), { client: "203.0.113.7" });
    expect(refund.response.status).toBe(429);
    const noToken = await postOrder(null, orderBody(), { client: "203.0.113.7" });
    expect(noToken.response.status).toBe(429);
    expect(await db.ledgerEntry.count({ where: { shopId: shop.id } })).toBe(0);
    expect(await db.apiIdempotency.count({ where: { shopId: shop.id } })).toBe(0);
  });

  it("another client is not affected", async () => {
    await fail("203.0.113.7", 11);
    const other = await postOrder(shop, orderBody(), { client: "198.51.100.9" });
    expect(other.response.status).toBe(201);
    expect(await fail("198.51.100.9", 1)).toEqual([401]);
  });

  it("once the window has passed the client gets through again, with a fresh count", async () => {
    await fail("203.0.113.7", 11);
    now += AUTH_FAILURE_WINDOW_MS - 1;
    expect((await postOrder(shop, orderBody(), { client: "203.0.113.7" })).response.status).toBe(429);
    now += 1;
    expect((await postOrder(shop, orderBody(), { client: "203.0.113.7" })).response.status).toBe(201);
    expect(await fail("203.0.113.7", 11)).toEqual([...Array(10).fill(401), 429]);
  });

  it("successes neither count nor reset the failures", async () => {
    await fail("203.0.113.7", 9);
    for (let i = 0; i < 3; i += 1) expect((await postOrder(shop, orderBody(), { client: "203.0.113.7" })).response.status).toBe(201);
    expect(await fail("203.0.113.7", 2)).toEqual([401, 429]);
  });

  it("missing and malformed Authorization headers are failures too", async () => {
    for (let i = 0; i < 5; i += 1) await postOrder(null, orderBody(), { client: "203.0.113.8" });
    for (let i = 0; i < 5; i += 1) await postOrder(shop, orderBody(), { token: null, headers: { Authorization: `Basic ${shop.token}` }, client: "203.0.113.8" });
    expect((await postOrder(shop, orderBody(), { client: "203.0.113.8" })).response.status).toBe(429);
  });

  it("without a load context every request shares one key", async () => {
    await fail(null, 11);
    const response = await ordersAction({ request: apiRequest("/api/v1/orders", { token: shop.token, key: "k-1", body: orderBody() }), params: {}, context: {} });
    expect(response.status).toBe(429);
    expect((await postOrder(shop, orderBody(), { client: UNKNOWN_CLIENT })).response.status).toBe(429);
    expect((await postOrder(shop, orderBody(), { client: "192.0.2.200" })).response.status).toBe(201);
  });

  it("ignores X-Forwarded-For unless ROOST_TRUST_PROXY says how many proxies are in front", async () => {
    const post = (forwardedFor: string) =>
      ordersAction(args(apiRequest("/api/v1/orders", { token: wrongToken(), key: "k", body: orderBody(), headers: { "X-Forwarded-For": forwardedFor } }), "10.0.0.1"));
    // Spoofed headers, one peer: the peer is limited.
    for (let i = 0; i < 10; i += 1) await post(`203.0.113.${i}`);
    expect((await post("203.0.113.99")).status).toBe(429);

    process.env.ROOST_TRUST_PROXY = "1";
    try {
      // Behind one proxy (10.0.0.1), the client is the last address it appended.
      for (let i = 0; i < 10; i += 1) expect((await post(`6.6.6.6, 198.51.100.${i}`)).status).toBe(401);
      for (let i = 0; i < 10; i += 1) await post(`7.7.7.${i}, 203.0.113.50`);
      expect((await post("8.8.8.8, 203.0.113.50")).status).toBe(429);
      expect((await post("203.0.113.51")).status).toBe(401);
    } finally {
      delete process.env.ROOST_TRUST_PROXY;
    }
  });
});
