import { randomBytes, randomUUID } from "node:crypto";
import type { Database } from "../../db.server";
import type { Clock } from "../../lib/clock";
import { recordAudit } from "../audit.server";
import { isJourneyEventType, JOURNEY_EVENT_TYPES } from "../journeys/events";
import { allowPrivateEndpoints, checkEndpointUrl, type Resolver } from "./address.server";
import { EVENT_VERSION, queueEndpointDelivery } from "./output.server";

// A shop's webhook endpoints for journey events (Settings → Webhooks, `roost endpoints:*`): what
// the admin UI and the CLI call. Every change is audited with its actor.

export interface EndpointView {
  id: string;
  url: string;
  events: string[];
  personalData: boolean;
  enabled: boolean;
  createdAt: Date;
  counts: { delivered: number; pending: number; failed: number };
  lastDelivery: { status: string; responseCode: number | null; at: Date } | null;
}

export interface DeliveryView {
  id: string;
  eventId: string;
  eventType: string;
  status: "pending" | "delivered" | "failed";
  attempts: number;
  responseCode: number | null;
  latencyMs: number | null;
  error: string | null;
  createdAt: Date;
  lastAttemptAt: Date | null;
  deliveredAt: Date | null;
}

export type EndpointErrors = { url?: string; events?: string };

export interface EndpointDeps {
  db: Database;
  clock: Clock;
  /** How host names resolve for the address check (dns.lookup unless a test injects one). */
  resolve?: Resolver;
}

interface EndpointShop {
  id: string;
  domain: string;
}

/** The event type of a test event (`sendTestEvent`): not a journey event, never subscribed to. */
export const TEST_EVENT_TYPE = "test";
const MAX_URL_LENGTH = 2048;
const MAX_ENDPOINTS_PER_SHOP = 20;

type EndpointRow = { id: string; url: string; events: string; personalData: boolean; enabled: boolean; createdAt: Date };

/** The event types an endpoint row subscribes to (its JSON array). */
export function endpointEvents(row: { events: string }): string[] {
  try {
    const parsed: unknown = JSON.parse(row.events);
    return Array.isArray(parsed) ? parsed.filter((value): value is string => typeof value === "string") : [];
  } catch {
    return [];
  }
}

async function views(db: Database, shopId: string, rows: EndpointRow[]): Promise<EndpointView[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.id);
  const grouped = await db.endpointDelivery.groupBy({ by: ["endpointId", "status"], where: { shopId, endpointId: { in: ids } }, _count: { _all: true } });
  const latest = await Promise.all(
    ids.map((endpointId) =>
      db.endpointDelivery.findFirst({ where: { shopId, endpointId }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], select: { status: true, responseCode: true, lastAttemptAt: true, createdAt: true } }),
    ),
  );
  return rows.map((row, index) => {
    const counts = { delivered: 0, pending: 0, failed: 0 };
    for (const group of grouped) {
      if (group.endpointId === row.id && group.status in counts) counts[group.status as keyof typeof counts] = group._count._all;
    }
    const last = latest[index];
    return {
      id: row.id,
      url: row.url,
      events: endpointEvents(row),
      personalData: row.personalData,
      enabled: row.enabled,
      createdAt: row.createdAt,
      counts,
      lastDelivery: last ? { status: last.status, responseCode: last.responseCode, at: last.lastAttemptAt ?? last.createdAt } : null,
    };
  });
}

const ENDPOINT_SELECT = { id: true, url: true, events: true, personalData: true, enabled: true, createdAt: true } as const;

/**
 * Adds an endpoint: the URL checked (https, a public address, unless
 * ROOST_ENDPOINTS_ALLOW_PRIVATE=true) and the event types known. Returns its signing secret,
 * which is never shown again.
 */
export async function addEndpoint(
  deps: EndpointDeps,
  shop: EndpointShop,
  input: { url: string; events: readonly string[]; personalData?: boolean },
  actor: string,
  env: Record<string, string | undefined> = process.env,
): Promise<{ ok: true; endpoint: EndpointView; secret: string } | { ok: false; errors: EndpointErrors }> {
  const errors: EndpointErrors = {};
  const url = input.url.trim();
  if (url === "") errors.url = "Enter the endpoint's URL";
  else if (url.length > MAX_URL_LENGTH) errors.url = `The URL is longer than ${MAX_URL_LENGTH} characters`;
  else {
    const check = await checkEndpointUrl(url, { allowPrivate: allowPrivateEndpoints(env), resolve: deps.resolve });
    if (!check.ok) errors.url = check.error;
  }
  const events = [...new Set(input.events.map((event) => event.trim()).filter((event) => event !== ""))];
  const unknown = events.filter((event) => !isJourneyEventType(event));
  if (events.length === 0) errors.events = "Choose at least one event";
  else if (unknown.length > 0) errors.events = `Unknown event ${unknown.join(", ")}; known: ${JOURNEY_EVENT_TYPES.join(", ")}`;
  if (!errors.url && (await deps.db.endpoint.count({ where: { shopId: shop.id } })) >= MAX_ENDPOINTS_PER_SHOP) {
    errors.url = `A shop has at most ${MAX_ENDPOINTS_PER_SHOP} endpoints; remove one first`;
  }
  if (errors.url || errors.events) return { ok: false, errors };

  const secret = `whsec_${randomBytes(32).toString("hex")}`;
  const now = deps.clock.now();
  const ordered = JOURNEY_EVENT_TYPES.filter((type) => events.includes(type));
  const row = await deps.db.$transaction(async (tx) => {
    const created = await tx.endpoint.create({
      data: { shopId: shop.id, url, secret, events: JSON.stringify(ordered), personalData: input.personalData === true, createdAt: now },
      select: ENDPOINT_SELECT,
    });
    await recordAudit(tx, { shopId: shop.id, actor, action: "endpoint.added", details: { endpointId: created.id, url, events: ordered, personalData: created.personalData }, at: now });
    return created;
  });
  const [endpoint] = await views(deps.db, shop.id, [row]);
  return { ok: true, endpoint, secret };
}

/** The shop's endpoints, oldest first (never their secrets). */
export async function listEndpoints(db: Database, shopId: string): Promise<EndpointView[]> {
  const rows = await db.endpoint.findMany({ where: { shopId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }], select: ENDPOINT_SELECT });
  return views(db, shopId, rows);
}

export async function getEndpoint(db: Database, shopId: string, endpointId: string): Promise<EndpointView | null> {
  const row = await db.endpoint.findFirst({ where: { id: endpointId, shopId }, select: ENDPOINT_SELECT });
  return row ? (await views(db, shopId, [row]))[0] : null;
}

/** Removes an endpoint with its delivery log; deliveries still queued find no row and are dropped. */
export async function removeEndpoint(deps: EndpointDeps, shop: EndpointShop, endpointId: string, actor: string): Promise<boolean> {
  const now = deps.clock.now();
  return deps.db.$transaction(async (tx) => {
    const row = await tx.endpoint.findFirst({ where: { id: endpointId, shopId: shop.id }, select: { id: true, url: true } });
    if (!row) return false;
    await tx.endpointDelivery.deleteMany({ where: { shopId: shop.id, endpointId } });
    await tx.endpoint.delete({ where: { id: endpointId } });
    await recordAudit(tx, { shopId: shop.id, actor, action: "endpoint.removed", details: { endpointId, url: row.url }, at: now });
    return true;
  });
}

/** Pauses or resumes an endpoint: a paused one is sent nothing new (deliveries queued before fail). */
export async function setEndpointEnabled(deps: EndpointDeps, shop: EndpointShop, endpointId: string, enabled: boolean, actor: string): Promise<boolean> {
  const now = deps.clock.now();
  return deps.db.$transaction(async (tx) => {
    const updated = await tx.endpoint.updateMany({ where: { id: endpointId, shopId: shop.id }, data: { enabled } });
    if (updated.count === 0) return false;
    await recordAudit(tx, { shopId: shop.id, actor, action: enabled ? "endpoint.enabled" : "endpoint.disabled", details: { endpointId }, at: now });
    return true;
  });
}

/** An endpoint's delivery log, newest first. */
export async function endpointDeliveries(db: Database, shopId: string, endpointId: string, options: { limit?: number } = {}): Promise<DeliveryView[]> {
  const rows = await db.endpointDelivery.findMany({
    where: { shopId, endpointId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: Math.min(Math.max(options.limit ?? 50, 1), 500),
    select: { id: true, eventId: true, eventType: true, status: true, attempts: true, responseCode: true, latencyMs: true, error: true, createdAt: true, lastAttemptAt: true, deliveredAt: true },
  });
  return rows.map((row) => ({ ...row, status: row.status as DeliveryView["status"] }));
}

/**
 * Sends a logged delivery again: the same event id and body (the receiver's dedupe by
 * Roost-Event-Id sees a repeat), pending again with a new 24 h of retries.
 */
export async function replayDelivery(deps: EndpointDeps, shop: EndpointShop, deliveryId: string, actor: string): Promise<boolean> {
  const now = deps.clock.now();
  return deps.db.$transaction(async (tx) => {
    const row = await tx.endpointDelivery.findFirst({ where: { id: deliveryId, shopId: shop.id }, select: { id: true, endpointId: true, eventId: true } });
    if (!row) return false;
    await tx.endpointDelivery.update({ where: { id: row.id }, data: { status: "pending", deliveredAt: null } });
    await queueEndpointDelivery(tx, { id: row.id, shopId: shop.id }, now);
    await recordAudit(tx, { shopId: shop.id, actor, action: "endpoint.delivery_replayed", details: { endpointId: row.endpointId, deliveryId: row.id, eventId: row.eventId }, at: now });
    return true;
  });
}

/** Queues a `test` event to one endpoint (whatever its subscriptions), logged like any delivery. */
export async function sendTestEvent(deps: EndpointDeps, shop: EndpointShop, endpointId: string, actor: string): Promise<{ ok: true; deliveryId: string } | { ok: false; error: string }> {
  const now = deps.clock.now();
  const endpoint = await deps.db.endpoint.findFirst({ where: { id: endpointId, shopId: shop.id }, select: { id: true } });
  if (!endpoint) return { ok: false, error: "No such endpoint" };
  const eventId = `test_${randomUUID()}`;
  const body = JSON.stringify({
    id: eventId,
    type: TEST_EVENT_TYPE,
    version: EVENT_VERSION,
    shop: shop.domain,
    occurred_at: now.toISOString(),
    customer: { id: null },
    data: { message: "A test event from Roost: your endpoint is reachable and can verify the signature." },
  });
  const deliveryId = await deps.db.$transaction(async (tx) => {
    const created = await tx.endpointDelivery.create({ data: { shopId: shop.id, endpointId, eventId, eventType: TEST_EVENT_TYPE, body, createdAt: now }, select: { id: true } });
    await queueEndpointDelivery(tx, { id: created.id, shopId: shop.id }, now);
    await recordAudit(tx, { shopId: shop.id, actor, action: "endpoint.test_sent", details: { endpointId, deliveryId: created.id, eventId }, at: now });
    return created.id;
  });
  return { ok: true, deliveryId };
}
