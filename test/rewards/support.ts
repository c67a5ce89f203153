import { expect } from "vitest";
import db from "../../app/db.server";
import { type Clock, systemClock } from "../../app/lib/clock";
import { logger } from "../../app/lib/logger.server";
import { adjustPoints } from "../../app/services/ledger/adjustment.server";
import { verifyLedger } from "../../app/services/ledger/verify.server";
import { programSchema } from "../../app/services/program/settings";
import { createReward, parseReward, type RewardInput } from "../../app/services/rewards/catalogue.server";
import { issueRedemptionsNow } from "../../app/services/rewards/issue.server";
import { REDEMPTIONS_QUEUE } from "../../app/services/rewards/redeem.server";
import { type AdminClientFactory, adminClientFor } from "../../app/services/shopify/admin.server";
import { updateShopSettings } from "../../app/services/shops/shops.server";
import { customerPayload } from "../fixtures/rest-payloads";
import { deliver } from "../support/deliver";
import { fakeShopify, installTestShop, uniqueShop } from "../support/shopify";

// A shop with a program, members that are customers at the fake Shopify, and the rewards queue
// driven by hand (docs/rewards.md).

export interface RewardShop {
  shop: string;
  shopId: string;
}

export async function rewardShop(program: Partial<ReturnType<typeof programSchema.parse>> = {}): Promise<RewardShop> {
  const shop = uniqueShop("roost-rewards");
  await installTestShop(shop);
  const shopId = (await db.shop.findUniqueOrThrow({ where: { domain: shop } })).id;
  await setProgram({ shop, shopId }, program);
  // Jobs other files of this worker left queued must not reach this file's runs.
  await db.job.deleteMany({ where: { queue: REDEMPTIONS_QUEUE, NOT: { shopId } } });
  return { shop, shopId };
}

export async function setProgram(at: RewardShop, program: Partial<ReturnType<typeof programSchema.parse>>): Promise<void> {
  await updateShopSettings(db, at.shop, { program: programSchema.parse({ startDate: "2026-01-01", ...program }) });
}

export const shopRow = (at: RewardShop) => db.shop.findUniqueOrThrow({ where: { id: at.shopId } });

let emails = 0;
/** A customer at the fake Shopify, enrolled as a member through customers/create. */
export async function shopper(at: RewardShop, extra: { metafields?: { namespace: string; key: string; type: string; value: string }[] } = {}) {
  emails += 1;
  const email = `redeemer-${emails}@example.com`;
  const customerGid = fakeShopify.store.addCustomer(at.shop, { email, firstName: "Rita", ...extra }).id;
  const numeric = Number(customerGid.split("/").pop());
  await deliver({ topic: "customers/create", shop: at.shop, payload: customerPayload({ id: numeric, email }) });
  const memberId = (await db.member.findFirstOrThrow({ where: { shopId: at.shopId, customerGid } })).id;
  return { customerGid, memberId, numeric, email };
}

export async function givePoints(at: RewardShop, memberId: string, points: number): Promise<void> {
  await adjustPoints({ db, clock: systemClock, logger }, await shopRow(at), { memberId, points, reason: "test", actor: "test" });
}

export async function reward(at: RewardShop, input: RewardInput) {
  const parsed = parseReward(input, "USD");
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return createReward(db, { id: at.shopId, currency: "USD" }, parsed.value, "test");
}

export const ledgerDeps = { db, clock: systemClock, logger };

export const issueNow = (at: RewardShop, options: { clock?: Clock; adminFor?: AdminClientFactory } = {}) =>
  issueRedemptionsNow({ db, clock: options.clock ?? systemClock, logger, adminFor: options.adminFor ?? adminClientFor, sleep: async () => undefined }, { shopId: at.shopId });

export const balanceOf = async (memberId: string) => (await db.member.findUniqueOrThrow({ where: { id: memberId } })).balance;
export const entriesOf = (memberId: string) => db.ledgerEntry.findMany({ where: { memberId }, orderBy: { seq: "asc" } });

export async function expectLedgerOk(at: RewardShop): Promise<void> {
  expect((await verifyLedger(db, at.shopId)).violations).toEqual([]);
}

export const later = (ms: number): Clock => ({ now: () => new Date(Date.now() + ms) });
