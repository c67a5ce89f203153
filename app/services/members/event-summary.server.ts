import type { Database } from "../../db.server";
import { mirrorLabels } from "../cohorts/reports.server";
import { EVENT_LABELS, timelineSentence } from "./format";
import { memberName } from "./search.server";
import { parseEventData } from "../journeys/events";

/** What a delivery to a merchant's endpoint carried, as the endpoint page lists it. */
interface Delivered {
  eventId: string;
  eventType: string;
}

export const TEST_EVENT_SUMMARY = "A test event, to check that the endpoint answers and verifies the signature.";

/**
 * Each delivery's event in a sentence, for the merchant: whose it was and what happened, with
 * orders and products by name ("Ana Lima: Earned 57 points on #1001; balance 57."), never the
 * payload's GIDs. Keyed by event id (the journey event's); the events, their members and the
 * mirror's names are read in one query each, scoped to the shop.
 */
export async function deliverySummaries(db: Database, shop: { id: string; timezone: string }, deliveries: Delivered[]): Promise<Record<string, string>> {
  const eventIds = [...new Set(deliveries.map((delivery) => delivery.eventId))];
  const events = eventIds.length ? await db.journeyEvent.findMany({ where: { shopId: shop.id, id: { in: eventIds } }, select: { id: true, type: true, data: true, memberId: true } }) : [];
  const memberIds = [...new Set(events.map((event) => event.memberId))];
  const members = memberIds.length
    ? await db.member.findMany({ where: { shopId: shop.id, id: { in: memberIds } }, select: { id: true, firstName: true, lastName: true, email: true, redactedAt: true } })
    : [];
  const parsed = events.map((event) => ({ id: event.id, memberId: event.memberId, type: event.type, data: parseEventData(event.data) }));
  const text = (data: Record<string, unknown>, key: string) => (typeof data[key] === "string" ? (data[key] as string) : null);
  const labels = await mirrorLabels(
    db,
    shop.id,
    parsed.map((event) => text(event.data, "variant")),
    parsed.map((event) => text(event.data, "order")),
  );
  const byId = new Map(parsed.map((event) => [event.id, event]));
  const who = new Map(members.map((member) => [member.id, member.redactedAt ? "A redacted member" : (memberName(member) ?? member.email ?? "A member")]));
  const summaries: Record<string, string> = {};
  for (const delivery of deliveries) {
    const event = byId.get(delivery.eventId);
    if (!event) {
      if (delivery.eventType === "test") summaries[delivery.eventId] = TEST_EVENT_SUMMARY;
      continue;
    }
    const sentence =
      timelineSentence(event, { variant: (gid) => labels.variants[gid], order: (gid) => labels.orders[gid] ?? "an order", timezone: shop.timezone }) ??
      `${EVENT_LABELS[event.type] ?? event.type}.`;
    const member = who.get(event.memberId);
    summaries[delivery.eventId] = member ? `${member}: ${sentence}` : sentence;
  }
  return summaries;
}

/** The JSON body a delivery sent (or will send), for the merchant to download; null for another shop's or endpoint's. */
export async function deliveryPayload(db: Database, shopId: string, endpointId: string, deliveryId: string): Promise<{ eventId: string; body: string } | null> {
  return db.endpointDelivery.findFirst({ where: { id: deliveryId, shopId, endpointId }, select: { eventId: true, body: true } });
}
