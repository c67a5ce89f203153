// The paid-order scenario's correctness check (`npm run bench -- --scenario paid-orders`): what
// each signed orders/paid delivery should have earned, worked out from the payload alone, and
// whether the ledger holds exactly that: one earn entry per acknowledged order, with the
// expected points, on the buyer's member, and balances that moved by exactly those points.
// Pure functions over rows the bench reads from the database, shared by Roost's check and the
// baseline's, and unit-tested (awards.test.ts) so a missing or doubled award cannot pass.
import { currencyExponent, toMinorUnits } from "../../app/lib/money";
import { pointsFor } from "../../app/services/ledger/points";

/** DESIGN, "Every effect is idempotent": the idempotency key of a Shopify order's award. */
export const orderAwardKey = (orderGid: string) => `shopify-order:${orderGid}`;

interface RestMoneySet {
  shop_money: { amount: string; currency_code: string };
}
/** The fields of Shopify's REST order that decide its eligible amount. */
export interface RestOrderAmounts {
  taxes_included: boolean;
  total_shipping_price_set?: RestMoneySet | null;
  line_items: {
    quantity: number;
    gift_card: boolean;
    price_set: RestMoneySet;
    discount_allocations: { amount_set: RestMoneySet }[];
    tax_lines: { price_set: RestMoneySet }[];
  }[];
}

const minor = (set: RestMoneySet) => toMinorUnits(set.shop_money.amount, currencyExponent(set.shop_money.currency_code));

/**
 * DESIGN, "Eligible amount", read straight from the payload (not through Roost's mirror, so a
 * mistake there shows): Σ over non-gift-card lines of price × quantity − the line's discount
 * allocations − the line's tax when prices include tax. Shipping apart, for the shops that
 * count it. Shop-currency minor units.
 */
export function eligibleFromRestOrder(order: RestOrderAmounts): { lines: number; shipping: number } {
  let lines = 0;
  for (const line of order.line_items) {
    if (line.gift_card) continue;
    const discount = line.discount_allocations.reduce((sum, allocation) => sum + minor(allocation.amount_set), 0);
    const tax = order.taxes_included ? line.tax_lines.reduce((sum, taxLine) => sum + minor(taxLine.price_set), 0) : 0;
    lines += minor(line.price_set) * line.quantity - discount - tax;
  }
  return { lines, shipping: order.total_shipping_price_set ? minor(order.total_shipping_price_set) : 0 };
}

/** The program terms an order is awarded under (the member's tier before the order). */
export interface AwardTerms {
  currency: string;
  earnRate: string;
  multiplier: string;
  countShipping: boolean;
}

/** DESIGN, "Earning": floor(eligible / 10^exponent × earn_rate × tier_multiplier), exactly. */
export function expectedPoints(eligible: { lines: number; shipping: number }, terms: AwardTerms): number {
  const amount = eligible.lines + (terms.countShipping ? eligible.shipping : 0);
  return pointsFor(amount, currencyExponent(terms.currency), terms.earnRate, terms.multiplier);
}

/** One orders/paid delivery the load generator sent. */
export interface SentOrder {
  orderGid: string;
  customerGid: string;
  /** Wall-clock ms when the request was sent (the same clock the server stamps rows with). */
  sentAt: number;
  /** Answered 2xx: the server owes this order its award. */
  acked: boolean;
  expectedPoints: number;
}

/** A ledger entry as the check needs it, from either database. */
export interface AwardRow {
  idempotencyKey: string;
  awardKey: string | null;
  orderGid: string | null;
  /** earn, released, held, capped, clawback, … */
  kind: string;
  points: number;
  /** Points recorded but not granted (capped or held). */
  withheld: number;
  /** The customer of the member the entry is on. */
  customerGid: string | null;
  /** Wall-clock ms when the server wrote the entry. */
  createdAt: number;
}

export type AwardProblemKind =
  | "missing"
  | "doubled"
  | "wrong-points"
  | "wrong-member"
  | "wrong-key"
  | "withheld"
  | "held"
  | "unmatched"
  | "balance"
  | "unexpected";

export interface AwardProblem {
  kind: AwardProblemKind;
  /** The order (or, for "balance", the customer) it concerns. */
  subject: string;
  detail: string;
}

export interface AwardCheck {
  /** Orders sent / acknowledged. */
  sent: number;
  acked: number;
  /** Acknowledged orders with exactly one earn entry, with the expected points, on the buyer. */
  awarded: number;
  /** Orders that were not acknowledged but were awarded anyway (stored before a timeout). */
  awardedUnacked: number;
  problems: AwardProblem[];
  counts: Record<AwardProblemKind, number>;
  /** Per correctly awarded order: entry written − delivery sent (ms). */
  endToEndMs: number[];
  firstSentAt?: number;
  lastAwardAt?: number;
}

const PROBLEM_KINDS: AwardProblemKind[] = ["missing", "doubled", "wrong-points", "wrong-member", "wrong-key", "withheld", "held", "unmatched", "balance", "unexpected"];
const GRANTS = new Set(["earn", "released"]);

/**
 * Checks the ledger against the orders sent. `balances` are the members' balances before the
 * orders and after: each member's balance must have moved by exactly the points of the grants
 * written for these orders, which catches points added twice under one entry (null: not
 * checked). Each fault is reported once, by its cause: a missing grant is "missing", not also a
 * balance that did not move. `unmatchedKeys` are the order keys Roost recorded as matching no
 * member. Grants for no order the bench sent are "unexpected" (a second award written under
 * another key and without the order's GID lands there).
 */
export function checkAwards(
  orders: SentOrder[],
  rows: AwardRow[],
  balances: { before: Map<string, number>; after: Map<string, number> } | null,
  unmatchedKeys: Set<string> = new Set(),
): AwardCheck {
  const problems: AwardProblem[] = [];
  const endToEndMs: number[] = [];
  let awarded = 0;
  let awardedUnacked = 0;
  let firstSentAt: number | undefined;
  let lastAwardAt: number | undefined;

  const byOrder = new Map<string, AwardRow[]>();
  const claimed = new Set<AwardRow>();
  const sentGids = new Set(orders.map((order) => order.orderGid));
  const sentKeys = new Map(orders.map((order) => [orderAwardKey(order.orderGid), order.orderGid]));
  for (const row of rows) {
    // An entry belongs to an order by its order GID or by its award key, whichever it names.
    const gid = row.orderGid && sentGids.has(row.orderGid) ? row.orderGid : sentKeys.get(row.awardKey ?? row.idempotencyKey);
    if (!gid) continue;
    byOrder.set(gid, [...(byOrder.get(gid) ?? []), row]);
    claimed.add(row);
  }

  // What each member's balance should have moved by: the grants written for these orders.
  const granted = new Map<string, number>();
  const addGranted = (customerGid: string | null, points: number) => {
    if (customerGid) granted.set(customerGid, (granted.get(customerGid) ?? 0) + points);
  };

  for (const order of orders) {
    firstSentAt = Math.min(firstSentAt ?? order.sentAt, order.sentAt);
    const key = orderAwardKey(order.orderGid);
    const entries = byOrder.get(order.orderGid) ?? [];
    const grants = entries.filter((row) => GRANTS.has(row.kind));
    addGranted(order.customerGid, 0);
    for (const grant of grants) addGranted(grant.customerGid, grant.points);
    if (!order.acked) {
      // Shopify would resend it; the bench does not. It may have been stored (and awarded) anyway.
      if (grants.length) awardedUnacked += 1;
      continue;
    }
    const problem = (kind: AwardProblemKind, detail: string) => problems.push({ kind, subject: order.orderGid, detail });
    if (grants.length === 0) {
      if (entries.some((row) => row.kind === "held")) problem("held", `${key} is held, not granted`);
      else if (unmatchedKeys.has(key)) problem("unmatched", `${key} matched no member (customer ${order.customerGid})`);
      else problem("missing", `no earn entry for ${key}`);
      continue;
    }
    if (grants.length > 1) {
      problem("doubled", `${grants.length} grants for ${order.orderGid}: ${grants.map((row) => `${row.idempotencyKey} (${row.points})`).join(", ")}`);
      continue;
    }
    const [grant] = grants;
    const wrong: [AwardProblemKind, string][] = [];
    if (grant.idempotencyKey !== key) wrong.push(["wrong-key", `awarded under ${grant.idempotencyKey}, expected ${key}`]);
    if (grant.points !== order.expectedPoints) wrong.push(["wrong-points", `${key} granted ${grant.points} points, expected ${order.expectedPoints}`]);
    if (grant.withheld !== 0) wrong.push(["withheld", `${key} withheld ${grant.withheld} points`]);
    if (grant.customerGid !== order.customerGid) wrong.push(["wrong-member", `${key} went to ${grant.customerGid ?? "no customer"}, expected ${order.customerGid}`]);
    for (const [kind, detail] of wrong) problem(kind, detail);
    if (wrong.length) continue;
    awarded += 1;
    endToEndMs.push(grant.createdAt - order.sentAt);
    lastAwardAt = Math.max(lastAwardAt ?? grant.createdAt, grant.createdAt);
  }

  for (const row of rows) {
    if (!claimed.has(row) && GRANTS.has(row.kind)) {
      addGranted(row.customerGid, row.points);
      problems.push({ kind: "unexpected", subject: row.orderGid ?? row.idempotencyKey, detail: `${row.kind} ${row.idempotencyKey} (${row.points}) is for no order the bench sent` });
    }
  }
  for (const [customerGid, delta] of balances ? granted : []) {
    const moved = (balances!.after.get(customerGid) ?? 0) - (balances!.before.get(customerGid) ?? 0);
    if (moved !== delta) problems.push({ kind: "balance", subject: customerGid, detail: `balance moved by ${moved}, its grants for these orders add up to ${delta}` });
  }

  const counts = Object.fromEntries(PROBLEM_KINDS.map((kind) => [kind, 0])) as Record<AwardProblemKind, number>;
  for (const problem of problems) counts[problem.kind] += 1;
  return {
    sent: orders.length,
    acked: orders.filter((order) => order.acked).length,
    awarded,
    awardedUnacked,
    problems,
    counts,
    endToEndMs,
    firstSentAt,
    lastAwardAt,
  };
}
