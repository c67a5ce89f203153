import { beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { systemClock } from "../../app/lib/clock";
import { exportCustomerData, redactCustomer } from "../../app/services/privacy/privacy.server";
import { redeemReward, returnRedemption } from "../../app/services/rewards/redeem.server";
import { REDEMPTIONS_QUEUE } from "../../app/services/rewards/redeem.server";
import { fakeShopify } from "../support/shopify";
import { impatient } from "../tags/support";
import { balanceOf, entriesOf, expectLedgerOk, givePoints, issueNow, later, ledgerDeps, reward, type RewardShop, rewardShop, shopRow, shopper } from "./support";

// Redeeming points (docs/rewards.md): the points are reserved in the member's lock, the code is
// made for that customer only by the redemptions queue against the fake Admin API, and a refusal
// or an unreachable Shopify gives the points back exactly once.

let at: RewardShop;

beforeEach(async () => {
  at = await rewardShop();
});

const redeem = async (memberId: string, rewardId: string, key = `admin:${crypto.randomUUID()}`) =>
  redeemReward(ledgerDeps, await shopRow(at), { memberId, rewardId, idempotencyKey: key, actor: "staff:test" });

describe("redeeming a reward", () => {
  it("reserves the points, then issues a single-use code for that customer only, and shows it", async () => {
    const rita = await shopper(at);
    const other = await shopper(at);
    await givePoints(at, rita.memberId, 800);
    const fiveOff = await reward(at, { type: "fixed_amount", pointsCost: "500", value: "5", minimumSubtotal: "40" });

    const result = await redeem(rita.memberId, fiveOff.id);
    expect(result).toMatchObject({ ok: true, replayed: false, redemption: { status: "pending", points: 500 } });
    if (!result.ok) return;
    // Reserved before Shopify is asked: the balance, the entry, the job.
    expect(await balanceOf(rita.memberId)).toBe(300);
    expect((await entriesOf(rita.memberId)).at(-1)).toMatchObject({ kind: "redemption", points: -500, balanceAfter: 300, reason: "$5.00 off" });
    expect(await db.job.findFirst({ where: { queue: REDEMPTIONS_QUEUE, key: result.redemption.id } })).toMatchObject({ status: "pending" });

    expect(await issueNow(at)).toMatchObject({ done: 1, failed: 0 });
    const issued = await db.redemption.findUniqueOrThrow({ where: { id: result.redemption.id } });
    expect(issued).toMatchObject({ status: "issued", code: result.redemption.code });
    expect(issued.discountGid).toMatch(/^gid:\/\/shopify\/DiscountCodeNode\//);
    expect(issued.code).toMatch(/^ROOST-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);

    const discount = fakeShopify.store.discountByCode(at.shop, issued.code!);
    expect(discount).toMatchObject({ usageLimit: 1, appliesOncePerCustomer: true });
    expect(JSON.stringify(discount)).toContain(rita.customerGid);
    expect(JSON.stringify(discount)).not.toContain(other.customerGid);
    expect(JSON.stringify(discount)).toContain("40.0");

    const timeline = await db.journeyEvent.findMany({ where: { memberId: rita.memberId, type: "reward_redeemed" } });
    expect(timeline).toHaveLength(1);
    expect(JSON.parse(timeline[0].data)).toMatchObject({ points: 500, code: issued.code, description: "$5.00 off on orders of $40.00 or more" });
    await expectLedgerOk(at);
  });

  it("percentage and free-shipping rewards make their kinds of code", async () => {
    const rita = await shopper(at);
    await givePoints(at, rita.memberId, 1000);
    const tenPercent = await reward(at, { type: "percentage", pointsCost: "300", value: "10" });
    const shipping = await reward(at, { type: "free_shipping", pointsCost: "200" });
    const first = await redeem(rita.memberId, tenPercent.id);
    const second = await redeem(rita.memberId, shipping.id);
    expect(await issueNow(at)).toMatchObject({ done: 2, failed: 0 });
    const [a, b] = await Promise.all([first, second].map((result) => db.redemption.findUniqueOrThrow({ where: { id: result.ok ? result.redemption.id : "" } })));
    expect(JSON.stringify(fakeShopify.store.discountByCode(at.shop, a.code!))).toContain("0.1");
    expect(fakeShopify.store.discountByCode(at.shop, b.code!)).toBeTruthy();
    expect([a.status, b.status]).toEqual(["issued", "issued"]);
    expect(await balanceOf(rita.memberId)).toBe(500);
    await expectLedgerOk(at);
  });

  it("a replayed key returns the same redemption and spends once; another reward under that key is refused", async () => {
    const rita = await shopper(at);
    await givePoints(at, rita.memberId, 1000);
    const fiveOff = await reward(at, { type: "fixed_amount", pointsCost: "400", value: "5" });
    const tenOff = await reward(at, { type: "fixed_amount", pointsCost: "400", value: "10" });
    const first = await redeem(rita.memberId, fiveOff.id, "admin:same");
    const again = await redeem(rita.memberId, fiveOff.id, "admin:same");
    expect(again).toMatchObject({ ok: true, replayed: true });
    expect(again.ok && first.ok && again.redemption.id === first.redemption.id).toBe(true);
    expect(await redeem(rita.memberId, tenOff.id, "admin:same")).toMatchObject({ ok: false, reason: "key-reused" });
    expect(await balanceOf(rita.memberId)).toBe(600);
    expect((await entriesOf(rita.memberId)).filter((entry) => entry.kind === "redemption")).toHaveLength(1);
    await expectLedgerOk(at);
  });

  it("the same key sent twice at once spends once", async () => {
    const rita = await shopper(at);
    await givePoints(at, rita.memberId, 1000);
    const fiveOff = await reward(at, { type: "fixed_amount", pointsCost: "400", value: "5" });
    const results = await Promise.all([redeem(rita.memberId, fiveOff.id, "admin:twice"), redeem(rita.memberId, fiveOff.id, "admin:twice")]);
    expect(results.every((result) => result.ok)).toBe(true);
    expect(new Set(results.map((result) => (result.ok ? result.redemption.id : null))).size).toBe(1);
    expect(await balanceOf(rita.memberId)).toBe(600);
    await expectLedgerOk(at);
  });

  it("two redemptions that together exceed the balance: only one goes through", async () => {
    const rita = await shopper(at);
    await givePoints(at, rita.memberId, 700);
    const fiveOff = await reward(at, { type: "fixed_amount", pointsCost: "500", value: "5" });
    const results = await Promise.all([redeem(rita.memberId, fiveOff.id), redeem(rita.memberId, fiveOff.id)]);
    expect(results.filter((result) => result.ok)).toHaveLength(1);
    expect(results.find((result) => !result.ok)).toMatchObject({ ok: false, reason: "insufficient", balance: 200, cost: 500 });
    expect(await balanceOf(rita.memberId)).toBe(200);
    expect(await db.redemption.count({ where: { memberId: rita.memberId } })).toBe(1);
    await expectLedgerOk(at);
  });

  it("a short balance, a disabled reward and a member without a customer write nothing", async () => {
    const rita = await shopper(at);
    await givePoints(at, rita.memberId, 100);
    const fiveOff = await reward(at, { type: "fixed_amount", pointsCost: "500", value: "5" });
    expect(await redeem(rita.memberId, fiveOff.id)).toMatchObject({ ok: false, reason: "insufficient", balance: 100, cost: 500 });
    await db.reward.update({ where: { id: fiveOff.id }, data: { enabled: false, pointsCost: 50 } });
    expect(await redeem(rita.memberId, fiveOff.id)).toMatchObject({ ok: false, reason: "reward-disabled" });
    const external = await db.member.create({ data: { shopId: at.shopId, externalId: "pos-1", balance: 0 } });
    await db.reward.update({ where: { id: fiveOff.id }, data: { enabled: true } });
    expect(await redeem(external.id, fiveOff.id)).toMatchObject({ ok: false, reason: "no-customer" });
    expect(await redeem(rita.memberId, "no-such-reward")).toMatchObject({ ok: false, reason: "no-reward" });
    expect(await balanceOf(rita.memberId)).toBe(100);
    expect(await db.redemption.count({ where: { shopId: at.shopId } })).toBe(0);
    await expectLedgerOk(at);
  });
});

describe("when Shopify does not issue the code", () => {
  it("a refusal (userErrors) returns the points exactly once", async () => {
    const rita = await shopper(at);
    await givePoints(at, rita.memberId, 600);
    const fiveOff = await reward(at, { type: "fixed_amount", pointsCost: "500", value: "5" });
    const result = await redeem(rita.memberId, fiveOff.id);
    // The customer is gone at Shopify: the discount's customer context is refused.
    fakeShopify.store.deleteCustomer(at.shop, rita.customerGid);
    expect(await issueNow(at)).toMatchObject({ done: 0, failed: 1 });
    const failed = await db.redemption.findUniqueOrThrow({ where: { id: result.ok ? result.redemption.id : "" } });
    expect(failed.status).toBe("failed");
    expect(failed.failureReason).toMatch(/^Shopify refused the reward: /);
    expect(await balanceOf(rita.memberId)).toBe(600);
    const returned = (await entriesOf(rita.memberId)).filter((entry) => entry.kind === "returned");
    expect(returned).toMatchObject([{ points: 500, balanceAfter: 600 }]);
    // A second return (the queue's dead letter replayed, an operator) is a no-op.
    expect(await returnRedemption(ledgerDeps, await shopRow(at), failed.id, "again")).toBe(false);
    expect(await issueNow(at)).toMatchObject({ done: 0, failed: 0 });
    expect((await entriesOf(rita.memberId)).filter((entry) => entry.kind === "returned")).toHaveLength(1);
    expect(fakeShopify.store.discountByCode(at.shop, failed.code!)).toBeFalsy();
    await expectLedgerOk(at);
  });

  it("Shopify unreachable through every retry returns the points once; the attempts before it keep them reserved", async () => {
    const rita = await shopper(at);
    await givePoints(at, rita.memberId, 600);
    const fiveOff = await reward(at, { type: "fixed_amount", pointsCost: "500", value: "5" });
    const result = await redeem(rita.memberId, fiveOff.id);
    fakeShopify.store.failNext(at.shop, { status: 503, times: 100 });
    const drive = (ms: number) => issueRedemptionsAt(ms);
    expect(await drive(0)).toMatchObject({ failed: 1 });
    const pending = await db.redemption.findUniqueOrThrow({ where: { id: result.ok ? result.redemption.id : "" } });
    expect(pending.status).toBe("pending");
    expect(await balanceOf(rita.memberId)).toBe(100);
    // The back-off: 10 s, 1, 5 and 15 minutes; the fifth failure is the last.
    for (const ms of [11_000, 72_000, 400_000, 1_400_000]) await drive(ms);
    const failed = await db.redemption.findUniqueOrThrow({ where: { id: pending.id } });
    expect(failed).toMatchObject({ status: "failed", failureReason: "Shopify could not be reached after 5 attempts" });
    expect(await balanceOf(rita.memberId)).toBe(600);
    expect((await entriesOf(rita.memberId)).filter((entry) => entry.kind === "returned")).toHaveLength(1);
    await expectLedgerOk(at);
  });

  it("a code made by an attempt whose answer was lost is found, not made twice", async () => {
    const rita = await shopper(at);
    await givePoints(at, rita.memberId, 600);
    const fiveOff = await reward(at, { type: "fixed_amount", pointsCost: "500", value: "5" });
    const result = await redeem(rita.memberId, fiveOff.id);
    if (!result.ok) throw new Error("not redeemed");
    // The first attempt reached Shopify and died before storing the answer.
    fakeShopify.graphql(at.shop, `mutation($input: DiscountCodeBasicInput!) { discountCodeBasicCreate(basicCodeDiscount: $input) { codeDiscountNode { id } userErrors { message } } }`, {
      input: {
        title: "Roost reward",
        code: result.redemption.code,
        startsAt: new Date().toISOString(),
        context: { customers: { add: [rita.customerGid] } },
        customerGets: { value: { discountAmount: { amount: "5.00", appliesOnEachItem: false } }, items: { all: true } },
        usageLimit: 1,
        appliesOncePerCustomer: true,
      },
    });
    await db.job.updateMany({ where: { queue: REDEMPTIONS_QUEUE, key: result.redemption.id }, data: { attempts: 1 } });
    expect(await issueNow(at)).toMatchObject({ done: 1, failed: 0 });
    expect(await db.redemption.findUniqueOrThrow({ where: { id: result.redemption.id } })).toMatchObject({ status: "issued" });
    expect(fakeShopify.store.discounts(at.shop).filter((discount) => JSON.stringify(discount).includes(result.redemption.code!))).toHaveLength(1);
    await expectLedgerOk(at);
  });

  it("a store-credit reward credits the customer's account instead of making a code", async () => {
    const rita = await shopper(at);
    await givePoints(at, rita.memberId, 1000);
    const credit = await reward(at, { type: "store_credit", pointsCost: "1000", value: "10" });
    const result = await redeem(rita.memberId, credit.id);
    expect(result.ok && result.redemption.code).toBe(null);
    expect(await issueNow(at)).toMatchObject({ done: 1, failed: 0 });
    const issued = await db.redemption.findUniqueOrThrow({ where: { id: result.ok ? result.redemption.id : "" } });
    expect(issued.status).toBe("issued");
    expect(issued.creditGid).toBeTruthy();
    expect(JSON.stringify(fakeShopify.store.storeCredit(at.shop, rita.customerGid))).toContain("10.0");
    expect(await balanceOf(rita.memberId)).toBe(0);
    await expectLedgerOk(at);
  });
});

describe("privacy", () => {
  it("a data request lists the redemptions with their codes; redaction removes the codes and keeps the points spent", async () => {
    const rita = await shopper(at);
    await givePoints(at, rita.memberId, 600);
    const fiveOff = await reward(at, { type: "fixed_amount", pointsCost: "500", value: "5" });
    const result = await redeem(rita.memberId, fiveOff.id);
    if (!result.ok) throw new Error("not redeemed");
    await issueNow(at);
    const subject = { customerGid: rita.customerGid, email: rita.email, orderGids: [] };
    const exported = await exportCustomerData(db, at.shopId, { ...subject, requestId: null }, systemClock);
    expect(exported.export.redemptions).toMatchObject([{ rewardName: fiveOff.name, points: 500, status: "issued", code: result.redemption.code }]);
    expect(JSON.stringify(exported.export.redemptions)).not.toContain(result.redemption.idempotencyKey);

    await redactCustomer(db, { id: at.shopId, domain: at.shop }, subject, systemClock);
    expect(await db.redemption.findUniqueOrThrow({ where: { id: result.redemption.id } })).toMatchObject({ points: 500, status: "issued", code: null, discountGid: null });
    expect(await balanceOf(rita.memberId)).toBe(100);
    await expectLedgerOk(at);
  });
});

/** Runs the queue at a time ms from now with an Admin client that gives up after two tries. */
async function issueRedemptionsAt(ms: number) {
  return issueNow(at, { clock: later(ms), adminFor: impatient });
}
