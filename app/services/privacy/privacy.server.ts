import type { Database } from "../../db.server";
import type { Clock } from "../../lib/clock";
import { normaliseEmail } from "../mirror/records";

/** A customer named in a compliance webhook: by GID, and by email as a fallback. */
export interface CustomerSubject {
  customerGid: string | null;
  email: string | null;
  orderGids: string[];
}

function customerWhere(shopId: string, subject: CustomerSubject) {
  const email = normaliseEmail(subject.email);
  return {
    shopId,
    OR: [
      ...(subject.customerGid ? [{ gid: subject.customerGid }] : []),
      ...(email ? [{ email }] : []),
    ],
  };
}

function memberWhere(shopId: string, subject: CustomerSubject, customerGids: string[]) {
  const email = normaliseEmail(subject.email);
  return {
    shopId,
    OR: [...(customerGids.length ? [{ customerGid: { in: customerGids } }] : []), ...(email ? [{ email }] : [])],
  };
}

function ordersWhere(shopId: string, subject: CustomerSubject, customerGids: string[]) {
  const email = normaliseEmail(subject.email);
  return {
    shopId,
    OR: [
      ...(customerGids.length ? [{ customerGid: { in: customerGids } }] : []),
      ...(email ? [{ email }] : []),
      ...(subject.orderGids.length ? [{ gid: { in: subject.orderGids } }] : []),
    ],
  };
}

/**
 * customers/data_request: everything Roost holds on the customer, stored as an export the
 * merchant can list and hand over. Later features add their records to `collectors`.
 */
export async function exportCustomerData(
  db: Database,
  shopId: string,
  subject: CustomerSubject & { requestId: string | null },
  clock: Clock,
): Promise<{ id: string; export: Record<string, unknown> }> {
  const customers = subject.customerGid || subject.email ? await db.customer.findMany({ where: customerWhere(shopId, subject) }) : [];
  const gids = [...new Set([subject.customerGid, ...customers.map((customer) => customer.gid)].filter((gid): gid is string => !!gid))];
  const orders = await db.order.findMany({ where: ordersWhere(shopId, subject, gids), include: { lines: true }, orderBy: { processedAt: "asc" } });
  const refunds = orders.length
    ? await db.refund.findMany({ where: { shopId, orderGid: { in: orders.map((order) => order.gid) } } })
    : [];
  const members = await db.member.findMany({ where: memberWhere(shopId, subject, gids) });
  const memberIds = members.map((member) => member.id);
  const [ledger, timeline] = memberIds.length
    ? await Promise.all([
        db.ledgerEntry.findMany({ where: { shopId, memberId: { in: memberIds } }, orderBy: [{ memberId: "asc" }, { seq: "asc" }] }),
        db.journeyEvent.findMany({ where: { shopId, memberId: { in: memberIds } }, orderBy: { occurredAt: "asc" } }),
      ])
    : [[], []];
  const document = {
    generatedAt: clock.now().toISOString(),
    request: { id: subject.requestId, customerGid: subject.customerGid, email: normaliseEmail(subject.email) },
    customers: customers.map(({ id: _id, shopId: _shop, tags, ...customer }) => ({ ...customer, tags: JSON.parse(tags) })),
    orders: orders.map(({ id: _id, shopId: _shop, lines, ...order }) => ({
      ...order,
      lines: lines.map(({ id: _line, orderId: _order, shopId: _s, ...line }) => line),
    })),
    refunds: refunds.map(({ id: _id, shopId: _shop, lines, ...refund }) => ({ ...refund, lines: JSON.parse(lines) })),
    members: members.map(({ shopId: _shop, ...member }) => member),
    ledger: ledger.map(({ shopId: _shop, ...entry }) => entry),
    timeline: timeline.map(({ shopId: _shop, data, ...event }) => ({ ...event, data: JSON.parse(data) })),
  };
  const row = await db.dataRequest.create({
    data: {
      shopId,
      requestId: subject.requestId,
      customerGid: subject.customerGid,
      email: normaliseEmail(subject.email),
      export: JSON.stringify(document),
      createdAt: clock.now(),
    },
  });
  return { id: row.id, export: document };
}

/** The merchant's list of exports: who, when, how much (the documents themselves are downloaded). */
export async function listDataRequests(db: Database, shopId: string, limit = 50) {
  const rows = await db.dataRequest.findMany({ where: { shopId }, orderBy: { createdAt: "desc" }, take: limit });
  return rows.map((row) => {
    const document = JSON.parse(row.export) as { orders?: unknown[]; customers?: unknown[] };
    return {
      id: row.id,
      requestId: row.requestId,
      customerGid: row.customerGid,
      email: row.email,
      createdAt: row.createdAt.toISOString(),
      customers: document.customers?.length ?? 0,
      orders: document.orders?.length ?? 0,
    };
  });
}

export function findDataRequest(db: Database, shopId: string, id: string) {
  return db.dataRequest.findFirst({ where: { shopId, id } });
}

/**
 * customers/redact: erase the customer's personal data (email, names, the checkout tokens
 * that link storefront visits to them) and earlier exports; amounts stay so totals stay true.
 */
export async function redactCustomer(
  db: Database,
  shopId: string,
  subject: CustomerSubject,
  clock: Clock,
): Promise<{ customers: number; orders: number; members: number }> {
  const customers = subject.customerGid || subject.email ? await db.customer.findMany({ where: customerWhere(shopId, subject), select: { gid: true } }) : [];
  const gids = [...new Set([subject.customerGid, ...customers.map((customer) => customer.gid)].filter((gid): gid is string => !!gid))];
  const now = clock.now();
  const members = await db.member.findMany({ where: memberWhere(shopId, subject, gids), select: { id: true } });
  const memberIds = members.map((member) => member.id);
  const [customerRows, orderRows] = await db.$transaction([
    db.customer.updateMany({
      where: { shopId, gid: { in: gids } },
      data: { email: null, firstName: null, lastName: null, redactedAt: now },
    }),
    db.order.updateMany({ where: ordersWhere(shopId, subject, gids), data: { email: null, checkoutToken: null } }),
    db.dataRequest.deleteMany({
      where: {
        shopId,
        OR: [
          ...(gids.length ? [{ customerGid: { in: gids } }] : []),
          ...(normaliseEmail(subject.email) ? [{ email: normaliseEmail(subject.email) }] : []),
        ],
      },
    }),
    // The member stays as an anonymous id so the ledger's amounts (and totals) stay true;
    // everything that says who they are or what they did goes.
    db.member.updateMany({
      where: { id: { in: memberIds } },
      data: { email: null, firstName: null, lastName: null, customerGid: null, externalId: null, redactedAt: now },
    }),
    db.journeyEvent.deleteMany({ where: { shopId, memberId: { in: memberIds } } }),
    db.ledgerEntry.updateMany({ where: { shopId, memberId: { in: memberIds } }, data: { reason: null } }),
    db.metafieldSync.deleteMany({ where: { shopId, customerGid: { in: gids } } }),
    db.unmatchedOrder.deleteMany({ where: { shopId, email: normaliseEmail(subject.email) ?? "" } }),
  ]);
  return { customers: customerRows.count, orders: orderRows.count, members: memberIds.length };
}

/**
 * shop/redact (48 hours after uninstall): erase everything Roost holds for the shop. The
 * delivery being processed is kept, emptied, so the inbox can still record its outcome.
 */
export async function redactShop(db: Database, shopDomain: string, keepWebhookId: string): Promise<void> {
  const shop = await db.shop.findUnique({ where: { domain: shopDomain } });
  const shopId = shop?.id ?? "";
  await db.$transaction([
    db.orderLine.deleteMany({ where: { shopId } }),
    db.order.deleteMany({ where: { shopId } }),
    db.refund.deleteMany({ where: { shopId } }),
    db.customer.deleteMany({ where: { shopId } }),
    db.variant.deleteMany({ where: { shopId } }),
    db.product.deleteMany({ where: { shopId } }),
    db.inventoryLevel.deleteMany({ where: { shopId } }),
    db.backfillRun.deleteMany({ where: { shopId } }),
    db.reconcileRun.deleteMany({ where: { shopId } }),
    db.dataRequest.deleteMany({ where: { shopId } }),
    db.ledgerEntry.deleteMany({ where: { shopId } }),
    db.journeyEvent.deleteMany({ where: { shopId } }),
    db.member.deleteMany({ where: { shopId } }),
    db.metafieldSync.deleteMany({ where: { shopId } }),
    db.unmatchedOrder.deleteMany({ where: { shopId } }),
    db.auditLog.deleteMany({ where: { shopId } }),
    db.programJob.deleteMany({ where: { shopId } }),
    db.apiToken.deleteMany({ where: { shopId } }),
    db.apiIdempotency.deleteMany({ where: { shopId } }),
    db.session.deleteMany({ where: { shop: shopDomain } }),
    db.webhookDelivery.deleteMany({ where: { shopDomain, webhookId: { not: keepWebhookId } } }),
    db.webhookDelivery.updateMany({ where: { webhookId: keepWebhookId }, data: { payload: "{}" } }),
    db.shop.deleteMany({ where: { domain: shopDomain } }),
  ]);
}
