import { checkpointErasure, type Database } from "../../db.server";
import { BONUSES_QUEUE } from "../ledger/bonus.server";
import { DEFINITIONS_QUEUE } from "../outbox/definitions.server";
import { PROGRAM_METAFIELD_QUEUE } from "../outbox/program-metafield.server";
import { REDEMPTIONS_QUEUE } from "../rewards/redeem.server";
import type { Clock } from "../../lib/clock";
import { shopifyOrderKey } from "../ledger/keys";
import { normaliseEmail } from "../identity/email";
import { metafieldJobKey, METAFIELDS_QUEUE } from "../outbox/metafields.server";
import { type DeliveryRedaction, type DeliverySubject, redactDeliveries } from "./deliveries.server";
import { TAGS_QUEUE } from "../cohorts/outbox";
import { tagSyncKey } from "../tags/sync.server";
import { COHORTS_QUEUE } from "../cohorts/queue.server";
import { WEBHOOKS_OUT_QUEUE } from "../endpoints/output.server";
import { FLOW_QUEUE } from "../flow/output.server";

/** A customer named in a compliance webhook: by GID, or by email when it has no id. */
export interface CustomerSubject {
  customerGid: string | null;
  email: string | null;
  /** orders_to_redact / orders_requested. */
  orderGids: string[];
}

/** Whose records a compliance request reaches, resolved against what Roost stores. */
export interface ResolvedSubject extends DeliverySubject {
  memberIds: string[];
}

const unique = (values: (string | null | undefined)[]) => [...new Set(values.filter((value): value is string => !!value))];

/**
 * Named by customer id, a request reaches that customer only: their customer row, their member,
 * their orders, and the orders it lists that have no customer and carry its email (a guest
 * checkout). Another customer who shares the email is someone else, and an order it lists that
 * belongs to someone else is not touched. Named by email only, the email is the identity.
 */
export async function resolveSubject(db: Database, shopId: string, subject: CustomerSubject): Promise<ResolvedSubject> {
  const email = normaliseEmail(subject.email);
  const byEmail = !subject.customerGid;
  const listed = unique(subject.orderGids);
  const mirrored = new Set((await db.order.findMany({ where: { shopId, gid: { in: listed } }, select: { gid: true } })).map((order) => order.gid));
  const listedOrderGids = listed.filter((gid) => !mirrored.has(gid));
  if (byEmail && !email) return { customerGids: [], emails: [], memberIds: [], orderGids: [], listedOrderGids, byEmail };
  const customers = await db.customer.findMany({
    where: subject.customerGid ? { shopId, gid: subject.customerGid } : { shopId, email },
    select: { gid: true, email: true },
  });
  const customerGids = subject.customerGid ? [subject.customerGid] : customers.map((customer) => customer.gid);
  const members = await db.member.findMany({
    where: { shopId, OR: [{ customerGid: { in: customerGids } }, ...(byEmail ? [{ email }] : [])] },
    select: { id: true, email: true },
  });
  // The email they have now and any Roost stored for them before.
  const emails = unique([email, ...customers.map((customer) => customer.email), ...members.map((member) => member.email)].map(normaliseEmail));
  const orders = await db.order.findMany({
    where: {
      shopId,
      OR: [
        { customerGid: { in: customerGids } },
        byEmail ? { email: { in: emails } } : { gid: { in: listed }, customerGid: null, email: { in: emails } },
      ],
    },
    select: { gid: true },
  });
  return {
    customerGids,
    emails,
    memberIds: members.map((member) => member.id),
    orderGids: orders.map((order) => order.gid),
    listedOrderGids,
    byEmail,
  };
}

/**
 * customers/data_request: everything Roost holds on the customer, stored as an export the
 * merchant can list and hand over.
 */
export async function exportCustomerData(
  db: Database,
  shopId: string,
  subject: CustomerSubject & { requestId: string | null },
  clock: Clock,
): Promise<{ id: string; export: Record<string, unknown> }> {
  const resolved = await resolveSubject(db, shopId, subject);
  const customers = await db.customer.findMany({ where: { shopId, gid: { in: resolved.customerGids } } });
  const orders = await db.order.findMany({ where: { shopId, gid: { in: resolved.orderGids } }, include: { lines: true }, orderBy: { processedAt: "asc" } });
  const refunds = orders.length
    ? await db.refund.findMany({ where: { shopId, orderGid: { in: orders.map((order) => order.gid) } } })
    : [];
  const members = await db.member.findMany({ where: { shopId, id: { in: resolved.memberIds } } });
  const memberIds = members.map((member) => member.id);
  const [ledger, timeline, redemptions] = memberIds.length
    ? await Promise.all([
        db.ledgerEntry.findMany({ where: { shopId, memberId: { in: memberIds } }, orderBy: [{ memberId: "asc" }, { seq: "asc" }] }),
        db.journeyEvent.findMany({ where: { shopId, memberId: { in: memberIds } }, orderBy: { occurredAt: "asc" } }),
        db.redemption.findMany({ where: { shopId, memberId: { in: memberIds } }, orderBy: { createdAt: "asc" } }),
      ])
    : [[], [], []];
  // The storefront visitors linked to them, the checkouts that linked them, and those visitors' events.
  const links = await db.visitorLink.findMany({ where: { shopId, customerGid: { in: resolved.customerGids } }, orderBy: { linkedAt: "asc" } });
  const clientIds = links.map((link) => link.clientId);
  const [checkouts, browsing] = await Promise.all([
    // Their signed checkouts, and their visitors' unsigned ones (another customer's checkout on a shared browser is theirs).
    db.checkoutToken.findMany({ where: { shopId, OR: [{ customerGid: { in: resolved.customerGids } }, { clientId: { in: clientIds }, customerGid: null }] }, orderBy: { token: "asc" } }),
    clientIds.length ? db.pixelEvent.findMany({ where: { shopId, clientId: { in: clientIds } }, orderBy: { occurredAt: "asc" } }) : [],
  ]);
  // Their cohorts now and every entry and exit, with the facts behind each.
  const cohortSubjects = { shopId, OR: [{ memberId: { in: memberIds } }, { clientId: { in: clientIds } }] };
  const [cohorts, cohortHistory, exclusions] = await Promise.all([
    db.cohortMembership.findMany({ where: cohortSubjects, orderBy: { enteredAt: "asc" } }),
    db.cohortTransition.findMany({ where: cohortSubjects, orderBy: { occurredAt: "asc" } }),
    db.cohortExclusion.findMany({ where: { shopId, memberId: { in: memberIds } }, orderBy: { createdAt: "asc" } }),
  ]);
  const ruleIds = [...cohorts, ...exclusions].map((row) => row.ruleId);
  const ruleKeys = new Map((await db.cohortRule.findMany({ where: { shopId, id: { in: ruleIds } }, select: { id: true, key: true } })).map((rule) => [rule.id, rule.key]));
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
    // The rewards they redeemed, with the codes made for them.
    redemptions: redemptions.map(({ shopId: _shop, idempotencyKey: _key, ...redemption }) => redemption),
    visitors: links.map(({ id: _id, shopId: _shop, ...link }) => link),
    checkouts: checkouts.map(({ id: _id, shopId: _shop, ...checkout }) => checkout),
    storefrontEvents: browsing.map(({ id: _id, shopId: _shop, ...event }) => event),
    cohorts: cohorts.map(({ id: _id, shopId: _shop, ruleId, ...membership }) => ({ cohort: ruleKeys.get(ruleId) ?? null, ...membership })),
    cohortExclusions: exclusions.map(({ ruleId, memberId, createdAt }) => ({ cohort: ruleKeys.get(ruleId) ?? null, memberId, createdAt })),
    cohortTransitions: cohortHistory.map(({ shopId: _shop, ruleId: _rule, evaluationId: _evaluation, ruleKey, ...transition }) => ({ cohort: ruleKey, ...transition })),
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

export interface CustomerRedaction {
  customers: number;
  orders: number;
  members: number;
  deliveries: DeliveryRedaction;
}

/**
 * customers/redact: erase the customer's personal data wherever Roost keeps it — the mirror's
 * customer and orders (email, checkout tokens), earlier exports, the member (email, names, ids),
 * the timeline, their storefront visitors (links, checkout tokens, the visitors' events), ledger and audit reasons, unmatched-order emails, the webhook inbox's stored
 * payloads — and the erased bytes on SQLite. Amounts stay, under the anonymous member, so
 * totals stay true. `webhookId` is the redact delivery itself, scrubbed last.
 */
export async function redactCustomer(
  db: Database,
  shop: { id: string; domain: string },
  subject: CustomerSubject,
  clock: Clock,
  options: { webhookId?: string } = {},
): Promise<CustomerRedaction> {
  const shopId = shop.id;
  const resolved = await resolveSubject(db, shopId, subject);
  const { customerGids: gids, emails, memberIds, orderGids, byEmail } = resolved;
  const now = clock.now();
  const audits = await auditsWithoutReasons(db, shopId, memberIds);
  const visitors = gids.length ? await db.visitorLink.findMany({ where: { shopId, customerGid: { in: gids } }, select: { clientId: true } }) : [];
  const clientIds = visitors.map((visitor) => visitor.clientId);
  const cohortSubjects = { shopId, OR: [{ memberId: { in: memberIds } }, { clientId: { in: clientIds } }] };
  const transitions = await db.cohortTransition.findMany({ where: cohortSubjects, select: { id: true } });
  // Flow triggers still to send about them carry the event's data: keyed by journey event id.
  const events = memberIds.length ? await db.journeyEvent.findMany({ where: { shopId, memberId: { in: memberIds } }, select: { id: true } }) : [];
  const [customerRows, orderRows] = await db.$transaction([
    db.customer.updateMany({
      where: { shopId, gid: { in: gids } },
      data: { email: null, firstName: null, lastName: null, redactedAt: now },
    }),
    db.order.updateMany({ where: { shopId, gid: { in: orderGids } }, data: { email: null, checkoutToken: null } }),
    db.dataRequest.deleteMany({
      where: { shopId, OR: [{ customerGid: { in: gids } }, { email: { in: emails }, ...(byEmail ? {} : { customerGid: null }) }] },
    }),
    // The member stays as an anonymous id so the ledger's amounts (and totals) stay true;
    // everything that says who they are or what they did goes.
    db.member.updateMany({
      where: { id: { in: memberIds } },
      data: { email: null, firstName: null, lastName: null, customerGid: null, externalId: null, birthday: null, redactedAt: now },
    }),
    db.journeyEvent.deleteMany({ where: { shopId, memberId: { in: memberIds } } }),
    // The journey events sent (or still to send) to the shop's endpoints about them: a queued send finds no row.
    db.endpointDelivery.deleteMany({ where: { shopId, memberId: { in: memberIds } } }),
    db.job.deleteMany({ where: { shopId, queue: FLOW_QUEUE, key: { in: events.map((event) => event.id) } } }),
    // Their storefront visitors: the links, the checkouts (either side), what those visitors did.
    db.visitorLink.deleteMany({ where: { shopId, OR: [{ customerGid: { in: gids } }, { clientId: { in: clientIds } }] } }),
    db.checkoutToken.deleteMany({ where: { shopId, OR: [{ customerGid: { in: gids } }, { clientId: { in: clientIds } }] } }),
    db.pixelEvent.deleteMany({ where: { shopId, clientId: { in: clientIds } } }),
    // Their cohorts: memberships, transitions (the facts that put them there), queued work.
    db.cohortMembership.deleteMany({ where: cohortSubjects }),
    db.cohortExclusion.deleteMany({ where: { shopId, memberId: { in: memberIds } } }),
    db.cohortTransition.deleteMany({ where: cohortSubjects }),
    // The Dashboard's cohort sizes per day counted those transitions: counted live until the job recounts.
    db.analyticsSnapshot.deleteMany({ where: { shopId } }),
    db.job.deleteMany({ where: { queue: TAGS_QUEUE, key: { in: transitions.map((transition) => transition.id) } } }),
    db.job.deleteMany({ where: { queue: COHORTS_QUEUE, key: { in: [...memberIds.map((id) => `${shopId}:m:${id}`), ...clientIds.map((id) => `${shopId}:v:${id}`)] } } }),
    // The cohort tags Roost wrote on them, and a queued sync of those tags.
    db.customerTag.deleteMany({ where: { shopId, customerGid: { in: gids } } }),
    db.job.deleteMany({ where: { queue: TAGS_QUEUE, key: { in: gids.map((gid) => tagSyncKey(shopId, gid)) } } }),
    db.ledgerEntry.updateMany({ where: { shopId, memberId: { in: memberIds } }, data: { reason: null } }),
    // Their redemptions keep the points spent (the ledger's totals); the codes made for them go.
    db.redemption.updateMany({ where: { shopId, memberId: { in: memberIds } }, data: { code: null, discountGid: null, creditGid: null } }),
    ...audits.map((audit) => db.auditLog.update({ where: { id: audit.id }, data: { details: audit.details } })),
    db.job.deleteMany({ where: { queue: METAFIELDS_QUEUE, key: { in: gids.map((gid) => metafieldJobKey(shopId, gid)) } } }),
    // Unmatched orders stay counted. A Shopify order's is theirs when the order is; another
    // channel's has only the email to go by.
    db.unmatchedOrder.updateMany({
      where: {
        shopId,
        OR: [
          { orderKey: { in: orderGids.map(shopifyOrderKey) } },
          { email: { in: emails }, ...(byEmail ? {} : { NOT: { orderKey: { startsWith: shopifyOrderKey("") } } }) },
        ],
      },
      data: { email: null },
    }),
  ]);
  const deliveries = await redactDeliveries(db, shop.domain, resolved, clock, { lastWebhookId: options.webhookId });
  await checkpointErasure(db);
  return { customers: customerRows.count, orders: orderRows.count, members: memberIds.length, deliveries };
}

/** Audit rows about the members (manual adjustments) with their free-text reason removed. */
async function auditsWithoutReasons(db: Database, shopId: string, memberIds: string[]): Promise<{ id: string; details: string }[]> {
  if (memberIds.length === 0) return [];
  const rows = await db.auditLog.findMany({ where: { shopId, OR: memberIds.map((id) => ({ details: { contains: id } })) }, select: { id: true, details: true } });
  return rows.flatMap((row) => {
    let details: Record<string, unknown>;
    try {
      details = JSON.parse(row.details) as Record<string, unknown>;
    } catch {
      return [];
    }
    if (typeof details.memberId !== "string" || !memberIds.includes(details.memberId) || details.reason == null) return [];
    return [{ id: row.id, details: JSON.stringify({ ...details, reason: null, redacted: true }) }];
  });
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
    db.ledgerDayRollup.deleteMany({ where: { shopId } }),
    db.ledgerRollupState.deleteMany({ where: { shopId } }),
    db.analyticsSnapshot.deleteMany({ where: { shopId } }),
    db.journeyEvent.deleteMany({ where: { shopId } }),
    db.member.deleteMany({ where: { shopId } }),
    db.pixelEvent.deleteMany({ where: { shopId } }),
    db.pixelEventRollup.deleteMany({ where: { shopId } }),
    db.checkoutToken.deleteMany({ where: { shopId } }),
    db.visitorLink.deleteMany({ where: { shopId } }),
    db.cohortMembership.deleteMany({ where: { shopId } }),
    db.cohortExclusion.deleteMany({ where: { shopId } }),
    db.cohortTransition.deleteMany({ where: { shopId } }),
    db.cohortRule.deleteMany({ where: { shopId } }),
    db.customerTag.deleteMany({ where: { shopId } }),
    db.ruleTagCount.deleteMany({ where: { shopId } }),
    db.endpointDelivery.deleteMany({ where: { shopId } }),
    db.endpoint.deleteMany({ where: { shopId } }),
    db.flowTrigger.deleteMany({ where: { shopId } }),
    db.redemption.deleteMany({ where: { shopId } }),
    db.reward.deleteMany({ where: { shopId } }),
    db.job.deleteMany({ where: { shopId, queue: { in: [METAFIELDS_QUEUE, TAGS_QUEUE, COHORTS_QUEUE, WEBHOOKS_OUT_QUEUE, FLOW_QUEUE, REDEMPTIONS_QUEUE, BONUSES_QUEUE, DEFINITIONS_QUEUE, PROGRAM_METAFIELD_QUEUE] } } }),
    db.unmatchedOrder.deleteMany({ where: { shopId } }),
    db.auditLog.deleteMany({ where: { shopId } }),
    db.programJob.deleteMany({ where: { shopId } }),
    db.apiToken.deleteMany({ where: { shopId } }),
    db.apiIdempotency.deleteMany({ where: { shopId } }),
    db.session.deleteMany({ where: { shop: shopDomain } }),
    db.adminThrottle.deleteMany({ where: { shopDomain } }),
    db.webhookDelivery.deleteMany({ where: { shopDomain, webhookId: { not: keepWebhookId } } }),
    db.webhookDelivery.updateMany({ where: { webhookId: keepWebhookId }, data: { payload: "{}" } }),
    db.shop.deleteMany({ where: { domain: shopDomain } }),
  ]);
  await checkpointErasure(db);
}
