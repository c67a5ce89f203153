import { parseDecimal } from "../ledger/points";
import type { Analytics } from "./types";

// What a point is worth, for the outstanding points' liability (docs/analytics.md): the merchant's
// own value per point if set, else the best enabled reward with a fixed money value, else none.
// Exact: a ratio of integers, never a float.

export type PointValue = Analytics["outstanding"]["pointValue"];

interface Ratio {
  numerator: bigint;
  denominator: bigint;
}

export interface ValuedReward {
  type: string;
  name: string;
  pointsCost: number;
  value: number | null;
  enabled: boolean;
}

/** Rewards worth a fixed amount of money: amount off and store credit (percentage and free shipping depend on the order). */
const MONEY_TYPES = new Set(["fixed_amount", "store_credit"]);

/** Digits after the point when a reward's money per point does not end (500 / 300 → "1.666667"). */
const SHOWN_DECIMALS = 6;

function decimalText(ratio: Ratio, decimals = SHOWN_DECIMALS): string {
  const scale = 10n ** BigInt(decimals);
  const scaled = (ratio.numerator * scale * 2n + ratio.denominator) / (ratio.denominator * 2n);
  const whole = scaled / scale;
  const fraction = (scaled % scale).toString().padStart(decimals, "0").replace(/0+$/, "");
  return fraction ? `${whole}.${fraction}` : `${whole}`;
}

/** The value per point and where it came from, with its exact ratio (null when none is known). */
export function pointValueOf(setting: string | null, rewards: readonly ValuedReward[]): { pointValue: PointValue; ratio: Ratio | null } {
  if (setting !== null) {
    const fixed = parseDecimal(setting);
    return { pointValue: { source: "setting", minorUnitsPerPoint: decimalText({ numerator: fixed.units, denominator: fixed.scale }, 20) }, ratio: { numerator: fixed.units, denominator: fixed.scale } };
  }
  let best: { reward: ValuedReward; ratio: Ratio } | null = null;
  for (const reward of rewards) {
    if (!reward.enabled || !MONEY_TYPES.has(reward.type) || reward.value === null || reward.value <= 0 || reward.pointsCost <= 0) continue;
    const ratio = { numerator: BigInt(reward.value), denominator: BigInt(reward.pointsCost) };
    // More money per point wins; on a tie the earlier reward stays.
    if (!best || ratio.numerator * best.ratio.denominator > best.ratio.numerator * ratio.denominator) best = { reward, ratio };
  }
  if (!best) return { pointValue: { source: "none" }, ratio: null };
  return { pointValue: { source: "reward", minorUnitsPerPoint: decimalText(best.ratio), rewardName: best.reward.name }, ratio: best.ratio };
}

/** points × ratio in minor units, rounded half up (half away from zero for a negative total). */
export function valueOfPoints(points: number, ratio: Ratio): number {
  const magnitude = BigInt(Math.abs(points));
  const rounded = (magnitude * ratio.numerator * 2n + ratio.denominator) / (ratio.denominator * 2n);
  return points < 0 ? -Number(rounded) : Number(rounded);
}
