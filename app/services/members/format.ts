import { formatMinorUnits } from "../../lib/money";
import { JOURNEY_EVENT_LABELS } from "../journeys/events";

// Display helpers shared by the member pages (server and browser render the same text).

/** "gid://shopify/Order/123" → "…/Order/123": the readable end of a Shopify GID. */
export function readableGid(gid: string): string {
  const match = /^gid:\/\/shopify\/([^/]+)\/(.+)$/.exec(gid);
  return match ? `…/${match[1]}/${match[2]}` : gid;
}

/** +57, -29, 0: a change to a balance. */
export function signedPoints(points: number): string {
  return points > 0 ? `+${points.toLocaleString("en-US")}` : points.toLocaleString("en-US");
}

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

const points = (count: number) => `${Math.abs(count).toLocaleString("en-US")} point${Math.abs(count) === 1 ? "" : "s"}`;
const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * A ledger entry of the rewards kinds as a sentence ("Redeemed 50 points for $5 off", "Returned
 * 50 points: $5 off was not issued (Shopify refused the reward: …)", "Sign-up bonus: 100 points",
 * "56 points expired (no order since 2026-01-02: …)"); null for the other kinds, whose reason
 * stands as it is.
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
    default:
      return null;
  }
}

export const EVENT_LABELS: Record<string, string> = JOURNEY_EVENT_LABELS;

/** "57.60 × 1 × 1 (Bronze)": the terms an award (or the claw-back of one) was computed with. */
export function termsLabel(entry: { eligibleAmount: number | null; rate: string | null; multiplier: string | null; tier: string | null }, exponent: number): string {
  if (entry.eligibleAmount === null || entry.rate === null || entry.multiplier === null) return "";
  return `${formatMinorUnits(entry.eligibleAmount, exponent)} × ${entry.rate} × ${entry.multiplier} (${entry.tier ?? "?"})`;
}

/** A date and time in the shop's time zone, identical wherever it is rendered. */
export function formatWhen(iso: string, timezone: string): string {
  return new Intl.DateTimeFormat("en-US", { timeZone: timezone, dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
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
 * A timeline event as a sentence, for the events that read better that way (cohort entries and
 * exits, abandoned carts); null for the others, which show their data as it is. `variant` names a
 * variant from the mirror: merchants never see a GID.
 */
export function timelineSentence(event: { type: string; data: Record<string, unknown> }, labels: { variant: (gid: string) => string | undefined; timezone: string }): string | null {
  const text = (key: string) => (typeof event.data[key] === "string" ? (event.data[key] as string) : null);
  const cause = text("cause");
  const because = cause ? ` (${COHORT_CAUSES[cause] ?? cause})` : "";
  switch (event.type) {
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
      const spent = typeof event.data.points === "number" ? points(event.data.points) : "points";
      const code = text("code");
      return `Redeemed ${spent} for ${text("description") ?? text("reward") ?? "a reward"}${code ? `: code ${code}` : ""}.`;
    }
    case "points_expiring": {
      const expiring = typeof event.data.points === "number" ? points(event.data.points) : "points";
      const last = text("lastOrderOn");
      return `${capitalised(expiring)} expire on ${text("expiresOn") ?? "?"}${last ? ` (no order since ${last})` : ""}.`;
    }
    default:
      return null;
  }
}
