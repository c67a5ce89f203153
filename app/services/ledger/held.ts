import type { LedgerEntry } from "./types";

/** The reason on a claw-back recorded against an award that was still held. */
export const HELD_REFUND_REASON = "recorded while the award was held";

/** What refunds (and a cancellation) recorded while an award was held took off it. */
export function heldReductions(entries: LedgerEntry[], key: string, held: number, orderEligible: number) {
  const whileHeld = entries.filter((entry) => entry.kind === "clawback" && entry.reason === HELD_REFUND_REASON);
  const reduced = whileHeld.reduce((sum, entry) => sum + entry.withheld, 0);
  const refunded = whileHeld.reduce((sum, entry) => sum + (entry.eligibleAmount ?? 0), 0);
  const cancelled = whileHeld.some((entry) => entry.idempotencyKey === `${key}:cancelled`);
  return {
    reduced,
    refunded,
    /** What is left to release. */
    remaining: cancelled ? 0 : Math.max(0, held - reduced),
    /** The eligible amount the released award stands for: later refunds are proportioned to it. */
    basis: cancelled ? 0 : Math.max(0, orderEligible - refunded),
  };
}
