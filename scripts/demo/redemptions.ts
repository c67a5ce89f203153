import db from "../../app/db.server";
import { listRewards } from "../../app/services/rewards/catalogue.server";
import { BROWSER_UA, customerAccountToken } from "./session-token";

// The demo's shoppers spend points as a real one does from the customer account extension
// (docs/shopper.md): POST /account/redemptions to the running app over loopback, with a customer
// account session token and an Idempotency-Key. The app checks the token, reserves the points
// and queues the discount code, which the server's runner creates in the simulated store.

const EXTENSION_ORIGIN = "https://extensions.shopifycdn.com";

export interface DemoRedemption {
  customerGid: string;
  rewardId: string;
  /** The Idempotency-Key: the same one again answers the first redemption instead of a second. */
  key: string;
}

/** One shopper's redemption through the app; returns the HTTP status (201 made, 200 replayed). */
export async function redeemAsShopper(appUrl: string, shop: string, redemption: DemoRedemption): Promise<number> {
  const response = await fetch(`${appUrl}/account/redemptions`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${await customerAccountToken(shop, redemption.customerGid)}`,
      Origin: EXTENSION_ORIGIN,
      "User-Agent": BROWSER_UA,
      "Content-Type": "application/json",
      "Idempotency-Key": redemption.key,
    },
    body: JSON.stringify({ rewardId: redemption.rewardId }),
  });
  await response.arrayBuffer();
  return response.status;
}

/** Members among `customerGids` who can afford `cost`, best off first. */
export async function membersWhoCanAfford(shopId: string, customerGids: string[], cost: number, take: number) {
  return db.member.findMany({
    where: { shopId, customerGid: { in: customerGids }, balance: { gte: cost }, redactedAt: null },
    orderBy: [{ balance: "desc" }, { id: "asc" }],
    take,
    select: { customerGid: true, firstName: true, lastName: true, balance: true },
  });
}

/** The shop's enabled rewards, cheapest last: what a shopper picks from. */
export async function enabledRewards(shopId: string) {
  return (await listRewards(db, shopId, { enabledOnly: true })).sort((a, b) => b.pointsCost - a.pointsCost);
}

/**
 * After the backfill, some of the history's shoppers have spent points: the best-off dozen take
 * the dearest reward, the next half dozen the cheapest; the server's runner makes their codes.
 * Once per demo store: a restart that finds redemptions (these, or the merchant's own from the
 * member page) adds none. Returns how many were made.
 */
export async function seedRedemptions(options: { appUrl: string; shop: string; shopId: string; customerGids: string[] }): Promise<number> {
  const { appUrl, shop, shopId, customerGids } = options;
  if ((await db.redemption.count({ where: { shopId } })) > 0) return 0;
  const rewards = await enabledRewards(shopId);
  if (rewards.length === 0) return 0;
  const [dearest, cheapest] = [rewards[0], rewards[rewards.length - 1]];
  const best = await membersWhoCanAfford(shopId, customerGids, dearest.pointsCost, 12);
  const next = (await membersWhoCanAfford(shopId, customerGids, cheapest.pointsCost, 30))
    .filter((member) => !best.some((taken) => taken.customerGid === member.customerGid))
    .slice(0, 6);
  let made = 0;
  for (const [members, reward] of [[best, dearest], [next, cheapest]] as const) {
    for (const member of members) {
      const status = await redeemAsShopper(appUrl, shop, { customerGid: member.customerGid!, rewardId: reward.id, key: `demo-seed-${reward.id}` });
      if (status !== 201 && status !== 200) throw new Error(`the demo's redemption for ${member.customerGid} answered ${status}`);
      made += 1;
    }
  }
  return made;
}
