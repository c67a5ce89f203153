import { afterAll, afterEach, beforeAll, expect } from "vitest";
import db from "../../app/db.server";
import { runCli } from "../../app/cli/roost.server";
import { systemClock } from "../../app/lib/clock";
import { recordDelivery } from "../../app/services/inbox/inbox.server";
import { shopifyOrderKey, shopifyRefundKey } from "../../app/services/ledger/keys";
import { enrolCustomer } from "../../app/services/identity/members.server";
import { programSchema } from "../../app/services/program/settings";
import { updateShopSettings } from "../../app/services/shops/shops.server";
import { orderPayload, refundPayload } from "../fixtures/rest-payloads";
import { captureCli } from "../support/cli";
import { installTestShop, uniqueShop } from "../support/shopify";
import { killRoostProcesses, type RoostProcess, startRoostProcess, until } from "../support/roost-process";

// One store's traffic for many members at once, for the multi-process tests: per member a paid
// order and a partial refund of it; every fourth member a second order, paid then cancelled; and
// some deliveries sent a second time under a new webhook id. All stored interleaved across
// members and out of order (a refund or a cancellation may come before its order). The points
// each member must end with follow from the formula alone, whoever processed what and when.

export interface ScaleShop {
  domain: string;
  id: string;
}

/** An installed shop with the program on and one tier (multiplier 1), so no award depends on another's timing. */
export async function scaleShop(prefix: string): Promise<ScaleShop> {
  const domain = uniqueShop(prefix);
  await installTestShop(domain);
  await updateShopSettings(db, domain, {
    program: programSchema.parse({ startDate: "2026-01-01", tiers: [{ name: "Member", threshold: 0, multiplier: "1" }] }),
  });
  return { domain, id: (await db.shop.findUniqueOrThrow({ where: { domain } })).id };
}

export interface ScaleMember {
  customerId: number;
  index: number;
  /** Order A: paid, 10.00 of it refunded. Order B (every fourth member): paid 25.00, then cancelled. */
  orders: { a: number; b: number | null };
  refund: number;
  /** Points it ends with, before any manual adjustment: A's price in whole units less the 10 refunded (B's 25 are all clawed back). */
  expected: number;
}

export function scaleMembers(count: number, base: number): ScaleMember[] {
  return Array.from({ length: count }, (_, index) => {
    const n = base + index;
    return { customerId: n, index, orders: { a: n * 10 + 1, b: index % 4 === 1 ? n * 10 + 2 : null }, refund: n * 10 + 3, expected: 40 + index - 10 };
  });
}

const email = (member: ScaleMember) => `scale-${member.customerId}@example.com`;

/** The members, enrolled as a customers/create would enrol them, before any traffic. */
export async function enrol(shop: ScaleShop, members: ScaleMember[]): Promise<void> {
  const ledgerShop = await db.shop.findUniqueOrThrow({ where: { id: shop.id } });
  await inLanes(members, 4, (member) =>
    enrolCustomer(db, ledgerShop, { gid: `gid://shopify/Customer/${member.customerId}`, email: email(member), firstName: "Ana", lastName: "Lima" }),
  );
  expect(await db.member.count({ where: { shopId: shop.id } })).toBe(members.length);
}

/** `work` on each item, `lanes` at a time, results in the items' order. */
export async function inLanes<T, R>(items: readonly T[], lanes: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index], index);
      }
    }),
  );
  return results;
}

interface Delivery {
  topic: string;
  payload: unknown;
}

/** Every delivery of the members' traffic, duplicates included, interleaved by a fixed shuffle. */
export function traffic(members: ScaleMember[], seed = 15): Delivery[] {
  const deliveries: Delivery[] = [];
  for (const member of members) {
    const order = (id: number, price: string, extra: Partial<Parameters<typeof orderPayload>[0]> = {}) =>
      orderPayload({ id, customerId: member.customerId, email: email(member), lines: [{ id: id * 10, price, quantity: 1 }], ...extra });
    const paid = { topic: "orders/paid", payload: order(member.orders.a, `${40 + member.index}.00`) };
    const refund = {
      topic: "refunds/create",
      payload: refundPayload({ id: member.refund, orderId: member.orders.a, lines: [{ lineItemId: member.orders.a * 10, quantity: 1, subtotal: "10.00", tax: "0.00" }] }),
    };
    deliveries.push(paid, refund);
    if (member.orders.b !== null) {
      const cancelledAt = "2026-11-22T09:00:00-05:00";
      deliveries.push(
        { topic: "orders/paid", payload: order(member.orders.b, "25.00") },
        { topic: "orders/cancelled", payload: order(member.orders.b, "25.00", { financialStatus: "refunded", cancelledAt, updatedAt: cancelledAt }) },
      );
    }
    // The order or the refund again under a new webhook id (no event id): only the ledger's keys stop a second award or claw-back.
    if (member.index % 5 === 0) deliveries.push(paid);
    if (member.index % 5 === 2) deliveries.push(refund);
  }
  // A fixed shuffle (mulberry32): the same interleaving every run, members and topics mixed.
  let state = seed;
  const random = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let index = deliveries.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [deliveries[index], deliveries[other]] = [deliveries[other], deliveries[index]];
  }
  return deliveries;
}

/** Stores a delivery as the webhook route does once the HMAC is checked (the inbox's own INSERT). */
export async function store(shop: ScaleShop, topic: string, payload: unknown, webhookId: string = crypto.randomUUID()): Promise<string> {
  const stored = await recordDelivery(
    db,
    { shopDomain: shop.domain, topic, webhookId, apiVersion: "2026-10", triggeredAt: new Date(), payload: JSON.stringify(payload) },
    systemClock,
  );
  if (stored.outcome !== "accepted") throw new Error(`${topic} ${webhookId} not stored: ${stored.reason}`);
  return stored.id;
}

/**
 * Stores the traffic, a few at a time (as concurrent requests to the route would), so it arrives
 * in about the shuffled order; every 25th delivery is also sent again under its own webhook id,
 * which the inbox drops.
 */
export function storeTraffic(shop: ScaleShop, deliveries: Delivery[]): Promise<string[]> {
  return inLanes(deliveries, 4, async (delivery, index) => {
    const webhookId = crypto.randomUUID();
    const id = await store(shop, delivery.topic, delivery.payload, webhookId);
    if (index % 25 === 0) {
      const again = await recordDelivery(
        db,
        { shopDomain: shop.domain, topic: delivery.topic, webhookId, apiVersion: "2026-10", triggeredAt: new Date(), payload: JSON.stringify(delivery.payload) },
        systemClock,
      );
      expect(again).toEqual({ outcome: "duplicate", reason: "webhook-id" });
    }
    return id;
  });
}

type Counts = Record<string, number>;

export async function inboxStatuses(shop: ScaleShop): Promise<Counts> {
  const groups = await db.webhookDelivery.groupBy({ by: ["status"], where: { shopDomain: shop.domain }, _count: { _all: true } });
  return Object.fromEntries(groups.map((group) => [group.status, group._count._all]));
}

/** Waits until the shop's `total` stored deliveries are all processed (none pending, failed or dead). */
export function drained(shop: ScaleShop, total: number, timeoutMs: number): Promise<Counts> {
  return until(() => inboxStatuses(shop), (counts) => counts.processed === total, { timeoutMs, intervalMs: 100, what: "the inbox to drain" });
}

/**
 * Every claim of a delivery (its `attempts` going up with a `lockedBy`), by whom, recorded by a
 * trigger on the test's database: completion clears `lockedBy`, so the rows alone cannot say
 * which process did what. Claims commit on their own, before the batch they start.
 */
export const claims = {
  async track(): Promise<void> {
    await db.$executeRawUnsafe(`CREATE TABLE IF NOT EXISTS "ScaleClaim" ("deliveryId" TEXT NOT NULL, "owner" TEXT NOT NULL, "error" TEXT, "at" TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp())`);
    await db.$executeRawUnsafe(`
      CREATE OR REPLACE FUNCTION scale_claim() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW."lockedBy" IS NOT NULL AND NEW."attempts" > OLD."attempts" THEN
          INSERT INTO "ScaleClaim" ("deliveryId", "owner") VALUES (NEW."id", NEW."lockedBy");
        END IF;
        IF NEW."lastError" IS NOT NULL AND NEW."lastError" IS DISTINCT FROM OLD."lastError" THEN
          INSERT INTO "ScaleClaim" ("deliveryId", "owner", "error") VALUES (NEW."id", COALESCE(OLD."lockedBy", ''), NEW."lastError");
        END IF;
        RETURN NEW;
      END $$`);
    await db.$executeRawUnsafe(`DROP TRIGGER IF EXISTS scale_claim ON "WebhookDelivery"`);
    await db.$executeRawUnsafe(`CREATE TRIGGER scale_claim AFTER UPDATE ON "WebhookDelivery" FOR EACH ROW EXECUTE FUNCTION scale_claim()`);
  },
  async untrack(): Promise<void> {
    await db.$executeRawUnsafe(`DROP TRIGGER IF EXISTS scale_claim ON "WebhookDelivery"`);
    await db.$executeRawUnsafe(`DROP FUNCTION IF EXISTS scale_claim()`);
    await db.$executeRawUnsafe(`DROP TABLE IF EXISTS "ScaleClaim"`);
  },
  /** Claims of the given deliveries, oldest first. */
  of(ids: readonly string[]): Promise<{ deliveryId: string; owner: string; at: Date }[]> {
    return db.$queryRawUnsafe(`SELECT "deliveryId", "owner", "at" FROM "ScaleClaim" WHERE "deliveryId" = ANY($1::text[]) AND "error" IS NULL ORDER BY "at"`, ids);
  },
  /** Failed attempts of the given deliveries (the error each was kept with before its retry). */
  errors(ids: readonly string[]): Promise<{ deliveryId: string; owner: string; error: string }[]> {
    return db.$queryRawUnsafe(`SELECT "deliveryId", "owner", "error" FROM "ScaleClaim" WHERE "deliveryId" = ANY($1::text[]) AND "error" IS NOT NULL ORDER BY "at"`, ids);
  },
};

/** Claims per owner. */
export function byOwner(rows: { owner: string }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.owner, (counts.get(row.owner) ?? 0) + 1);
  return counts;
}

/**
 * The ledger is what the traffic makes it, exactly: each member's balance is its expected sum
 * (plus `adjusted`), each order awarded once, each refund and cancellation clawed back once, and
 * `roost ledger:verify` finds nothing.
 */
export async function expectLedger(shop: ScaleShop, members: ScaleMember[], adjusted = 0): Promise<void> {
  const rows = await db.member.findMany({ where: { shopId: shop.id }, select: { id: true, customerGid: true, balance: true } });
  const entries = await db.ledgerEntry.findMany({ where: { shopId: shop.id }, select: { memberId: true, kind: true, idempotencyKey: true, points: true } });
  const problems: string[] = [];
  for (const member of members) {
    const row = rows.find((candidate) => candidate.customerGid === `gid://shopify/Customer/${member.customerId}`);
    if (!row) {
      problems.push(`customer ${member.customerId}: no member`);
      continue;
    }
    if (row.balance !== member.expected + adjusted) problems.push(`customer ${member.customerId}: balance ${row.balance}, expected ${member.expected + adjusted}`);
    const own = entries.filter((entry) => entry.memberId === row.id);
    const keys = (kind: string) => own.filter((entry) => entry.kind === kind).map((entry) => entry.idempotencyKey).sort();
    const order = (id: number) => shopifyOrderKey(`gid://shopify/Order/${id}`);
    const b = member.orders.b;
    const expectedEarn = [order(member.orders.a), ...(b ? [order(b)] : [])].sort();
    const expectedClawback = [shopifyRefundKey(`gid://shopify/Refund/${member.refund}`), ...(b ? [`${order(b)}:cancelled`] : [])].sort();
    if (JSON.stringify(keys("earn")) !== JSON.stringify(expectedEarn)) problems.push(`customer ${member.customerId}: awards ${JSON.stringify(keys("earn"))}`);
    if (JSON.stringify(keys("clawback")) !== JSON.stringify(expectedClawback)) problems.push(`customer ${member.customerId}: claw-backs ${JSON.stringify(keys("clawback"))}`);
    if (keys("adjustment").length !== (adjusted ? 1 : 0)) problems.push(`customer ${member.customerId}: ${keys("adjustment").length} adjustments`);
    const other = own.filter((entry) => !["earn", "clawback", "adjustment"].includes(entry.kind));
    if (other.length > 0) problems.push(`customer ${member.customerId}: unexpected entries ${JSON.stringify(other)}`);
  }
  // A refund stays parked (no eligible amount) only until its order is stored: every order is.
  for (const refund of await db.refund.findMany({ where: { shopId: shop.id, eligibleAmount: null }, select: { gid: true, orderGid: true } })) {
    problems.push(`refund ${refund.gid} still parked, though its order ${refund.orderGid} is stored`);
  }
  expect(problems).toEqual([]);
  const cli = captureCli();
  expect(await runCli(["ledger:verify", "--shop", shop.domain], cli.io), cli.stdout() + cli.stderr()).toBe(0);
  const entryCount = members.reduce((sum, member) => sum + (member.orders.b ? 4 : 2) + (adjusted ? 1 : 0), 0);
  expect(cli.stdout()).toContain(`ledger ok: ${members.length} members, ${entryCount} entries`);
}

/** ROOST_SCALE_TRACE=1: each phase's time since the test started, to see where a slow run went. */
export function tracer(): (phase: string) => void {
  const start = Date.now();
  return (phase) => {
    if (process.env.ROOST_SCALE_TRACE) console.log(`${Date.now() - start} ms ${phase}`);
  };
}

/** A scale test's hooks: claims tracked for the file, no process outliving its test. */
export function scaleHooks(): void {
  beforeAll(() => claims.track());
  afterAll(() => claims.untrack());
  afterEach(() => killRoostProcesses());
}

/**
 * Roost processes booting (tsx, from the sources) while a shop and its members are set up and
 * the members' traffic is stored, as the webhook route stores it: they find a backlog.
 */
export async function trafficFor(prefix: string, members: ScaleMember[], names: string[]): Promise<{ shop: ScaleShop; processes: RoostProcess[]; storing: Promise<string[]> }> {
  const starting = Promise.all(names.map((name) => startRoostProcess({ name, databaseUrl: process.env.DATABASE_URL! })));
  const shop = await scaleShop(prefix);
  await enrol(shop, members);
  const storing = storeTraffic(shop, traffic(members));
  return { shop, processes: await starting, storing };
}
