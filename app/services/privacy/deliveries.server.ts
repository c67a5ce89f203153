import type { Database } from "../../db.server";
import type { Clock } from "../../lib/clock";
import { PERSONAL_KEYS } from "../../lib/personal-data";
import { MAX_PAYLOAD_DEPTH } from "../inbox/inbox.server";
import { normaliseEmail } from "../identity/email";

/**
 * customers/redact reaches the webhook inbox too: the raw bodies Roost stored hold the
 * customer's email, names, phone and addresses (DESIGN, flow rule 7). A delivery about the
 * customer that is done with (processed, failed, dead…) loses its payload; one still to be
 * applied (pending, parked) keeps its ids and amounts but loses every personal field, so
 * applying it after the redact writes nothing personal back.
 */

/** Who a redact names, resolved against what Roost stores (see privacy.server.ts). */
export interface DeliverySubject {
  /** The customers it names (GIDs). */
  customerGids: string[];
  /** Normalised emails. */
  emails: string[];
  /** Their orders (GIDs) that Roost has mirrored. */
  orderGids: string[];
  /**
   * Orders the request lists that Roost has not mirrored (yet): one is theirs once a delivery of
   * it shows it is (their customer id, or no customer and their email); a refund of it is theirs.
   */
  listedOrderGids: string[];
  /** The redact carried no customer id: the email is the identity. */
  byEmail: boolean;
}

/** Statuses whose delivery may still be applied: scrubbed, not dropped. */
const APPLICABLE = ["pending", "parked"];

/**
 * The payload without its personal fields: the PERSONAL_KEYS go, and so does any other string
 * that contains one of `emails`. Ids, amounts, dates, line items and statuses stay, so the
 * scrubbed payload still validates and applies. A subtree deeper than MAX_PAYLOAD_DEPTH is
 * dropped rather than walked.
 */
export function scrubPersonalData(payload: unknown, emails: readonly string[] = []): unknown {
  const leaks = (value: string) => {
    const lower = value.toLowerCase();
    return emails.some((email) => lower.includes(email));
  };
  const walk = (value: unknown, depth: number): unknown => {
    if (depth > MAX_PAYLOAD_DEPTH) return null;
    if (Array.isArray(value)) return value.filter((item) => typeof item !== "string" || !leaks(item)).map((item) => walk(item, depth + 1));
    if (value && typeof value === "object") {
      const kept: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        if (PERSONAL_KEYS.has(key) || (typeof item === "string" && leaks(item))) continue;
        kept[key] = walk(item, depth + 1);
      }
      return kept;
    }
    return value;
  };
  return walk(payload, 0);
}

/** The customers, orders and emails a delivery is about, read from its topic's shape. */
export interface DeliveryRefs {
  customers: Set<string>;
  orders: Set<string>;
  emails: Set<string>;
  /** The payload is an order (orders/*), not something that refers to one (a refund). */
  isOrder: boolean;
}

const record = (value: unknown): Record<string, unknown> | null =>
  value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null;

function toGid(kind: "Customer" | "Order", value: unknown): string | null {
  if (typeof value === "number" && Number.isSafeInteger(value)) return `gid://shopify/${kind}/${value}`;
  if (typeof value !== "string") return null;
  if (/^\d+$/.test(value)) return `gid://shopify/${kind}/${value}`;
  return value.startsWith(`gid://shopify/${kind}/`) ? value : null;
}

export function deliveryRefs(topic: string, payload: unknown): DeliveryRefs {
  const refs: DeliveryRefs = { customers: new Set(), orders: new Set(), emails: new Set(), isOrder: false };
  const body = record(payload);
  if (!body) return refs;
  const customer = (value: unknown) => {
    const gid = toGid("Customer", value);
    if (gid) refs.customers.add(gid);
  };
  const order = (value: unknown) => {
    const gid = toGid("Order", value);
    if (gid) refs.orders.add(gid);
  };
  const email = (value: unknown) => {
    const normalised = typeof value === "string" ? normaliseEmail(value) : null;
    if (normalised) refs.emails.add(normalised);
  };

  const nested = record(body.customer);
  if (nested) {
    customer(nested.admin_graphql_api_id ?? nested.id);
    email(nested.email);
  }
  customer(body.customer_id);
  order(body.order_id);
  email(body.email);
  email(body.contact_email);

  if (topic.startsWith("customers/") || topic.startsWith("customer.")) {
    // The customer topics' payload is the customer (or names it in camelCase).
    if (!nested && topic !== "customers/data_request" && topic !== "customers/redact") customer(body.admin_graphql_api_id ?? body.id);
    customer(body.customerId);
    customer(body.admin_graphql_api_customer_kept_id);
    customer(body.admin_graphql_api_customer_deleted_id);
  } else if (topic === "orders/edited") {
    order(record(body.order_edit)?.order_id);
  } else if (topic.startsWith("orders/")) {
    order(body.admin_graphql_api_id ?? body.id);
    refs.isOrder = true;
  }
  return refs;
}

interface Resolution {
  subject: DeliverySubject;
  gids: Set<string>;
  emails: Set<string>;
  orders: Set<string>;
  listed: Set<string>;
}

/**
 * Whether a delivery is about the subject. Named by id: a delivery naming another customer is
 * not theirs, whatever email it carries; one about their orders is. Named by email only: any
 * delivery carrying it too.
 */
function deliveryConcerns(refs: DeliveryRefs, resolution: Resolution): boolean {
  const some = (values: Set<string>, within: Set<string>) => [...values].some((value) => within.has(value));
  if (some(refs.customers, resolution.gids)) return true;
  const emailMatch = some(refs.emails, resolution.emails);
  if (resolution.subject.byEmail && emailMatch) return true;
  if (refs.customers.size > 0) return false;
  if (some(refs.orders, resolution.orders)) return true;
  if (!some(refs.orders, resolution.listed)) return false;
  // A listed order Roost has not mirrored: the order itself must show it is theirs.
  return refs.isOrder ? emailMatch : true;
}

/** `%value%` for LIKE … ESCAPE '\', matching the value literally. */
const containing = (value: string) => `%${value.toLowerCase().replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
const numericPart = (gid: string) => /\/(\d+)$/.exec(gid)?.[1] ?? null;

/** Patterns per statement: one static statement SQLite and PostgreSQL both run. */
const SLOTS = 8;

interface Candidate {
  id: string;
  webhookId: string;
  topic: string;
  status: string;
  payload: string | null;
}

/**
 * The shop's stored deliveries whose raw body mentions any of the patterns: a cheap superset
 * (an id is also a substring of longer numbers), confirmed afterwards by parsing.
 */
async function candidates(db: Database, shopDomain: string, patterns: string[]): Promise<Candidate[]> {
  const found: Candidate[] = [];
  for (let start = 0; start < patterns.length; start += SLOTS) {
    const [p1, p2, p3, p4, p5, p6, p7, p8] = Array.from({ length: SLOTS }, (_, slot) => patterns[start + slot] ?? null);
    const rows = await db.$queryRaw<Candidate[]>`
      SELECT "id", "webhookId", "topic", "status", "payload" FROM "WebhookDelivery"
      WHERE "shopDomain" = ${shopDomain} AND "payload" IS NOT NULL
        AND (LOWER("payload") LIKE ${p1} ESCAPE '\\' OR LOWER("payload") LIKE ${p2} ESCAPE '\\'
          OR LOWER("payload") LIKE ${p3} ESCAPE '\\' OR LOWER("payload") LIKE ${p4} ESCAPE '\\'
          OR LOWER("payload") LIKE ${p5} ESCAPE '\\' OR LOWER("payload") LIKE ${p6} ESCAPE '\\'
          OR LOWER("payload") LIKE ${p7} ESCAPE '\\' OR LOWER("payload") LIKE ${p8} ESCAPE '\\')`;
    found.push(...rows);
  }
  return found;
}

/** A body that is not JSON scrubs to null: the worker then fails it as unprocessable. */
function parseOrNull(payload: string | null): unknown {
  try {
    return JSON.parse(payload ?? "null");
  } catch {
    return null;
  }
}

export interface DeliveryRedaction {
  /** Payloads removed (deliveries done with). */
  dropped: number;
  /** Payloads stripped of personal fields (deliveries still to be applied). */
  scrubbed: number;
}

/**
 * Drops or scrubs every stored delivery of the shop that is about the subject. The delivery
 * `lastWebhookId` (the redact being processed) is done last, so a failure half-way leaves it
 * able to run again in full.
 */
export async function redactDeliveries(
  db: Database,
  shopDomain: string,
  subject: DeliverySubject,
  clock: Clock,
  options: { lastWebhookId?: string } = {},
): Promise<DeliveryRedaction> {
  const resolution: Resolution = {
    subject,
    gids: new Set(subject.customerGids),
    emails: new Set(subject.emails),
    orders: new Set(subject.orderGids),
    listed: new Set(subject.listedOrderGids),
  };
  const seen = new Map<string, { candidate: Candidate; refs: DeliveryRefs | null }>();
  const searched = new Set<string>();
  const concerned = new Set<string>();
  // A refund names only its order: orders found to be theirs in one round are searched for in the next.
  for (;;) {
    const patterns = [
      ...subject.customerGids.map(numericPart),
      ...subject.emails,
      ...[...resolution.orders, ...resolution.listed].map(numericPart),
    ]
      .filter((value): value is string => !!value)
      .map(containing)
      .filter((pattern) => !searched.has(pattern));
    if (patterns.length === 0) break;
    patterns.forEach((pattern) => searched.add(pattern));
    for (const candidate of await candidates(db, shopDomain, patterns)) {
      if (seen.has(candidate.id)) continue;
      let refs: DeliveryRefs | null = null;
      try {
        refs = deliveryRefs(candidate.topic, JSON.parse(candidate.payload ?? "null"));
      } catch {
        // Not JSON (kept as failed, never applicable): nothing can be confirmed about it, so it
        // goes if it carries one of their emails at all.
        const raw = (candidate.payload ?? "").toLowerCase();
        if (subject.emails.some((email) => raw.includes(email))) concerned.add(candidate.id);
      }
      seen.set(candidate.id, { candidate, refs });
    }
    const before = resolution.orders.size;
    for (const [id, { refs }] of seen) {
      if (concerned.has(id) || !refs || !deliveryConcerns(refs, resolution)) continue;
      concerned.add(id);
      refs.orders.forEach((order) => resolution.orders.add(order));
    }
    if (resolution.orders.size === before) break;
  }

  const now = clock.now();
  const result: DeliveryRedaction = { dropped: 0, scrubbed: 0 };
  const ordered = [...concerned]
    .map((id) => seen.get(id)!.candidate)
    .sort((a, b) => Number(a.webhookId === options.lastWebhookId) - Number(b.webhookId === options.lastWebhookId));
  for (const delivery of ordered) {
    if (!APPLICABLE.includes(delivery.status)) {
      const { count } = await db.webhookDelivery.updateMany({
        where: { id: delivery.id, status: { notIn: APPLICABLE } },
        data: { payload: null, payloadDroppedAt: now },
      });
      if (count === 1) {
        result.dropped += 1;
        continue;
      }
      // Queued again (a replay) since it was read: scrub it instead.
    }
    const scrubbed = JSON.stringify(scrubPersonalData(parseOrNull(delivery.payload), subject.emails));
    const { count } = await db.webhookDelivery.updateMany({ where: { id: delivery.id, payload: { not: null } }, data: { payload: scrubbed } });
    result.scrubbed += count;
  }
  return result;
}
