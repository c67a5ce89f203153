import { getHmac } from "@shopify/shopify-api/test-helpers";
import { describe, expect, it } from "vitest";
import db from "../app/db.server";
import { FLOW_LIFECYCLE_MAX_BYTES } from "../app/http/flow.server";
import { action, loader } from "../app/routes/flow.lifecycle";
import { triggersInUse } from "../app/services/flow/lifecycle.server";
import { API_SECRET } from "./support/constants";
import { installTestShop, uniqueShop } from "./support/shopify";

// Flow's trigger lifecycle callback (POST /flow/lifecycle): signed like a webhook, it says whether
// a shop has an enabled workflow on one of Roost's triggers. Every refusal stores nothing.

const URL_ = "http://127.0.0.1:3000/flow/lifecycle";

function callbackBody(shop: string, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    flow_trigger_definition_id: "roost-points-earned",
    has_enabled_flow: true,
    shop_id: 690933842,
    shopify_domain: shop,
    timestamp: "2026-12-05T10:00:00.000Z",
    ...overrides,
  });
}

function post(body: string, headers: Record<string, string> = { "X-Shopify-Hmac-Sha256": getHmac(body, API_SECRET) }): Promise<Response> {
  const request = new Request(URL_, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body });
  return action({ request, params: {}, context: {} });
}

async function installedShop(prefix: string) {
  const domain = uniqueShop(prefix);
  await installTestShop(domain);
  const shop = (await db.shop.findUnique({ where: { domain } }))!;
  return { domain, id: shop.id };
}

const rows = (shopId: string) => db.flowTrigger.findMany({ where: { shopId } });

describe("Flow lifecycle callback", () => {
  it("records that the shop uses a trigger, and that it stopped", async () => {
    const shop = await installedShop("flow-lc-on");
    expect((await post(callbackBody(shop.domain))).status).toBe(200);
    expect(await triggersInUse(db, shop.id)).toEqual(["roost-points-earned"]);

    const off = callbackBody(shop.domain, { has_enabled_flow: false, timestamp: "2026-12-05T11:00:00.000Z" });
    expect((await post(off)).status).toBe(200);
    expect(await triggersInUse(db, shop.id)).toEqual([]);
    const [row] = await rows(shop.id);
    expect(row).toMatchObject({ handle: "roost-points-earned", enabled: false, updatedAt: new Date("2026-12-05T11:00:00.000Z") });
  });

  it("ignores a notification older than the one stored (newer timestamps take precedence)", async () => {
    const shop = await installedShop("flow-lc-stale");
    expect((await post(callbackBody(shop.domain, { timestamp: "2026-12-05T12:00:00Z" }))).status).toBe(200);
    expect((await post(callbackBody(shop.domain, { has_enabled_flow: false, timestamp: "2026-12-05T09:00:00Z" }))).status).toBe(200);
    expect(await triggersInUse(db, shop.id)).toEqual(["roost-points-earned"]);
  });

  it("keeps each trigger apart, with shop_id as a string too", async () => {
    const shop = await installedShop("flow-lc-two");
    expect((await post(callbackBody(shop.domain, { shop_id: "690933842" }))).status).toBe(200);
    expect((await post(callbackBody(shop.domain, { flow_trigger_definition_id: "roost-cohort-entered" }))).status).toBe(200);
    expect(await triggersInUse(db, shop.id)).toEqual(["roost-cohort-entered", "roost-points-earned"]);
  });

  it("answers 401 to an unsigned or wrongly signed callback, and stores nothing", async () => {
    const shop = await installedShop("flow-lc-hmac");
    const body = callbackBody(shop.domain);
    expect((await post(body, {})).status).toBe(401);
    expect((await post(body, { "X-Shopify-Hmac-Sha256": getHmac(body, "not-the-secret") })).status).toBe(401);
    // A signature of another body does not cover this one.
    expect((await post(body, { "X-Shopify-Hmac-Sha256": getHmac(callbackBody(shop.domain, { has_enabled_flow: false }), API_SECRET) })).status).toBe(401);
    expect(await rows(shop.id)).toEqual([]);
  });

  it("answers 413 past the size limit, before reading or verifying it", async () => {
    const shop = await installedShop("flow-lc-big");
    const body = callbackBody(shop.domain, { padding: "x".repeat(FLOW_LIFECYCLE_MAX_BYTES) });
    expect((await post(body)).status).toBe(413);
    expect(await rows(shop.id)).toEqual([]);
  });

  it("answers 400 to a signed body that is not a lifecycle callback, or names a trigger Roost does not have", async () => {
    const shop = await installedShop("flow-lc-bad");
    const bodies = [
      "not json",
      "[]",
      callbackBody(shop.domain, { has_enabled_flow: "yes" }),
      callbackBody(shop.domain, { timestamp: "yesterday" }),
      callbackBody(shop.domain, { shopify_domain: "evil.example.com" }),
      callbackBody(shop.domain, { flow_trigger_definition_id: undefined }),
      callbackBody(shop.domain, { flow_trigger_definition_id: "someone-elses-trigger" }),
    ];
    for (const body of bodies) expect((await post(body)).status, body).toBe(400);
    expect((await post("")).status).toBe(400);
    expect(await rows(shop.id)).toEqual([]);
  });

  it("answers 400 when shop_id is not the shop Roost knows by that domain", async () => {
    const shop = await installedShop("flow-lc-id");
    await db.shop.update({ where: { id: shop.id }, data: { shopifyGid: "gid://shopify/Shop/111" } });
    expect((await post(callbackBody(shop.domain, { shop_id: 222 }))).status).toBe(400);
    expect(await rows(shop.id)).toEqual([]);
    expect((await post(callbackBody(shop.domain, { shop_id: 111 }))).status).toBe(200);
  });

  it("answers 404 for a shop Roost was never installed on (the merchant cannot enable a workflow Roost would never start)", async () => {
    const domain = uniqueShop("flow-lc-unknown");
    expect((await post(callbackBody(domain))).status).toBe(404);
    expect(await db.shop.findUnique({ where: { domain } })).toBeNull();
  });

  it("answers 405 to anything but POST", async () => {
    const response = await loader({ request: new Request(URL_), params: {}, context: {} });
    expect(response.status).toBe(405);
  });
});
