import { beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../../app/cli/roost.server";
import db from "../../app/db.server";
import { memberSummary, verifyLedger } from "../../app/services/ledger/verify.server";
import { programSchema } from "../../app/services/program/settings";
import { updateShopSettings } from "../../app/services/shops/shops.server";
import { customerPayload, orderPayload, refundPayload } from "../fixtures/rest-payloads";
import { deliver } from "../support/deliver";
import { installTestShop, uniqueShop } from "../support/shopify";

let shop: string;
let shopId: string;
const ANA = 115310627;

async function program(patch: Partial<ReturnType<typeof programSchema.parse>>) {
  await updateShopSettings(db, shop, { program: programSchema.parse({ startDate: "2026-01-01", ...patch }) });
}

beforeEach(async () => {
  shop = uniqueShop();
  await installTestShop(shop);
  shopId = (await db.shop.findUniqueOrThrow({ where: { domain: shop } })).id;
  await program({});
  await deliver({ topic: "customers/create", shop, payload: customerPayload({ id: ANA, email: "ana.lima@example.com" }) });
});

const member = async () => {
  const row = await db.member.findFirstOrThrow({ where: { shopId, customerGid: `gid://shopify/Customer/${ANA}` } });
  return (await memberSummary(db, shopId, row.id))!;
};

const paid = (id: number, price: string, extra: Partial<Parameters<typeof orderPayload>[0]> = {}) =>
  orderPayload({ id, customerId: ANA, lines: [{ id: id * 10, price, quantity: 1 }], ...extra });

async function expectLedgerOk() {
  const result = await verifyLedger(db, shopId);
  expect(result.violations).toEqual([]);
}

describe("earning", () => {
  it("a Silver member (600 points this year) earns 154 on an order of 123.45, exactly once", async () => {
    await deliver({ topic: "orders/paid", shop, payload: paid(1, "600.00", { processedAt: "2026-06-01T10:00:00-04:00" }) });
    expect(await member()).toMatchObject({ balance: 600, tier: "Silver" });

    const order = paid(2, "123.45");
    await deliver({ topic: "orders/paid", shop, payload: order });
    await deliver({ topic: "orders/paid", shop, payload: order });
    await deliver({ topic: "orders/updated", shop, payload: { ...order, updated_at: "2026-11-20T11:00:00-05:00" } });

    const summary = await member();
    expect(summary.balance).toBe(754);
    const awards = summary.entries.filter((entry) => entry.kind === "earn");
    expect(awards.map((entry) => [entry.points, entry.eligibleAmount, entry.rate, entry.tier, entry.multiplier])).toEqual([
      [600, 60000, "1", "Bronze", "1"],
      [154, 12345, "1", "Silver", "1.25"],
    ]);
    expect(summary.timeline.map((event) => event.type)).toEqual([
      "first_purchase", "points_earned", "tier_changed", "repeat_purchase", "points_earned",
    ]);
    expect(summary.timeline[4].data).toMatchObject({ points: 154, balance: 754 });
    await expectLedgerOk();
  });

  it("claws back 51, 52 and 51 for three refunds of 41.15, never below zero", async () => {
    await deliver({ topic: "orders/paid", shop, payload: paid(1, "600.00", { processedAt: "2026-06-01T10:00:00-04:00" }) });
    await deliver({ topic: "orders/paid", shop, payload: paid(2, "123.45") });
    for (const id of [71, 72, 73]) {
      await deliver({ topic: "refunds/create", shop, payload: refundPayload({ id, orderId: 2, lines: [{ lineItemId: 20, quantity: 1, subtotal: "41.15", tax: "0.00" }] }) });
    }
    // A fourth refund beyond the order takes nothing more.
    await deliver({ topic: "refunds/create", shop, payload: refundPayload({ id: 74, orderId: 2, lines: [{ lineItemId: 20, quantity: 1, subtotal: "41.15", tax: "0.00" }] }) });

    const summary = await member();
    expect(summary.entries.filter((entry) => entry.kind === "clawback").map((entry) => 0 - entry.points)).toEqual([51, 52, 51, 0]);
    expect(summary.balance).toBe(600);
    await expectLedgerOk();
  });

  it("applies a refund delivered before its order once the order arrives", async () => {
    await deliver({ topic: "refunds/create", shop, payload: refundPayload({ id: 81, orderId: 3, lines: [{ lineItemId: 30, quantity: 1, subtotal: "25.00", tax: "0.00" }] }) });
    await deliver({ topic: "orders/paid", shop, payload: paid(3, "100.00") });

    const summary = await member();
    expect(summary.entries.map((entry) => [entry.kind, entry.points])).toEqual([["earn", 100], ["clawback", -25]]);
    expect(summary.balance).toBe(75);
    await expectLedgerOk();
  });

  it("claws back what remains when the order is cancelled", async () => {
    await deliver({ topic: "orders/paid", shop, payload: paid(4, "80.00") });
    await deliver({ topic: "refunds/create", shop, payload: refundPayload({ id: 91, orderId: 4, lines: [{ lineItemId: 40, quantity: 1, subtotal: "20.00", tax: "0.00" }] }) });
    await deliver({ topic: "orders/cancelled", shop, payload: paid(4, "80.00", { cancelledAt: "2026-11-21T09:00:00-05:00", updatedAt: "2026-11-21T09:00:00-05:00", financialStatus: "refunded" }) });

    expect((await member()).entries.map((entry) => [entry.kind, entry.points])).toEqual([["earn", 80], ["clawback", -20], ["clawback", -60]]);
    await expectLedgerOk();
  });

  it("changes nothing for orders that must not earn, and counts the unmatched one", async () => {
    await deliver({ topic: "orders/paid", shop, payload: orderPayload({ id: 5, customerId: 999, email: "stranger@example.com", lines: [{ id: 50, price: "40.00", quantity: 1 }] }) });
    // No customer and an email no member has: unmatched, not guessed, no member created.
    await deliver({ topic: "orders/paid", shop, payload: orderPayload({ id: 6, customerId: null, email: "nobody@example.com", lines: [{ id: 60, price: "40.00", quantity: 1 }] }) });
    await deliver({ topic: "orders/paid", shop, payload: paid(7, "50.00", { test: true }) });
    await deliver({ topic: "orders/paid", shop, payload: paid(8, "50.00", { sourceName: "shopify_draft_order" }) });
    await deliver({ topic: "orders/paid", shop, payload: paid(9, "50.00", { processedAt: "2025-12-31T10:00:00-05:00" }) });
    await deliver({ topic: "orders/create", shop, payload: paid(10, "50.00", { financialStatus: "pending" }) });

    expect((await member()).entries).toEqual([]);
    expect(await db.unmatchedOrder.count({ where: { shopId } })).toBe(1);
    // The stranger's customer record (from the order) makes a member with the default enrolment, but 999 is
    // a different customer from Ana, and their order earns for them alone.
    const stranger = await db.member.findFirst({ where: { shopId, customerGid: "gid://shopify/Customer/999" } });
    expect(stranger?.balance).toBe(40);
    expect(await db.member.count({ where: { shopId, email: "nobody@example.com" } })).toBe(0);
    await expectLedgerOk();
  });

  it("grants at most the daily cap, records the rest as capped, and never counts a retry twice", async () => {
    await program({ dailyCap: 100 });
    const first = paid(11, "70.00", { processedAt: "2026-11-20T09:00:00-05:00" });
    await deliver({ topic: "orders/paid", shop, payload: first });
    await deliver({ topic: "orders/paid", shop, payload: first });
    await deliver({ topic: "orders/paid", shop, payload: paid(12, "50.00", { processedAt: "2026-11-20T18:00:00-05:00" }) });
    // 23:30 in New York is the next day in UTC but the same shop day; 00:30 is the next shop day.
    await deliver({ topic: "orders/paid", shop, payload: paid(13, "10.00", { processedAt: "2026-11-20T23:30:00-05:00" }) });
    await deliver({ topic: "orders/paid", shop, payload: paid(14, "10.00", { processedAt: "2026-11-21T00:30:00-05:00" }) });

    const summary = await member();
    expect(summary.entries.map((entry) => [entry.kind, entry.points, entry.withheld, entry.capDay])).toEqual([
      ["earn", 70, 0, "2026-11-20"],
      ["earn", 30, 20, "2026-11-20"],
      ["capped", 0, 20, "2026-11-20"],
      ["earn", 0, 10, "2026-11-20"],
      ["capped", 0, 10, "2026-11-20"],
      ["earn", 10, 0, "2026-11-21"],
    ]);
    expect(summary).toMatchObject({ balance: 110, capped: 30, held: 0 });
    await expectLedgerOk();
  });
});

describe("roost ledger:verify", () => {
  it("passes on a sound ledger and fails, with a non-zero exit, on a corrupted one", async () => {
    await deliver({ topic: "orders/paid", shop, payload: paid(21, "42.00") });
    const out: string[] = [];
    const io = { db, stdout: { write: (text: string) => out.push(text) }, stderr: { write: () => undefined } };

    expect(await runCli(["ledger:verify", "--shop", shop, "--json"], io)).toBe(0);
    expect(JSON.parse(out.join(""))).toMatchObject({ ok: true, members: 1, entries: 1, violations: [] });

    await db.member.updateMany({ where: { shopId }, data: { balance: 1000 } });
    out.length = 0;
    expect(await runCli(["ledger:verify", "--shop", shop, "--json"], io)).toBe(1);
    expect(JSON.parse(out.join("")).violations).toEqual([expect.objectContaining({ rule: "balance", detail: "balance 1000 but entries sum to 42" })]);
  });

  it("shows a member by email", async () => {
    await deliver({ topic: "orders/paid", shop, payload: paid(22, "12.34") });
    const out: string[] = [];
    const io = { db, stdout: { write: (text: string) => out.push(text) }, stderr: { write: () => undefined } };
    expect(await runCli(["members:show", "--email", " ANA.lima@example.com", "--shop", shop, "--json"], io)).toBe(0);
    const shown = JSON.parse(out.join("")).member;
    expect(shown).toMatchObject({ email: "ana.lima@example.com", balance: 12, tier: "Bronze", held: 0, capped: 0 });
    expect(shown.entries).toEqual([expect.objectContaining({ kind: "earn", points: 12, eligibleAmount: 1234, orderGid: "gid://shopify/Order/22" })]);
  });
});

describe("backfill and live orders", () => {
  it("does not award a backfilled order, but does when orders/create shows it is new", async () => {
    const { upsertOrder } = await import("../../app/services/mirror/mirror.server");
    const { orderFromRest, restOrder } = await import("../../app/services/mirror/rest");
    const { settleStoredOrder: settleShopifyOrder } = await import("../../app/services/signals/orders.server");
    const { systemClock } = await import("../../app/lib/clock");
    const { logger } = await import("../../app/lib/logger.server");
    const stored = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
    const old = paid(31, "30.00");
    const fresh = paid(32, "45.00");
    for (const payload of [old, fresh]) {
      await upsertOrder(db, stored, orderFromRest(restOrder.parse(payload)), { backfilled: true });
      await settleShopifyOrder({ db, clock: systemClock, logger }, stored, `gid://shopify/Order/${payload.id}`);
    }
    expect((await member()).entries).toEqual([]);

    // The same order arriving live (a backfill raced its webhook) earns.
    await deliver({ topic: "orders/create", shop, payload: fresh });
    await deliver({ topic: "orders/updated", shop, payload: { ...old, updated_at: "2026-11-21T10:00:00-05:00" } });
    expect((await member()).entries.map((entry) => [entry.kind, entry.points, entry.orderGid])).toEqual([["earn", 45, "gid://shopify/Order/32"]]);
  });
});

describe("fulfilment and tier demotion", () => {
  it("records order_fulfilled on the timeline, and the daily sweep demotes a member whose year fell short", async () => {
    const { sweepTiers } = await import("../../app/services/ledger/tiers.server");
    const { logger } = await import("../../app/lib/logger.server");
    await deliver({ topic: "orders/paid", shop, payload: paid(41, "520.00", { processedAt: "2026-01-10T10:00:00-05:00" }) });
    await deliver({ topic: "orders/fulfilled", shop, payload: paid(41, "520.00", { processedAt: "2026-01-10T10:00:00-05:00", fulfillmentStatus: "fulfilled", updatedAt: "2026-01-11T10:00:00-05:00" }) });
    expect(await member()).toMatchObject({ tier: "Silver", balance: 520 });
    expect((await member()).timeline.map((event) => event.type)).toContain("order_fulfilled");

    const stored = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
    const nextYear = { now: () => new Date("2027-01-20T12:00:00Z") };
    expect(await sweepTiers({ db, clock: nextYear, logger }, stored)).toBe(1);
    const after = await member();
    expect(after).toMatchObject({ tier: "Bronze", balance: 520 });
    expect(after.timeline.at(-1)).toMatchObject({ type: "tier_changed", data: { from: "Silver", to: "Bronze", earned365: 0 } });
  });
});
