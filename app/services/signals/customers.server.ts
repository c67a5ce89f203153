import { afterSignal } from "../cohorts/hook.server";
import { enrolMirrored } from "../identity/members.server";
import type { Member } from "../ledger/types";
import { changeCustomerTags, deleteCustomer, mergeCustomers, updatePurchasingSummary, upsertCustomer } from "../mirror/mirror.server";
import type { CustomerRecord, UpsertOutcome } from "../mirror/records";
import type { SignalDeps, SignalShop } from "./deps";
import { parseShopSettings } from "../program/settings";

// Customers, from every source: mirror → identity (enrolment takes the row the mirror wrote) →
// cohorts. The ledger has nothing to do until the customer buys.

export interface CustomerSignal {
  outcome: UpsertOutcome;
  /** The member enrolment found or made; null when the rule admits no one (or it did not run). */
  member: Member | null;
}

/**
 * A customer created or updated. `enrol: "always"` (webhooks, backfill) also enrols a customer
 * the mirror already had, so a delivery or batch applied again after a crash enrols what the
 * first attempt did not get to; "changed" (reconciliation) only what this upsert created or updated.
 */
export async function applyCustomer(deps: SignalDeps, shop: SignalShop, record: CustomerRecord, options: { enrol: "always" | "changed" } = { enrol: "always" }): Promise<CustomerSignal> {
  const { outcome, customer } = await upsertCustomer(deps.db, shop, record);
  const enrol = options.enrol === "always" || outcome === "created" || outcome === "updated";
  const member = enrol ? await enrolMirrored(deps.db, shop, customer) : null;
  await afterSignal(deps, shop, { kind: "customer", outcome, customer, member });
  return { outcome, member };
}

/** customer.tags_added / customer.tags_removed: with tag-based enrolment, gaining the tag makes the customer a member. */
export async function applyCustomerTags(deps: SignalDeps, shop: SignalShop, change: { gid: string; add?: string[]; remove?: string[] }): Promise<CustomerSignal> {
  const { outcome, customer } = await changeCustomerTags(deps.db, shop, change);
  const member = await enrolMirrored(deps.db, shop, customer);
  // Roost's own cohort tags coming back (the tag writer's tagsAdd / tagsRemove) change no cohort:
  // the mirror keeps them, and nothing is evaluated again.
  const prefix = parseShopSettings(shop.settings).cohortTagPrefix;
  const changed = [...(change.add ?? []), ...(change.remove ?? [])];
  const roostsOwn = prefix !== "" && changed.length > 0 && changed.every((tag) => tag.startsWith(prefix));
  if (!roostsOwn) await afterSignal(deps, shop, { kind: "customer", outcome, customer, member });
  return { outcome, member };
}

/** customers/delete: the customer becomes a tombstone (their member and ledger stay). */
export async function applyCustomerDeletion(deps: SignalDeps, shop: SignalShop, customerGid: string, at: Date): Promise<void> {
  await deleteCustomer(deps.db, shop, customerGid, at);
  await afterSignal(deps, shop, { kind: "customer-deleted", customerGid, at });
}

/** customers/merge: the deleted customer's orders and tags move to the kept one. */
export async function applyCustomerMerge(deps: SignalDeps, shop: SignalShop, keptGid: string, deletedGid: string, at: Date): Promise<void> {
  await mergeCustomers(deps.db, shop, keptGid, deletedGid, at);
  await afterSignal(deps, shop, { kind: "customers-merged", keptGid, deletedGid, at });
}

/** customers/purchasing_summary: order count and total spent. */
export async function applyPurchasingSummary(deps: SignalDeps, shop: SignalShop, summary: { gid: string; ordersCount: number; totalSpent: number }): Promise<UpsertOutcome> {
  const outcome = await updatePurchasingSummary(deps.db, shop, summary);
  await afterSignal(deps, shop, { kind: "purchasing-summary", outcome, customerGid: summary.gid, ordersCount: summary.ordersCount, totalSpent: summary.totalSpent });
  return outcome;
}
