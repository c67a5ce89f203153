import { beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { systemClock } from "../../app/lib/clock";
import { logger } from "../../app/lib/logger.server";
import { adjustPoints } from "../../app/services/ledger/adjustment.server";
import { METAFIELDS_QUEUE } from "../../app/services/outbox/metafields.server";
import { programSchema } from "../../app/services/program/settings";
import { updateShopSettings } from "../../app/services/shops/shops.server";
import { verifyLedger } from "../../app/services/ledger/verify.server";
import { customerPayload, orderPayload, shopPayload } from "../fixtures/rest-payloads";
import { deliver } from "../support/deliver";
import { installTestShop, uniqueShop } from "../support/shopify";

let shop: string;
let shopId: string;
const ANA = 115310627;
const compliance = { shop_id: 1, customer: { id: ANA, email: "ana.lima@example.com", phone: null } };

beforeEach(async () => {
  shop = uniqueShop();
  await installTestShop(shop);
  shopId = (await db.shop.findUniqueOrThrow({ where: { domain: shop } })).id;
  await updateShopSettings(db, shop, { program: programSchema.parse({ startDate: "2026-01-01" }) });
  await deliver({ topic: "customers/create", shop, payload: customerPayload({ id: ANA }) });
  await deliver({ topic: "orders/paid", shop, payload: orderPayload({ id: 1, customerId: ANA, lines: [{ id: 1, price: "80.00", quantity: 1 }] }) });
});

describe("privacy for loyalty data", () => {
  it("exports the member, ledger and timeline for customers/data_request", async () => {
    await deliver({ topic: "customers/data_request", shop, payload: { ...compliance, shop_domain: shop, orders_requested: [], data_request: { id: 5 } } });
    const document = JSON.parse((await db.dataRequest.findFirstOrThrow({ where: { shopId } })).export);
    expect(document.members).toEqual([expect.objectContaining({ email: "ana.lima@example.com", balance: 80, tier: "Bronze" })]);
    expect(document.ledger).toEqual([expect.objectContaining({ kind: "earn", points: 80, eligibleAmount: 8000 })]);
    expect(document.timeline.map((event: { type: string }) => event.type)).toEqual(["first_purchase", "points_earned"]);
  });

  it("keeps the amounts under an anonymous member and erases the rest for customers/redact", async () => {
    const member = await db.member.findFirstOrThrow({ where: { shopId } });
    await deliver({ topic: "customers/redact", shop, payload: { ...compliance, shop_domain: shop, orders_to_redact: [1] } });

    expect(await db.member.findUniqueOrThrow({ where: { id: member.id } })).toMatchObject({ email: null, firstName: null, lastName: null, customerGid: null, balance: 80, redactedAt: expect.any(Date) });
    expect(await db.ledgerEntry.findMany({ where: { shopId }, select: { points: true, memberId: true } })).toEqual([{ points: 80, memberId: member.id }]);
    expect(await db.journeyEvent.count({ where: { shopId } })).toBe(0);
    expect(await db.job.count({ where: { shopId, queue: METAFIELDS_QUEUE } })).toBe(0);
    expect((await verifyLedger(db, shopId)).violations).toEqual([]);
  });

  it("exports only the customer the request names, not another customer who shares the email", async () => {
    await deliver({ topic: "customers/create", shop, payload: customerPayload({ id: 215310627, firstName: "Other" }) });
    await deliver({ topic: "customers/data_request", shop, payload: { ...compliance, shop_domain: shop, orders_requested: [], data_request: { id: 6 } } });
    const document = JSON.parse((await db.dataRequest.findFirstOrThrow({ where: { shopId } })).export);
    expect(document.customers.map((customer: { gid: string }) => customer.gid)).toEqual([`gid://shopify/Customer/${ANA}`]);
    expect(document.members.map((member: { customerGid: string }) => member.customerGid)).toEqual([`gid://shopify/Customer/${ANA}`]);
  });

  it("drops the customer's stored webhook payloads and the reasons given for adjustments to them", async () => {
    const member = await db.member.findFirstOrThrow({ where: { shopId } });
    const row = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
    await adjustPoints({ db, clock: systemClock, logger }, row, { memberId: member.id, points: 5, reason: "Ana Lima's parcel was late", actor: "staff" });
    await deliver({ topic: "customers/redact", shop, payload: { ...compliance, shop_domain: shop, orders_to_redact: [1] } });

    const deliveries = await db.webhookDelivery.findMany({ where: { shopDomain: shop }, orderBy: { receivedAt: "asc" } });
    expect(deliveries.map((delivery) => [delivery.topic, delivery.payload === null])).toEqual([
      ["customers/create", true],
      ["orders/paid", true],
      ["customers/redact", false],
    ]);
    expect(deliveries[2].payload).not.toMatch(/ana\.lima/i);
    const audit = await db.auditLog.findFirstOrThrow({ where: { shopId, action: "points.adjusted" } });
    expect(JSON.parse(audit.details)).toEqual({ memberId: member.id, points: 5, reason: null, balance: 85, redacted: true });
    expect(await db.ledgerEntry.count({ where: { shopId, reason: { not: null } } })).toBe(0);
  });

  it("erases members, ledger and timelines with the shop for shop/redact", async () => {
    // Shopify sends it 48 hours after the uninstall.
    // What Roost keeps about the shop itself: its Admin API bucket estimate and tag count snapshots.
    await db.adminThrottle.create({ data: { shopDomain: shop, available: 1000, maximumAvailable: 2000, restoreRate: 100, atMs: Date.now(), learned: 1 } });
    await db.ruleTagCount.create({ data: { ruleId: `rule-${shop}`, shopId, applied: 1, pending: 0, failed: 0, fingerprint: "f", countMs: 1, countedAt: new Date() } });
    await deliver({ topic: "app/uninstalled", shop, payload: shopPayload(shop, { id: 1 }) });
    await deliver({ topic: "shop/redact", shop, payload: { shop_id: 1, shop_domain: shop } });
    expect(await db.member.count({ where: { shopId } })).toBe(0);
    expect(await db.ledgerEntry.count({ where: { shopId } })).toBe(0);
    expect(await db.journeyEvent.count({ where: { shopId } })).toBe(0);
    expect(await db.adminThrottle.count({ where: { shopDomain: shop } })).toBe(0);
    expect(await db.ruleTagCount.count({ where: { shopId } })).toBe(0);
  });
});
