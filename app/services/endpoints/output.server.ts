import { randomUUID } from "node:crypto";
import { Prisma } from "@prisma/client";
import type { Db, Tx } from "../../db.server";
import { enqueueMany, type NewJob } from "../jobs/queue.server";
import type { DispatchedEvent, DispatchShop, JourneyOutput } from "../journeys/outputs";

// Journey events to the shop's webhook endpoints: the dispatcher hands each batch here in its
// transaction, and every enabled endpoint subscribed to an event's type gets a delivery row
// (the log, with the exact body sent) and a job on the `webhooks-out` queue (deliver.server.ts).

export const WEBHOOKS_OUT_QUEUE = "webhooks-out";
/** The payload's version (docs/events.md, "Versions"): fields are only ever added within one. */
export const EVENT_VERSION = 1;
const INSERT_CHUNK = 500;

/** What a `webhooks-out` job carries: the delivery, and when this round of attempts began (its 24 h run from there). */
export interface DeliveryJob {
  deliveryId: string;
  since: string;
}

/** Queues a delivery's sending (a new round of attempts), in the caller's transaction. */
export async function queueEndpointDelivery(tx: Db, delivery: { id: string; shopId: string }, now: Date): Promise<void> {
  await enqueueMany(tx, [deliveryJob(delivery, now)], now);
}

function deliveryJob(delivery: { id: string; shopId: string }, now: Date): NewJob {
  const payload: DeliveryJob = { deliveryId: delivery.id, since: now.toISOString() };
  return { queue: WEBHOOKS_OUT_QUEUE, key: delivery.id, shopId: delivery.shopId, payload, runAt: now };
}

type Data = Record<string, unknown>;

const text = (data: Data, key: string): string | null => (typeof data[key] === "string" ? (data[key] as string) : null);
const num = (data: Data, key: string): number | null => (typeof data[key] === "number" ? (data[key] as number) : null);

/** The documented `data` of each event type (docs/events.md), from what the timeline stores. */
export function eventData(type: string, data: Data): Data {
  switch (type) {
    case "first_purchase":
    case "repeat_purchase":
      return { order: text(data, "order"), order_count: num(data, "orderCount") };
    case "order_fulfilled":
      return { order: text(data, "order") };
    case "points_earned":
      // A bonus (sign-up, birthday) has no order: `bonus` says which it was.
      return { points: num(data, "points"), balance: num(data, "balance"), order: text(data, "order"), ...(text(data, "bonus") ? { bonus: text(data, "bonus") } : {}) };
    case "points_held":
      return { points: num(data, "points"), order: text(data, "order") };
    case "points_released":
      return { points: num(data, "points"), balance: num(data, "balance"), order: text(data, "order"), reduced_by: num(data, "reducedBy") ?? 0 };
    case "points_clawed_back":
      return { points: num(data, "points"), shortfall: num(data, "shortfall") ?? 0, balance: num(data, "balance"), order: text(data, "order") };
    case "tier_changed":
      return { from: text(data, "from"), to: text(data, "to"), points_last_365_days: num(data, "earned365") };
    case "cohort_entered":
    case "cohort_exited":
      return { cohort: text(data, "cohort"), tag: text(data, "tag"), cause: text(data, "cause") };
    case "cart_abandoned":
      return { cohort: text(data, "cohort"), variant: text(data, "variant"), stock: num(data, "stock"), added_at: text(data, "addedAt") };
    case "reward_redeemed":
      return { redemption: text(data, "redemption"), reward: text(data, "reward"), description: text(data, "description"), reward_type: text(data, "rewardType"), points: num(data, "points"), code: text(data, "code") };
    case "points_expiring":
      return { points: num(data, "points"), expires_on: text(data, "expiresOn"), last_order_on: text(data, "lastOrderOn") };
    default:
      return {};
  }
}

/** The JSON body of one event to one endpoint: the envelope, with the email only where the endpoint may have personal data. */
export function eventBody(shop: DispatchShop, event: DispatchedEvent, member: { customerGid: string | null; email: string | null } | undefined, personalData: boolean): string {
  const customer: Data = { id: member?.customerGid ?? null };
  if (personalData) customer.email = member?.email ?? null;
  return JSON.stringify({
    id: event.id,
    type: event.type,
    version: EVENT_VERSION,
    shop: shop.domain,
    occurred_at: event.occurredAt.toISOString(),
    customer,
    data: eventData(event.type, event.data),
  });
}

interface EndpointRow {
  id: string;
  events: string;
  personalData: boolean;
  createdAt: Date;
}

function subscribed(endpoint: EndpointRow): Set<string> {
  try {
    const parsed: unknown = JSON.parse(endpoint.events);
    return new Set(Array.isArray(parsed) ? parsed.filter((value): value is string => typeof value === "string") : []);
  } catch {
    return new Set();
  }
}

async function insertDeliveries(tx: Tx, rows: { id: string; shopId: string; endpointId: string; eventId: string; eventType: string; memberId: string; body: string }[], now: Date): Promise<void> {
  for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
    const values = rows
      .slice(start, start + INSERT_CHUNK)
      .map((row) => Prisma.sql`(${row.id}, ${row.shopId}, ${row.endpointId}, ${row.eventId}, ${row.eventType}, ${row.memberId}, ${row.body}, 'pending', 0, ${now}, ${now})`);
    // A row already there (it cannot be, the dispatcher hands each event over once) is left alone.
    await tx.$executeRaw`
      INSERT INTO "EndpointDelivery" ("id", "shopId", "endpointId", "eventId", "eventType", "memberId", "body", "status", "attempts", "createdAt", "updatedAt")
      VALUES ${Prisma.join(values)}
      ON CONFLICT ("endpointId", "eventId") DO NOTHING`;
  }
}

export const endpointOutput: JourneyOutput = {
  name: "endpoints",
  async fanOut(tx, shop, events, now) {
    const endpoints = await tx.endpoint.findMany({ where: { shopId: shop.id, enabled: true }, select: { id: true, events: true, personalData: true, createdAt: true } });
    if (endpoints.length === 0 || events.length === 0) return 0;
    const types = new Map(endpoints.map((endpoint) => [endpoint.id, subscribed(endpoint)]));
    const memberIds = [...new Set(events.map((event) => event.memberId))];
    const members = new Map(
      (await tx.member.findMany({ where: { shopId: shop.id, id: { in: memberIds } }, select: { id: true, customerGid: true, email: true } })).map((member) => [member.id, member]),
    );
    const rows: Parameters<typeof insertDeliveries>[1] = [];
    for (const event of events) {
      for (const endpoint of endpoints) {
        // An event recorded before the endpoint existed is not sent to it.
        if (!types.get(endpoint.id)?.has(event.type) || event.createdAt < endpoint.createdAt) continue;
        rows.push({
          id: randomUUID(),
          shopId: shop.id,
          endpointId: endpoint.id,
          eventId: event.id,
          eventType: event.type,
          memberId: event.memberId,
          body: eventBody(shop, event, members.get(event.memberId), endpoint.personalData),
        });
      }
    }
    if (rows.length === 0) return 0;
    await insertDeliveries(tx, rows, now);
    for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
      await enqueueMany(tx, rows.slice(start, start + INSERT_CHUNK).map((row) => deliveryJob(row, now)), now);
    }
    return rows.length;
  },
};
