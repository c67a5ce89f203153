// The journey events Roost records on a member's timeline and sends out (docs/events.md).

export const JOURNEY_EVENT_TYPES = [
  "first_purchase",
  "repeat_purchase",
  "order_fulfilled",
  "points_earned",
  "points_held",
  "points_released",
  "points_clawed_back",
  "tier_changed",
  "cohort_entered",
  "cohort_exited",
  "cart_abandoned",
  "reward_redeemed",
  "points_expiring",
] as const;

export type JourneyEventType = (typeof JOURNEY_EVENT_TYPES)[number];

/** Merchant-facing names: the member timeline and the endpoint form's checkboxes. */
export const JOURNEY_EVENT_LABELS: Record<JourneyEventType, string> = {
  first_purchase: "First purchase",
  repeat_purchase: "Repeat purchase",
  order_fulfilled: "Order fulfilled",
  points_earned: "Points earned",
  points_held: "Points held",
  points_released: "Points released",
  points_clawed_back: "Points clawed back",
  tier_changed: "Tier changed",
  cohort_entered: "Entered cohort",
  cohort_exited: "Left cohort",
  cart_abandoned: "Cart abandoned",
  reward_redeemed: "Reward redeemed",
  points_expiring: "Points expiring",
};

/** A journey event's stored `data` (a JSON object); {} for anything else, never a throw. */
export function parseEventData(data: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(data);
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function isJourneyEventType(value: string): value is JourneyEventType {
  return (JOURNEY_EVENT_TYPES as readonly string[]).includes(value);
}
