import { beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { drainNow } from "../../app/services/jobs/runner.server";
import { adjustPoints } from "../../app/services/ledger/adjustment.server";
import { bonusesQueue } from "../../app/services/ledger/bonus.server";
import { orderPayload } from "../fixtures/rest-payloads";
import { deliver } from "../support/deliver";
import { installTestShop, uniqueShop } from "../support/shopify";
import { expectLedgerOk, givePoints, issueNow, ledgerDeps, reward, type RewardShop, rewardShop, setProgram, shopRow, shopper } from "../rewards/support";
import { customerToken, getLoyalty, postRedemption } from "./support";

// GET /account/loyalty (docs/shopper.md): the signed-in shopper's program, balance, tier and
// progress, latest ledger lines, the rewards with what each still needs, and their redemptions;
// nothing of anyone else's, and nothing only the merchant should read.

let at: RewardShop;

beforeEach(async () => {
  at = await rewardShop({ signupBonus: 25, earnRate: "1" });
});

const loyaltyOf = async (customerGid: string, shop = at.shop) => getLoyalty({ token: await customerToken(shop, { sub: customerGid }) });

let orders = 0;
/** A paid order of the customer, today, earning `amount` points (rate 1, Bronze ×1). */
async function paidOrder(customer: { numeric: number; email: string }, amount: string) {
  orders += 1;
  const id = 5_000_000 + orders;
  await deliver({ topic: "orders/paid", shop: at.shop, payload: orderPayload({ id, customerId: customer.numeric, email: customer.email, lines: [{ id: 1, price: amount, quantity: 1 }], processedAt: new Date().toISOString() }) });
  return `#${1000 + (id % 1000)}`;
}

describe("GET /account/loyalty", () => {
  it("the signed-in member: balance, tier and progress, ledger lines in words without merchant notes or ids, rewards with what each needs, redemptions", async () => {
    const rita = await shopper(at);
    const other = await shopper(at);
    expect(await drainNow(bonusesQueue({}), ledgerDeps, { shopId: at.shopId })).toMatchObject({ failed: 0 });
    const orderName = await paidOrder(rita, "600.00");
    await adjustPoints(ledgerDeps, await shopRow(at), { memberId: rita.memberId, points: 50, reason: "Complained about a late parcel: goodwill", actor: "staff:1" });
    await givePoints(at, other.memberId, 5000);
    const shipping = await reward(at, { type: "free_shipping", pointsCost: "100", name: "Free shipping" });
    const fiveOff = await reward(at, { type: "fixed_amount", pointsCost: "500", value: "5", minimumSubtotal: "40" });
    const tenPercent = await reward(at, { type: "percentage", pointsCost: "1000", value: "10" });
    const hidden = await reward(at, { type: "fixed_amount", pointsCost: "10", value: "1" });
    await db.reward.update({ where: { id: hidden.id }, data: { enabled: false } });
    // Another shop's reward never shows here.
    const elsewhere = await rewardShop();
    await reward(elsewhere, { type: "fixed_amount", pointsCost: "1", value: "1" });

    const redeemed = await postRedemption({ token: await customerToken(at.shop, { sub: rita.customerGid }), body: { rewardId: shipping.id } });
    expect(redeemed.response.status).toBe(201);
    // Another customer's redemption is not listed.
    expect((await postRedemption({ token: await customerToken(at.shop, { sub: other.customerGid }), body: { rewardId: fiveOff.id } })).response.status).toBe(201);

    const { response, json } = await loyaltyOf(rita.customerGid);
    expect(response.status).toBe(200);
    expect(json.program).toEqual({ enabled: true, earnRate: "1", currency: "USD", currencyExponent: 2 });
    // 25 sign-up + 600 earned + 50 adjusted − 100 redeemed; tier points count earnings only.
    expect(json.member).toMatchObject({ balance: 575, tier: "Silver", tierPoints: 600, nextTier: { name: "Gold", pointsNeeded: 1400 } });
    expect(json.member.ledger).toEqual([
      { id: expect.any(String), kind: "redemption", points: -100, createdAt: expect.any(String), orderName: null, rewardName: "Free shipping", bonus: null },
      { id: expect.any(String), kind: "adjustment", points: 50, createdAt: expect.any(String), orderName: null, rewardName: null, bonus: null },
      { id: expect.any(String), kind: "earn", points: 600, createdAt: expect.any(String), orderName, rewardName: null, bonus: null },
      { id: expect.any(String), kind: "bonus", points: 25, createdAt: expect.any(String), orderName: null, rewardName: null, bonus: "signup" },
    ]);
    expect(new Date(json.member.ledger[0].createdAt).toISOString()).toBe(json.member.ledger[0].createdAt);
    expect(json.rewards).toEqual([
      { id: shipping.id, name: "Free shipping", type: "free_shipping", value: null, minimumSubtotal: null, pointsCost: 100, affordable: true, pointsNeeded: 0 },
      { id: fiveOff.id, name: "$5.00 off", type: "fixed_amount", value: 500, minimumSubtotal: 4000, pointsCost: 500, affordable: true, pointsNeeded: 0 },
      { id: tenPercent.id, name: "10% off", type: "percentage", value: 10, minimumSubtotal: null, pointsCost: 1000, affordable: false, pointsNeeded: 425 },
    ]);
    expect(json.redemptions).toEqual([{ id: redeemed.json.redemption.id, rewardName: "Free shipping", status: "pending", code: null, points: 100, createdAt: expect.any(String) }]);

    // Nothing only the merchant or Roost should read: notes, GIDs, keys, actors, emails, other members.
    const text = JSON.stringify(json);
    for (const secret of ["late parcel", "gid://", "shopify-order:", "redemption:", "bonus:", "customer:", "staff:", rita.email, rita.memberId, other.memberId]) expect(text).not.toContain(secret);

    // Once Shopify has made the code, it shows.
    expect(await issueNow(at)).toMatchObject({ failed: 0 });
    const after = await loyaltyOf(rita.customerGid);
    expect(after.json.redemptions[0]).toMatchObject({ status: "issued", code: expect.stringMatching(/^ROOST-/) });
    await expectLedgerOk(at);
  });

  it("a signed-in customer who is not a member: member null, every reward out of reach, no redemptions", async () => {
    await reward(at, { type: "fixed_amount", pointsCost: "500", value: "5" });
    const { response, json } = await loyaltyOf("gid://shopify/Customer/424242");
    expect(response.status).toBe(200);
    expect(json.member).toBeNull();
    expect(json.rewards).toMatchObject([{ pointsCost: 500, affordable: false, pointsNeeded: 500 }]);
    expect(json.redemptions).toEqual([]);
  });

  it("another shop's customer, named in this shop's token, is not a member here", async () => {
    const elsewhere = await rewardShop();
    const bo = await shopper(elsewhere);
    await givePoints(elsewhere, bo.memberId, 300);
    const { json } = await loyaltyOf(bo.customerGid);
    expect(json.member).toBeNull();
    // In their own shop they are.
    expect((await loyaltyOf(bo.customerGid, elsewhere.shop)).json.member).toMatchObject({ balance: 300 });
  });

  it("shows the latest 10 ledger lines, newest first, and the latest 5 redemptions", async () => {
    const rita = await shopper(at);
    await givePoints(at, rita.memberId, 1000);
    const cheap = await reward(at, { type: "free_shipping", pointsCost: "10" });
    const token = await customerToken(at.shop, { sub: rita.customerGid });
    for (let i = 0; i < 12; i += 1) expect((await postRedemption({ token, body: { rewardId: cheap.id } })).response.status).toBe(201);
    const { json } = await loyaltyOf(rita.customerGid);
    expect(json.member.balance).toBe(1000 - 120);
    expect(json.member.ledger).toHaveLength(10);
    expect(json.member.ledger.every((line: { kind: string }) => line.kind === "redemption")).toBe(true);
    const dates = json.redemptions.map((redemption: { createdAt: string }) => redemption.createdAt);
    expect(json.redemptions).toHaveLength(5);
    expect([...dates].sort().reverse()).toEqual(dates);
    await expectLedgerOk(at);
  });

  it("the top tier has no next tier; a program that is off says so", async () => {
    await setProgram(at, { enabled: false, earnRate: "2.5", tiers: [{ name: "Member", threshold: 0, multiplier: "1" }] });
    const rita = await shopper(at);
    const { json } = await loyaltyOf(rita.customerGid);
    expect(json.program).toMatchObject({ enabled: false, earnRate: "2.5" });
    expect(json.member).toMatchObject({ tier: "Member", tierPoints: 0, nextTier: null });
  });

  it("a shop in another currency gives its exponent", async () => {
    const shop = uniqueShop("roost-yen");
    await installTestShop(shop, { currency: "JPY" });
    const { json } = await getLoyalty({ token: await customerToken(shop, { sub: "gid://shopify/Customer/77" }) });
    expect(json.program).toMatchObject({ currency: "JPY", currencyExponent: 0 });
  });

  it("a member whose data was erased but is still linked shows as no member", async () => {
    const rita = await shopper(at);
    await db.member.update({ where: { id: rita.memberId }, data: { redactedAt: new Date() } });
    expect((await loyaltyOf(rita.customerGid)).json.member).toBeNull();
  });

  it("records the shop's first shopper visit once (the setup checklist's Profile block step); a refused token records nothing", async () => {
    const elsewhere = await rewardShop();
    expect((await shopRow(at)).firstShopperVisitAt).toBeNull();
    expect((await getLoyalty({ token: await customerToken(at.shop, { sub: null }) })).response.status).toBe(401);
    expect((await getLoyalty({ token: await customerToken(at.shop, { aud: "another-app" }) })).response.status).toBe(401);
    expect((await shopRow(at)).firstShopperVisitAt).toBeNull();

    // Not a member yet: the block is placed all the same.
    const before = Date.now();
    expect((await loyaltyOf("gid://shopify/Customer/424242")).response.status).toBe(200);
    const first = (await shopRow(at)).firstShopperVisitAt;
    expect(first?.getTime()).toBeGreaterThanOrEqual(before - 1000);

    const rita = await shopper(at);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await loyaltyOf(rita.customerGid)).response.status).toBe(200);
    expect((await shopRow(at)).firstShopperVisitAt).toEqual(first);

    // Another shop's visit is its own.
    expect((await shopRow(elsewhere)).firstShopperVisitAt).toBeNull();
  });
});
