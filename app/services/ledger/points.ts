/**
 * Roost's one points formula, in exact fixed-point arithmetic (DESIGN, "Earning" and
 * "Refunds claw back"). Rates and multipliers are decimal strings ("1", "1.25"); amounts are
 * integer minor units; nothing passes through floating point.
 */

interface Fixed {
  units: bigint;
  scale: bigint;
}

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/** "1.25" → 125 / 100. Only non-negative decimals: rates and multipliers cannot be negative. */
export function parseDecimal(value: string): Fixed {
  const match = DECIMAL.exec(value.trim());
  if (!match) throw new RangeError(`not a non-negative decimal: "${value}"`);
  const [, whole, fraction = ""] = match;
  return { units: BigInt(whole + fraction), scale: 10n ** BigInt(fraction.length) };
}

export function isDecimal(value: string): boolean {
  return DECIMAL.test(value.trim());
}

/** floor(eligible / 10^exponent × rate × multiplier). */
export function pointsFor(eligibleMinor: number, exponent: number, rate: string, multiplier: string): number {
  if (eligibleMinor <= 0) return 0;
  const r = parseDecimal(rate);
  const m = parseDecimal(multiplier);
  const numerator = BigInt(eligibleMinor) * r.units * m.units;
  const denominator = 10n ** BigInt(exponent) * r.scale * m.scale;
  const points = numerator / denominator;
  if (points > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`points out of range: ${points} is beyond ${Number.MAX_SAFE_INTEGER}`);
  return Number(points);
}

/**
 * Cumulative claw-back: after refunds totalling `refundedEligible`, the award should have lost
 * round_half_up(granted × refunded / orderEligible), never more than it granted. The entry for
 * this refund is that total minus what was already clawed back, so rounding never drifts.
 */
export function clawbackFor(args: { granted: number; orderEligible: number; refundedEligibleTotal: number; alreadyClawed: number }): number {
  const { granted, orderEligible, refundedEligibleTotal, alreadyClawed } = args;
  if (granted <= 0 || orderEligible <= 0) return 0;
  const numerator = BigInt(granted) * BigInt(Math.max(0, refundedEligibleTotal)) * 2n + BigInt(orderEligible);
  const rounded = Number(numerator / (BigInt(orderEligible) * 2n));
  const total = Math.min(granted, rounded);
  return Math.max(0, total - alreadyClawed);
}
