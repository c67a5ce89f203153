import type { JourneyEventType } from "../journeys/events";

// Roost's Shopify Flow triggers: one `flow_trigger` extension each (extensions/roost-flow-*), named
// by the journey event that starts it. The keys below are the extensions' field keys, which are
// also the keys of the payload flowTriggerReceive sends (docs/flow.md).

/**
 * The Flow field types Roost's triggers use (Flow's allowed set is wider: see the extension test).
 * Numbers are `number_decimal`: the CLI refuses `number_integer` on a trigger at deploy.
 */
export type FlowFieldType = "customer_reference" | "number_decimal" | "single_line_text_field";

export interface FlowField {
  key: string;
  type: Exclude<FlowFieldType, "customer_reference">;
}

export interface FlowTriggerSpec {
  handle: string;
  event: FlowEventType;
  /** Typed fields after the customer reference, in the toml's order. */
  fields: readonly FlowField[];
}

export const FLOW_EVENT_TYPES = ["points_earned", "tier_changed", "cohort_entered", "cohort_exited", "cart_abandoned", "first_purchase", "reward_redeemed", "points_expiring"] as const satisfies readonly JourneyEventType[];

export type FlowEventType = (typeof FLOW_EVENT_TYPES)[number];

const int = (key: string): FlowField => ({ key, type: "number_decimal" });
const text = (key: string): FlowField => ({ key, type: "single_line_text_field" });

export const FLOW_TRIGGERS: Record<FlowEventType, FlowTriggerSpec> = {
  points_earned: { handle: "roost-points-earned", event: "points_earned", fields: [int("Points earned"), int("Points balance"), text("Order name")] },
  tier_changed: { handle: "roost-tier-changed", event: "tier_changed", fields: [text("Previous tier"), text("New tier")] },
  cohort_entered: { handle: "roost-cohort-entered", event: "cohort_entered", fields: [text("Cohort key"), text("Cohort tag")] },
  cohort_exited: { handle: "roost-cohort-exited", event: "cohort_exited", fields: [text("Cohort key"), text("Cohort tag")] },
  cart_abandoned: { handle: "roost-cart-abandoned", event: "cart_abandoned", fields: [text("Product title"), text("Variant title"), int("Stock then")] },
  first_purchase: { handle: "roost-first-purchase", event: "first_purchase", fields: [text("Order name")] },
  reward_redeemed: { handle: "roost-reward-redeemed", event: "reward_redeemed", fields: [text("Reward"), int("Points spent"), text("Discount code")] },
  points_expiring: { handle: "roost-points-expiring", event: "points_expiring", fields: [int("Points expiring"), text("Expires on")] },
};

const BY_HANDLE = new Map(Object.values(FLOW_TRIGGERS).map((spec) => [spec.handle, spec]));

export function flowTriggerFor(eventType: string): FlowTriggerSpec | undefined {
  return (FLOW_TRIGGERS as Record<string, FlowTriggerSpec | undefined>)[eventType];
}

export function flowTriggerByHandle(handle: string): FlowTriggerSpec | undefined {
  return BY_HANDLE.get(handle);
}

/** A trigger by the lifecycle callback's `flow_trigger_definition_id`: for CLI-made triggers, the handle. */
export const flowTriggerNamed = flowTriggerByHandle;

/** Flow refuses a trigger payload over 50 KB (flowTriggerReceive's userErrors). */
export const FLOW_PAYLOAD_LIMIT_BYTES = 50_000;

/** What the mirror adds to an event: the order's name and the variant's titles (the event keeps GIDs). */
export interface FlowLookups {
  orderName?: string | null;
  productTitle?: string | null;
  variantTitle?: string | null;
}

type Data = Record<string, unknown>;
const str = (data: Data, key: string): string | null => (typeof data[key] === "string" ? (data[key] as string) : null);
/** The order GID an event names (points_earned, first_purchase), for its name in the mirror. */
export const eventOrderGid = (data: Data): string | null => str(data, "order");
/** The variant GID a cart_abandoned event names. */
export const eventVariantGid = (data: Data): string | null => str(data, "variant");
const num = (data: Data, key: string): number | null => (typeof data[key] === "number" ? (data[key] as number) : null);

/**
 * The payload of flowTriggerReceive for an event: `customer_id` (the customer reference, the
 * numeric id of the GID) and the trigger's fields from what the timeline stored. A field with no
 * value is left out rather than sent as null (Flow treats a missing optional field as empty).
 */
export function flowPayload(spec: FlowTriggerSpec, customerGid: string, data: Data, mirror: FlowLookups = {}): Record<string, unknown> {
  const values = ((): Record<string, string | number | null> => {
    switch (spec.event) {
      case "points_earned":
        return { "Points earned": num(data, "points"), "Points balance": num(data, "balance"), "Order name": mirror.orderName ?? null };
      case "tier_changed":
        return { "Previous tier": str(data, "from"), "New tier": str(data, "to") };
      case "cohort_entered":
      case "cohort_exited":
        return { "Cohort key": str(data, "cohort"), "Cohort tag": str(data, "tag") };
      case "cart_abandoned":
        return { "Product title": mirror.productTitle ?? null, "Variant title": mirror.variantTitle ?? null, "Stock then": num(data, "stock") };
      case "first_purchase":
        return { "Order name": mirror.orderName ?? null };
      case "reward_redeemed":
        return { Reward: str(data, "description"), "Points spent": num(data, "points"), "Discount code": str(data, "code") };
      case "points_expiring":
        return { "Points expiring": num(data, "points"), "Expires on": str(data, "expiresOn") };
    }
  })();
  const payload: Record<string, unknown> = { customer_id: numericId(customerGid) };
  for (const field of spec.fields) if (values[field.key] !== null && values[field.key] !== undefined) payload[field.key] = values[field.key];
  return payload;
}

/** `gid://shopify/Customer/123` → 123 (Flow's customer reference is the numeric id). */
export function numericId(gid: string): number | null {
  const match = /\/(\d+)$/.exec(gid);
  return match ? Number(match[1]) : null;
}
