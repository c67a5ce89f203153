import { createRequestHandler, type ServerBuild } from "@remix-run/node";
import { describe, expect, it } from "vitest";
import * as loyaltyRoute from "../../app/routes/account.loyalty";
import * as redeemRoute from "../../app/routes/account.redemptions";
import * as readRoute from "../../app/routes/account.redemptions.$id";
import { rewardShop, shopper } from "../rewards/support";
import { accountRequest, customerToken, preflight } from "./support";

// The three routes behind Remix's own request handler, nested as the flat routes convention nests
// them (account.redemptions.$id under account.redemptions): which export a method reaches. Remix
// 2 sends POST, PUT, PATCH and DELETE to the action and everything else, OPTIONS included, to
// the loader, so a preflight of the POST route is answered by its loader.

function route(id: string, parentId: string, path: string, module: Record<string, unknown>) {
  return { id, parentId, path, index: undefined, caseSensitive: undefined, module: module as never };
}

/** A server build of just these modules under an empty root. */
function handlerFor(modules: { loyalty: Record<string, unknown>; redeem: Record<string, unknown>; read: Record<string, unknown> }) {
  const build = {
    mode: "production",
    entry: { module: { default: () => new Response("no documents here", { status: 500 }) } as never },
    routes: {
      root: { id: "root", path: "", module: { default: () => null } as never },
      "routes/account.loyalty": route("routes/account.loyalty", "root", "account/loyalty", modules.loyalty),
      "routes/account.redemptions": route("routes/account.redemptions", "root", "account/redemptions", modules.redeem),
      "routes/account.redemptions.$id": route("routes/account.redemptions.$id", "routes/account.redemptions", ":id", modules.read),
    },
    assets: { entry: { imports: [], module: "" }, routes: {}, url: "", version: "test" },
    publicPath: "/",
    assetsBuildDirectory: "build/client",
    future: {},
    isSpaMode: false,
    basename: "/",
  } as unknown as ServerBuild;
  return createRequestHandler(build, "production");
}

const handler = handlerFor({ loyalty: loyaltyRoute, redeem: redeemRoute, read: readRoute });

describe("the account routes behind Remix", () => {
  it("Remix hands OPTIONS to the loader, POST to the action", async () => {
    const tell = (name: string) => ({ loader: () => new Response(`${name} loader`), action: () => new Response(`${name} action`) });
    const probe = handlerFor({ loyalty: tell("loyalty"), redeem: tell("redeem"), read: tell("read") });
    expect(await (await probe(preflight("/account/redemptions"))).text()).toBe("redeem loader");
    expect(await (await probe(preflight("/account/redemptions/abc"))).text()).toBe("read loader");
    expect(await (await probe(accountRequest("/account/redemptions", { body: {} }))).text()).toBe("redeem action");
  });

  it("a preflight of each path is 204 with CORS; GET reads, POST redeems, other methods 405", async () => {
    const at = await rewardShop();
    const rita = await shopper(at);
    const token = await customerToken(at.shop, { sub: rita.customerGid });
    for (const path of ["/account/loyalty", "/account/redemptions", "/account/redemptions/abc"]) {
      const response = await handler(preflight(path));
      expect(response.status, path).toBe(204);
      expect(response.headers.get("Access-Control-Allow-Origin"), path).toBe("*");
      expect(response.headers.get("Access-Control-Allow-Headers"), path).toMatch(/Idempotency-Key/);
    }
    expect((await handler(accountRequest("/account/loyalty", { token }))).status).toBe(200);
    // The child route answers its own path, not the parent's POST-only loader.
    const read = await handler(accountRequest("/account/redemptions/abc", { token }));
    expect(read.status).toBe(404);
    expect(await read.json()).toMatchObject({ error: "not_found" });
    const post = await handler(accountRequest("/account/redemptions", { token, key: "k", body: { rewardId: "none" } }));
    expect(post.status).toBe(422);
    expect(await post.json()).toMatchObject({ error: "reward_unavailable" });
    for (const [method, path] of [["GET", "/account/redemptions"], ["POST", "/account/loyalty"], ["DELETE", "/account/redemptions/abc"]]) {
      const response = await handler(accountRequest(path, { token, method }));
      expect(response.status, `${method} ${path}`).toBe(405);
      expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
    }
  });
});
