import { Badge, InlineStack } from "@shopify/polaris";
import { isJourneyEventType, JOURNEY_EVENT_LABELS, JOURNEY_EVENT_TYPES } from "../services/journeys/events";
import { formatWhen } from "../services/members/format";

// What the Webhooks list and an endpoint's page both show: its event types, a delivery's status.

/** A journey event type as the merchant reads it ("points_earned" → "Points earned"). */
export function eventLabel(type: string): string {
  return isJourneyEventType(type) ? JOURNEY_EVENT_LABELS[type] : type;
}

/** The event types an endpoint subscribes to, as badges; "All events" when it has every one. */
export function EndpointEvents({ events }: { events: string[] }) {
  if (JOURNEY_EVENT_TYPES.every((type) => events.includes(type))) return <Badge>All events</Badge>;
  return (
    <InlineStack gap="100" wrap>
      {events.map((type) => (
        <Badge key={type}>{eventLabel(type)}</Badge>
      ))}
    </InlineStack>
  );
}

const STATUSES: Record<string, { label: string; tone: "success" | "attention" | "critical" }> = {
  delivered: { label: "Delivered", tone: "success" },
  pending: { label: "Pending", tone: "attention" },
  failed: { label: "Failed", tone: "critical" },
};

export function DeliveryStatus({ status }: { status: string }) {
  const known = STATUSES[status];
  return <Badge tone={known?.tone}>{known?.label ?? status}</Badge>;
}

/** "Delivered (200), Dec 5, 2026, 4:10 PM", or "None yet". */
export function lastDeliveryText(last: { status: string; responseCode: number | null; at: Date } | null, timezone: string): string {
  if (!last) return "None yet";
  const code = last.responseCode === null ? "" : ` (${last.responseCode})`;
  return `${STATUSES[last.status]?.label ?? last.status}${code}, ${formatWhen(last.at.toISOString(), timezone)}`;
}
