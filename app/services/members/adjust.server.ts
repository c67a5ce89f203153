import { z } from "zod";
import { adjustPoints } from "../ledger/adjustment.server";
import { type LedgerDeps, type LedgerShop } from "../ledger/types";

/** The largest adjustment accepted in one go; beyond it a typo is likelier than intent. */
export const MAX_ADJUSTMENT = 1_000_000;

export const adjustmentSchema = z.object({
  points: z
    .string({ message: "Enter a whole number of points, such as 50 or -20" })
    .trim()
    .regex(/^[+-]?\d+$/, "Enter a whole number of points, such as 50 or -20")
    .transform(Number)
    .refine((points) => points !== 0, "Enter a number of points other than 0")
    .refine((points) => Math.abs(points) <= MAX_ADJUSTMENT, `Adjust by at most ${MAX_ADJUSTMENT.toLocaleString("en-US")} points at a time`),
  reason: z
    .string({ message: "Give a reason: it is kept on the ledger and in the audit log" })
    .trim()
    .min(1, "Give a reason: it is kept on the ledger and in the audit log")
    .max(500, "Keep the reason under 500 characters"),
});

export type AdjustmentErrors = Partial<Record<"points" | "reason", string>>;

export type AdjustmentResult =
  | { ok: true; points: number; balance: number }
  | { ok: false; errors: AdjustmentErrors }
  | { ok: false; notFound: true };

/** Field errors keyed by field, first message each. */
export function adjustmentErrors(error: z.ZodError): AdjustmentErrors {
  const errors: AdjustmentErrors = {};
  for (const issue of error.issues) {
    const field = issue.path[0];
    if ((field === "points" || field === "reason") && !errors[field]) errors[field] = issue.message;
  }
  return errors;
}

/**
 * A merchant's manual adjustment of a member's points (audited by the ledger). Expected
 * failures come back as field errors: a member of another shop is not found, and a deduction
 * larger than the balance says how much can be taken.
 */
export async function adjustMemberPoints(
  deps: LedgerDeps,
  shop: LedgerShop,
  input: { memberId: string; points: number; reason: string; actor: string },
): Promise<AdjustmentResult> {
  const member = await deps.db.member.findFirst({ where: { shopId: shop.id, id: input.memberId }, select: { id: true, balance: true } });
  if (!member) return { ok: false, notFound: true };
  if (member.balance + input.points < 0) return { ok: false, errors: { points: deductionError(member.balance) } };
  try {
    const entry = await adjustPoints(deps, shop, input);
    return { ok: true, points: entry.points, balance: entry.balanceAfter };
  } catch (error) {
    // The balance may have changed since it was read: the ledger checks again under its lock.
    if (error instanceof RangeError && /below zero/.test(error.message)) {
      const current = await deps.db.member.findFirst({ where: { shopId: shop.id, id: input.memberId }, select: { balance: true } });
      return { ok: false, errors: { points: deductionError(current?.balance ?? 0) } };
    }
    throw error;
  }
}

function deductionError(balance: number): string {
  return balance === 0
    ? "The balance is 0: there are no points to remove"
    : `The balance is ${balance}: you can remove at most ${balance} points (a balance never goes below zero)`;
}
