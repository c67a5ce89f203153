import { beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { handleAccountRead, handleAccountRedeem } from "../../app/http/account.server";
import { MemoryWindowLimiter } from "../../app/http/ingest.server";
import { systemClock } from "../../app/lib/clock";
import { logger } from "../../app/lib/logger.server";
import * as loyaltyRoute from "../../app/routes/account.loyalty";
import * as redeemRoute from "../../app/routes/account.redemptions";
import * as readRoute from "../../app/routes/account.redemptions.$id";
import { httpDeps } from "../../app/runtime.server";
import { databaseCapStore } from "../../app/services/ledger/cap.server";
import { markShopUninstalled } from "../../app/services/shops/shops.server";
import { authenticate } from "../../app/shopify.server";
import { type RewardShop, rewardShop, shopper } from "../rewards/support";
import { API_KEY } from "../support/constants";
import { installTestShop, uniqueShop } from "../support/shopify";
import { accountRequest, args, customerToken, getLoyalty, getRedemption, postRedemption, preflight } from "./support";

// Who may call the shopper endpoints (docs/shopper.md, "Token checks"): Shopify's library checks
// the token's signature and lifetime, Roost its audience, shop and customer. Every refusal is
// JSON and carries the CORS headers, or the extension would only see a network error.

let at: RewardShop;
let customer: Awaited<ReturnType<typeof shopper>>;

beforeEach(async () => {
  at = await rewardShop();
  customer = await shopper(at);
});

const token = (options: Parameters<typeof customerToken>[1] = {}) => customerToken(at.shop, { sub: customer.customerGid, ...options });

function expectCors(response: Response) {
  expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
  expect(response.headers.get("Access-Control-Allow-Headers")).toMatch(/Idempotency-Key/);
}

async function expectRefused(answer: { response: Response; json: { error: string; message: string } }, error: string) {
  expect(answer.response.status).toBe(401);
  expect(answer.json).toMatchObject({ error, message: expect.any(String) });
  expectCors(answer.response);
}

describe("the session token", () => {
  it("a valid one for a signed-in customer of an installed shop is answered", async () => {
    const { response, json } = await getLoyalty({ token: await token() });
    expect(response.status).toBe(200);
    expectCors(response);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    expect(json.member).toMatchObject({ balance: 0 });
  });

  it("none: 401 on every endpoint, JSON with CORS", async () => {
    await expectRefused(await getLoyalty({}), "invalid_token");
    await expectRefused(await postRedemption({ body: { rewardId: "x" } }), "invalid_token");
    await expectRefused(await getRedemption("x", {}), "invalid_token");
    const { json } = await getLoyalty({ headers: { Authorization: "Basic abc" } });
    expect(json.message).toMatch(/Authorization: Bearer/);
  });

  it("signed with another secret: 401", async () => {
    await expectRefused(await getLoyalty({ token: await token({ secret: "not-the-app-secret" }) }), "invalid_token");
    await expectRefused(await postRedemption({ token: await token({ secret: "not-the-app-secret" }), body: { rewardId: "x" } }), "invalid_token");
  });

  it("expired: 401 (past the library's 10 s of tolerance)", async () => {
    await expectRefused(await getLoyalty({ token: await token({ expiresIn: -60 }) }), "invalid_token");
  });

  it("without an expiry: 401 (the library would take it as never expiring)", async () => {
    await expectRefused(await getLoyalty({ token: await token({ expiresIn: null }) }), "invalid_token");
  });

  it("issued for another app (audience): 401", async () => {
    await expectRefused(await getLoyalty({ token: await token({ aud: "another-apps-client-id" }) }), "invalid_token");
    await expectRefused(await getRedemption("x", { token: await token({ aud: "" }) }), "invalid_token");
    // The right audience is the app's own API key.
    expect((await getLoyalty({ token: await token({ aud: API_KEY }) })).response.status).toBe(200);
  });

  it("a shop named with or without https:// is the same shop; a destination that is not a myshopify.com shop is refused", async () => {
    expect((await getLoyalty({ token: await token({ dest: at.shop }) })).json.member).toMatchObject({ balance: 0 });
    expect((await getLoyalty({ token: await token({ dest: `https://${at.shop.toUpperCase()}` }) })).response.status).toBe(200);
    await expectRefused(await getLoyalty({ token: await token({ dest: "https://evil.example.com" }) }), "invalid_token");
    await expectRefused(await getLoyalty({ token: await token({ dest: `https://${at.shop}.evil.example.com` }) }), "invalid_token");
  });

  it("a shop Roost is not installed on, or was uninstalled from: 401", async () => {
    const stranger = uniqueShop("roost-never");
    await expectRefused(await getLoyalty({ token: await customerToken(stranger, { sub: customer.customerGid }) }), "shop_not_installed");
    // Nothing was created for the stranger.
    expect(await db.shop.findUnique({ where: { domain: stranger } })).toBeNull();
    await markShopUninstalled(db, at.shop);
    await expectRefused(await getLoyalty({ token: await token() }), "shop_not_installed");
    await expectRefused(await postRedemption({ token: await token(), body: { rewardId: "x" } }), "shop_not_installed");
  });

  it("no customer (not signed in): 401; a subject that is not a customer: 401", async () => {
    await expectRefused(await getLoyalty({ token: await token({ sub: null }) }), "not_signed_in");
    await expectRefused(await postRedemption({ token: await token({ sub: null }), body: { rewardId: "x" } }), "not_signed_in");
    await expectRefused(await getLoyalty({ token: await token({ sub: "gid://shopify/StaffMember/1" }) }), "invalid_token");
    await expectRefused(await getLoyalty({ token: await token({ sub: "gid://shopify/Customer/1; DROP" }) }), "invalid_token");
  });

  it("another installed shop's token sees nothing of this shop's customer", async () => {
    const other = uniqueShop("roost-other");
    await installTestShop(other);
    const { response, json } = await getLoyalty({ token: await customerToken(other, { sub: customer.customerGid }) });
    expect(response.status).toBe(200);
    expect(json.member).toBeNull();
    expect(json.redemptions).toEqual([]);
  });
});

describe("CORS and methods", () => {
  const routes = [
    { name: "/account/loyalty", path: "/account/loyalty", route: loyaltyRoute },
    { name: "/account/redemptions", path: "/account/redemptions", route: redeemRoute },
    { name: "/account/redemptions/:id", path: "/account/redemptions/abc", route: readRoute },
  ];

  for (const { name, path, route } of routes) {
    it(`${name}: a preflight is 204 with the origin, Authorization, Content-Type and Idempotency-Key allowed, on the loader and the action`, async () => {
      for (const handler of [route.loader, route.action]) {
        const response = await handler(args(preflight(path), { id: "abc" }));
        expect(response.status).toBe(204);
        expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
        const allowed = (response.headers.get("Access-Control-Allow-Headers") ?? "").toLowerCase().split(/,\s*/);
        expect(allowed).toEqual(expect.arrayContaining(["authorization", "content-type", "idempotency-key"]));
        expect(response.headers.get("Access-Control-Allow-Methods")).toMatch(/POST/);
        expect(response.headers.get("Access-Control-Max-Age")).toBe("7200");
      }
    });
  }

  it("other methods: 405 with Allow and CORS, before the token is read", async () => {
    const put = await loyaltyRoute.action(args(accountRequest("/account/loyalty", { method: "PUT", token: await token() })));
    expect(put.status).toBe(405);
    expect(put.headers.get("Allow")).toBe("GET, OPTIONS");
    expectCors(put);
    const get = await redeemRoute.loader(args(accountRequest("/account/redemptions")));
    expect(get.status).toBe(405);
    expect(get.headers.get("Allow")).toBe("POST, OPTIONS");
    expect(await get.json()).toMatchObject({ error: "method_not_allowed" });
    const del = await readRoute.action(args(accountRequest("/account/redemptions/abc", { method: "DELETE" }), { id: "abc" }));
    expect(del.status).toBe(405);
    expectCors(del);
  });

  it("a bot's user agent is refused by the library, still with CORS", async () => {
    const { response, json } = await getLoyalty({ token: await token(), headers: { "User-Agent": "curl/8.5.0" } });
    expect(response.status).toBe(410);
    expect(json).toMatchObject({ error: "refused" });
    expectCors(response);
  });
});

describe("unexpected failures", () => {
  it("a service that throws: 500 internal_error with CORS, for a read and a redemption", async () => {
    const deps = { ...httpDeps(), authenticate: authenticate.public.customerAccount };
    const boom = async (): Promise<never> => {
      throw new Error("database went away");
    };
    const read = await handleAccountRead(deps, { request: accountRequest("/account/loyalty", { token: await token() }) }, boom);
    expect(read.status).toBe(500);
    expect(await read.json()).toMatchObject({ error: "internal_error" });
    expectCors(read);
    const redeem = await handleAccountRedeem(deps, { request: accountRequest("/account/redemptions", { token: await token(), key: "k", body: { rewardId: "r" } }) }, boom);
    expect(redeem.status).toBe(500);
    expect(await redeem.json()).toMatchObject({ error: "internal_error", message: expect.stringMatching(/same Idempotency-Key/) });
    expectCors(redeem);
  });
});

describe("the per-customer rate limit", () => {
  it("past the limit a customer gets 429 with Retry-After and CORS; another customer is not affected", async () => {
    const deps = {
      db,
      clock: systemClock,
      logger,
      capStore: databaseCapStore,
      apiKey: API_KEY,
      accountRequests: new MemoryWindowLimiter({ limit: 2, windowMs: 60_000 }),
      authenticate: authenticate.public.customerAccount,
    };
    const read = async (sub: string) => handleAccountRead(deps, { request: accountRequest("/account/loyalty", { token: await token({ sub }) }) }, async () => ({ status: 200, body: {} }));
    expect((await read(customer.customerGid)).status).toBe(200);
    expect((await read(customer.customerGid)).status).toBe(200);
    const limited = await read(customer.customerGid);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ error: "rate_limited" });
    expectCors(limited);
    expect((await read("gid://shopify/Customer/999")).status).toBe(200);
  });
});
