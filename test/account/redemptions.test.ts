import { beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { fakeShopify } from "../support/shopify";
import { balanceOf, entriesOf, expectLedgerOk, givePoints, issueNow, reward, type RewardShop, rewardShop, shopper } from "../rewards/support";
import { customerToken, getLoyalty, getRedemption, postRedemption } from "./support";

// POST /account/redemptions and GET /account/redemptions/:id (docs/shopper.md): the signed-in
// shopper spends their own points, once per Idempotency-Key, never past their balance, and reads
// back their own redemption until the redemptions queue has made its code.

let at: RewardShop;
let rita: Awaited<ReturnType<typeof shopper>>;
let token: string;

beforeEach(async () => {
  at = await rewardShop();
  rita = await shopper(at);
  token = await customerToken(at.shop, { sub: rita.customerGid });
});

/** What redemptions leave behind in the shop: rows, entries and queued jobs. */
async function written() {
  const [redemptions, entries, jobs] = await Promise.all([
    db.redemption.count({ where: { shopId: at.shopId } }),
    db.ledgerEntry.count({ where: { shopId: at.shopId, kind: "redemption" } }),
    db.job.count({ where: { shopId: at.shopId, queue: "redemptions" } }),
  ]);
  return { redemptions, entries, jobs };
}

function expectCors(response: Response) {
  expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
}

describe("POST /account/redemptions", () => {
  it("201 pending with the points reserved; the queue makes the code at Shopify for that customer; GET shows it; the ledger verifies", async () => {
    await givePoints(at, rita.memberId, 800);
    const fiveOff = await reward(at, { type: "fixed_amount", pointsCost: "500", value: "5" });

    const { response, json } = await postRedemption({ token, key: "tap-1", body: { rewardId: fiveOff.id } });
    expect(response.status).toBe(201);
    expectCors(response);
    expect(json).toEqual({ redemption: { id: expect.any(String), status: "pending", points: 500, rewardName: "$5.00 off", createdAt: expect.any(String) } });
    expect(await balanceOf(rita.memberId)).toBe(300);
    // Keyed per customer, done by the customer.
    const row = await db.redemption.findUniqueOrThrow({ where: { id: json.redemption.id } });
    expect(row).toMatchObject({ memberId: rita.memberId, idempotencyKey: `customer:${rita.numeric}:tap-1`, actor: `customer:${rita.numeric}` });
    expect((await entriesOf(rita.memberId)).at(-1)).toMatchObject({ kind: "redemption", points: -500, actor: `customer:${rita.numeric}` });

    const pending = await getRedemption(json.redemption.id, { token });
    expect(pending.response.status).toBe(200);
    expectCors(pending.response);
    expect(pending.json.redemption).toMatchObject({ id: json.redemption.id, status: "pending" });
    expect(pending.json.redemption.code).toBeUndefined();

    expect(await issueNow(at)).toMatchObject({ done: 1, failed: 0 });
    const issued = await getRedemption(json.redemption.id, { token });
    expect(issued.json.redemption).toEqual({ id: json.redemption.id, status: "issued", code: row.code, points: 500, rewardName: "$5.00 off", createdAt: json.redemption.createdAt });
    expect(issued.json.redemption.code).toMatch(/^ROOST-/);
    expect(JSON.stringify(fakeShopify.store.discountByCode(at.shop, row.code!))).toContain(rita.customerGid);
    await expectLedgerOk(at);
  });

  it("the same key again: 200 with the same redemption, spent once; the same key for another reward: 409", async () => {
    await givePoints(at, rita.memberId, 1000);
    const fiveOff = await reward(at, { type: "fixed_amount", pointsCost: "400", value: "5" });
    const tenOff = await reward(at, { type: "fixed_amount", pointsCost: "400", value: "10" });
    const first = await postRedemption({ token, key: "same", body: { rewardId: fiveOff.id } });
    const again = await postRedemption({ token, key: "same", body: { rewardId: fiveOff.id } });
    expect(first.response.status).toBe(201);
    expect(again.response.status).toBe(200);
    expect(again.response.headers.get("Idempotent-Replayed")).toBe("true");
    expect(again.json.redemption.id).toBe(first.json.redemption.id);
    const reused = await postRedemption({ token, key: "same", body: { rewardId: tenOff.id } });
    expect(reused.response.status).toBe(409);
    expect(reused.json).toMatchObject({ error: "idempotency_key_reused" });
    expectCors(reused.response);
    expect(await balanceOf(rita.memberId)).toBe(600);
    expect(await written()).toEqual({ redemptions: 1, entries: 1, jobs: 1 });
    await expectLedgerOk(at);
  });

  it("the same key sent twice at once spends once; two keys over the balance at once: one 201, one 422", async () => {
    await givePoints(at, rita.memberId, 700);
    const fiveOff = await reward(at, { type: "fixed_amount", pointsCost: "400", value: "5" });
    const twice = await Promise.all([0, 1].map(() => postRedemption({ token, key: "double-tap", body: { rewardId: fiveOff.id } })));
    expect(twice.map((answer) => answer.response.status).sort()).toEqual([200, 201]);
    expect(twice[0].json.redemption.id).toBe(twice[1].json.redemption.id);
    expect(await balanceOf(rita.memberId)).toBe(300);
    const racing = await Promise.all(["a", "b"].map((key) => postRedemption({ token, key, body: { rewardId: fiveOff.id } })));
    // 300 left, 400 each: neither passes; then 100 more and two at once: one passes.
    expect(racing.map((answer) => answer.response.status)).toEqual([422, 422]);
    await givePoints(at, rita.memberId, 100);
    const next = await Promise.all(["c", "d"].map((key) => postRedemption({ token, key, body: { rewardId: fiveOff.id } })));
    expect(next.map((answer) => answer.response.status).sort()).toEqual([201, 422]);
    expect(await balanceOf(rita.memberId)).toBe(0);
    expect(await written()).toEqual({ redemptions: 2, entries: 2, jobs: 2 });
    await expectLedgerOk(at);
  });

  it("two shoppers sending the same key each get their own redemption", async () => {
    const bo = await shopper(at);
    await givePoints(at, rita.memberId, 500);
    await givePoints(at, bo.memberId, 500);
    const fiveOff = await reward(at, { type: "fixed_amount", pointsCost: "300", value: "5" });
    const a = await postRedemption({ token, key: "redeem", body: { rewardId: fiveOff.id } });
    const b = await postRedemption({ token: await customerToken(at.shop, { sub: bo.customerGid }), key: "redeem", body: { rewardId: fiveOff.id } });
    expect([a.response.status, b.response.status]).toEqual([201, 201]);
    expect(a.json.redemption.id).not.toBe(b.json.redemption.id);
    expect([await balanceOf(rita.memberId), await balanceOf(bo.memberId)]).toEqual([200, 200]);
    await expectLedgerOk(at);
  });

  it("the body cannot name another customer: it is always the token's", async () => {
    const bo = await shopper(at);
    await givePoints(at, rita.memberId, 500);
    await givePoints(at, bo.memberId, 500);
    const fiveOff = await reward(at, { type: "fixed_amount", pointsCost: "300", value: "5" });
    const { response } = await postRedemption({ token, body: { rewardId: fiveOff.id, customerId: bo.customerGid, memberId: bo.memberId } });
    expect(response.status).toBe(201);
    expect([await balanceOf(rita.memberId), await balanceOf(bo.memberId)]).toEqual([200, 500]);
  });

  it("a short balance: 422 insufficient_points with the balance and the cost; nothing is written", async () => {
    await givePoints(at, rita.memberId, 120);
    const fiveOff = await reward(at, { type: "fixed_amount", pointsCost: "500", value: "5" });
    const { response, json } = await postRedemption({ token, body: { rewardId: fiveOff.id } });
    expect(response.status).toBe(422);
    expectCors(response);
    expect(json).toMatchObject({ error: "insufficient_points", balance: 120, cost: 500, message: expect.any(String) });
    expect(await written()).toEqual({ redemptions: 0, entries: 0, jobs: 0 });
    expect(await balanceOf(rita.memberId)).toBe(120);
    await expectLedgerOk(at);
  });

  it("an unknown, disabled or other shop's reward: 422 reward_unavailable", async () => {
    await givePoints(at, rita.memberId, 1000);
    const disabled = await reward(at, { type: "fixed_amount", pointsCost: "100", value: "5" });
    await db.reward.update({ where: { id: disabled.id }, data: { enabled: false } });
    const elsewhere = await rewardShop();
    const theirs = await reward(elsewhere, { type: "fixed_amount", pointsCost: "100", value: "5" });
    for (const rewardId of ["no-such-reward", disabled.id, theirs.id]) {
      const { response, json } = await postRedemption({ token, body: { rewardId } });
      expect(response.status).toBe(422);
      expect(json).toMatchObject({ error: "reward_unavailable" });
    }
    expect(await written()).toEqual({ redemptions: 0, entries: 0, jobs: 0 });
  });

  it("a signed-in customer who is not a member: 404 not_a_member", async () => {
    const fiveOff = await reward(at, { type: "fixed_amount", pointsCost: "100", value: "5" });
    const { response, json } = await postRedemption({ token: await customerToken(at.shop, { sub: "gid://shopify/Customer/987654" }), body: { rewardId: fiveOff.id } });
    expect(response.status).toBe(404);
    expect(json).toMatchObject({ error: "not_a_member" });
    expectCors(response);
  });

  it("a member whose data was erased: 422 member_redacted", async () => {
    await givePoints(at, rita.memberId, 500);
    const fiveOff = await reward(at, { type: "fixed_amount", pointsCost: "100", value: "5" });
    await db.member.update({ where: { id: rita.memberId }, data: { redactedAt: new Date() } });
    const { response, json } = await postRedemption({ token, body: { rewardId: fiveOff.id } });
    expect(response.status).toBe(422);
    expect(json).toMatchObject({ error: "member_redacted" });
    expect(await written()).toEqual({ redemptions: 0, entries: 0, jobs: 0 });
  });

  it("the Idempotency-Key is required and 1-200 printable characters: 400 otherwise", async () => {
    const fiveOff = await reward(at, { type: "fixed_amount", pointsCost: "100", value: "5" });
    const missing = await postRedemption({ token, key: null, body: { rewardId: fiveOff.id } });
    expect(missing.response.status).toBe(400);
    expect(missing.json).toMatchObject({ error: "idempotency_key_required" });
    expectCors(missing.response);
    for (const key of ["x".repeat(201), "tab\there"]) {
      const { response, json } = await postRedemption({ token, key, body: { rewardId: fiveOff.id } });
      expect(response.status).toBe(400);
      expect(json).toMatchObject({ error: "invalid_idempotency_key" });
    }
    expect(await written()).toEqual({ redemptions: 0, entries: 0, jobs: 0 });
  });

  it("JSON only: another content type 415, malformed JSON 400, a body without a rewardId 400, a body over the limit 413", async () => {
    const wrongType = await postRedemption({ token, body: "rewardId=x", contentType: "application/x-www-form-urlencoded" });
    expect(wrongType.response.status).toBe(415);
    expect(wrongType.json).toMatchObject({ error: "unsupported_media_type" });
    expectCors(wrongType.response);
    const malformed = await postRedemption({ token, body: '{"rewardId": ' });
    expect(malformed.response.status).toBe(400);
    expect(malformed.json).toMatchObject({ error: "invalid_json" });
    for (const body of [{}, { rewardId: 42 }, { rewardId: "" }, [1]]) {
      const { response, json } = await postRedemption({ token, body });
      expect(response.status).toBe(400);
      expect(json).toMatchObject({ error: "invalid_request" });
    }
    let deep: unknown = "x";
    for (let i = 0; i < 9; i += 1) deep = [deep];
    const tooDeep = await postRedemption({ token, body: { rewardId: "x", deep } });
    expect(tooDeep.response.status).toBe(400);
    expect(tooDeep.json).toMatchObject({ error: "invalid_json" });
    const large = await postRedemption({ token, body: { rewardId: "x", padding: "x".repeat(9000) } });
    expect(large.response.status).toBe(413);
    expect(large.json).toMatchObject({ error: "body_too_large" });
    expectCors(large.response);
    expect(await written()).toEqual({ redemptions: 0, entries: 0, jobs: 0 });
  });

  it("a refusal at Shopify shows as failed, without Shopify's reason, and the points come back", async () => {
    await givePoints(at, rita.memberId, 600);
    const fiveOff = await reward(at, { type: "fixed_amount", pointsCost: "500", value: "5" });
    const { json } = await postRedemption({ token, body: { rewardId: fiveOff.id } });
    fakeShopify.store.deleteCustomer(at.shop, rita.customerGid);
    expect(await issueNow(at)).toMatchObject({ failed: 1 });
    const failed = await getRedemption(json.redemption.id, { token });
    expect(failed.json).toEqual({ redemption: { id: json.redemption.id, status: "failed", points: 500, rewardName: "$5.00 off", createdAt: expect.any(String) } });
    const loyalty = await getLoyalty({ token });
    expect(loyalty.json.member.balance).toBe(600);
    expect(loyalty.json.member.ledger[0]).toMatchObject({ kind: "returned", points: 500, rewardName: "$5.00 off" });
    expect(JSON.stringify(loyalty.json)).not.toMatch(/Shopify refused/);
    await expectLedgerOk(at);
  });
});

describe("GET /account/redemptions/:id", () => {
  it("another customer's, another shop's, or an unknown redemption: 404", async () => {
    const bo = await shopper(at);
    await givePoints(at, bo.memberId, 500);
    const fiveOff = await reward(at, { type: "fixed_amount", pointsCost: "100", value: "5" });
    const bos = await postRedemption({ token: await customerToken(at.shop, { sub: bo.customerGid }), body: { rewardId: fiveOff.id } });
    expect(bos.response.status).toBe(201);

    const theirs = await getRedemption(bos.json.redemption.id, { token });
    expect(theirs.response.status).toBe(404);
    expect(theirs.json).toMatchObject({ error: "not_found" });
    expectCors(theirs.response);

    // The same customer id named in another shop's token does not reach this shop's redemption.
    const elsewhere = await rewardShop();
    const fromThere = await getRedemption(bos.json.redemption.id, { token: await customerToken(elsewhere.shop, { sub: bo.customerGid }) });
    expect(fromThere.response.status).toBe(404);

    expect((await getRedemption("no-such-id", { token })).response.status).toBe(404);
    // A customer who is not a member has none.
    expect((await getRedemption(bos.json.redemption.id, { token: await customerToken(at.shop, { sub: "gid://shopify/Customer/55" }) })).response.status).toBe(404);
    // Bo reads his own.
    expect((await getRedemption(bos.json.redemption.id, { token: await customerToken(at.shop, { sub: bo.customerGid }) })).json.redemption).toMatchObject({ status: "pending" });
  });
});
