import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { runCli } from "../app/cli/roost.server";
import { webhookSubscriptions } from "../app/config.server";
import db from "../app/db.server";
import { systemClock } from "../app/lib/clock";
import { createApiToken, authenticateApiToken } from "../app/services/api/tokens.server";
import { syncHealth } from "../app/services/health/sync-health.server";
import { recordDelivery } from "../app/services/inbox/inbox.server";
import { inboxWorker } from "../app/runtime.server";
import { programSchema } from "../app/services/program/settings";
import { learnShopIdentityOnInstall } from "../app/services/shopify/admin.server";
import { markShopInstalled, updateShopSettings } from "../app/services/shops/shops.server";
import { topicHandlers } from "../app/services/webhooks/topics.server";
import { customerPayload, orderPayload, productPayload, shopPayload } from "./fixtures/rest-payloads";
import { API_SECRET } from "./support/constants";
import { deliver } from "./support/deliver";
import { fakeShopify, installTestShop, OFFLINE_TOKEN, signedWebhook, uniqueShop } from "./support/shopify";
import { shopifyWebhookHeaders } from "./support/webhook-signing";
import { captureCli } from "./support/cli";

// Shopify's HMAC covers the body only, and every shop's deliveries are signed with the same app
// secret: whoever holds one signed body can send it with any headers. These tests hold one and
// try (docs/security.md, "What a holder of one captured signed body can and cannot do").

type RouteModule = { action: (args: { request: Request; params: Record<string, string>; context: object }) => Promise<Response> };
const routes = import.meta.glob<RouteModule>("../app/routes/webhooks.*.tsx");

/** Posts a body to a route with whatever headers the sender chooses; the route's answer, thrown or returned. */
async function post(route: string, options: { topic: string; shop: string; body: string; webhookId?: string }): Promise<Response> {
  const { action } = await routes[`../app/routes/${route}.tsx`]();
  const headers = shopifyWebhookHeaders({ ...options, secret: API_SECRET });
  const request = new Request(`http://127.0.0.1:3000/webhooks/${route}`, { method: "POST", headers, body: options.body });
  const response = await action({ request, params: {}, context: {} }).catch((thrown: unknown) => {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  });
  await inboxWorker().idle();
  return response;
}

const rows = (shopDomain: string) => db.webhookDelivery.findMany({ where: { shopDomain }, orderBy: { receivedAt: "asc" } });
const shopRow = (domain: string) => db.shop.findUnique({ where: { domain } });
const order = (shopId: string, id: number) => db.order.findUnique({ where: { shopId_gid: { shopId, gid: `gid://shopify/Order/${id}` } } });


async function listedShops(): Promise<string[]> {
  const run = captureCli();
  expect(await runCli(["shops", "--json"], run.io)).toBe(0);
  return run.json().shops.map((shop: { domain: string }) => shop.domain);
}

/** An installed shop with a member (from customers/create) and an API token: what an erasure would destroy. */
async function liveShop(prefix: string) {
  const domain = uniqueShop(prefix);
  await installTestShop(domain);
  const { id } = (await shopRow(domain))!;
  await updateShopSettings(db, domain, { program: programSchema.parse({ startDate: "2026-01-01" }) });
  await deliver({ topic: "customers/create", shop: domain, payload: customerPayload({ id: 4242, email: "bea@example.com" }) });
  const { token } = await createApiToken(db, { shopId: id, name: "POS bridge", actor: "test" });
  expect(await db.member.count({ where: { shopId: id } })).toBe(1);
  return { domain, id, token };
}

async function intact(shop: { domain: string; id: string; token: string }) {
  expect(await shopRow(shop.domain)).toMatchObject({ id: shop.id, installed: true });
  expect(await db.member.count({ where: { shopId: shop.id } })).toBe(1);
  expect(await db.customer.count({ where: { shopId: shop.id } })).toBe(1);
  expect(await authenticateApiToken(db, shop.token)).not.toBeNull();
  expect(await db.session.count({ where: { shop: shop.domain } })).toBe(1);
}

const paid = (id: number, extra: Record<string, unknown> = {}) => ({ ...orderPayload({ id, lines: [{ id, price: "10.00", quantity: 1 }] }), ...extra });

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the attack from issue 8: one captured signed body, other headers", () => {
  let a: string;
  let b: Awaited<ReturnType<typeof liveShop>>;
  let captured: string;
  beforeEach(async () => {
    a = uniqueShop("trust-a");
    await installTestShop(a);
    b = await liveShop("trust-b");
    // Shop A's orders/paid, exactly as Roost received and stored it.
    await deliver({ topic: "orders/paid", shop: a, payload: paid(8101) });
    captured = (await rows(a))[0].payload!;
  });

  it("re-posted to /webhooks/shop/redact as shop/redact for shop B: kept as failed, shop B erased of nothing", async () => {
    const redact = vi.spyOn(topicHandlers, "shop/redact");
    const webhookId = `attack-${b.domain}`;
    const response = await post("webhooks.shop.redact", { topic: "shop/redact", shop: b.domain, body: captured, webhookId });

    expect(response.status).toBe(200);
    expect(redact).toHaveBeenCalledTimes(1);
    const row = await db.webhookDelivery.findUniqueOrThrow({ where: { webhookId } });
    expect(row).toMatchObject({ topic: "shop/redact", status: "failed", lastError: expect.stringMatching(/^shop\/redact payload is invalid: shop_id: .*shop_domain: /) });
    await intact(b);
  });

  it("re-posted to /webhooks/orders/paid with the topic header shop/redact: 400, nothing stored", async () => {
    const response = await post("webhooks.orders.paid", { topic: "shop/redact", shop: b.domain, body: captured });

    expect(response.status).toBe(400);
    expect(await response.text()).toBe("X-Shopify-Topic does not match this route (orders/paid)");
    expect(await rows(b.domain)).toHaveLength(1); // B's own customers/create
    await intact(b);
  });

  it("shop A's own shop/redact body, sent for shop B: failed, nothing erased", async () => {
    await deliver({ topic: "app/uninstalled", shop: a, payload: shopPayload(a, { id: 5551 }) });
    const body = JSON.stringify({ shop_id: 5551, shop_domain: a });
    const webhookId = `redact-${b.domain}`;
    await post("webhooks.shop.redact", { topic: "shop/redact", shop: b.domain, body, webhookId });

    expect(await db.webhookDelivery.findUniqueOrThrow({ where: { webhookId } })).toMatchObject({
      status: "failed",
      lastError: `shop/redact payload names another shop: shop_domain ${a} is not ${b.domain}`,
    });
    await intact(b);
  });
});

describe("every route accepts its own topic only", () => {
  const subscribed = webhookSubscriptions.flatMap((subscription) =>
    [...(subscription.topics ?? []), ...(subscription.compliance_topics ?? [])].map((topic) => ({ topic, route: `webhooks.${subscription.uri.slice("/webhooks/".length).replaceAll("/", ".")}` })),
  );

  it.each(subscribed)("$route refuses another topic with 400 and stores its own as $topic", async ({ topic, route }) => {
    // A shop with no installation: what is accepted is parked, so no handler runs here.
    const shop = uniqueShop("trust-route");
    const other = topic === "orders/paid" ? "shop/redact" : "orders/paid";
    const refused = await post(route, { topic: other, shop, body: "{}" });
    expect(refused.status).toBe(400);
    expect(await rows(shop)).toEqual([]);

    const accepted = await post(route, { topic, shop, body: "{}" });
    expect(accepted.status).toBe(200);
    expect((await rows(shop)).map((row) => [row.topic, row.status])).toEqual([[topic, "parked"]]);
  });
});

describe("the shop domain header", () => {
  it.each(["' OR '1'='1' --", "evil.com", "roost.myshopify.com.evil.com", "UPPER.myshopify.com", "-dash.myshopify.com", "myshopify.com", `${"a".repeat(64)}.myshopify.com`])(
    "answers 400 to %j and creates no shop",
    async (domain) => {
      const before = await listedShops();
      const response = await post("webhooks.orders.paid", { topic: "orders/paid", shop: domain, body: JSON.stringify(paid(1)) });

      expect(response.status).toBe(400);
      expect(await response.text()).toBe("X-Shopify-Shop-Domain is not a <name>.myshopify.com domain");
      expect(await rows(domain)).toEqual([]);
      expect(await shopRow(domain)).toBeNull();
      expect(await listedShops()).toEqual(before);
    },
  );
});

describe("a valid domain Roost has no installation record for", () => {
  it("is parked without creating a shop, listed by inbox:list, and applied when the shop installs", async () => {
    const shop = uniqueShop("trust-early");
    const handler = vi.spyOn(topicHandlers, "orders/paid");
    const { response, status } = await deliver({ topic: "orders/paid", shop, payload: paid(8201), webhookId: `early-${shop}` });

    expect(response.status).toBe(200);
    expect(status).toBe("parked");
    expect(handler).not.toHaveBeenCalled();
    expect(await shopRow(shop)).toBeNull();
    expect(await listedShops()).not.toContain(shop);
    const listed = captureCli();
    expect(await runCli(["inbox:list", "--shop", shop, "--status", "parked", "--json"], listed.io)).toBe(0);
    expect(listed.json()).toEqual({ shop, deliveries: [expect.objectContaining({ webhookId: `early-${shop}`, topic: "orders/paid", status: "parked" })] });

    // afterAuth's markShopInstalled releases it to the worker.
    const kicked: string[] = [];
    await markShopInstalled(db, { domain: shop, scopes: null }, systemClock, { kick: (id) => (kicked.push(id), inboxWorker().kick(id)) });
    await inboxWorker().idle();

    const { id: shopId } = (await shopRow(shop))!;
    expect(kicked).toHaveLength(1);
    expect(await db.webhookDelivery.findUniqueOrThrow({ where: { webhookId: `early-${shop}` } })).toMatchObject({ status: "processed", attempts: 1, lastError: null });
    expect(await order(shopId, 8201)).toMatchObject({ eligibleAmount: 1000 });
  });

  it("parks app/uninstalled too, and does not apply it to the installation that follows", async () => {
    const shop = uniqueShop("trust-early");
    expect((await deliver({ topic: "app/uninstalled", shop, payload: shopPayload(shop) })).status).toBe("parked");
    await installTestShop(shop);
    await inboxWorker().idle();

    expect((await rows(shop)).map((row) => row.status)).toEqual(["processed"]);
    expect(await shopRow(shop)).toMatchObject({ installed: true, uninstalledAt: null });
    expect(await db.session.count({ where: { shop } })).toBe(1);
  });

  it("is parked by the worker too when it was stored as pending (the shop's row was erased since), never recreating the shop", async () => {
    const shop = uniqueShop("trust-erased");
    // As another process stores it while its cache still holds the shop a shop/redact has just erased.
    const stored = await recordDelivery(db, { shopDomain: shop, topic: "orders/paid", webhookId: `late-${shop}`, apiVersion: "2026-10", payload: JSON.stringify(paid(8301)) }, systemClock);
    if (stored.outcome !== "accepted") throw new Error("not stored");
    inboxWorker().kick(stored.id);
    await inboxWorker().idle();

    expect(await db.webhookDelivery.findUniqueOrThrow({ where: { id: stored.id } })).toMatchObject({
      status: "parked",
      lastError: `no installation of Roost is recorded for ${shop}: parked until it installs`,
    });
    expect(await shopRow(shop)).toBeNull();

    await installTestShop(shop);
    await inboxWorker().idle();
    expect(await db.webhookDelivery.findUniqueOrThrow({ where: { id: stored.id } })).toMatchObject({ status: "processed", lastError: null });
    expect(await order((await shopRow(shop))!.id, 8301)).not.toBeNull();
  });
});

describe("the catch-all route", () => {
  it("stores any topic as unhandled, runs no handler, counts it, and never replays it", async () => {
    const b = await liveShop("trust-catchall");
    // Uninstalled: a shop/redact through its own route would now erase the shop.
    await deliver({ topic: "app/uninstalled", shop: b.domain, payload: shopPayload(b.domain) });
    const handlers = Object.keys(topicHandlers).map((topic) => vi.spyOn(topicHandlers, topic));
    const webhookId = `catchall-${b.domain}`;

    // A genuine-looking shop/redact for B, sent where no topic is routed.
    const { response, status } = await deliver({ topic: "shop/redact", route: "webhooks.$", shop: b.domain, payload: { shop_id: 548380009, shop_domain: b.domain }, webhookId, eventId: `ev-${b.domain}` });

    expect(response.status).toBe(200);
    expect(status).toBe("unhandled");
    for (const handler of handlers) expect(handler).not.toHaveBeenCalled();
    expect(await db.webhookDelivery.findUniqueOrThrow({ where: { webhookId } })).toMatchObject({ topic: "shop/redact", eventId: null, attempts: 0 });
    expect(await shopRow(b.domain)).toMatchObject({ id: b.id });
    expect(await db.member.count({ where: { shopId: b.id } })).toBe(1);
    expect((await syncHealth(db, b.domain, systemClock)).inbox).toMatchObject({ unhandled: 1, parked: 0 });

    const listed = captureCli();
    expect(await runCli(["inbox:list", "--shop", b.domain, "--status", "unhandled", "--json"], listed.io)).toBe(0);
    expect(listed.json().deliveries).toEqual([expect.objectContaining({ webhookId, topic: "shop/redact", status: "unhandled" })]);
    const replay = captureCli();
    expect(await runCli(["inbox:replay", webhookId, "--shop", b.domain], replay.io)).toBe(1);
    expect(replay.stderr()).toContain("is unhandled");
    expect((await db.webhookDelivery.findUniqueOrThrow({ where: { webhookId } })).status).toBe("unhandled");
  });

  it("takes no part in event-id deduplication: the routed delivery of the same event is processed", async () => {
    const shop = uniqueShop("trust-catchall");
    await installTestShop(shop);
    const eventId = `ev-${shop}`;
    await deliver({ topic: "orders/paid", route: "webhooks.$", shop, payload: paid(8401), eventId });
    const routed = await deliver({ topic: "orders/paid", shop, payload: paid(8401), eventId });

    expect(routed.status).toBe("processed");
    expect((await rows(shop)).map((row) => row.status)).toEqual(["unhandled", "processed"]);
  });
});

describe("a payload that names another shop is kept as failed and changes nothing", () => {
  let shop: string;
  let shopId: string;
  beforeEach(async () => {
    shop = uniqueShop("trust-names");
    await installTestShop(shop);
    shopId = (await shopRow(shop))!.id;
  });

  it("learns the shop's id and primary domain from a signed shop/update", async () => {
    const { status } = await deliver({ topic: "shop/update", shop, payload: shopPayload(shop, { id: 7301, domain: "www.roost-store.example" }) });
    expect(status).toBe("processed");
    expect(await shopRow(shop)).toMatchObject({ shopifyGid: "gid://shopify/Shop/7301", primaryDomain: "www.roost-store.example" });
  });

  it("shop/update whose myshopify_domain is another shop's", async () => {
    const other = uniqueShop("trust-other");
    const { status, error } = await deliver({ topic: "shop/update", shop, payload: shopPayload(other, { id: 7302, name: "Not this shop", timezone: "Asia/Tokyo" }) });
    expect(status).toBe("failed");
    expect(error).toBe(`shop/update payload names another shop: myshopify_domain ${other} is not ${shop}`);
    expect(await shopRow(shop)).toMatchObject({ name: "Roost Test Store", timezone: "America/New_York", shopifyGid: null, primaryDomain: null });
  });

  it("shop/update and app/uninstalled whose id is not the one learned", async () => {
    await deliver({ topic: "shop/update", shop, payload: shopPayload(shop, { id: 7303 }) });
    const update = await deliver({ topic: "shop/update", shop, payload: shopPayload(shop, { id: 9999, timezone: "Asia/Tokyo" }) });
    const uninstall = await deliver({ topic: "app/uninstalled", shop, payload: shopPayload(shop, { id: 9999 }) });

    expect(update).toMatchObject({ status: "failed", error: `shop/update payload names another shop: shop id 9999 is not ${shop}'s (gid://shopify/Shop/7303)` });
    expect(uninstall.status).toBe("failed");
    expect(await shopRow(shop)).toMatchObject({ timezone: "America/New_York", installed: true });
  });

  it("app/scopes_update whose shop_id (a GID there) is not the one learned", async () => {
    await deliver({ topic: "shop/update", shop, payload: shopPayload(shop, { id: 7310 }) });
    const own = await deliver({ topic: "app/scopes_update", shop, payload: { id: 1, shop_id: "gid://shopify/Shop/7310", previous: [], current: ["read_orders"] } });
    const foreign = await deliver({ topic: "app/scopes_update", shop, payload: { id: 2, shop_id: "gid://shopify/Shop/1", previous: [], current: [] } });

    expect(own.status).toBe("processed");
    expect(foreign).toMatchObject({ status: "failed", error: `app/scopes_update payload names another shop: shop id gid://shopify/Shop/1 is not ${shop}'s (gid://shopify/Shop/7310)` });
    expect(await shopRow(shop)).toMatchObject({ scopes: "read_orders" });
  });

  it("a compliance request whose shop_domain is another shop's", async () => {
    await deliver({ topic: "orders/paid", shop, payload: paid(8501) });
    const other = uniqueShop("trust-other");
    const { status, error } = await deliver({ topic: "customers/redact", shop, payload: { shop_id: 7304, shop_domain: other, customer: { id: 115310627, email: "ana.lima@example.com" }, orders_to_redact: [8501] } });

    expect(status).toBe("failed");
    expect(error).toBe(`customers/redact payload names another shop: shop_domain ${other} is not ${shop}`);
    expect(await db.customer.findUniqueOrThrow({ where: { shopId_gid: { shopId, gid: "gid://shopify/Customer/115310627" } } })).toMatchObject({ email: "ana.lima@example.com", redactedAt: null });
    expect(await shopRow(shop)).toMatchObject({ shopifyGid: null });
  });

  it("a compliance request whose shop_id is not the one shop/update taught", async () => {
    await deliver({ topic: "orders/paid", shop, payload: paid(8502) });
    await deliver({ topic: "shop/update", shop, payload: shopPayload(shop, { id: 7305 }) });
    const redact = await deliver({ topic: "customers/redact", shop, payload: { shop_id: 7306, shop_domain: shop, customer: { id: 115310627, email: "ana.lima@example.com" }, orders_to_redact: [8502] } });
    const request = await deliver({ topic: "customers/data_request", shop, payload: { shop_id: 7306, shop_domain: shop, customer: { id: 115310627 }, orders_requested: [], data_request: { id: 1 } } });

    expect(redact).toMatchObject({ status: "failed", error: `customers/redact payload names another shop: shop id 7306 is not ${shop}'s (gid://shopify/Shop/7305)` });
    expect(request.status).toBe("failed");
    expect(await db.customer.findUniqueOrThrow({ where: { shopId_gid: { shopId, gid: "gid://shopify/Customer/115310627" } } })).toMatchObject({ redactedAt: null });
    expect(await db.dataRequest.count({ where: { shopId } })).toBe(0);
  });

  it("an order whose order_status_url is on another shop's myshopify domain, or names another shop id", async () => {
    const other = uniqueShop("trust-other");
    const foreignHost = await deliver({ topic: "orders/paid", shop, payload: paid(8601, { order_status_url: `https://${other}/7307/orders/abc/authenticate?key=k` }) });
    expect(foreignHost).toMatchObject({ status: "failed", error: `orders/paid payload names another shop: order_status_url is on ${other}, not ${shop}` });

    await deliver({ topic: "shop/update", shop, payload: shopPayload(shop, { id: 7308, domain: "www.roost-store.example" }) });
    const foreignId = await deliver({ topic: "orders/paid", shop, payload: paid(8602, { order_status_url: `https://${shop}/7307/orders/abc/authenticate?key=k` }) });
    expect(foreignId).toMatchObject({ status: "failed", error: `orders/paid payload names another shop: order_status_url names shop id 7307, not ${shop}'s (gid://shopify/Shop/7308)` });
    const foreignDomain = await deliver({ topic: "orders/paid", shop, payload: paid(8603, { order_status_url: "https://www.other-store.example/7308/orders/abc/authenticate?key=k" }) });
    expect(foreignDomain.error).toBe(`orders/paid payload names another shop: order_status_url is on www.other-store.example, neither ${shop} nor its primary domain www.roost-store.example`);

    expect([await order(shopId, 8601), await order(shopId, 8602), await order(shopId, 8603)]).toEqual([null, null, null]);
    expect(await db.customer.count({ where: { shopId } })).toBe(0);
  });

  it("accepts an order on the shop's own hosts, and on a host it cannot check yet", async () => {
    const own = await deliver({ topic: "orders/paid", shop, payload: paid(8701, { order_status_url: `https://${shop}/7309/orders/abc/authenticate?key=k` }) });
    // The primary domain is not known yet: a custom host may be this shop's (docs/security.md).
    const unknown = await deliver({ topic: "orders/paid", shop, payload: paid(8702, { order_status_url: "https://www.roost-store.example/7309/orders/def/authenticate?key=k" }) });
    await deliver({ topic: "shop/update", shop, payload: shopPayload(shop, { id: 7309, domain: "www.roost-store.example" }) });
    const primary = await deliver({ topic: "orders/paid", shop, payload: paid(8703, { order_status_url: "https://WWW.Roost-Store.example/7309/orders/ghi/authenticate?key=k" }) });

    expect([own.status, unknown.status, primary.status]).toEqual(["processed", "processed", "processed"]);
    expect(await order(shopId, 8703)).toMatchObject({ eligibleAmount: 1000 });
  });
});

describe("the shop's identity, learned at install", () => {
  it("reads the shop's GID and primary domain with its own token, and checks the first order against them", async () => {
    const shop = uniqueShop("trust-install");
    await installTestShop(shop);
    fakeShopify.store.registerShop(shop, { accessToken: OFFLINE_TOKEN(shop), name: "Roost Test Store", timezone: "America/New_York", primaryDomain: "shop.roost-install.example" });
    await learnShopIdentityOnInstall(db, shop);

    const row = await db.shop.findUniqueOrThrow({ where: { domain: shop } });
    expect(row.shopifyGid).toMatch(/^gid:\/\/shopify\/Shop\/\d+$/);
    expect(row.primaryDomain).toBe("shop.roost-install.example");
    const numericId = row.shopifyGid!.replace("gid://shopify/Shop/", "");

    const statusOn = (host: string) => ({ order_status_url: `https://${host}/${numericId}/orders/t/authenticate?key=k` });
    const foreign = await deliver({ topic: "orders/paid", shop, payload: paid(8801, statusOn("www.other-store.example")) });
    expect(foreign).toMatchObject({ status: "failed", error: `orders/paid payload names another shop: order_status_url is on www.other-store.example, neither ${shop} nor its primary domain shop.roost-install.example` });
    const own = await deliver({ topic: "orders/paid", shop, payload: paid(8802, statusOn("shop.roost-install.example")) });
    expect(own.status).toBe("processed");
  });

  it("an Admin API that cannot be reached leaves the install as it was", async () => {
    const shop = uniqueShop("trust-install");
    await installTestShop(shop);
    await learnShopIdentityOnInstall(db, shop, async () => ({ request: () => Promise.reject(new Error("unreachable")) }));
    expect(await db.shop.findUniqueOrThrow({ where: { domain: shop } })).toMatchObject({ installed: true, shopifyGid: null, primaryDomain: null });
  });
});

describe("the payload must have the route's topic's shape", () => {
  let shop: string;
  beforeEach(async () => {
    shop = uniqueShop("trust-shape");
    await installTestShop(shop);
  });

  it("refuses a customer sent as a product, a product as a customer, an order as a refund", async () => {
    const asProduct = await deliver({ topic: "products/create", shop, payload: customerPayload({ id: 9101 }) });
    const asCustomer = await deliver({ topic: "customers/create", shop, payload: productPayload({ id: 9102, variants: [] }) });
    const asRefund = await deliver({ topic: "refunds/create", shop, payload: paid(9103) });
    const asUninstall = await deliver({ topic: "app/uninstalled", shop, payload: paid(9104) });

    expect(asProduct).toMatchObject({ status: "failed", error: expect.stringContaining("admin_graphql_api_id: must be a gid://shopify/Product/… id") });
    expect(asCustomer).toMatchObject({ status: "failed", error: expect.stringContaining("admin_graphql_api_id: must be a gid://shopify/Customer/… id") });
    expect(asRefund).toMatchObject({ status: "failed", error: expect.stringContaining("order_id:") });
    expect(asUninstall).toMatchObject({ status: "failed", error: expect.stringContaining("myshopify_domain:") });
    const { id } = (await shopRow(shop))!;
    expect([await db.product.count({ where: { shopId: id } }), await db.customer.count({ where: { shopId: id } })]).toEqual([0, 0]);
    expect(await shopRow(shop)).toMatchObject({ installed: true });
  });
});

describe("shop/redact for a shop that is installed", () => {
  it("is kept as failed with the reason and erases nothing", async () => {
    const b = await liveShop("trust-redact");
    const { response, status, error } = await deliver({ topic: "shop/redact", shop: b.domain, payload: { shop_id: 548380009, shop_domain: b.domain } });

    expect(response.status).toBe(200);
    expect(status).toBe("failed");
    expect(error).toBe("shop/redact for a shop that is installed: nothing erased");
    await intact(b);
    expect(await rows(b.domain)).toHaveLength(2);
  });
});

describe("X-Shopify-Triggered-At", () => {
  it("is never stored later than the delivery's arrival", async () => {
    const shop = uniqueShop("trust-time");
    await installTestShop(shop);
    const before = Date.now();
    const request = signedWebhook({ topic: "orders/edited", shop, payload: { order_edit: { order_id: 1 } }, triggeredAt: "2099-01-01T00:00:00.000Z", webhookId: `t-${shop}` });
    const { action } = await routes["../app/routes/webhooks.orders.edited.tsx"]();
    await action({ request, params: {}, context: {} });
    await inboxWorker().idle();

    const row = await db.webhookDelivery.findUniqueOrThrow({ where: { webhookId: `t-${shop}` } });
    expect(row.triggeredAt!.getTime()).toBeGreaterThanOrEqual(before);
    expect(row.triggeredAt!.getTime()).toBeLessThanOrEqual(row.receivedAt.getTime());
  });
});
