import { afterAll, beforeAll, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { inboxWorker } from "../../app/runtime.server";
import { customerPayload, orderPayload, productPayload, refundPayload } from "../fixtures/rest-payloads";
import { API_SECRET, API_VERSION, APP_URL } from "../support/constants";
import { installTestShop, signedWebhook, uniqueShop } from "../support/shopify";
import { shopifyWebhookHeaders } from "../support/webhook-signing";
import { BODY_CLASSES, type BodyClass, type Fuzzed, fuzzBodies, fuzzBody, fuzzSeed, Outcomes, preview, random, type Random, subSeed } from "./generate";
import { storedCounts } from "./stored";

/**
 * Fuzzes the webhook routes through their route modules, as test/support/deliver.ts sends them
 * (issue 8). Invariants that hold however strictly routing checks the headers: unsigned bodies
 * get a 4xx and store nothing; signed ones never get a 5xx; and the inbox worker ends every
 * signed delivery in a final state (a malformed one `failed` with its reason), never throwing
 * out of the worker or leaving it pending for a retry that cannot help. docs/testing.md, "Fuzz".
 */

const seed = fuzzSeed();
const BODIES = fuzzBodies(2000);
const outcomes = new Outcomes();
const started = Date.now();

const HEADERS = [
  "X-Shopify-Topic",
  "X-Shopify-Shop-Domain",
  "X-Shopify-API-Version",
  "X-Shopify-Webhook-Id",
  "X-Shopify-Triggered-At",
  "X-Shopify-Event-Id",
  "Content-Type",
] as const;

type RouteModule = { action: (args: { request: Request; params: Record<string, string>; context: object }) => Promise<Response> };
const modules = import.meta.glob<RouteModule>("../../app/routes/webhooks.*.tsx");

let shop: string;
let sequence = 0;
const id = () => 7_000_000 + (sequence += 1);
const ORDER_ID = 6_500_001;

/** A valid payload per topic; each call has fresh ids. */
const TOPICS: Record<string, () => unknown> = {
  "orders/paid": () => orderPayload({ id: id(), lines: [{ id: id(), price: "10.00", quantity: 2 }], customerId: 301, email: "fuzz.buyer@example.com" }),
  "orders/create": () => orderPayload({ id: id(), lines: [{ id: id(), price: "5.00", quantity: 1 }], customerId: 302, email: "other.buyer@example.com", financialStatus: "pending" }),
  "orders/updated": () => orderPayload({ id: ORDER_ID, lines: [{ id: 1, price: "10.00", quantity: 1 }], updatedAt: new Date(Date.UTC(2026, 10, 20, 0, 0, id() % 3600)).toISOString() }),
  "orders/cancelled": () => orderPayload({ id: id(), lines: [{ id: id(), price: "3.00", quantity: 1 }], cancelledAt: "2026-11-21T10:00:00-05:00" }),
  "refunds/create": () => refundPayload({ id: id(), orderId: ORDER_ID, lines: [{ lineItemId: 1, quantity: 1, subtotal: "0.10", tax: "0.00" }] }),
  "customers/create": () => customerPayload({ id: id(), email: `fuzz${sequence}@example.com` }),
  "customers/update": () => customerPayload({ id: 301, email: "fuzz.buyer@example.com", updatedAt: "2026-11-22T09:00:00-05:00" }),
  "products/update": () => productPayload({ id: 632910392, variants: [{ id: 808950810, price: "10.00", inventoryItemId: 39072856, inventoryQuantity: 3 }] }),
  "inventory_levels/update": () => ({ inventory_item_id: 39072856, location_id: 24826418, available: id() % 20, updated_at: "2026-11-20T10:00:00-05:00" }),
  "shop/update": () => ({ id: 548380009, name: "Roost Test Store", iana_timezone: "America/New_York", currency: "USD", domain: "shop.example.com", updated_at: "2026-11-20T10:00:00-05:00" }),
};
const TOPIC_NAMES = Object.keys(TOPICS);

async function routeAction(topic: string): Promise<RouteModule["action"]> {
  const load = modules[`../../app/routes/webhooks.${topic.replaceAll("/", ".")}.tsx`];
  if (!load) throw new Error(`no route for ${topic}`);
  return (await load()).action;
}

beforeAll(async () => {
  shop = uniqueShop("roost-fuzz");
  await installTestShop(shop);
  // The order the refunds and orders/updated refer to.
  const action = await routeAction("orders/paid");
  const response = await action({ request: signedWebhook({ topic: "orders/paid", shop, payload: orderPayload({ id: ORDER_ID, lines: [{ id: 1, price: "10.00", quantity: 1 }], customerId: 301, email: "fuzz.buyer@example.com" }) }), params: {}, context: {} });
  expect(response.status).toBe(200);
  await inboxWorker().idle();
});

afterAll(() => {
  process.stdout.write(outcomes.format(`fuzz /webhooks (seed ${seed}, ${BODIES} bodies, topics ${TOPIC_NAMES.join(" ")}, ${((Date.now() - started) / 1000).toFixed(1)} s): class → "signature status" / "worker <final status>" × count`));
});

type Signature = "valid" | "none" | "wrong-secret" | "tampered" | "garbage";
const BAD_SIGNATURES: Signature[] = ["none", "wrong-secret", "tampered", "garbage"];
const STRANGE_DOMAINS = ["evil.com", "roost-fuzz.myshopify.com.evil.com", "", "../../etc/passwd", "UPPER.MYSHOPIFY.COM", "a\u00e9.myshopify.com"];

const text = (body: string | Uint8Array) => (typeof body === "string" ? body : new TextDecoder().decode(body));

function request(rng: Random, routeTopic: string, fuzzed: Fuzzed, signature: Signature, webhookId: string): Request {
  let headerTopic = routeTopic;
  // Headers are not signed: sometimes the topic names another route.
  if (fuzzed.omit.length > 0 && rng.chance(0.3)) headerTopic = rng.pick(TOPIC_NAMES);
  let built: Request;
  if (signature === "valid") {
    built = signedWebhook({ topic: headerTopic, shop, payload: text(fuzzed.body), webhookId, eventId: `evt-${rng.token()}`, omit: fuzzed.omit });
  } else {
    const domain = rng.chance(0.5) ? shop : rng.pick(STRANGE_DOMAINS);
    const signedBody = signature === "tampered" ? `${text(fuzzed.body)} ` : text(fuzzed.body);
    const headers = shopifyWebhookHeaders({ topic: headerTopic, shop: domain, body: signedBody, secret: signature === "wrong-secret" ? "not-the-secret" : API_SECRET, apiVersion: API_VERSION, webhookId, eventId: `evt-${rng.token()}` });
    if (signature === "none") headers.delete("X-Shopify-Hmac-Sha256");
    if (signature === "garbage") headers.set("X-Shopify-Hmac-Sha256", rng.pick(["' OR 1=1 --", "AAAA", "", "x".repeat(2000), "%00"]));
    for (const name of fuzzed.omit) headers.delete(name);
    const body = typeof fuzzed.body === "string" ? fuzzed.body : new Blob([new Uint8Array(fuzzed.body)]);
    built = new Request(`${APP_URL}/webhooks/${routeTopic}`, { method: "POST", headers, body });
  }
  if (fuzzed.contentType === null || fuzzed.omit.includes("Content-Type")) built.headers.delete("Content-Type");
  else built.headers.set("Content-Type", fuzzed.contentType);
  return built;
}

interface Sent {
  bodyClass: BodyClass;
  topic: string;
  body: string;
}

/** Sends each class's bodies; returns violations and the deliveries it sent, by webhook id. */
async function fuzzWebhooks(signed: boolean): Promise<{ violations: string[]; sent: Map<string, Sent> }> {
  const rng = random(subSeed(seed, `webhooks:${signed ? "signed" : "unsigned"}`));
  const violations: string[] = [];
  const sent = new Map<string, Sent>();
  const perClass = Math.ceil(BODIES / BODY_CLASSES.length);
  // 60 % of each class is signed: the unsigned part is its own phase.
  const share = signed ? Math.ceil(perClass * 0.6) : perClass - Math.ceil(perClass * 0.6);
  for (const bodyClass of BODY_CLASSES) {
    for (let i = 0; i < share; i += 1) {
      const topic = rng.pick(TOPIC_NAMES);
      const fuzzed = fuzzBody(rng, bodyClass, TOPICS[topic](), HEADERS);
      const signature: Signature = signed ? "valid" : rng.pick(BAD_SIGNATURES);
      const webhookId = `fuzz-${rng.token()}`;
      const action = await routeAction(topic);
      let status: number;
      try {
        status = (await action({ request: request(rng, topic, fuzzed, signature, webhookId), params: {}, context: {} })).status;
      } catch (thrown) {
        if (!(thrown instanceof Response)) {
          violations.push(`${topic} ${bodyClass} (${signature}): threw ${String(thrown).slice(0, 200)}`);
          continue;
        }
        status = thrown.status;
      }
      outcomes.add(bodyClass, `${signed ? "signed" : "unsigned"} ${status}`);
      const describe = `${topic} ${bodyClass} (${signature}) → ${status}; body ${preview(fuzzed.body)}`;
      if (status >= 500) violations.push(`5xx: ${describe}`);
      if (!signed && (status < 400 || status >= 500)) violations.push(`unsigned but ${status}: ${describe}`);
      if (signed) sent.set(webhookId, { bodyClass, topic, body: preview(fuzzed.body) });
    }
  }
  return { violations, sent };
}

describe(`fuzz: webhook routes (seed ${seed}; ROOST_FUZZ_SEED=${seed} reproduces it)`, () => {
  it("unsigned bodies: a 4xx, nothing stored", { timeout: 170_000 }, async () => {
    const before = await storedCounts();
    const { violations } = await fuzzWebhooks(false);
    await inboxWorker().idle();
    expect(violations.slice(0, 20), `seed ${seed}: ${violations.length} violations`).toEqual([]);
    expect(await storedCounts(), `seed ${seed}`).toEqual(before);
  });

  it("signed bodies: never 5xx, and the worker ends each delivery in a final state", { timeout: 170_000 }, async () => {
    const { violations, sent } = await fuzzWebhooks(true);
    await inboxWorker().idle();
    const rows = await db.webhookDelivery.findMany({ where: { shopDomain: shop, webhookId: { in: [...sent.keys()] } }, select: { webhookId: true, status: true, lastError: true } });
    for (const row of rows) {
      const delivery = sent.get(row.webhookId);
      if (!delivery) continue;
      outcomes.add(delivery.bodyClass, `worker ${row.status}`);
      const describe = `${delivery.topic} ${delivery.bodyClass} → ${row.status} (${row.lastError?.slice(0, 160) ?? "no error"}); body ${delivery.body}`;
      if (row.status === "pending") violations.push(`left pending: ${describe}`);
      if (row.status === "dead") violations.push(`dead: ${describe}`);
      if (row.status === "failed" && !row.lastError) violations.push(`failed without a reason: ${describe}`);
    }
    expect(violations.slice(0, 20), `seed ${seed}: ${violations.length} violations`).toEqual([]);
    expect(({} as Record<string, unknown>).polluted, "Object.prototype polluted").toBeUndefined();
    expect((await db.shop.findUniqueOrThrow({ where: { domain: shop } })).installed).toBe(true);
  });
});
