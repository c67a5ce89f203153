import { formatDay, formatWhen } from "../../lib/dates";
import { formatMinorUnits } from "../../lib/money";
import { JOURNEY_EVENT_LABELS } from "../journeys/events";

// Display helpers shared by the member pages (server and browser render the same text).

export { formatDay, formatWhen } from "../../lib/dates";

const ADMIN_SECTIONS: Record<string, string> = { Order: "orders", Customer: "customers", Product: "products" };

/**
 * Where a Shopify GID opens in Shopify admin ("shopify://admin/orders/123"), which App Bridge
 * navigates the admin to (a link with target="_top"); null for a GID admin has no page for.
 * Merchants follow the link, never read the id.
 */
export function adminUrl(gid: string): string | null {
  const match = /^gid:\/\/shopify\/([A-Za-z]+)\/(\d+)$/.exec(gid);
  const section = match ? ADMIN_SECTIONS[match[1]] : undefined;
  return match && section ? `shopify://admin/${section}/${match[2]}` : null;
}

/** +57, -29, 0: a change to a balance. */
export function signedPoints(points: number): string {
  return points > 0 ? `+${points.toLocaleString("en-US")}` : points.toLocaleString("en-US");
}

const plural = (count: number, one: string) => `${Math.abs(count).toLocaleString("en-US")} ${one}${Math.abs(count) === 1 ? "" : "s"}`;

export const KIND_LABELS: Record<string, string> = {
  earn: "Earned",
  capped: "Capped",
  held: "Held",
  released: "Released",
  clawback: "Clawed back",
  adjustment: "Adjustment",
  redemption: "Redeemed",
  returned: "Returned",
  bonus: "Bonus",
  expiry: "Expired",
};

const points = (count: number) => plural(count, "point");
const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * A ledger entry of the rewards kinds as a sentence ("Redeemed 50 points for $5 off", "Returned
 * 50 points: $5 off was not issued (Shopify refused the reward: …)", "Sign-up bonus: 100 points",
 * "56 points expired (no order since 2026-01-02: …)", "Adjusted by +20 points: goodwill"); null for
 * the other kinds, whose reason stands as it is.
 */
export function ledgerSentence(entry: { kind: string; points: number; reason: string | null }): string | null {
  const reason = entry.reason ?? "";
  switch (entry.kind) {
    case "redemption":
      return `Redeemed ${points(entry.points)}${reason ? ` for ${reason}` : ""}`;
    case "returned": {
      // The reason is "<reward>: <why>" (returnRedemption): the reward's name, then what Shopify said.
      const split = reason.indexOf(": ");
      const reward = split >= 0 ? reason.slice(0, split) : reason;
      const why = split >= 0 ? reason.slice(split + 2) : "";
      return `Returned ${points(entry.points)}${reward ? `: ${reward} was not issued` : ""}${why ? ` (${why})` : ""}`;
    }
    case "bonus":
      return `${capitalised(reason || "bonus")}: ${points(entry.points)}`;
    case "expiry":
      return `${capitalised(points(entry.points))} expired${reason ? ` (${reason})` : ""}`;
    case "adjustment":
      return `Adjusted by ${signedPoints(entry.points)} point${Math.abs(entry.points) === 1 ? "" : "s"}${reason ? `: ${reason}` : ""}`;
    default:
      return null;
  }
}

/** A type of the member timeline beside the journey events: a staff adjustment, from the ledger. */
export const ADJUSTED_EVENT = "points_adjusted";

export const EVENT_LABELS: Record<string, string> = { ...JOURNEY_EVENT_LABELS, [ADJUSTED_EVENT]: "Points adjusted" };

/** "57.60 × 1 × 1 (Bronze)": the terms an award (or the claw-back of one) was computed with. */
export function termsLabel(entry: { eligibleAmount: number | null; rate: string | null; multiplier: string | null; tier: string | null }, exponent: number): string {
  if (entry.eligibleAmount === null || entry.rate === null || entry.multiplier === null) return "";
  return `${formatMinorUnits(entry.eligibleAmount, exponent)} × ${entry.rate} × ${entry.multiplier} (${entry.tier ?? "?"})`;
}


/** Why a shopper entered or left a cohort, in words. */
export const COHORT_CAUSES: Record<string, string> = {
  matched: "matched the cohort's rule",
  "no-longer-matches": "no longer matches the cohort's rule",
  linked: "a storefront visit was linked to this customer",
  excluded: "excluded by the merchant",
  "rule-disabled": "the cohort was disabled",
  "rule-deleted": "the cohort was deleted",
};

/**
 * A timeline event as a sentence ("Earned 154 points on #1001; balance 154.", "Adjusted by +20
 * points: goodwill."); null for an event Roost has no sentence for, which shows its data as it
 * is. `variant` and `order` name a variant and an order from the mirror ("an order" when the
 * mirror has no name): merchants never see a GID.
 */
export function timelineSentence(
  event: { type: string; data: Record<string, unknown> },
  labels: { variant: (gid: string) => string | undefined; order?: (gid: string) => string; timezone: string },
): string | null {
  const text = (key: string) => (typeof event.data[key] === "string" ? (event.data[key] as string) : null);
  const count = (key: string) => (typeof event.data[key] === "number" ? (event.data[key] as number) : null);
  const cause = text("cause");
  const because = cause ? ` (${COHORT_CAUSES[cause] ?? cause})` : "";
  const orderGid = text("order");
  const order = orderGid ? (labels.order?.(orderGid) ?? "an order") : null;
  const on = order ? ` on ${order}` : "";
  const balance = count("balance") !== null ? `; balance ${(count("balance") as number).toLocaleString("en-US")}` : "";
  const spent = count("points") !== null ? points(count("points") as number) : "points";
  switch (event.type) {
    case "first_purchase":
      return `Placed their first order${order ? `, ${order}` : ""}.`;
    case "repeat_purchase": {
      const orders = count("orderCount");
      return `Placed ${order ?? "an order"}${orders !== null ? `: ${plural(orders, "order")} so far` : ""}.`;
    }
    case "order_fulfilled":
      return `${capitalised(order ?? "an order")} was fulfilled.`;
    case "points_earned": {
      const bonus = text("bonus");
      return `Earned ${spent}${bonus ? ` (${bonus})` : on}${balance}.`;
    }
    case "points_held":
      return `Held ${spent}${on}: recorded, not granted until the daily cap is checked.`;
    case "points_released": {
      const reduced = count("reducedBy");
      return `Released ${spent}${on}${reduced ? ` (${points(reduced)} fewer after refunds)` : ""}${balance}.`;
    }
    case "points_clawed_back": {
      const shortfall = count("shortfall");
      return `Clawed back ${spent} for a refund${on}${balance}${shortfall ? ` (${points(shortfall)} short: the balance cannot go below zero)` : ""}.`;
    }
    case "tier_changed": {
      const earned = count("earned365");
      return `Moved from ${text("from") ?? "?"} to ${text("to") ?? "?"}${earned !== null ? ` (${points(earned)} earned in the last 365 days)` : ""}.`;
    }
    case ADJUSTED_EVENT:
      return `${ledgerSentence({ kind: "adjustment", points: count("points") ?? 0, reason: text("reason") })}${balance}.`;
    case "cohort_entered":
      return `Entered the cohort ${text("cohort") ?? "?"}, tagged ${text("tag") ?? "?"}${because}.`;
    case "cohort_exited":
      return `Left the cohort ${text("cohort") ?? "?"}, tag ${text("tag") ?? "?"} removed${because}.`;
    case "cart_abandoned": {
      const gid = text("variant");
      const item = (gid && labels.variant(gid)) ?? "an item";
      const stock = typeof event.data.stock === "number" ? `, when ${event.data.stock === 1 ? "1 unit was" : `${event.data.stock} units were`} left` : "";
      const added = text("addedAt");
      return `Left ${item} in the cart${added ? ` after adding it on ${formatWhen(added, labels.timezone)}` : ""}${stock}, without checking out (cohort ${text("cohort") ?? "?"}).`;
    }
    case "reward_redeemed": {
      const code = text("code");
      return `Redeemed ${spent} for ${text("description") ?? text("reward") ?? "a reward"}${code ? `: code ${code}` : ""}.`;
    }
    case "points_expiring": {
      const last = text("lastOrderOn");
      const expires = text("expiresOn");
      return `${capitalised(spent)} expire on ${expires ? formatDay(expires, labels.timezone) : "?"}${last ? ` (no order since ${formatDay(last, labels.timezone)})` : ""}.`;
    }
    default:
      return null;
  }
}
