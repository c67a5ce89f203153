import { existsSync, readFileSync } from "node:fs";
import { Writable } from "node:stream";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { runCli } from "../../app/cli/roost.server";
import db, { databaseUrl } from "../../app/db.server";
import type { Clock } from "../../app/lib/clock";
import { LOG_REDACT_PATHS } from "../../app/lib/logger.server";
import { action as memberAction } from "../../app/routes/app.members.$id";
import {
  claimDelivery,
  completeDelivery,
  failDelivery,
  inboxRetentionDays,
  pruneInbox,
  recordDelivery,
} from "../../app/services/inbox/inbox.server";
import { inboxWorker } from "../../app/runtime.server";
import { verifyLedger } from "../../app/services/ledger/verify.server";
import { apiShop, type ApiShop, orderBody as apiOrderBody, postOrder } from "../api/helpers";
import { customerPayload, orderPayload, productPayload, refundPayload } from "../fixtures/rest-payloads";
import { isPostgres } from "../support/database";
import { deliver } from "../support/deliver";
import { adminRequest, installTestShop, uniqueShop } from "../support/shopify";

// customers/redact must leave no personal data anywhere Roost stores it (DESIGN, flow rule 7,
// "Lifecycle and privacy"): the whole SQLite file (and its WAL) is scanned for the customer's
// strings, or on PostgreSQL every text column of every table. Every string is unique to its
// test, so other tests' rows in the same worker database never match.

let ids = 0;
const uniqueId = () => 7_000_000_000 + Math.floor(Math.random() * 1_000_000) * 1000 + (ids += 1);

interface Person {
  customerId: number;
  email: string;
  firstName: string;
  lastName: string;
  phone: string;
  street: string;
  /** In every personal string: found anywhere, something leaked. */
  tag: string;
}

function person(overrides: Partial<Person> = {}): Person {
  const tag = crypto.randomUUID().replaceAll("-", "").slice(0, 12);
  const digits = String(Math.floor(Math.random() * 10_000_000)).padStart(7, "0");
  return {
    customerId: uniqueId(),
    email: `Quenby.${tag}@Redact-Test.example`,
    firstName: `Quenby${tag}`,
    lastName: `Marchetti${tag}`,
    phone: `+1613${digits}`,
    street: `${tag} Larkspur Crescent`,
    tag,
    ...overrides,
  };
}

const needles = (who: Person) => [who.email, who.firstName, who.lastName, who.phone, who.street, who.tag];

function address(who: Person) {
  return {
    first_name: who.firstName,
    last_name: who.lastName,
    name: `${who.firstName} ${who.lastName}`,
    company: null,
    address1: who.street,
    address2: "Unit 4",
    city: "Ottawa",
    province: "Ontario",
    province_code: "ON",
    country: "Canada",
    country_code: "CA",
    zip: "K1P 1J1",
    phone: who.phone,
    latitude: 45.42,
    longitude: -75.69,
  };
}

function customerBody(who: Person, overrides: { updatedAt?: string } = {}) {
  return {
    ...customerPayload({ id: who.customerId, email: who.email, firstName: who.firstName, lastName: who.lastName, ...overrides }),
    phone: who.phone,
    note: `Prefers to be called ${who.firstName}`,
    addresses: [{ id: 1, customer_id: who.customerId, ...address(who), default: true }],
    default_address: { id: 1, customer_id: who.customerId, ...address(who), default: true },
    email_marketing_consent: { state: "subscribed", opt_in_level: "single_opt_in", consent_updated_at: null },
    sms_marketing_consent: { state: "subscribed", opt_in_level: "single_opt_in", consent_updated_at: null, consent_collected_from: "OTHER" },
  };
}

/** A Shopify order of `who` (or a guest checkout with their email), with their addresses. */
function orderBody(who: Person, spec: { id: number; guest?: boolean; price?: string; updatedAt?: string; fulfillmentStatus?: string }) {
  const base = orderPayload({
    id: spec.id,
    email: who.email,
    customerId: spec.guest ? null : who.customerId,
    lines: [{ id: spec.id * 10 + 1, price: spec.price ?? "80.00", quantity: 1 }],
    ...(spec.updatedAt ? { updatedAt: spec.updatedAt } : {}),
    ...(spec.fulfillmentStatus ? { fulfillmentStatus: spec.fulfillmentStatus } : {}),
  });
  return {
    ...base,
    customer: base.customer && { ...base.customer, first_name: who.firstName, last_name: who.lastName, phone: who.phone, default_address: address(who) },
    phone: who.phone,
    billing_address: address(who),
    shipping_address: address(who),
    note: `Gift wrap, card signed ${who.firstName}`,
    note_attributes: [{ name: "recipient", value: `${who.firstName} ${who.lastName}` }],
    browser_ip: "203.0.113.7",
    client_details: { browser_ip: "203.0.113.7", user_agent: "Mozilla/5.0" },
  };
}

function refundBody(who: Person, spec: { id: number; orderId: number; subtotal: string }) {
  return {
    ...refundPayload({ id: spec.id, orderId: spec.orderId, lines: [{ lineItemId: spec.orderId * 10 + 1, quantity: 1, subtotal: spec.subtotal, tax: "0.00" }] }),
    note: `Returned by ${who.firstName} ${who.lastName}`,
  };
}

/** Stores a delivery the way the webhook route does, without processing it (it stays pending). */
async function storePending(shop: string, topic: string, payload: unknown): Promise<string> {
  const webhookId = crypto.randomUUID();
  const result = await recordDelivery(db, { shopDomain: shop, topic, webhookId, apiVersion: "2026-10", payload: JSON.stringify(payload) }, { now: () => new Date() });
  expect(result.outcome).toBe("accepted");
  return webhookId;
}

const likeLiteral = (value: string) => `%${value.toLowerCase().replace(/[\\%_]/g, (character) => `\\${character}`)}%`;

/** Every text column of every table, with a quoted name for SQL. */
async function textColumns(): Promise<{ table: string; column: string }[]> {
  if (isPostgres(databaseUrl())) {
    const rows = await db.$queryRawUnsafe<{ table_name: string; column_name: string }[]>(
      `SELECT table_name, column_name FROM information_schema.columns
       WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')`,
    );
    return rows.map((row) => ({ table: row.table_name, column: row.column_name }));
  }
  const tables = await db.$queryRawUnsafe<{ name: string }[]>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`);
  const columns: { table: string; column: string }[] = [];
  for (const { name } of tables) {
    const info = await db.$queryRawUnsafe<{ name: string; type: string }[]>(`SELECT name, type FROM pragma_table_info('${name}')`);
    for (const column of info) if (/TEXT|CHAR|JSON|^$/i.test(column.type)) columns.push({ table: name, column: column.name });
  }
  return columns;
}

/** Where each needle is stored, column by column (case-insensitive). */
async function locate(values: string[]): Promise<string[]> {
  const found: string[] = [];
  const postgres = isPostgres(databaseUrl());
  for (const { table, column } of await textColumns()) {
    // One statement per column: for each value, whether any row holds it.
    const text = postgres ? `LOWER("${column}"::text)` : `LOWER("${column}")`;
    const tests = values.map((_, index) => `MAX(CASE WHEN ${text} LIKE ${postgres ? `$${index + 1}` : "?"} ESCAPE '\\' THEN 1 ELSE 0 END) AS "m${index}"`);
    const [row] = await db.$queryRawUnsafe<Record<string, number | bigint | null>[]>(`SELECT ${tests.join(", ")} FROM "${table}"`, ...values.map(likeLiteral));
    values.forEach((value, index) => {
      if (Number(row[`m${index}`] ?? 0) > 0) found.push(`${value} in ${table}.${column}`);
    });
  }
  return found;
}

/**
 * The needles Roost still stores. SQLite: the bytes of the whole database file and its WAL after
 * a checkpoint (free pages and dropped cells included), UTF-8, case-insensitive. PostgreSQL:
 * every text, varchar and json column of every table.
 */
async function storedAnywhere(values: string[]): Promise<{ found: string[]; where: string[] }> {
  if (isPostgres(databaseUrl())) {
    const where = await locate(values);
    return { found: values.filter((value) => where.some((place) => place.startsWith(`${value} in `))), where };
  }
  await db.$queryRawUnsafe("PRAGMA wal_checkpoint(TRUNCATE)");
  const file = databaseUrl().replace(/^file:/, "");
  const bytes = [file, `${file}-wal`].filter((path) => existsSync(path)).map((path) => readFileSync(path));
  const haystack = Buffer.concat(bytes).toString("latin1").toLowerCase();
  const found = values.filter((value) => haystack.includes(Buffer.from(value.toLowerCase(), "utf8").toString("latin1")));
  return { found, where: found.length ? await locate(found) : [] };
}

async function memberOf(shopId: string, customerId: number) {
  return db.member.findFirstOrThrow({ where: { shopId, customerGid: `gid://shopify/Customer/${customerId}` } });
}

async function payloadOf(webhookId: string) {
  return db.webhookDelivery.findUniqueOrThrow({ where: { webhookId }, select: { status: true, payload: true, payloadDroppedAt: true } });
}

async function ledgerTotals(shopId: string) {
  const [members, entries] = await Promise.all([
    db.member.aggregate({ where: { shopId }, _sum: { balance: true }, _count: { _all: true } }),
    db.ledgerEntry.aggregate({ where: { shopId }, _sum: { points: true, withheld: true }, _count: { _all: true } }),
  ]);
  return { balances: members._sum.balance, members: members._count._all, points: entries._sum.points, withheld: entries._sum.withheld, entries: entries._count._all };
}

describe("customers/redact leaves the customer behind nowhere", () => {
  it("erases their email, names, phone and address from every table, the inbox's payloads and the database file, and keeps the ledger's totals", async () => {
    const shop: ApiShop = await apiShop();
    const ana = person();
    const order = { guest: uniqueId(), paid: uniqueId(), neverArrives: uniqueId(), later: uniqueId() };
    const webhook = async (topic: string, payload: unknown) => {
      const webhookId = crypto.randomUUID();
      const result = await deliver({ topic, shop: shop.domain, payload, webhookId });
      return { ...result, webhookId };
    };

    // Before Roost knows them: an order from another channel and a guest checkout, both unmatched.
    const early = await postOrder(shop, apiOrderBody({ buyer: { email: ana.email } }));
    expect(early.json.order.status).toBe("unmatched");
    const guest = await webhook("orders/paid", orderBody(ana, { id: order.guest, guest: true, price: "30.00" }));
    expect(guest.status).toBe("processed");

    const created = await webhook("customers/create", customerBody(ana));
    const paid = await webhook("orders/paid", orderBody(ana, { id: order.paid }));
    const updated = await webhook("orders/updated", orderBody(ana, { id: order.paid, updatedAt: "2026-11-20T11:00:00-05:00" }));
    const refund = await webhook("refunds/create", refundBody(ana, { id: uniqueId(), orderId: order.paid, subtotal: "20.00" }));
    // A refund whose order never arrives stays parked in the mirror.
    const parkedRefund = await webhook("refunds/create", refundBody(ana, { id: uniqueId(), orderId: order.neverArrives, subtotal: "5.00" }));
    const dataRequest = await webhook("customers/data_request", {
      shop_id: 1,
      shop_domain: shop.domain,
      customer: { id: ana.customerId, email: ana.email, phone: ana.phone },
      orders_requested: [order.paid],
      data_request: { id: uniqueId() },
    });
    // Unprocessable (no line items), kept as failed with their details.
    const { line_items: _lines, ...broken } = orderBody(ana, { id: uniqueId() });
    const failed = await webhook("orders/paid", broken);
    const product = await webhook("products/create", productPayload({ id: uniqueId(), variants: [{ id: uniqueId(), price: "10.00", inventoryItemId: uniqueId() }] }));
    for (const delivery of [guest, created, paid, updated, refund, parkedRefund, dataRequest, product]) expect(delivery.status).toBe("processed");
    expect(failed.status).toBe("failed");

    // Now matched by email: an order from another channel, and a manual adjustment naming them.
    const member = await memberOf(shop.id, ana.customerId);
    const matched = await postOrder(shop, apiOrderBody({ buyer: { email: ana.email } }));
    expect(matched.json.order).toMatchObject({ status: "awarded", memberId: member.id });
    const adjusted = await memberAction({
      request: await adminRequest(`/app/members/${member.id}`, shop.domain, { method: "POST", body: new URLSearchParams({ points: "15", reason: `Late parcel, sorry ${ana.firstName} ${ana.lastName}` }) }),
      params: { id: member.id },
      context: {},
    });
    expect(adjusted).toMatchObject({ ok: true });

    // Still to be applied when the redact arrives: updates and a new order of theirs, and a
    // delivery parked for later.
    const pendingUpdate = await storePending(shop.domain, "orders/updated", orderBody(ana, { id: order.paid, updatedAt: "2026-11-22T09:00:00-05:00", fulfillmentStatus: "fulfilled" }));
    const pendingOrder = await storePending(shop.domain, "orders/create", orderBody(ana, { id: order.later, price: "12.00" }));
    const pendingCustomer = await storePending(shop.domain, "customers/update", customerBody(ana, { updatedAt: "2026-11-25T09:00:00-05:00" }));
    const parked = crypto.randomUUID();
    await db.webhookDelivery.create({
      data: { shopDomain: shop.domain, topic: "customers/update", webhookId: parked, apiVersion: "2026-10", payload: JSON.stringify(customerBody(ana)), status: "parked" },
    });

    // The scan sees what is there before the redact (so its silence afterwards means something).
    const seen = await storedAnywhere(needles(ana));
    expect(seen.found.sort()).toEqual(needles(ana).sort());
    expect(seen.where).not.toEqual([]);
    const totals = await ledgerTotals(shop.id);
    const balance = (await db.member.findUniqueOrThrow({ where: { id: member.id } })).balance;
    const rows = await db.webhookDelivery.count({ where: { shopDomain: shop.domain } });

    const redact = await webhook("customers/redact", {
      shop_id: 1,
      shop_domain: shop.domain,
      customer: { id: ana.customerId, email: ana.email, phone: ana.phone },
      orders_to_redact: [order.guest, order.paid, order.neverArrives],
    });
    expect(redact.status).toBe("processed");

    // Done with: payload dropped, row and outcome kept. Still to apply: scrubbed, then applied.
    for (const delivery of [guest, created, paid, updated, refund, parkedRefund, dataRequest, failed]) {
      expect(await payloadOf(delivery.webhookId)).toMatchObject({ payload: null, payloadDroppedAt: expect.any(Date) });
    }
    expect(await payloadOf(failed.webhookId)).toMatchObject({ status: "failed" });
    for (const webhookId of [pendingUpdate, pendingOrder, pendingCustomer, parked, redact.webhookId]) {
      const { payload, payloadDroppedAt } = await payloadOf(webhookId);
      expect(payloadDroppedAt).toBeNull();
      expect(JSON.parse(payload!)).toBeTruthy();
      for (const value of needles(ana)) expect(payload!.toLowerCase()).not.toContain(value.toLowerCase());
    }
    expect(JSON.parse((await payloadOf(redact.webhookId)).payload!)).toMatchObject({ customer: { id: ana.customerId }, orders_to_redact: [order.guest, order.paid, order.neverArrives] });
    expect((await payloadOf(product.webhookId)).payload).not.toBeNull();

    await inboxWorker().drain();
    for (const webhookId of [pendingUpdate, pendingOrder, pendingCustomer]) expect((await payloadOf(webhookId)).status).toBe("processed");
    expect(await db.order.findFirstOrThrow({ where: { shopId: shop.id, gid: `gid://shopify/Order/${order.paid}` } })).toMatchObject({ email: null, checkoutToken: null, fulfillmentStatus: "fulfilled" });
    expect(await db.order.findFirstOrThrow({ where: { shopId: shop.id, gid: `gid://shopify/Order/${order.later}` } })).toMatchObject({ email: null, checkoutToken: null });

    const { found, where } = await storedAnywhere(needles(ana));
    expect(where).toEqual([]);
    expect(found).toEqual([]);

    // The amounts stay, under the anonymous member.
    expect(await db.webhookDelivery.count({ where: { shopDomain: shop.domain } })).toBe(rows + 1);
    expect(await db.member.findUniqueOrThrow({ where: { id: member.id } })).toMatchObject({ balance, email: null, firstName: null, lastName: null, customerGid: null, redactedAt: expect.any(Date) });
    expect(await ledgerTotals(shop.id)).toEqual(totals);
    expect((await verifyLedger(db, shop.id)).violations).toEqual([]);
    const unmatched = await db.unmatchedOrder.findMany({ where: { shopId: shop.id } });
    expect(unmatched.length).toBeGreaterThanOrEqual(2);
    expect(unmatched.map((row) => row.email)).toEqual(unmatched.map(() => null));
    expect(await db.apiIdempotency.count({ where: { shopId: shop.id } })).toBe(2);
  });

  it("erases only the customer it names: another customer sharing the email, or a forged id, is untouched", async () => {
    const shop = uniqueShop();
    await installTestShop(shop);
    const { id: shopId } = await db.shop.findUniqueOrThrow({ where: { domain: shop } });
    const ana = person();
    const bea = person({ email: ana.email });
    const orders = { ana: uniqueId(), bea: uniqueId() };
    for (const [topic, payload] of [
      ["customers/create", customerBody(ana)],
      ["customers/create", customerBody(bea)],
      ["orders/paid", orderBody(ana, { id: orders.ana })],
      ["orders/paid", orderBody(bea, { id: orders.bea })],
      ["customers/data_request", { shop_id: 1, shop_domain: shop, customer: { id: bea.customerId, email: bea.email }, orders_requested: [orders.bea], data_request: { id: uniqueId() } }],
    ] as const) {
      const result = await deliver({ topic, shop, payload });
      expect(result.error ?? result.status).toBe("processed");
    }
    const beaRecords = async () => ({
      customer: await db.customer.findFirstOrThrow({ where: { shopId, gid: `gid://shopify/Customer/${bea.customerId}` } }),
      member: await memberOf(shopId, bea.customerId),
      order: await db.order.findFirstOrThrow({ where: { shopId, gid: `gid://shopify/Order/${orders.bea}` } }),
      exports: await db.dataRequest.findMany({ where: { shopId } }),
      deliveries: await db.webhookDelivery.findMany({ where: { shopDomain: shop, payload: { contains: String(bea.customerId) } }, orderBy: { receivedAt: "asc" } }),
    });
    const before = await beaRecords();
    expect(before.customer).toMatchObject({ email: ana.email.toLowerCase(), firstName: bea.firstName, redactedAt: null });
    expect(before.deliveries).toHaveLength(3);

    // A redact that names an id Roost does not know, with the shared email: nothing of Bea's goes.
    const forged = await deliver({ topic: "customers/redact", shop, payload: { shop_id: 1, shop_domain: shop, customer: { id: uniqueId(), email: bea.email }, orders_to_redact: [orders.bea] } });
    expect(forged.status).toBe("processed");
    expect(await beaRecords()).toEqual(before);

    // Ana's redact, listing Bea's order too: Ana goes, Bea stays.
    const anaMember = await memberOf(shopId, ana.customerId);
    const redact = await deliver({ topic: "customers/redact", shop, payload: { shop_id: 1, shop_domain: shop, customer: { id: ana.customerId, email: ana.email }, orders_to_redact: [orders.ana, orders.bea] } });
    expect(redact.status).toBe("processed");
    expect(await beaRecords()).toEqual(before);
    expect(await db.customer.findFirstOrThrow({ where: { shopId, gid: `gid://shopify/Customer/${ana.customerId}` } })).toMatchObject({ email: null, firstName: null, lastName: null, redactedAt: expect.any(Date) });
    expect(await db.member.findUniqueOrThrow({ where: { id: anaMember.id } })).toMatchObject({ email: null, customerGid: null, redactedAt: expect.any(Date) });
    expect(await db.order.findFirstOrThrow({ where: { shopId, gid: `gid://shopify/Order/${orders.ana}` } })).toMatchObject({ email: null });
    const anaDeliveries = await db.webhookDelivery.findMany({ where: { shopDomain: shop, topic: { in: ["customers/create", "orders/paid"] }, payload: null } });
    expect(anaDeliveries).toHaveLength(2);
  });

  it("erases by email when the redact names no customer id", async () => {
    const shop = uniqueShop();
    await installTestShop(shop);
    const { id: shopId } = await db.shop.findUniqueOrThrow({ where: { domain: shop } });
    const ana = person();
    const created = crypto.randomUUID();
    await deliver({ topic: "customers/create", shop, payload: customerBody(ana), webhookId: created });
    const redact = crypto.randomUUID();
    expect((await deliver({ topic: "customers/redact", shop, payload: { shop_id: 1, shop_domain: shop, customer: { email: ana.email }, orders_to_redact: [] }, webhookId: redact })).status).toBe("processed");
    expect(await db.customer.findFirstOrThrow({ where: { shopId } })).toMatchObject({ email: null, firstName: null, redactedAt: expect.any(Date) });
    expect(await payloadOf(created)).toMatchObject({ payload: null, payloadDroppedAt: expect.any(Date) });
    expect((await payloadOf(redact)).payload).not.toContain(ana.tag);
  });

  it.skipIf(isPostgres(process.env.DATABASE_URL))("runs SQLite with secure_delete on, so erased rows are zeroed in the file", async () => {
    const [row] = await db.$queryRawUnsafe<{ secure_delete: number | bigint }[]>("PRAGMA secure_delete");
    expect(Number(row.secure_delete)).toBe(1);
  });
});

describe("inbox retention", () => {
  const DAY = 24 * 3600_000;
  const now = new Date();
  const clock: Clock = { now: () => now };
  const daysAgo = (days: number): Clock => ({ now: () => new Date(now.getTime() - days * DAY) });

  /** One delivery of each kind, old (40 days) and recent (5 days), for a 30-day retention. */
  async function inbox(shop: string) {
    const store = async (at: Clock, outcome: "processed" | "pending" | "failed" | "dead") => {
      const webhookId = crypto.randomUUID();
      const result = await recordDelivery(db, { shopDomain: shop, topic: "orders/paid", webhookId, apiVersion: "2026-10", payload: `{"email":"${webhookId}@example.com"}` }, at);
      if (result.outcome !== "accepted") throw new Error("not stored");
      // Still retrying: its next attempt is ahead, so no worker in this test run picks it up.
      if (outcome === "pending") {
        await db.webhookDelivery.update({ where: { id: result.id }, data: { nextAttemptAt: new Date(now.getTime() + DAY) } });
        return webhookId;
      }
      const claimed = await claimDelivery(db, result.id, at);
      if (outcome === "processed") await completeDelivery(db, result.id, at);
      else await failDelivery(db, { id: result.id, attempts: outcome === "dead" ? 8 : claimed!.attempts }, { message: "boom", terminal: outcome === "failed" }, at);
      return webhookId;
    };
    const parked = async (at: Clock) => {
      const webhookId = crypto.randomUUID();
      await db.webhookDelivery.create({ data: { shopDomain: shop, topic: "orders/paid", webhookId, apiVersion: "2026-10", payload: "{}", status: "parked", receivedAt: at.now() } });
      return webhookId;
    };
    return {
      oldProcessed: await store(daysAgo(40), "processed"),
      recentProcessed: await store(daysAgo(5), "processed"),
      oldPending: await store(daysAgo(40), "pending"),
      oldFailed: await store(daysAgo(40), "failed"),
      oldDead: await store(daysAgo(40), "dead"),
      oldParked: await parked(daysAgo(40)),
      recentParked: await parked(daysAgo(5)),
    };
  }

  it("drops processed payloads older than the retention, keeps their rows, the recent and the unfinished ones, and deletes old parked deliveries", async () => {
    const shop = uniqueShop();
    const rows = await inbox(shop);

    const result = await pruneInbox(db, clock, { retentionDays: 30, shopDomain: shop });
    expect(result).toEqual({ cutoff: new Date(now.getTime() - 30 * DAY), dropped: 1, deleted: 1 });

    const row = (webhookId: string) => db.webhookDelivery.findUnique({ where: { webhookId } });
    expect(await row(rows.oldProcessed)).toMatchObject({ status: "processed", payload: null, payloadDroppedAt: now, processedAt: daysAgo(40).now() });
    for (const kept of [rows.recentProcessed, rows.oldPending, rows.oldFailed, rows.oldDead, rows.recentParked]) {
      expect(await row(kept)).toMatchObject({ payload: expect.any(String), payloadDroppedAt: null });
    }
    expect(await row(rows.oldParked)).toBeNull();
    expect((await row(rows.oldFailed))?.status).toBe("failed");
    expect((await row(rows.oldDead))?.status).toBe("dead");

    // Idempotent; a shorter retention reaches the recent ones.
    expect(await pruneInbox(db, clock, { retentionDays: 30, shopDomain: shop })).toMatchObject({ dropped: 0, deleted: 0 });
    expect(await pruneInbox(db, clock, { retentionDays: 1, shopDomain: shop })).toMatchObject({ dropped: 1, deleted: 1 });
  });

  it("reads ROOST_INBOX_RETENTION_DAYS (default 30) and refuses anything but whole days", () => {
    expect(inboxRetentionDays({})).toBe(30);
    expect(inboxRetentionDays({ ROOST_INBOX_RETENTION_DAYS: "7" })).toBe(7);
    expect(inboxRetentionDays({ ROOST_INBOX_RETENTION_DAYS: "0" })).toBe(0);
    expect(() => inboxRetentionDays({ ROOST_INBOX_RETENTION_DAYS: "7d" })).toThrow(/whole number of days/);
  });

  it("npm run roost -- inbox:prune [--days N] prunes and prints one JSON document", async () => {
    const shop = uniqueShop();
    await installTestShop(shop);
    const rows = await inbox(shop);
    const out: string[] = [];
    const err: string[] = [];
    const io = { db, clock, stdout: { write: (text: string) => out.push(text) }, stderr: { write: (text: string) => err.push(text) } };

    expect(await runCli(["inbox:prune", "--shop", shop, "--days", "x"], io)).toBe(1);
    expect(err.join("")).toMatch(/--days must be a whole number of days/);

    expect(await runCli(["inbox:prune", "--shop", shop, "--days", "30", "--json"], io)).toBe(0);
    expect(JSON.parse(out.join(""))).toEqual({ shop, retentionDays: 30, cutoff: new Date(now.getTime() - 30 * DAY).toISOString(), dropped: 1, deleted: 1 });
    expect((await db.webhookDelivery.findUniqueOrThrow({ where: { webhookId: rows.oldProcessed } })).payload).toBeNull();

    out.length = 0;
    expect(await runCli(["inbox:prune", "--shop", shop], io)).toBe(0);
    expect(out.join("")).toMatch(new RegExp(`^${shop.replaceAll(".", "\\.")}: dropped 0 processed payload\\(s\\) older than 30 day\\(s\\)`));
  });
});

describe("logs", () => {
  it("censor email, name, phone and address fields", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = pino({ redact: LOG_REDACT_PATHS }, sink);
    log.info({ email: "x@example.com", customer: { email: "x@example.com", first_name: "Quenby", last_name: "Marchetti", phone: "+16135550100", default_address: { address1: "1 Larkspur Crescent" } }, order: "gid://shopify/Order/1" }, "seen");
    const line = lines.join("");
    expect(line).not.toMatch(/x@example\.com|Quenby|Marchetti|6135550100|Larkspur/);
    expect(line).toContain("gid://shopify/Order/1");
  });
});
