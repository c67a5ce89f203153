import { beforeEach, describe, expect, it } from "vitest";
import { action as redeemAction, loader as redeemLoader } from "../../app/routes/api.v1.redemptions";
import { action as readAction, loader as readLoader } from "../../app/routes/api.v1.redemptions.$id";
import { revokeApiToken } from "../../app/services/api/tokens.server";
import { createReward, parseReward, type RewardInput } from "../../app/services/rewards/catalogue.server";
import { markIssued, returnRedemption } from "../../app/services/rewards/redeem.server";
import { systemClock } from "../../app/lib/clock";
import { logger } from "../../app/lib/logger.server";
import { issueRedemptionsNow } from "../../app/services/rewards/issue.server";
import { adminClientFor } from "../../app/services/shopify/admin.server";
import { fakeShopify } from "../support/shopify";
import { APP_URL } from "../support/constants";
import { type ApiShop, apiRequest, apiShop, args, type Call, db, enrol, expectLedgerOk, orderBody, postOrder } from "./helpers";

// POST /api/v1/redemptions and GET /api/v1/redemptions/:id (docs/api.md): a member spends points
// on a reward through the external API, once per Idempotency-Key, never past the balance.

let shop: ApiShop;
const ANA = 115310627;

beforeEach(async () => {
  shop = await apiShop();
  await enrol(shop, ANA, "ana.lima@example.com");
  // 500 points from one external order (rate 1, Bronze ×1).
  const { json } = await postOrder(shop, orderBody({ eligibleAmount: "500.00" }), { key: "order-1" });
  expect(json.order).toMatchObject({ status: "awarded", points: 500, balance: 500 });
});

const ana = () => db.member.findFirstOrThrow({ where: { shopId: shop.id, customerGid: `gid://shopify/Customer/${ANA}` } });

async function reward(input: Partial<RewardInput> = {}) {
  const parsed = parseReward({ type: "fixed_amount", value: "5.00", pointsCost: "300", ...input }, "USD");
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return createReward(db, { id: shop.id, currency: "USD" }, parsed.value, "test");
}

interface RedemptionBody {
  redemption: { id: string; status: string; points: number; code?: string; reward_id: string; member_id: string };
  error?: string;
  message?: string;
  balance?: number;
  cost?: number;
  fields?: Record<string, string>;
}

async function redeem(body: unknown, call: Omit<Call, "body"> = {}): Promise<{ response: Response; json: RedemptionBody }> {
  const response = await redeemAction(args(apiRequest("/api/v1/redemptions", { token: shop.token, key: crypto.randomUUID(), ...call, body }), call.client));
  return { response, json: await response.clone().json() };
}

async function read(id: string, token: string | null = shop.token): Promise<{ response: Response; json: RedemptionBody }> {
  const headers = new Headers(token ? { Authorization: `Bearer ${token}` } : {});
  const response = await readLoader({ ...args(new Request(new URL(`/api/v1/redemptions/${id}`, APP_URL), { headers })), params: { id } });
  return { response, json: await response.clone().json() };
}

const body = (rewardId: string, customer: Record<string, unknown> = { email: "ana.lima@example.com" }) => ({ customer, reward_id: rewardId });

/** What a redemption leaves behind: rows, entries and jobs of the shop. */
async function written() {
  const [redemptions, entries, jobs, idempotency] = await Promise.all([
    db.redemption.count({ where: { shopId: shop.id } }),
    db.ledgerEntry.count({ where: { shopId: shop.id, kind: "redemption" } }),
    db.job.count({ where: { shopId: shop.id, queue: "redemptions" } }),
    db.apiIdempotency.count({ where: { shopId: shop.id, key: { not: "order-1" } } }),
  ]);
  return { redemptions, entries, jobs, idempotency };
}

describe("POST /api/v1/redemptions", () => {
  it("reserves the points at once: 201 with a pending redemption, the balance reduced, a redemption entry and a queued job", async () => {
    const fiveOff = await reward();
    const { response, json } = await redeem(body(fiveOff.id), { key: "redeem-1" });

    expect(response.status).toBe(201);
    expect(response.headers.get("Idempotent-Replayed")).toBeNull();
    const member = await ana();
    expect(json.redemption).toMatchObject({ status: "pending", points: 300, reward_id: fiveOff.id, member_id: member.id, description: "$5.00 off" });
    expect(json.redemption.code).toBeUndefined();
    expect(member.balance).toBe(200);
    const row = await db.redemption.findUniqueOrThrow({ where: { id: json.redemption.id } });
    expect(row).toMatchObject({ status: "pending", idempotencyKey: "api:redeem-1", actor: `api-token:${shop.tokenId}` });
    const entries = await db.ledgerEntry.findMany({ where: { shopId: shop.id, kind: "redemption" } });
    expect(entries.map((entry) => [entry.points, entry.balanceAfter, entry.idempotencyKey])).toEqual([[-300, 200, `redemption:${row.id}`]]);
    const job = await db.job.findFirstOrThrow({ where: { shopId: shop.id, queue: "redemptions" } });
    expect([job.key, job.status]).toEqual([row.id, "pending"]);
    await expectLedgerOk(shop.id);
  });

  it("matches the member by numeric or GID Shopify customer id and by external id", async () => {
    const cheap = await reward({ pointsCost: "100" });
    await db.member.update({ where: { id: (await ana()).id }, data: { externalId: "POS-77" } });

    const byNumber = await redeem(body(cheap.id, { shopify_customer_id: ANA }));
    const byGid = await redeem(body(cheap.id, { shopify_customer_id: `gid://shopify/Customer/${ANA}` }));
    const byExternal = await redeem(body(cheap.id, { external_id: "POS-77" }));

    expect([byNumber.response.status, byGid.response.status, byExternal.response.status]).toEqual([201, 201, 201]);
    expect((await ana()).balance).toBe(200);
  });

  it("answers a replay of the same key and body with the same redemption, spending once", async () => {
    const fiveOff = await reward();
    const first = await redeem(body(fiveOff.id), { key: "same" });
    const again = await redeem(body(fiveOff.id), { key: "same" });

    expect(again.response.status).toBe(201);
    expect(again.response.headers.get("Idempotent-Replayed")).toBe("true");
    expect(again.json.redemption.id).toBe(first.json.redemption.id);
    expect(await written()).toMatchObject({ redemptions: 1, entries: 1, jobs: 1 });
    expect((await ana()).balance).toBe(200);
  });

  it("spends once for a key even when the API's replay record is gone: the redemption's own key answers", async () => {
    const fiveOff = await reward();
    const first = await redeem(body(fiveOff.id), { key: "lost-record" });
    await db.apiIdempotency.deleteMany({ where: { shopId: shop.id, key: "lost-record" } });
    const again = await redeem(body(fiveOff.id), { key: "lost-record" });

    expect(again.response.status).toBe(201);
    expect(again.json.redemption.id).toBe(first.json.redemption.id);
    expect((await ana()).balance).toBe(200);
    // Another reward under that key is refused.
    await db.apiIdempotency.deleteMany({ where: { shopId: shop.id, key: "lost-record" } });
    const other = await redeem(body((await reward({ pointsCost: "10" })).id), { key: "lost-record" });
    expect(other.response.status).toBe(409);
    expect(other.json.error).toBe("idempotency_key_reused");
  });

  it("answers 409 to the same key with another body", async () => {
    const fiveOff = await reward();
    const tenOff = await reward({ value: "10.00", pointsCost: "100" });
    await redeem(body(fiveOff.id), { key: "k" });
    const { response, json } = await redeem(body(tenOff.id), { key: "k" });

    expect(response.status).toBe(409);
    expect(json.error).toBe("idempotency_key_reused");
    expect(await written()).toMatchObject({ redemptions: 1, entries: 1 });
  });

  it("answers 401 to a missing, wrong or revoked token, and writes nothing", async () => {
    const fiveOff = await reward();
    const missing = await redeem(body(fiveOff.id), { token: null });
    const wrong = await redeem(body(fiveOff.id), { token: "roost_not-a-real-token" });
    await revokeApiToken(db, { shopId: shop.id, tokenId: shop.tokenId, actor: "test" });
    const revoked = await redeem(body(fiveOff.id));

    for (const { response, json } of [missing, wrong, revoked]) {
      expect(response.status).toBe(401);
      expect(response.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
      expect(json.error).toBe("unauthorized");
    }
    expect(await written()).toEqual({ redemptions: 0, entries: 0, jobs: 0, idempotency: 0 });
    expect((await ana()).balance).toBe(500);
  });

  it("answers 422 insufficient_points with the balance and the cost when the balance is short, and writes nothing", async () => {
    const dear = await reward({ pointsCost: "501" });
    const { response, json } = await redeem(body(dear.id), { key: "short" });

    expect(response.status).toBe(422);
    expect(json).toMatchObject({ error: "insufficient_points", balance: 500, cost: 501 });
    expect(json.message).toMatch(/500/);
    expect(await written()).toEqual({ redemptions: 0, entries: 0, jobs: 0, idempotency: 0 });
    expect((await ana()).balance).toBe(500);
  });

  it("answers 422 invalid_request with the fields at fault", async () => {
    const fiveOff = await reward();
    const none = await redeem({ customer: {}, reward_id: fiveOff.id });
    const bad = await redeem({ customer: { shopify_customer_id: "gid://shopify/Order/1", email: "not-an-email" } });
    const notObject = await redeem([]);

    expect(none.response.status).toBe(422);
    expect(none.json).toMatchObject({ error: "invalid_request", fields: { customer: "Give at least one of shopify_customer_id, external_id or email" } });
    expect(bad.json.fields).toEqual({
      "customer.shopify_customer_id": expect.stringContaining("Shopify customer GID"),
      "customer.email": "Must be an email address",
      reward_id: "Required",
    });
    expect(notObject.json.fields).toEqual({ body: "Must be a JSON object" });
    expect(await written()).toEqual({ redemptions: 0, entries: 0, jobs: 0, idempotency: 0 });
  });

  it("answers 422 reward_unavailable for an unknown, another shop's or a disabled reward", async () => {
    const other = await apiShop();
    const theirs = await createReward(db, { id: other.id, currency: "USD" }, { type: "free_shipping", name: "Free shipping", pointsCost: 10, value: null, minimumSubtotal: null, enabled: true }, "test");
    const disabled = await reward({ enabled: false });

    for (const id of ["no-such-reward", theirs.id, disabled.id]) {
      const { response, json } = await redeem(body(id));
      expect(response.status).toBe(422);
      expect(json.error).toBe("reward_unavailable");
    }
    expect(await written()).toMatchObject({ redemptions: 0, entries: 0 });
  });

  it("answers 422 member_not_found when no member matches, and no_shopify_customer for a member without one", async () => {
    const fiveOff = await reward();
    const stranger = await redeem(body(fiveOff.id, { email: "stranger@example.com" }));
    expect(stranger.response.status).toBe(422);
    expect(stranger.json.error).toBe("member_not_found");

    await db.member.create({ data: { shopId: shop.id, externalId: "POS-ONLY", email: "pos@example.com", balance: 1000 } });
    const posOnly = await redeem(body(fiveOff.id, { external_id: "POS-ONLY" }));
    expect(posOnly.response.status).toBe(422);
    expect(posOnly.json.error).toBe("no_shopify_customer");
    expect(await written()).toMatchObject({ redemptions: 0, entries: 0 });
  });

  it("lets only one of two concurrent requests spend a balance too small for both", async () => {
    const fiveOff = await reward();
    const results = await Promise.all([redeem(body(fiveOff.id), { key: "race-a" }), redeem(body(fiveOff.id), { key: "race-b" })]);

    expect(results.map(({ response }) => response.status).sort()).toEqual([201, 422]);
    expect(results.find(({ response }) => response.status === 422)?.json).toMatchObject({ error: "insufficient_points", balance: 200, cost: 300 });
    expect((await ana()).balance).toBe(200);
    expect(await written()).toMatchObject({ redemptions: 1, entries: 1, jobs: 1 });
    await expectLedgerOk(shop.id);
  });

  it("spends exactly what the balance covers when many requests race, by every identifier", async () => {
    const twoHundred = await reward({ pointsCost: "200" });
    await db.member.update({ where: { id: (await ana()).id }, data: { externalId: "POS-77" } });
    const customers = [{ email: "ana.lima@example.com" }, { shopify_customer_id: ANA }, { external_id: "POS-77" }, { email: "ANA.LIMA@example.com" }, { shopify_customer_id: String(ANA) }];
    const results = await Promise.all(customers.map((customer, index) => redeem(body(twoHundred.id, customer), { key: `race-${index}` })));

    // 500 points cover two redemptions of 200, whichever requests get the member's lock first.
    expect(results.map(({ response }) => response.status).sort()).toEqual([201, 201, 422, 422, 422]);
    for (const refused of results.filter(({ response }) => response.status === 422)) expect(refused.json).toMatchObject({ error: "insufficient_points", balance: 100, cost: 200 });
    expect((await ana()).balance).toBe(100);
    expect(await written()).toMatchObject({ redemptions: 2, entries: 2, jobs: 2, idempotency: 2 });
    await expectLedgerOk(shop.id);
  });

  it("spends once for two concurrent requests with the same key: both answer the same redemption", async () => {
    const fiveOff = await reward({ pointsCost: "100" });
    const results = await Promise.all([redeem(body(fiveOff.id), { key: "twice" }), redeem(body(fiveOff.id), { key: "twice" })]);

    expect(results.map(({ response }) => response.status)).toEqual([201, 201]);
    expect(results[0].json.redemption.id).toBe(results[1].json.redemption.id);
    expect(results.map(({ response }) => response.headers.get("Idempotent-Replayed")).sort()).toEqual(["true", null].sort());
    expect((await ana()).balance).toBe(400);
    expect(await written()).toMatchObject({ redemptions: 1, entries: 1, jobs: 1 });
    await expectLedgerOk(shop.id);
  });

  it("refuses what the orders API refuses, before reading the body: no key or a bad one 400, not JSON 415, malformed JSON 400", async () => {
    const fiveOff = await reward();
    const noKey = await redeem(body(fiveOff.id), { key: null });
    const badKey = await redeem(body(fiveOff.id), { key: "has space" });
    const notJson = await redeem(body(fiveOff.id), { headers: { "Content-Type": "text/plain" } });
    const malformed = await redeem('{"customer": {"email": "ana.lima@example.com"}, "reward_id": ', {});
    const deep = await redeem(`${"[".repeat(40)}${"]".repeat(40)}`);

    expect([noKey, badKey, notJson, malformed, deep].map(({ response, json }) => [response.status, json.error])).toEqual([
      [400, "idempotency_key_required"],
      [400, "invalid_idempotency_key"],
      [415, "unsupported_media_type"],
      [400, "invalid_json"],
      [400, "body_too_deep"],
    ]);
    expect(await written()).toEqual({ redemptions: 0, entries: 0, jobs: 0, idempotency: 0 });
    expect((await ana()).balance).toBe(500);
  });

  it("answers 409 to a key already used for an order", async () => {
    const fiveOff = await reward();
    const { response, json } = await redeem(body(fiveOff.id), { key: "order-1" });

    expect(response.status).toBe(409);
    expect(json.error).toBe("idempotency_key_reused");
    expect(await written()).toMatchObject({ redemptions: 0, entries: 0 });
  });

  it("answers 405 to GET", async () => {
    const response = redeemLoader();
    expect(response.status).toBe(405);
    expect(response.headers.get("Allow")).toBe("POST");
  });
});

describe("GET /api/v1/redemptions/:id", () => {
  it("reads the redemption as POST answered it, with the code once the queue issued it", async () => {
    const fiveOff = await reward();
    const created = await redeem(body(fiveOff.id));
    const pending = await read(created.json.redemption.id);

    expect(pending.response.status).toBe(200);
    expect(pending.response.headers.get("Cache-Control")).toBe("no-store");
    expect(pending.json).toEqual(created.json);

    const row = await db.redemption.findUniqueOrThrow({ where: { id: created.json.redemption.id } });
    await markIssued(db, { id: shop.id, currency: "USD" }, row.id, { discountGid: "gid://shopify/DiscountCodeNode/1" }, new Date());
    const issued = await read(row.id);
    expect(issued.json.redemption).toMatchObject({ id: row.id, status: "issued", code: row.code });
    expect(issued.json.redemption.code).toMatch(/^ROOST-/);
  });

  it("reads a failed redemption with Shopify's reason and no code, the points back on the balance", async () => {
    const fiveOff = await reward();
    const created = await redeem(body(fiveOff.id));
    await returnRedemption({ db, clock: systemClock }, await db.shop.findUniqueOrThrow({ where: { id: shop.id } }), created.json.redemption.id, "Shopify refused the reward: Customer does not exist");

    const failed = await read(created.json.redemption.id);
    expect(failed.response.status).toBe(200);
    expect(failed.json.redemption).toMatchObject({ status: "failed", points: 300, failure_reason: "Shopify refused the reward: Customer does not exist" });
    expect(failed.json.redemption.code).toBeUndefined();
    expect((await ana()).balance).toBe(500);
    await expectLedgerOk(shop.id);
  });

  it("end to end against the fake Admin: POST reserves, the queue makes the code for that customer only, GET shows it; a refused one gives the points back once", async () => {
    // A customer Shopify knows, with 500 points from an external order.
    const ritaGid = fakeShopify.store.addCustomer(shop.domain, { email: "rita@example.com" }).id;
    const rita = await enrol(shop, Number(ritaGid.split("/").pop()), "rita@example.com");
    await postOrder(shop, orderBody({ eligibleAmount: "500.00", buyer: { email: "rita@example.com" } }));
    const fiveOff = await reward({ minimumSubtotal: "40" });
    await db.job.deleteMany({ where: { queue: "redemptions", NOT: { shopId: shop.id } } });

    const forRita = await redeem(body(fiveOff.id, { shopify_customer_id: ritaGid }));
    // Ana is a member Shopify does not know: the code's customer context is refused.
    const forAna = await redeem(body(fiveOff.id));
    expect([forRita.json.redemption.status, forAna.json.redemption.status]).toEqual(["pending", "pending"]);

    expect(await issueRedemptionsNow({ db, clock: systemClock, logger, adminFor: adminClientFor, sleep: async () => undefined }, { shopId: shop.id })).toMatchObject({ done: 1 });

    const issued = await read(forRita.json.redemption.id);
    expect(issued.json.redemption).toMatchObject({ status: "issued", member_id: rita.id, points: 300, description: "$5.00 off on orders of $40.00 or more" });
    expect(issued.json.redemption.code).toMatch(/^ROOST-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    const discount = fakeShopify.store.discountByCode(shop.domain, issued.json.redemption.code!);
    expect(discount).toMatchObject({ usageLimit: 1, appliesOncePerCustomer: true });
    expect(JSON.stringify(discount)).toContain(ritaGid);

    const refused = await read(forAna.json.redemption.id);
    expect(refused.json.redemption).toMatchObject({ status: "failed", failure_reason: expect.stringMatching(/^Shopify refused the reward: /) });
    expect(refused.json.redemption.code).toBeUndefined();
    expect((await ana()).balance).toBe(500);
    expect(await db.ledgerEntry.count({ where: { memberId: (await ana()).id, kind: "returned" } })).toBe(1);
    expect((await db.member.findUniqueOrThrow({ where: { id: rita.id } })).balance).toBe(200);
    await expectLedgerOk(shop.id);
  });

  it("answers 404 for an unknown id or another shop's redemption, and 401 without a valid token", async () => {
    const fiveOff = await reward();
    const created = await redeem(body(fiveOff.id));
    const other = await apiShop();

    const unknown = await read("no-such-redemption");
    expect(unknown.response.status).toBe(404);
    expect(unknown.json.error).toBe("not_found");
    const theirs = await read(created.json.redemption.id, other.token);
    expect(theirs.response.status).toBe(404);
    const anonymous = await read(created.json.redemption.id, null);
    expect(anonymous.response.status).toBe(401);
    const wrong = await read(created.json.redemption.id, "roost_wrong");
    expect(wrong.response.status).toBe(401);
  });

  it("answers 405 to POST", async () => {
    const response = readAction();
    expect(response.status).toBe(405);
    expect(response.headers.get("Allow")).toBe("GET");
  });
});
