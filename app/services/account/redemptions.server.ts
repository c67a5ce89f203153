import type { ApiResult } from "../../http/api.server";
import type { LedgerDeps } from "../ledger/types";
import { redeemReward } from "../rewards/redeem.server";
import { shopperRedemptionJson } from "./loyalty.server";
import { type Shopper, shopperMember } from "./shopper.server";

// A signed-in shopper spends their own points (POST /account/redemptions, docs/shopper.md) through
// the same service as the admin and the API, and reads back their own redemption while the
// redemptions queue makes its code. The member is always the token's customer: nothing in the
// request can name another.

/** The redemption's own key: per customer, so two shoppers' Idempotency-Keys never meet. */
export const customerRedemptionKey = (customerId: string, idempotencyKey: string) => `customer:${customerId}:${idempotencyKey}`;

/** Who did it, in the audit log and on the ledger entry: the customer themself. */
export const customerActor = (customerId: string) => `customer:${customerId}`;

const error = (status: number, code: string, message: string, extra: Record<string, unknown> = {}): ApiResult => ({ status, body: { error: code, message, ...extra } });

const notAMember = () => error(404, "not_a_member", "You are not a member of this shop's loyalty program yet");

export async function redeemForShopper(deps: LedgerDeps, shopper: Shopper, input: { rewardId: string; idempotencyKey: string }): Promise<ApiResult> {
  const { shop } = shopper;
  const member = await shopperMember(deps.db, shopper);
  if (!member) return notAMember();
  const result = await redeemReward(deps, shop, {
    memberId: member.id,
    rewardId: input.rewardId,
    idempotencyKey: customerRedemptionKey(shopper.customerId, input.idempotencyKey),
    actor: customerActor(shopper.customerId),
  });
  if (result.ok) return { status: result.replayed ? 200 : 201, body: { redemption: shopperRedemptionJson(result.redemption) } };
  switch (result.reason) {
    case "insufficient":
      return error(422, "insufficient_points", `You have ${result.balance} points; this reward costs ${result.cost}`, { balance: result.balance, cost: result.cost });
    case "no-reward":
    case "reward-disabled":
      return error(422, "reward_unavailable", "This reward is not available");
    case "no-member":
    case "no-customer":
      return notAMember();
    case "redacted":
      return error(422, "member_redacted", "This account's loyalty data was erased: nothing can be redeemed");
    case "key-reused":
      return error(409, "idempotency_key_reused", "This Idempotency-Key was already used for another redemption");
  }
}

/** The shopper's own redemption by id (with its code once issued); anyone else's is not found. */
export async function readShopperRedemption(deps: Pick<LedgerDeps, "db">, shopper: Shopper, id: string): Promise<ApiResult> {
  const { db } = deps;
  const member = await shopperMember(db, shopper);
  const redemption = member && id ? await db.redemption.findFirst({ where: { id, shopId: shopper.shop.id, memberId: member.id } }) : null;
  if (!redemption) return error(404, "not_found", "No such redemption");
  return { status: 200, body: { redemption: shopperRedemptionJson(redemption) } };
}
