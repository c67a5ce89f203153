import { afterSignal } from "../cohorts/hook.server";
import { type CheckoutLinks, noteSignedCheckout } from "../identity/visitors.server";
import type { CheckoutRecord } from "../mirror/rest";
import type { SignalDeps, SignalShop } from "./deps";

// Checkouts (checkouts/create, checkouts/update): the mirror keeps nothing of them; identity
// links the checkout's visitor to its customer (signed, so trusted) → cohorts.

export async function applyCheckout(deps: SignalDeps, shop: SignalShop, record: CheckoutRecord): Promise<CheckoutLinks> {
  const links = await noteSignedCheckout(deps.db, shop, { token: record.token, customerGid: record.customerGid, at: record.updatedAt });
  await afterSignal(deps, shop, { kind: "checkout", token: record.token, customerGid: links.customerGid, linkedClientIds: links.linkedClientIds });
  return links;
}
