import { beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { systemClock } from "../../app/lib/clock";
import { logger } from "../../app/lib/logger.server";
import { action, loader } from "../../app/routes/app.members.$id";
import { adjustPoints } from "../../app/services/ledger/adjustment.server";
import { verifyLedger } from "../../app/services/ledger/verify.server";
import { formatWhen, ledgerSentence } from "../../app/services/members/format";
import { createReward, parseReward, type RewardInput } from "../../app/services/rewards/catalogue.server";
import { markIssued, REDEMPTIONS_QUEUE, returnRedemption } from "../../app/services/rewards/redeem.server";
import { adminRequest } from "../support/shopify";
import { args, customer, programShop, settle } from "./helpers";

// The member page's rewards (docs/rewards.md, "Ways in"): the Redeem card's choices and what a
// redemption from it writes, and the Redemptions list as the page reads it. The code itself is
// made by the redemptions queue (test/rewards/); here the queue's outcome is written directly.

let shop: string;
let shopId: string;
let memberId: string;

const shopRow = () => db.shop.findUniqueOrThrow({ where: { id: shopId } });
const load = async (id = memberId) => {
  const result = await settle(loader(args(await adminRequest(`/app/members/${id}`, shop), { id })));
  if (result instanceof Response) throw new Error(`loader answered ${result.status}`);
  return result;
};
const post = async (fields: Record<string, string>, id = memberId) =>
  settle(action(args(await adminRequest(`/app/members/${id}`, shop, { method: "POST", body: new URLSearchParams(fields) }), { id })));
const redeem = async (rewardId: string, key?: string) => post({ intent: "redeem", rewardId, idempotencyKey: key ?? (await load()).redeemKey });

async function reward(input: RewardInput & { enabled?: boolean }) {
  const parsed = parseReward(input, "USD");
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return createReward(db, { id: shopId, currency: "USD" }, parsed.value, "test");
}

let fiveOff: string;
let freeShipping: string;
let tenPercent: string;

beforeEach(async () => {
  ({ shop, shopId } = await programShop());
  memberId = (await customer(shop, { id: 7301, email: "rita@example.com", firstName: "Rita", lastName: "Moss" })).id;
  await adjustPoints({ db, clock: systemClock, logger }, await shopRow(), { memberId, points: 60, reason: "Welcome gift", actor: "test" });
  fiveOff = (await reward({ type: "fixed_amount", name: "$5 off", pointsCost: "50", value: "5", minimumSubtotal: "20" })).id;
  freeShipping = (await reward({ type: "free_shipping", name: "Free shipping", pointsCost: "30" })).id;
  tenPercent = (await reward({ type: "percentage", name: "10% off", pointsCost: "100", value: "10" })).id;
  await reward({ type: "store_credit", name: "Old credit", pointsCost: "10", value: "1", enabled: false });
  // This file's redemptions are issued by hand below, not by another file's runner.
  await db.job.deleteMany({ where: { queue: REDEMPTIONS_QUEUE, NOT: { shopId } } });
});

describe("the member page's Redeem card", () => {
  it("offers the enabled rewards, cheapest first, each saying what it gives or what the member still needs", async () => {
    const page = await load();
    expect(page.rewards).toEqual([
      { id: freeShipping, name: "Free shipping", gives: "Free shipping", pointsCost: 30, shortfall: 0 },
      { id: fiveOff, name: "$5 off", gives: "$5.00 off on orders of $20.00 or more", pointsCost: 50, shortfall: 0 },
      { id: tenPercent, name: "10% off", gives: "10% off", pointsCost: 100, shortfall: 40 },
    ]);
    expect(page.redemptions).toEqual([]);
    expect(page.redeemKey).toMatch(/^admin:[0-9a-f-]{36}$/);
    // A fresh key each render: the form that was shown spends once, the next one anew.
    expect((await load()).redeemKey).not.toBe(page.redeemKey);
  });

  it("redeems: the points leave the balance at once, the ledger says so in a sentence, and the redemption waits for its code", async () => {
    const answer = await redeem(fiveOff);
    expect(answer).toMatchObject({ redeem: true, ok: true, message: "Redeemed 50 points for $5 off.", redemptionId: expect.any(String) });
    const page = await load();
    expect(page.member.balance).toBe(10);
    const entry = page.member.entries.at(-1)!;
    expect([entry.kind, entry.points, entry.balanceAfter]).toEqual(["redemption", -50, 10]);
    expect(ledgerSentence(entry)).toBe("Redeemed 50 points for $5 off");
    expect(page.redemptions).toEqual([
      { id: (answer as { redemptionId: string }).redemptionId, rewardName: "$5 off", gives: "$5.00 off on orders of $20.00 or more", points: 50, status: "pending", code: null, storeCredit: false, failureReason: null, createdAt: expect.any(String) },
    ]);
    // What it still needs follows the balance.
    expect(page.rewards.map((item) => [item.name, item.shortfall])).toEqual([["Free shipping", 20], ["$5 off", 40], ["10% off", 90]]);
    expect(await db.auditLog.count({ where: { shopId, action: "reward.redeemed", actor: "staff user 12345 via admin" } })).toBe(1);
    expect((await verifyLedger(db, shopId)).violations).toEqual([]);
  });

  it("spends once for a form submitted twice, and refuses what the member cannot afford without writing anything", async () => {
    const { redeemKey } = await load();
    const first = await redeem(freeShipping, redeemKey);
    const second = await redeem(freeShipping, redeemKey);
    expect(second).toMatchObject({ ok: true, redemptionId: (first as { redemptionId: string }).redemptionId });
    expect((await load()).member.balance).toBe(30);

    expect(await redeem(tenPercent)).toEqual({ redeem: true, ok: false, message: 'The balance is 30 points; "10% off" costs 100' });
    expect(await redeem("no-such-reward")).toEqual({ redeem: true, ok: false, message: "No such reward" });
    // A key not made by the page, or no reward chosen.
    expect(await redeem(fiveOff, "api:abc")).toEqual({ redeem: true, ok: false, message: "Choose a reward to redeem." });
    expect(await post({ intent: "redeem", idempotencyKey: (await load()).redeemKey })).toEqual({ redeem: true, ok: false, message: "Choose a reward to redeem." });
    expect(await db.redemption.count({ where: { shopId } })).toBe(1);
    expect((await load()).member.balance).toBe(30);
  });

  it("shows the code once Shopify has made it, and the points returned when it refused", async () => {
    const issued = (await redeem(fiveOff)) as { redemptionId: string };
    const row = await db.redemption.findUniqueOrThrow({ where: { id: issued.redemptionId } });
    expect(row.code).toMatch(/^ROOST-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    // Chosen at once, shown only once issued.
    expect((await load()).redemptions[0].code).toBeNull();
    await markIssued(db, await shopRow(), row.id, { discountGid: "gid://shopify/DiscountCodeNode/1" }, new Date());
    const page = await load();
    expect(page.redemptions[0]).toMatchObject({ status: "issued", code: row.code });
    expect(page.redemptions[0].createdAt).toBe(row.createdAt.toISOString());
    expect(formatWhen(page.redemptions[0].createdAt, page.timezone)).not.toBe("");
    // Merchants never see Shopify's ids.
    expect(JSON.stringify({ rewards: page.rewards, redemptions: page.redemptions })).not.toContain("gid://");

    await adjustPoints({ db, clock: systemClock, logger }, await shopRow(), { memberId, points: 40, reason: "Top-up", actor: "test" });
    const refused = (await redeem(freeShipping)) as { redemptionId: string };
    await returnRedemption({ db, clock: systemClock }, await shopRow(), refused.redemptionId, "Shopify refused the reward: Customer does not exist");
    const after = await load();
    expect(after.redemptions[0]).toMatchObject({ id: refused.redemptionId, status: "failed", code: null, failureReason: "Shopify refused the reward: Customer does not exist" });
    expect(after.member.balance).toBe(50);
    const returned = after.member.entries.at(-1)!;
    expect([returned.kind, returned.points]).toEqual(["returned", 30]);
    expect(ledgerSentence(returned)).toBe("Returned 30 points: Free shipping was not issued (Shopify refused the reward: Customer does not exist)");
    expect((await verifyLedger(db, shopId)).violations).toEqual([]);
  });

  it("refuses a member whose data was erased or who has no Shopify customer", async () => {
    await db.member.update({ where: { id: memberId }, data: { redactedAt: new Date() } });
    expect(await redeem(freeShipping)).toEqual({ redeem: true, ok: false, message: "The member's personal data was erased: nothing can be redeemed" });
    expect((await load()).member.redacted).toBe(true);
    await db.member.update({ where: { id: memberId }, data: { redactedAt: null, customerGid: null } });
    expect(await redeem(freeShipping)).toEqual({ redeem: true, ok: false, message: "The member has no Shopify customer to give a code to" });
    expect(await db.redemption.count({ where: { shopId } })).toBe(0);
    expect((await load()).member.balance).toBe(60);
  });

  it("answers 404 for another shop's member", async () => {
    const { shop: other } = await programShop();
    const theirs = await settle(action(args(await adminRequest(`/app/members/${memberId}`, other, { method: "POST", body: new URLSearchParams({ intent: "redeem", rewardId: fiveOff, idempotencyKey: (await load()).redeemKey }) }), { id: memberId })));
    expect(theirs).toBeInstanceOf(Response);
    expect((theirs as Response).status).toBe(404);
    expect(await db.redemption.count({ where: { memberId } })).toBe(0);
  });
});

describe("ledger sentences of the rewards kinds", () => {
  it("reads redemptions, returns, bonuses and expiry as sentences, and leaves the other kinds to their reason", () => {
    expect(ledgerSentence({ kind: "redemption", points: -1, reason: "Free shipping" })).toBe("Redeemed 1 point for Free shipping");
    expect(ledgerSentence({ kind: "returned", points: 50, reason: "$5 off: Shopify could not be reached after 5 attempts" })).toBe(
      "Returned 50 points: $5 off was not issued (Shopify could not be reached after 5 attempts)",
    );
    expect(ledgerSentence({ kind: "bonus", points: 100, reason: "sign-up bonus" })).toBe("Sign-up bonus: 100 points");
    expect(ledgerSentence({ kind: "bonus", points: 1500, reason: "birthday bonus (daily cap of 1500)" })).toBe("Birthday bonus (daily cap of 1500): 1,500 points");
    expect(ledgerSentence({ kind: "expiry", points: -1200, reason: "no order since 2026-01-02: points expire 12 months after the last order" })).toBe(
      "1,200 points expired (no order since 2026-01-02: points expire 12 months after the last order)",
    );
    expect(ledgerSentence({ kind: "adjustment", points: 12, reason: "Goodwill" })).toBe("Adjusted by +12 points: Goodwill");
    expect(ledgerSentence({ kind: "earn", points: 12, reason: null })).toBeNull();
  });
});
