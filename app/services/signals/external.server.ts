import { afterSignal } from "../cohorts/hook.server";
import { type ClawbackResult, clawBackRefund, type RefundInput } from "../ledger/clawback.server";
import { type AwardInput, type AwardResult, awardOrder } from "../ledger/earn.server";
import type { SignalDeps, SignalShop } from "./deps";

// Orders and refunds from the merchant's other channels (the external orders API): nothing to
// mirror, and the buyer is matched rather than enrolled, so the signal is the ledger, then cohorts.

/** An external order's award (once per key). */
export async function applyExternalOrder(deps: SignalDeps, shop: SignalShop, input: AwardInput): Promise<AwardResult> {
  const award = await awardOrder(deps, shop, input);
  await afterSignal(deps, shop, { kind: "external-order", key: input.key, award });
  return award;
}

/** An external refund's claw-back against its order's award (once per key). */
export async function applyExternalRefund(deps: SignalDeps, shop: SignalShop, input: RefundInput): Promise<ClawbackResult> {
  const clawback = await clawBackRefund(deps, shop, input);
  await afterSignal(deps, shop, { kind: "external-refund", key: input.key, clawback });
  return clawback;
}
