import type { Database } from "../../db.server";

export interface EventCountRow {
  /** The hour's start, ISO 8601 UTC. */
  hour: string;
  name: string;
  count: number;
}

/** Events per name per hour (the roll-ups, kept after raw events are dropped), oldest hour first. */
export async function eventCounts(db: Database, shopId: string, since: Date): Promise<{ hours: EventCountRow[]; totals: Record<string, number> }> {
  const rows = await db.pixelEventRollup.findMany({
    where: { shopId, hour: { gte: since } },
    orderBy: [{ hour: "asc" }, { name: "asc" }],
    select: { hour: true, name: true, count: true },
  });
  const hours = rows.map((row) => ({ hour: row.hour.toISOString(), name: row.name, count: Number(row.count) }));
  const totals: Record<string, number> = {};
  for (const row of hours) totals[row.name] = (totals[row.name] ?? 0) + row.count;
  return { hours, totals: Object.fromEntries(Object.entries(totals).sort(([a], [b]) => a.localeCompare(b))) };
}

export interface VisitorEvent {
  eventId: string;
  name: string;
  occurredAt: string;
  receivedAt: string;
  pagePath: string | null;
  productGid: string | null;
  variantGid: string | null;
  quantity: number | null;
  /** Minor units of `currency`. */
  price: number | null;
  currency: string | null;
  stockAtIngest: number | null;
  lowStockAtIngest: boolean | null;
  cartToken: string | null;
  checkoutToken: string | null;
  orderGid: string | null;
}

export interface VisitorReport {
  clientId: string;
  /** Stored events (raw events older than the retention are gone). */
  eventCount: number;
  firstSeenAt: string | null;
  lastSeenAt: string | null;
  /** The customer this visitor was linked to through a signed checkout, if any. */
  link: { customerGid: string; checkoutToken: string; linkedAt: string; memberId: string | null; email: string | null } | null;
  /** The newest `limit` events, oldest first. */
  events: VisitorEvent[];
}

/** A visitor (the pixel's clientId): its events and its link to a customer. Null when Roost knows nothing of it. */
export async function visitorReport(db: Database, shopId: string, clientId: string, limit = 100): Promise<VisitorReport | null> {
  const [link, eventCount, first, latest] = await Promise.all([
    db.visitorLink.findUnique({ where: { shopId_clientId: { shopId, clientId } } }),
    db.pixelEvent.count({ where: { shopId, clientId } }),
    db.pixelEvent.findFirst({ where: { shopId, clientId }, orderBy: { occurredAt: "asc" }, select: { occurredAt: true } }),
    db.pixelEvent.findMany({ where: { shopId, clientId }, orderBy: [{ occurredAt: "desc" }, { eventId: "desc" }], take: limit }),
  ]);
  if (!link && eventCount === 0) return null;
  const member = link ? await db.member.findFirst({ where: { shopId, customerGid: link.customerGid }, select: { id: true, email: true } }) : null;
  const events = latest.reverse().map((event) => ({
    eventId: event.eventId,
    name: event.name,
    occurredAt: event.occurredAt.toISOString(),
    receivedAt: event.receivedAt.toISOString(),
    pagePath: event.pagePath,
    productGid: event.productGid,
    variantGid: event.variantGid,
    quantity: event.quantity,
    price: event.price === null ? null : Number(event.price),
    currency: event.currency,
    stockAtIngest: event.stockAtIngest,
    lowStockAtIngest: event.lowStockAtIngest,
    cartToken: event.cartToken,
    checkoutToken: event.checkoutToken,
    orderGid: event.orderGid,
  }));
  return {
    clientId,
    eventCount,
    firstSeenAt: first?.occurredAt.toISOString() ?? null,
    lastSeenAt: events.at(-1)?.occurredAt ?? null,
    link: link
      ? { customerGid: link.customerGid, checkoutToken: link.checkoutToken, linkedAt: link.linkedAt.toISOString(), memberId: member?.id ?? null, email: member?.email ?? null }
      : null,
    events,
  };
}
