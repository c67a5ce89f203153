import type { ApiErrorCode, RedeemState } from "./api";
import type { LedgerLine, Member, Program, Redemption, Reward } from "./types";

// What the shopper reads, decided without the `shopify` global: each function answers a Message
// (a locale key, the count that picks its plural form, and typed parameters); `text` formats the
// parameters (points, money in the shop's currency, percentages, dates) and translates it with
// whichever i18n it is given (shopify.i18n in the extension, the locale files in tests).

export type Param = string | { points: number } | { money: number } | { percent: number } | { date: string } | { message: Message };

export interface Message {
  key: string;
  /** Picks the plural form ("one", "other", …) of the key's translation. */
  count?: number;
  params?: Record<string, Param>;
}

/** The part of shopify.i18n this extension uses. */
export interface I18nLike {
  translate(key: string, options?: Record<string, string | number>): string;
  formatNumber(value: number, options?: { inExtensionLocale?: boolean } & Intl.NumberFormatOptions): string;
  formatCurrency(value: number, options?: { inExtensionLocale?: boolean } & Intl.NumberFormatOptions): string;
  formatDate(date: Date, options?: { inExtensionLocale?: boolean } & Intl.DateTimeFormatOptions): string;
}

/** Points in any sentence: a count of points, never signed (the sentence says which way). */
const points = (count: number): Param => ({ points: Math.abs(count) });

const message = (key: string, count?: number, params?: Record<string, Param>): Message => ({ key, ...(count === undefined ? {} : { count: Math.abs(count) }), ...(params ? { params } : {}) });

/** A ledger line as a sentence: "Earned 57 points on order #1001", "Sign-up bonus: 100 points", … */
export function ledgerMessage(line: LedgerLine): Message {
  const order = line.orderName;
  const withOrder = (key: string) => (order ? message(`ledger.${key}.order`, line.points, { points: points(line.points), order }) : message(`ledger.${key}.plain`, line.points, { points: points(line.points) }));
  switch (line.kind) {
    case "earn":
      return withOrder("earn");
    case "capped":
      // The daily cap granted part of the award, or nothing.
      return withOrder(line.points === 0 ? "cappedNone" : "capped");
    case "held":
      return withOrder("held");
    case "released":
      return withOrder("released");
    case "clawback":
      return withOrder("clawback");
    case "redemption":
      return line.rewardName ? message("ledger.redemption.reward", line.points, { points: points(line.points), reward: line.rewardName }) : message("ledger.redemption.plain", line.points, { points: points(line.points) });
    case "returned":
      return line.rewardName ? message("ledger.returned.reward", line.points, { points: points(line.points), reward: line.rewardName }) : message("ledger.returned.plain", line.points, { points: points(line.points) });
    case "bonus":
      return message(`ledger.bonus.${line.bonus ?? "other"}`, line.points, { points: points(line.points) });
    case "expiry":
      return message("ledger.expiry", line.points, { points: points(line.points) });
    case "adjustment":
    default:
      // A merchant's adjustment, and any kind this version does not know yet: which way the balance moved.
      return message(line.points < 0 ? "ledger.adjustment.removed" : "ledger.adjustment.added", line.points, { points: points(line.points) });
  }
}

/** When a ledger line or a redemption happened, as a date in the shopper's language. */
export const dateMessage = (iso: string): Message => message("date", undefined, { date: { date: iso } });

export const balanceMessage = (balance: number): Message => message("balance", balance, { points: points(balance) });

export const tierMessage = (member: Member): Message => message("tier", undefined, { tier: member.tier });

/** "120 points to Silver"; the top tier and a threshold already met say so. */
export function progressMessage(member: Member): Message {
  const next = member.nextTier;
  if (!next) return message("progress.top", undefined, { tier: member.tier });
  if (next.pointsNeeded <= 0) return message("progress.reached", undefined, { tier: next.name });
  return message("progress.toNext", next.pointsNeeded, { points: points(next.pointsNeeded), tier: next.name });
}

/** The progress bar towards the next tier, or none at the top. */
export function progress(member: Member): { value: number; max: number } | null {
  const next = member.nextTier;
  if (!next) return null;
  const value = Math.max(0, member.tierPoints);
  const max = value + Math.max(0, next.pointsNeeded);
  return max > 0 ? { value, max } : { value: 1, max: 1 };
}

/** What a reward gives: "$5 off", "10% off on orders of $50 or more", "Free shipping", "$10 in store credit". */
export function rewardMessage(reward: Reward): Message {
  const value = reward.value ?? 0;
  const gives =
    reward.type === "fixed_amount"
      ? message("reward.fixedAmount", undefined, { amount: { money: value } })
      : reward.type === "percentage"
        ? message("reward.percentage", undefined, { percent: { percent: value } })
        : reward.type === "store_credit"
          ? message("reward.storeCredit", undefined, { amount: { money: value } })
          : message("reward.freeShipping");
  return reward.minimumSubtotal ? message("reward.withMinimum", undefined, { reward: { message: gives }, minimum: { money: reward.minimumSubtotal } }) : gives;
}

export const rewardCostMessage = (reward: Reward): Message => message("reward.cost", reward.pointsCost, { points: points(reward.pointsCost) });

/** Null when the shopper can afford it; otherwise "30 more points needed". */
export const rewardNeededMessage = (reward: Reward): Message | null => (reward.affordable ? null : message("reward.needed", reward.pointsNeeded, { points: points(reward.pointsNeeded) }));

/** Affordable rewards first (cheapest first), then the others by how close they are. */
export function sortedRewards(rewards: Reward[]): Reward[] {
  return [...rewards].sort((a, b) => Number(b.affordable) - Number(a.affordable) || a.pointsNeeded - b.pointsNeeded || a.pointsCost - b.pointsCost || a.name.localeCompare(b.name));
}

/** The block's short list: up to `limit` affordable rewards, or else the one closest to reach. */
export function blockRewards(rewards: Reward[], limit = 3): Reward[] {
  const sorted = sortedRewards(rewards);
  const affordable = sorted.filter((reward) => reward.affordable);
  return affordable.length ? affordable.slice(0, limit) : sorted.slice(0, 1);
}

/** For a signed-in customer who is not a member yet: how the program earns. */
export function joinMessage(program: Program): Message {
  const rate = Number(program.earnRate);
  const earn = Number.isFinite(rate) ? rate : 0;
  return message("join", earn, { rate: { points: earn }, unit: { money: 10 ** program.currencyExponent } });
}

export const errorMessage = (code: ApiErrorCode): Message => message(`errors.${code}`);

/** A redemption's state after a click, in words (the code itself is shown beside it). */
export function redeemStateMessage(state: RedeemState, rewardName: string): Message | null {
  switch (state.status) {
    case "redeeming":
      return null;
    case "waiting":
      return message("redeem.waiting", undefined, { reward: rewardName });
    case "issued":
      return state.redemption.code ? message("redeem.issued", undefined, { reward: rewardName }) : message("redeem.issuedNoCode", undefined, { reward: rewardName });
    case "failed":
      return message("redeem.failed", undefined, { reward: rewardName });
    case "pending":
      return message("redeem.pending", undefined, { reward: rewardName });
    case "error":
      return errorMessage(state.code);
  }
}

export const redemptionStatusMessage = (redemption: Redemption): Message => message(`redemptions.status.${redemption.status}`);

/** Formats every parameter and translates the message. */
export function text(i18n: I18nLike, program: Pick<Program, "currency" | "currencyExponent">, msg: Message): string {
  const options: Record<string, string | number> = {};
  for (const [name, param] of Object.entries(msg.params ?? {})) options[name] = formatParam(i18n, program, param);
  if (msg.count !== undefined) options.count = msg.count;
  return i18n.translate(msg.key, options);
}

function formatParam(i18n: I18nLike, program: Pick<Program, "currency" | "currencyExponent">, param: Param): string {
  if (typeof param === "string") return param;
  if ("points" in param) return i18n.formatNumber(param.points, { inExtensionLocale: true });
  if ("money" in param) return formatMoney(i18n, program, param.money);
  if ("percent" in param) return i18n.formatNumber(param.percent / 100, { style: "percent", maximumFractionDigits: 2, inExtensionLocale: true });
  if ("date" in param) return i18n.formatDate(new Date(param.date), { dateStyle: "medium", inExtensionLocale: true });
  return text(i18n, program, param.message);
}

/** Minor units in the shop's currency, without ".00" on whole amounts ("$5", "$4.50"). */
export function formatMoney(i18n: I18nLike, program: Pick<Program, "currency" | "currencyExponent">, minor: number): string {
  const amount = minor / 10 ** program.currencyExponent;
  const whole = Number.isInteger(amount);
  return i18n.formatCurrency(amount, { currency: program.currency, inExtensionLocale: true, ...(whole ? { minimumFractionDigits: 0, maximumFractionDigits: 0 } : {}) });
}
