import { describe, expect, it } from "vitest";
import { AccountApiError, accountApi, newIdempotencyKey, POLL_ATTEMPTS, redeemClick, REDEEM_ATTEMPTS, type RedeemState } from "../../extensions/roost-account/src/api";
import type { Redemption } from "../../extensions/roost-account/src/types";
import { loyalty } from "./support";

// The extension's client of Roost against a fake fetch that records every request and answers
// from a script, with a clock that never waits.

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

type Answer = { status: number; body?: unknown } | "network-error" | "not-json";

function fakeRoost(answer: (request: Sent, index: number) => Answer) {
  const sent: Sent[] = [];
  const waits: number[] = [];
  const fetch = (async (input: string, init: RequestInit = {}) => {
    const request = {
      url: String(input),
      method: init.method ?? "GET",
      headers: init.headers as Record<string, string>,
      body: typeof init.body === "string" ? JSON.parse(init.body) : null,
    };
    sent.push(request);
    const reply = answer(request, sent.length - 1);
    if (reply === "network-error") throw new TypeError("Failed to fetch");
    if (reply === "not-json") return new Response("<html>", { status: 200, headers: { "Content-Type": "text/html" } });
    return new Response(reply.body === undefined ? null : JSON.stringify(reply.body), { status: reply.status, headers: { "Content-Type": "application/json" } });
  }) as typeof globalThis.fetch;
  let tokens = 0;
  const api = accountApi({
    baseUrl: "https://roost.example/",
    token: async () => `token-${++tokens}`,
    fetch,
    sleep: async (ms) => void waits.push(ms),
  });
  return { api, sent, waits };
}

const pending = (id = "red-1"): Redemption => ({ id, rewardName: "$5 off", status: "pending", points: 50 });
const issued = (id = "red-1"): Redemption => ({ id, rewardName: "$5 off", status: "issued", code: "ROOST-ABCD-1234", points: 50 });

async function caught(promise: Promise<unknown>): Promise<AccountApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AccountApiError) return error;
    throw error;
  }
  throw new Error("expected an AccountApiError");
}

describe("GET /account/loyalty", () => {
  it("sends the session token as a Bearer header to APP_URL and answers the JSON", async () => {
    const { api, sent } = fakeRoost(() => ({ status: 200, body: loyalty() }));
    expect(await api.loyalty()).toEqual(loyalty());
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ url: "https://roost.example/account/loyalty", method: "GET" });
    expect(sent[0].headers.Authorization).toBe("Bearer token-1");
    // A fresh token per request: Shopify's session tokens last a minute.
    await api.loyalty();
    expect(sent[1].headers.Authorization).toBe("Bearer token-2");
  });

  it.each([
    [{ status: 401, body: { error: "unauthorized", message: "token refused" } }, "unauthorized", 401],
    [{ status: 404, body: { error: "not_a_member" } }, "not_a_member", 404],
    [{ status: 404, body: { error: "not_found" } }, "not_found", 404],
    [{ status: 500, body: { error: "boom" } }, "server", 500],
    [{ status: 502 }, "server", 502],
    [{ status: 400, body: { error: "bad_request" } }, "unexpected", 400],
    ["network-error", "network", null],
    ["not-json", "unexpected", 200],
  ] as const)("maps %o to %s", async (reply, code, status) => {
    const { api } = fakeRoost(() => reply);
    const error = await caught(api.loyalty());
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
  });

  it("a token that cannot be had is a network failure, not a crash", async () => {
    const api = accountApi({ baseUrl: "https://roost.example", token: async () => Promise.reject(new Error("no token")), fetch: (async () => new Response("{}")) as typeof fetch });
    expect((await caught(api.loyalty())).code).toBe("network");
  });

  it("refuses to run without APP_URL (built without it)", async () => {
    const api = accountApi({ baseUrl: "", token: async () => "t", fetch: (async () => new Response("{}")) as typeof fetch });
    expect((await caught(api.loyalty())).code).toBe("unexpected");
  });
});

describe("POST /account/redemptions", () => {
  it("sends the reward, JSON and the Idempotency-Key; 201 and a replay's 200 both answer the redemption", async () => {
    const { api, sent } = fakeRoost((_request, index) => ({ status: index === 0 ? 201 : 200, body: { redemption: issued() } }));
    const first = await api.redeem("reward-5-off", "key-1");
    const replay = await api.redeem("reward-5-off", "key-1");
    expect(first).toEqual({ redemption: issued(), replayed: false });
    expect(replay).toEqual({ redemption: issued(), replayed: true });
    expect(sent[0]).toMatchObject({ url: "https://roost.example/account/redemptions", method: "POST", body: { rewardId: "reward-5-off" } });
    expect(sent[0].headers).toMatchObject({ "Content-Type": "application/json", "Idempotency-Key": "key-1", Authorization: "Bearer token-1" });
  });

  it("a lost answer is sent again with the same key (Roost replays it), at most three times", async () => {
    const { api, sent, waits } = fakeRoost((_request, index) => (index < 2 ? "network-error" : { status: 200, body: { redemption: issued() } }));
    expect(await api.redeem("reward-5-off", "key-1")).toEqual({ redemption: issued(), replayed: true });
    expect(sent.map((request) => request.headers["Idempotency-Key"])).toEqual(["key-1", "key-1", "key-1"]);
    expect(waits).toEqual([1000, 1000]);

    const down = fakeRoost(() => ({ status: 503 }));
    expect((await caught(down.api.redeem("reward-5-off", "key-2"))).code).toBe("server");
    expect(down.sent).toHaveLength(REDEEM_ATTEMPTS);
  });

  it.each([
    [422, { error: "insufficient_points", balance: 20, cost: 50 }, "insufficient_points"],
    [422, { error: "reward_unavailable" }, "reward_unavailable"],
    [422, { error: "member_redacted" }, "member_redacted"],
    [404, { error: "not_a_member" }, "not_a_member"],
    [409, { error: "idempotency_key_reused" }, "idempotency_key_reused"],
  ] as const)("HTTP %i %o is %s, never retried", async (status, body, code) => {
    const { api, sent } = fakeRoost(() => ({ status, body }));
    const error = await caught(api.redeem("reward-5-off", "key-1"));
    expect(error.code).toBe(code);
    expect(error.body).toEqual(body);
    expect(sent).toHaveLength(1);
  });
});

describe("polling a pending redemption", () => {
  it("reads GET /account/redemptions/:id every 2 s and stops once the code is issued", async () => {
    const { api, sent, waits } = fakeRoost((_request, index) => ({ status: 200, body: { redemption: index < 2 ? pending() : issued() } }));
    expect(await api.waitForCode(pending())).toEqual(issued());
    expect(sent.map((request) => request.url)).toEqual(Array(3).fill("https://roost.example/account/redemptions/red-1"));
    expect(waits).toEqual([2000, 2000, 2000]);
  });

  it("stops on failed too", async () => {
    const { api, sent } = fakeRoost(() => ({ status: 200, body: { redemption: { ...pending(), status: "failed" } } }));
    expect((await api.waitForCode(pending())).status).toBe("failed");
    expect(sent).toHaveLength(1);
  });

  it("gives up after 15 reads and answers the redemption still pending", async () => {
    const { api, sent } = fakeRoost(() => ({ status: 200, body: { redemption: pending() } }));
    expect((await api.waitForCode(pending())).status).toBe("pending");
    expect(sent).toHaveLength(POLL_ATTEMPTS);
    expect(POLL_ATTEMPTS).toBe(15);
  });

  it("a lost read is one attempt spent; a refused token ends the wait", async () => {
    const flaky = fakeRoost((_request, index) => (index === 0 ? "network-error" : { status: 200, body: { redemption: issued() } }));
    expect(await flaky.api.waitForCode(pending())).toEqual(issued());
    expect(flaky.sent).toHaveLength(2);

    const refused = fakeRoost(() => ({ status: 401, body: { error: "unauthorized" } }));
    expect((await caught(refused.api.waitForCode(pending()))).code).toBe("unauthorized");
    expect(refused.sent).toHaveLength(1);
  });

  it("does not poll what is already issued", async () => {
    const { api, sent } = fakeRoost(() => ({ status: 200, body: { redemption: issued() } }));
    expect(await api.waitForCode(issued())).toEqual(issued());
    expect(sent).toHaveLength(0);
  });
});

describe("a click on Redeem", () => {
  const script = (request: Sent): Answer => (request.method === "POST" ? { status: 201, body: { redemption: pending(`red-${String(request.headers["Idempotency-Key"])}`) } } : { status: 200, body: { redemption: issued(request.url.split("/").pop()) } });

  it("one key per click: two clicks send two different keys", async () => {
    const { api, sent } = fakeRoost(script);
    await redeemClick(api, "reward-5-off");
    await redeemClick(api, "reward-5-off");
    const keys = sent.filter((request) => request.method === "POST").map((request) => request.headers["Idempotency-Key"]);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(keys[0]).not.toBe(keys[1]);
  });

  it("reports redeeming, waiting, then the issued code", async () => {
    const { api } = fakeRoost(script);
    const states: RedeemState[] = [];
    const final = await redeemClick(api, "reward-5-off", { newKey: () => "k1", onUpdate: (state) => states.push(state) });
    expect(states.map((state) => state.status)).toEqual(["redeeming", "waiting", "issued"]);
    expect(final).toEqual({ status: "issued", redemption: issued("red-k1") });
  });

  it("an answer that is already issued needs no polling", async () => {
    const { api, sent } = fakeRoost(() => ({ status: 201, body: { redemption: issued() } }));
    expect((await redeemClick(api, "reward-5-off")).status).toBe("issued");
    expect(sent).toHaveLength(1);
  });

  it("still pending after the bound: says so rather than spinning", async () => {
    const { api, sent } = fakeRoost((request) => ({ status: request.method === "POST" ? 201 : 200, body: { redemption: pending() } }));
    expect((await redeemClick(api, "reward-5-off", { poll: { attempts: 3 } })).status).toBe("pending");
    expect(sent).toHaveLength(4);
  });

  it("an error becomes a state with its code", async () => {
    const { api } = fakeRoost(() => ({ status: 422, body: { error: "insufficient_points", balance: 20, cost: 50 } }));
    expect(await redeemClick(api, "reward-5-off")).toEqual({ status: "error", code: "insufficient_points" });
  });
});

describe("Idempotency-Keys", () => {
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  it("crypto.randomUUID where the sandbox has it", () => {
    expect(newIdempotencyKey({ randomUUID: () => "00000000-0000-4000-8000-000000000000" })).toBe("00000000-0000-4000-8000-000000000000");
  });

  it("a v4 UUID from getRandomValues, or from Math.random without crypto", () => {
    const fromBytes = newIdempotencyKey({ getRandomValues: <T extends ArrayBufferView | null>(array: T) => (new Uint8Array((array as unknown as Uint8Array).buffer).fill(0xff), array) });
    expect(fromBytes).toBe("ffffffff-ffff-4fff-bfff-ffffffffffff");
    const keys = new Set(Array.from({ length: 200 }, () => newIdempotencyKey(undefined)));
    expect(keys.size).toBe(200);
    for (const key of keys) expect(key).toMatch(UUID);
  });
});
