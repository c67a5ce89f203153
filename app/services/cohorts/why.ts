import { currencyExponent, formatMinorUnits } from "../../lib/money";
import type { RuleParams } from "./templates";

// "Why is this shopper in this cohort": the stored facts of a membership (or an entering
// transition) in sentences a merchant reads, with the rule's parameters for the window. Product
// and order ids are shown by the caller's labels where it has them (merchants never see GIDs).

export interface MembershipFacts {
  enteredAt: Date;
  eventId: string | null;
  eventAt: Date | null;
  variantGid: string | null;
  stock: number | null;
  orderGid: string | null;
  value: number | null;
}

export interface WhyLabels {
  /** A variant's title ("Merino Beanie — Charcoal"), when the mirror knows it. */
  variant?: (gid: string) => string | undefined;
  /** An order's name ("#1001"), when the mirror knows it. */
  order?: (gid: string) => string | undefined;
  currency: string;
}

const when = (at: Date) => at.toISOString().replace("T", " ").slice(0, 16) + " UTC";
export const plural = (count: number, one: string, many = `${one}s`) => `${count.toLocaleString("en-US")} ${count === 1 ? one : many}`;

function variantName(gid: string | null, labels: WhyLabels): string {
  return (gid && labels.variant?.(gid)) || "an item";
}

function orderName(gid: string | null, labels: WhyLabels): string {
  return (gid && labels.order?.(gid)) || "an order";
}

function money(minor: number, currency: string): string {
  return `${formatMinorUnits(minor, currencyExponent(currency))} ${currency}`;
}

/** The facts that put a shopper in a cohort, as sentences. */
export function whySentences(params: RuleParams, facts: MembershipFacts, labels: WhyLabels): string[] {
  switch (params.template) {
    case "cart-abandoned-low-stock": {
      const lines = [`Added ${variantName(facts.variantGid, labels)} to the cart${facts.eventAt ? ` on ${when(facts.eventAt)}` : ""}${facts.stock !== null ? `, when ${plural(facts.stock, "unit was", "units were")} left` : " while it was low on stock"}.`];
      if (facts.eventAt) lines.push(`No checkout was completed within ${plural(params.hours, "hour")}, by ${when(new Date(facts.eventAt.getTime() + params.hours * 3_600_000))}.`);
      if (facts.eventId) lines.push(`Storefront event id: ${facts.eventId}.`);
      return lines;
    }
    case "vip-scarcity-shopper":
      return [
        `Viewed ${variantName(facts.variantGid, labels)}${facts.eventAt ? ` on ${when(facts.eventAt)}` : ""}${facts.stock !== null ? ` with ${plural(facts.stock, "unit")} left` : " while it was low on stock"}.`,
        `Bought it in ${orderName(facts.orderGid, labels)} within ${plural(params.hours, "hour")}.`,
        ...(facts.eventId ? [`Storefront event id: ${facts.eventId}.`] : []),
      ];
    case "first-purchase":
      return [`First paid order ${orderName(facts.orderGid, labels)}${facts.eventAt ? ` on ${when(facts.eventAt)}` : ""}, within the last ${plural(params.days, "day")}.`];
    case "repeat-purchaser":
      return [`${plural(facts.value ?? 0, "paid order")} (at least ${params.minOrders})${facts.eventAt ? `, the latest on ${when(facts.eventAt)}` : ""}.`];
    case "high-value":
      return [`Spent ${money(facts.value ?? 0, labels.currency)} over the last ${plural(params.days, "day")} (at least ${money(params.minSpend, labels.currency)}).`];
    case "lapsed":
      return [`Latest paid order${facts.eventAt ? ` on ${when(facts.eventAt)}` : ""}: none in the last ${plural(params.days, "day")} (${plural(facts.value ?? 0, "order")} in all).`];
    case "tier":
      return [`In the ${params.tier} tier.`];
    case "points-balance":
      return [`Held ${plural(facts.value ?? 0, "point")} (at least ${params.minPoints.toLocaleString("en-US")}).`];
  }
}
