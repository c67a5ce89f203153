// What Roost's /account/* endpoints answer (app/routes/account.*.ts, docs/shopper.md).

export type LedgerKind = "earn" | "capped" | "held" | "released" | "clawback" | "adjustment" | "redemption" | "returned" | "bonus" | "expiry";

export interface Program {
  enabled: boolean;
  /** Points per unit of currency, a decimal string ("1", "1.5"). */
  earnRate: string;
  currency: string;
  currencyExponent: number;
}

export interface LedgerLine {
  id: string;
  kind: LedgerKind;
  /** Signed: what the line added to or took from the balance. */
  points: number;
  createdAt: string;
  orderName: string | null;
  rewardName: string | null;
  bonus: "signup" | "birthday" | null;
}

export interface Member {
  balance: number;
  tier: string;
  tierPoints: number;
  nextTier: { name: string; pointsNeeded: number } | null;
  ledger: LedgerLine[];
}

export type RewardType = "fixed_amount" | "percentage" | "free_shipping" | "store_credit";

export interface Reward {
  id: string;
  name: string;
  type: RewardType;
  /** Minor units for amounts, a whole percent for percentages, null for free shipping. */
  value: number | null;
  /** Minor units. */
  minimumSubtotal: number | null;
  pointsCost: number;
  affordable: boolean;
  pointsNeeded: number;
}

export type RedemptionStatus = "pending" | "issued" | "failed";

export interface Redemption {
  id: string;
  rewardName: string;
  status: RedemptionStatus;
  /** Only once Shopify has made it. */
  code?: string | null;
  points: number;
  createdAt?: string;
}

export interface Loyalty {
  program: Program;
  member: Member | null;
  rewards: Reward[];
  redemptions: Redemption[];
}
