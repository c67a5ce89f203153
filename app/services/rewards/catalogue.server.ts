import type { Database } from "../../db.server";
import { currencyExponent, formatMinorUnits, toMinorUnits } from "../../lib/money";
import { recordAudit } from "../audit.server";

// A shop's rewards catalogue (DESIGN, "Rewards"; docs/rewards.md): what members spend points on.
// One schema checks the admin form, the CLI and anything else that writes a reward.

export const REWARD_TYPES = ["fixed_amount", "percentage", "free_shipping", "store_credit"] as const;
export type RewardType = (typeof REWARD_TYPES)[number];

export const REWARD_TYPE_LABELS: Record<RewardType, string> = {
  fixed_amount: "Amount off",
  percentage: "Percentage off",
  free_shipping: "Free shipping",
  store_credit: "Store credit",
};

/** The most points one reward may cost, and the most a shop's catalogue may hold. */
export const MAX_REWARD_COST = 10_000_000;
export const MAX_REWARDS_PER_SHOP = 50;

export type Reward = Awaited<ReturnType<Database["reward"]["findUniqueOrThrow"]>>;

/**
 * What a merchant types, as text (a form sends strings): the type, the name shoppers see, the
 * points cost, the value (an amount in the shop's currency, or a whole percent) and an optional
 * minimum subtotal. Amounts become minor units of the shop's currency.
 */
export interface RewardInput {
  type: string;
  name?: string;
  pointsCost: string;
  value?: string;
  minimumSubtotal?: string;
  enabled?: boolean;
}

export type RewardErrors = Partial<Record<"type" | "name" | "pointsCost" | "value" | "minimumSubtotal" | "form", string>>;

export interface RewardValues {
  type: RewardType;
  name: string;
  pointsCost: number;
  value: number | null;
  minimumSubtotal: number | null;
  enabled: boolean;
}

const WHOLE = /^\d+$/;

/** The reward a form describes, in the shop's currency, or why not (field errors). */
export function parseReward(input: RewardInput, currency: string): { ok: true; value: RewardValues } | { ok: false; errors: RewardErrors } {
  const errors: RewardErrors = {};
  const exponent = currencyExponent(currency);
  const type = (REWARD_TYPES as readonly string[]).includes(input.type) ? (input.type as RewardType) : null;
  if (!type) errors.type = `Choose a type: ${REWARD_TYPES.join(", ")}`;

  const cost = (input.pointsCost ?? "").trim();
  let pointsCost = 0;
  if (!WHOLE.test(cost) || Number(cost) < 1) errors.pointsCost = "Enter the points it costs, a whole number such as 500";
  else if (Number(cost) > MAX_REWARD_COST) errors.pointsCost = `A reward costs at most ${MAX_REWARD_COST.toLocaleString("en-US")} points`;
  else pointsCost = Number(cost);

  let value: number | null = null;
  const rawValue = (input.value ?? "").trim();
  if (type === "percentage") {
    if (!WHOLE.test(rawValue) || Number(rawValue) < 1 || Number(rawValue) > 100) errors.value = "Enter a whole percentage from 1 to 100";
    else value = Number(rawValue);
  } else if (type === "fixed_amount" || type === "store_credit") {
    const amount = money(rawValue, exponent);
    if (amount === null || amount <= 0) errors.value = `Enter an amount in ${currency} greater than 0, such as ${formatMinorUnits(5 * 10 ** exponent, exponent)}`;
    else value = amount;
  } else if (type === "free_shipping" && rawValue) {
    errors.value = "Free shipping has no value";
  }

  let minimumSubtotal: number | null = null;
  const rawMinimum = (input.minimumSubtotal ?? "").trim();
  if (rawMinimum) {
    const amount = money(rawMinimum, exponent);
    if (type === "store_credit") errors.minimumSubtotal = "Store credit has no minimum order";
    else if (amount === null || amount <= 0) errors.minimumSubtotal = `Enter an amount in ${currency} greater than 0, or leave it empty`;
    else minimumSubtotal = amount;
  }

  const name = (input.name ?? "").trim() || (type ? describeReward({ type, value, minimumSubtotal: null }, currency) : "");
  if (name.length > 100) errors.name = "Keep the name under 100 characters";
  if (Object.keys(errors).length > 0 || !type) return { ok: false, errors };
  return { ok: true, value: { type, name, pointsCost, value, minimumSubtotal, enabled: input.enabled ?? true } };
}

function money(text: string, exponent: number): number | null {
  if (!/^\d+(\.\d+)?$/.test(text)) return null;
  try {
    return toMinorUnits(text, exponent);
  } catch {
    return null;
  }
}

/** What a reward gives, in words: "$5.00 off", "10% off", "Free shipping", "$5.00 store credit" (and the minimum). */
export function describeReward(reward: { type: string; value: number | null; minimumSubtotal: number | null }, currency: string): string {
  const amount = (minor: number) => formatMoney(minor, currency);
  const minimum = reward.minimumSubtotal ? ` on orders of ${amount(reward.minimumSubtotal)} or more` : "";
  switch (reward.type) {
    case "fixed_amount":
      return `${amount(reward.value ?? 0)} off${minimum}`;
    case "percentage":
      return `${reward.value ?? 0}% off${minimum}`;
    case "free_shipping":
      return `Free shipping${minimum}`;
    case "store_credit":
      return `${amount(reward.value ?? 0)} store credit`;
    default:
      return reward.type;
  }
}

/** Minor units in the shop's currency, as shoppers read it ("$5.00", "€5,00" stays "€5.00" in English). */
export function formatMoney(minor: number, currency: string): string {
  const exponent = currencyExponent(currency);
  return new Intl.NumberFormat("en-US", { style: "currency", currency, minimumFractionDigits: exponent, maximumFractionDigits: exponent }).format(minor / 10 ** exponent);
}

/** The shop's rewards, enabled first, cheapest first. */
export async function listRewards(db: Database, shopId: string, options: { enabledOnly?: boolean } = {}): Promise<Reward[]> {
  return db.reward.findMany({
    where: { shopId, ...(options.enabledOnly ? { enabled: true } : {}) },
    orderBy: [{ enabled: "desc" }, { pointsCost: "asc" }, { createdAt: "asc" }],
  });
}

export async function findReward(db: Database, shopId: string, rewardId: string): Promise<Reward | null> {
  return db.reward.findFirst({ where: { shopId, id: rewardId } });
}

/** Adds a reward to the catalogue (audited). */
export async function createReward(db: Database, shop: { id: string; currency: string }, values: RewardValues, actor: string): Promise<Reward> {
  return db.$transaction(async (tx) => {
    const count = await tx.reward.count({ where: { shopId: shop.id } });
    if (count >= MAX_REWARDS_PER_SHOP) throw new RangeError(`a catalogue holds at most ${MAX_REWARDS_PER_SHOP} rewards`);
    const reward = await tx.reward.create({ data: { shopId: shop.id, ...values } });
    await recordAudit(tx, { shopId: shop.id, actor, action: "reward.created", details: auditDetails(reward) });
    return reward;
  });
}

/** Changes a reward (audited). Codes already issued keep the terms they were issued with. */
export async function updateReward(db: Database, shop: { id: string }, rewardId: string, values: Partial<RewardValues>, actor: string): Promise<Reward | null> {
  return db.$transaction(async (tx) => {
    const existing = await tx.reward.findFirst({ where: { shopId: shop.id, id: rewardId } });
    if (!existing) return null;
    const reward = await tx.reward.update({ where: { id: existing.id }, data: values });
    await recordAudit(tx, { shopId: shop.id, actor, action: values.enabled === false && Object.keys(values).length === 1 ? "reward.disabled" : "reward.updated", details: auditDetails(reward) });
    return reward;
  });
}

const auditDetails = (reward: Reward) => ({
  rewardId: reward.id,
  type: reward.type,
  name: reward.name,
  pointsCost: reward.pointsCost,
  value: reward.value,
  minimumSubtotal: reward.minimumSubtotal,
  enabled: reward.enabled,
});

/** A reward as the CLI and the API print it: amounts as decimal strings of the shop's currency. */
export function rewardJson(reward: Reward, currency: string) {
  const exponent = currencyExponent(currency);
  return {
    id: reward.id,
    type: reward.type,
    name: reward.name,
    points_cost: reward.pointsCost,
    value: reward.type === "percentage" ? reward.value : reward.value === null ? null : formatMinorUnits(reward.value, exponent),
    minimum_subtotal: reward.minimumSubtotal === null ? null : formatMinorUnits(reward.minimumSubtotal, exponent),
    currency,
    enabled: reward.enabled,
    description: describeReward(reward, currency),
    created_at: reward.createdAt.toISOString(),
  };
}

