import { beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { memberSummary, verifyLedger } from "../../app/services/ledger/verify.server";
import { programSchema } from "../../app/services/program/settings";
import { updateShopSettings } from "../../app/services/shops/shops.server";
import { customerPayload, orderPayload, refundPayload } from "../fixtures/rest-payloads";
import { deliver } from "../support/deliver";
import { installTestShop, uniqueShop } from "../support/shopify";

// Money and points are 64-bit columns carried as JS numbers (docs/decisions/0003): every
// amount up to Number.MAX_SAFE_INTEGER minor units stores and awards exactly, on SQLite and
// PostgreSQL alike; one past it is a terminal, explained failure on the first attempt.

const ANA = 115310627;
const MAX = Number.MAX_SAFE_INTEGER; // 9,007,199,254,740,991

async function shopIn(currency: string): Promise<{ domain: string; id: string }> {
  const domain = uniqueShop("roost-int64");
  await installTestShop(domain, { currency });
  await updateShopSettings(db, domain, { program: programSchema.parse({ startDate: "2026-01-01" }) });
  await deliver({ topic: "customers/create", shop: domain, payload: customerPayload({ id: ANA, email: "ana.lima@example.com" }) });
  return { domain, id: (await db.shop.findUniqueOrThrow({ where: { domain } })).id };
}

const memberOf = async (shopId: string) => {
  const row = await db.member.findFirstOrThrow({ where: { shopId, customerGid: `gid://shopify/Customer/${ANA}` } });
  return (await memberSummary(db, shopId, row.id))!;
};

describe("64-bit money and points", () => {
  let usd: { domain: string; id: string };
  beforeEach(async () => {
    usd = await shopIn("USD");
  });

  it("an order of 90,071,992,547,409.91 USD (2^53 − 1 cents) stores exactly and earns 90,071,992,547,409 points", async () => {
    const order = orderPayload({ id: 1, customerId: ANA, lines: [{ id: 10, price: "90071992547409.91", quantity: 1 }] });
    const result = await deliver({ topic: "orders/paid", shop: usd.domain, payload: order });
    expect(result).toMatchObject({ status: "processed", error: null });

    const stored = await db.order.findUniqueOrThrow({ where: { shopId_gid: { shopId: usd.id, gid: "gid://shopify/Order/1" } }, include: { lines: true } });
    expect(stored.eligibleAmount).toBe(MAX);
    expect(stored.linesAmount).toBe(MAX);
    expect(stored.lines[0]).toMatchObject({ unitPrice: MAX, eligible: MAX });

    const member = await memberOf(usd.id);
    expect(member.balance).toBe(90_071_992_547_409);
    expect(member.entries).toEqual([expect.objectContaining({ kind: "earn", points: 90_071_992_547_409, balanceAfter: 90_071_992_547_409, eligibleAmount: MAX })]);

    // A refund of half the order claws back exactly half, rounded half up.
    await deliver({
      topic: "refunds/create",
      shop: usd.domain,
      payload: refundPayload({ id: 71, orderId: 1, lines: [{ lineItemId: 10, quantity: 1, subtotal: "45035996273704.96", tax: "0.00" }] }),
    });
    const after = await memberOf(usd.id);
    expect(after.entries.map((entry) => entry.points)).toEqual([90_071_992_547_409, -45_035_996_273_705]);
    expect(after.balance).toBe(45_035_996_273_704);
    expect((await verifyLedger(db, usd.id)).violations).toEqual([]);
  });

  it("a zero-decimal currency at 2^53 − 1 yen earns as many points", async () => {
    const jpy = await shopIn("JPY");
    const order = orderPayload({ id: 2, customerId: ANA, currency: "JPY", lines: [{ id: 20, price: String(MAX), quantity: 1 }] });
    expect(await deliver({ topic: "orders/paid", shop: jpy.domain, payload: order })).toMatchObject({ status: "processed" });
    const member = await memberOf(jpy.id);
    expect(member.balance).toBe(MAX);
    expect((await db.member.findFirstOrThrow({ where: { shopId: jpy.id } })).balance).toBe(MAX);
    expect((await verifyLedger(db, jpy.id)).violations).toEqual([]);
  });

  it("an amount one past 2^53 − 1 fails on the first attempt with the reason, and earns nothing", async () => {
    const tooLarge = orderPayload({ id: 3, customerId: ANA, lines: [{ id: 30, price: "90071992547409.92", quantity: 1 }] });
    const one = await deliver({ topic: "orders/paid", shop: usd.domain, payload: tooLarge });
    expect(one.status).toBe("failed");
    expect(one.error).toMatch(/out of range/);

    // Lines that are each in range but sum past it.
    const sum = orderPayload({ id: 4, customerId: ANA, lines: [{ id: 40, price: "90071992547409.91", quantity: 1 }, { id: 41, price: "0.01", quantity: 1 }] });
    const two = await deliver({ topic: "orders/paid", shop: usd.domain, payload: sum });
    expect(two.status).toBe("failed");
    expect(two.error).toMatch(/out of range/);

    const rows = await db.webhookDelivery.findMany({ where: { shopDomain: usd.domain, topic: "orders/paid" } });
    expect(rows.map((row) => row.attempts)).toEqual([1, 1]);
    expect(await db.ledgerEntry.count({ where: { shopId: usd.id } })).toBe(0);
  });
});

describe("64-bit amounts through the external orders API", () => {
  it("awards an order of 2^53 − 1 cents as a webhook order would, and refuses points past 2^53 with 422", async () => {
    const { apiShop, enrol, orderBody, postOrder, setProgram } = await import("../api/helpers");
    const shop = await apiShop();
    await enrol(shop, ANA, "ana.lima@example.com");

    const { response, json } = await postOrder(shop, orderBody({ eligibleAmount: "90071992547409.91" }));
    expect(response.status).toBe(201);
    expect(json.order).toMatchObject({ status: "awarded", points: 90_071_992_547_409, balance: 90_071_992_547_409 });

    // At rate 1,000 the same amount would be 9.0 × 10^16 points: refused, not rounded.
    await setProgram(shop.domain, { earnRate: "1000" });
    const refused = await postOrder(shop, orderBody({ eligibleAmount: "90071992547409.91" }));
    expect(refused.response.status).toBe(422);
    expect(refused.json).toMatchObject({ error: "out_of_range" });
    expect(await db.ledgerEntry.count({ where: { shopId: shop.id } })).toBe(1);
  });
});
