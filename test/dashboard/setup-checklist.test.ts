import { describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { loadSetupChecklist } from "../../app/services/setup/checklist.server";
import { reward, type RewardShop, rewardShop, setProgram, shopRow } from "../rewards/support";

// The Dashboard's setup checklist (app/services/setup/checklist.server.ts): each step from the
// database, one shop's only.

const stepsOf = async (at: RewardShop) => {
  const checklist = await loadSetupChecklist(db, await shopRow(at));
  return { ...Object.fromEntries(checklist.steps.map((step) => [step.key, step.done])), progress: `${checklist.done} of ${checklist.total}`, complete: checklist.complete };
};

let members = 0;
async function ledgerEntry(at: RewardShop, kind: string) {
  members += 1;
  const member = await db.member.create({ data: { shopId: at.shopId, customerGid: `gid://shopify/Customer/${9_100_000 + members}`, email: `setup-${members}@example.com` } });
  await db.ledgerEntry.create({ data: { shopId: at.shopId, memberId: member.id, seq: 1, kind, points: 10, balanceAfter: 10, idempotencyKey: `setup:${members}`, occurredAt: new Date() } });
}

async function everythingDone(at: RewardShop) {
  await db.shop.update({ where: { id: at.shopId }, data: { webPixelGid: "gid://shopify/WebPixel/1", firstShopperVisitAt: new Date() } });
  await ledgerEntry(at, "earn");
  await db.cohortRule.create({ data: { shopId: at.shopId, key: "vip", template: "high-value", enabled: true } });
  await reward(at, { type: "free_shipping", pointsCost: "100", name: "Free shipping" });
}

describe("the setup checklist", () => {
  it("has nothing done on a new shop with the program off, whatever another shop has done", async () => {
    const other = await rewardShop();
    await everythingDone(other);
    expect(await stepsOf(other)).toMatchObject({ progress: "6 of 6", complete: true });

    const at = await rewardShop({ enabled: false });
    expect(await stepsOf(at)).toEqual({ program: false, pixel: false, firstEarn: false, cohort: false, reward: false, profileBlock: false, progress: "0 of 6", complete: false });
  });

  it("marks each step done from its own data, and only that", async () => {
    const at = await rewardShop({ enabled: false });
    const expected = { program: false, pixel: false, firstEarn: false, cohort: false, reward: false, profileBlock: false };

    await setProgram(at, { enabled: true });
    expect(await stepsOf(at)).toMatchObject({ ...expected, program: true, progress: "1 of 6" });

    await db.shop.update({ where: { id: at.shopId }, data: { webPixelGid: "gid://shopify/WebPixel/7" } });
    expect(await stepsOf(at)).toMatchObject({ ...expected, program: true, pixel: true, progress: "2 of 6" });

    // An adjustment is not an order earning points.
    await ledgerEntry(at, "adjustment");
    expect(await stepsOf(at)).toMatchObject({ firstEarn: false });
    await ledgerEntry(at, "earn");
    expect(await stepsOf(at)).toMatchObject({ firstEarn: true, progress: "3 of 6" });

    // A rule that is off is not an enabled cohort.
    const rule = await db.cohortRule.create({ data: { shopId: at.shopId, key: "first-purchase", template: "first-purchase", enabled: false } });
    expect(await stepsOf(at)).toMatchObject({ cohort: false });
    await db.cohortRule.update({ where: { id: rule.id }, data: { enabled: true } });
    expect(await stepsOf(at)).toMatchObject({ cohort: true, progress: "4 of 6" });

    const offered = await reward(at, { type: "fixed_amount", pointsCost: "500", value: "5" });
    await db.reward.update({ where: { id: offered.id }, data: { enabled: false } });
    expect(await stepsOf(at)).toMatchObject({ reward: false });
    await db.reward.update({ where: { id: offered.id }, data: { enabled: true } });
    expect(await stepsOf(at)).toMatchObject({ reward: true, progress: "5 of 6", complete: false });

    await db.shop.update({ where: { id: at.shopId }, data: { firstShopperVisitAt: new Date() } });
    expect(await stepsOf(at)).toEqual({ program: true, pixel: true, firstEarn: true, cohort: true, reward: true, profileBlock: true, progress: "6 of 6", complete: true });

    // A disconnected pixel is a step to do again.
    await db.shop.update({ where: { id: at.shopId }, data: { webPixelGid: null } });
    expect(await stepsOf(at)).toMatchObject({ pixel: false, progress: "5 of 6", complete: false });
  });

  it("has nothing done for a shop Roost has no row for", async () => {
    const checklist = await loadSetupChecklist(db, null);
    expect(checklist).toMatchObject({ done: 0, total: 6, complete: false });
  });
});
