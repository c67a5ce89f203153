import type { Database } from "../../db.server";
import type { ApiResult } from "../../http/api.server";
import { matchMember } from "../identity/members.server";
import type { LedgerDeps, LedgerShop } from "../ledger/types";
import { redeemReward, redemptionJson } from "../rewards/redeem.server";
import type { RedemptionBody } from "./validators";

/**
 * Redemptions through the external API (docs/api.md, "POST /api/v1/redemptions"): the member
 * the body names, matched like an external order's buyer (customer GID → external id → email),
 * spends points on a reward through the same service as the admin, keyed `api:<Idempotency-Key>`
 * so one key never spends twice even if the API's own replay record is gone.
 */

export const apiRedemptionKey = (idempotencyKey: string) => `api:${idempotencyKey}`;

/** Who did it, in the audit log and on the ledger entry: the API token that asked. */
export const apiActor = (tokenId: string) => `api-token:${tokenId}`;

const unprocessable = (error: string, message: string, extra: Record<string, unknown> = {}): ApiResult => ({ status: 422, body: { error, message, ...extra } });

export async function redeemThroughApi(deps: LedgerDeps, shop: LedgerShop, input: RedemptionBody, request: { idempotencyKey: string; actor: string }): Promise<ApiResult> {
  const { customer } = input;
  const member = await matchMember(deps.db, shop.id, { customerGid: customer.shopify_customer_id, externalId: customer.external_id, email: customer.email });
  if (!member) return unprocessable("member_not_found", "No member matches this customer");
  const result = await redeemReward(deps, shop, { memberId: member.id, rewardId: input.reward_id, idempotencyKey: apiRedemptionKey(request.idempotencyKey), actor: request.actor });
  if (result.ok) return { status: 201, body: { redemption: redemptionJson(result.redemption) } };
  switch (result.reason) {
    case "insufficient":
      return unprocessable("insufficient_points", result.message, { balance: result.balance, cost: result.cost });
    case "no-reward":
    case "reward-disabled":
      return unprocessable("reward_unavailable", result.message);
    case "no-member":
      return unprocessable("member_not_found", result.message);
    case "no-customer":
      return unprocessable("no_shopify_customer", result.message);
    case "redacted":
      return unprocessable("member_redacted", result.message);
    case "key-reused":
      return { status: 409, body: { error: "idempotency_key_reused", message: result.message } };
  }
}

/** A redemption of the shop by id, as POST answered it (with the code once issued); another shop's is not found. */
export async function readRedemption(db: Database, shopId: string, id: string): Promise<ApiResult> {
  const redemption = id ? await db.redemption.findFirst({ where: { id, shopId } }) : null;
  if (!redemption) return { status: 404, body: { error: "not_found", message: "No such redemption" } };
  return { status: 200, body: { redemption: redemptionJson(redemption) } };
}
