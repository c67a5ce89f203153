import type { Database } from "../../db.server";
import { currencyExponent } from "../../lib/money";
import { memberTimeline } from "../identity/visitors.server";
import { memberSummary } from "../ledger/verify.server";
import { memberName } from "./search.server";

export type MemberDetail = NonNullable<Awaited<ReturnType<typeof loadMemberDetail>>>;

/**
 * A member of this shop as the admin shows them: balance, tier, held and capped points, the
 * ledger, the timeline, their storefront browsing (the linked visitors' recent events, in
 * sentences), and the names (#1001) of the orders the ledger is anchored to. Null for
 * a member of another shop, exactly as for one that does not exist.
 */
export async function loadMemberDetail(db: Database, shop: { id: string; currency: string; timezone: string }, memberId: string) {
  const summary = await memberSummary(db, shop.id, memberId);
  if (!summary) return null;
  const orderGids = new Set<string>();
  for (const entry of summary.entries) if (entry.orderGid) orderGids.add(entry.orderGid);
  for (const event of summary.timeline) if (typeof event.data.order === "string") orderGids.add(event.data.order);
  const orders = orderGids.size
    ? await db.order.findMany({ where: { shopId: shop.id, gid: { in: [...orderGids] } }, select: { gid: true, name: true } })
    : [];
  const browsing = await memberTimeline(db, shop, summary.customerGid);
  return {
    member: { ...summary, name: memberName(summary) },
    browsing,
    orderNames: Object.fromEntries(orders.filter((order) => order.name).map((order) => [order.gid, order.name as string])),
    currency: shop.currency,
    exponent: currencyExponent(shop.currency),
    timezone: shop.timezone,
  };
}
