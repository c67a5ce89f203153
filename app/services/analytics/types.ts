// What the Dashboard's analytics show (docs/analytics.md): one shop, one date range of shop-local
// days. Every figure is an integer; money is in minor units of the shop's currency.

/** Inclusive range of shop-local calendar days, YYYY-MM-DD. */
export interface AnalyticsRange {
  from: string;
  to: string;
  /** Days in the range, from and to included. */
  days: number;
  /** The preset the range came from, or "custom" for a from/to pair. */
  preset: "7d" | "30d" | "90d" | "custom";
}

/** Points moved on one shop-local day (by the entry's occurredAt), each a non-negative count. */
export interface PointsDay {
  day: string;
  /** earn, released, bonus (sign-up, birthday) and positive adjustments. */
  issued: number;
  /** redemption entries, less the points returned when a reward could not be issued. */
  redeemed: number;
  /** expiry entries. */
  expired: number;
  /** clawback entries and negative adjustments. */
  clawedBack: number;
}

export interface RepeatPurchase {
  /** Customers with at least one order. */
  customers: number;
  /** Of them, customers with two or more. */
  repeat: number;
}

export interface Analytics {
  range: AnalyticsRange;
  timezone: string;
  currency: string;
  /** Every day of the range in order, zeros included. */
  points: PointsDay[];
  totals: Omit<PointsDay, "day">;
  /**
   * Null when `points` count every ledger entry. Otherwise the shop's day roll-ups are catching up
   * (a background job): `points` count the entries recorded up to this instant (ISO), and the page
   * should say the figures are still being added up.
   */
  pointsAsOf?: string | null;
  /** Now, not over the range: the sum of members' balances and what it is worth. */
  outstanding: {
    points: number;
    /** points × minor units per point, rounded half up; null when no value per point is known. */
    value: number | null;
    /** Where the value per point came from: the merchant's setting, the best enabled reward, or none. */
    pointValue:
      | { source: "setting"; minorUnitsPerPoint: string }
      | { source: "reward"; minorUnitsPerPoint: string; rewardName: string }
      | { source: "none" };
  };
  /** Members now, per tier in the program's tier order (tiers with none included). */
  tiers: { tier: string; members: number }[];
  /** Customers with an order in the store mirror, split by whether they are Roost members. */
  repeatPurchase: { members: RepeatPurchase; nonMembers: RepeatPurchase };
  /** Each enabled cohort's size at the end of every day of the range. */
  cohorts: { key: string; name: string; sizes: { day: string; size: number }[] }[];
  /**
   * Webhook deliveries received and pixel events ingested per hour (UTC hour starts, ISO), every
   * hour of the range's last 7 days (at most 168), zeros included.
   */
  events: { hour: string; webhooks: number; pixel: number }[];
}
