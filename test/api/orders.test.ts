import { beforeEach, describe, expect, it } from "vitest";
import { type ApiShop, apiShop, db, enrol, expectLedgerOk, orderBody, postOrder, setProgram } from "./helpers";

let shop: ApiShop;
const ANA = 115310627;

beforeEach(async () => {
  shop = await apiShop();
  await enrol(shop, ANA, "Ana.Lima@example.com");
});

const ana = () => db.member.findFirstOrThrow({ where: { shopId: shop.id, customerGid: `gid://shopify/Customer/${ANA}` } });

describe("POST /api/v1/orders", () => {
  it("awards 123 points for 123.45 to the member matched by email (rate 1, Bronze ×1), with the award's terms", async () => {
    const body = orderBody({ id: "A-1001", buyer: { email: "  ANA.LIMA@example.com " } });
    const { response, json } = await postOrder(shop, body);

    expect(response.status).toBe(201);
    expect(response.headers.get("Content-Type")).toMatch(/application\/json/);
    expect(response.headers.get("Idempotent-Replayed")).toBeNull();
    const member = await ana();
    expect(json).toEqual({ order: { id: "A-1001", channel: "pos-legacy", status: "awarded", points: 123, memberId: member.id, balance: 123 } });
    expect(member).toMatchObject({ balance: 123, tier: "Bronze" });
    const entries = await db.ledgerEntry.findMany({ where: { shopId: shop.id } });
    expect(entries.map((entry) => [entry.kind, entry.idempotencyKey, entry.awardKey, entry.points, entry.eligibleAmount, entry.rate, entry.tier, entry.multiplier, entry.capDay])).toEqual([
      ["earn", "external-order:pos-legacy:A-1001", "external-order:pos-legacy:A-1001", 123, 12345, "1", "Bronze", "1", "2026-11-20"],
    ]);
    const timeline = await db.journeyEvent.findMany({ where: { shopId: shop.id, memberId: member.id }, orderBy: { createdAt: "asc" } });
    expect(timeline.map((event) => event.type).sort()).toEqual(["first_purchase", "points_earned"]);
    await expectLedgerOk(shop.id);
  });

  it("matches by external id: the first order teaches Roost the buyer's id, later ones need only it", async () => {
    const first = await postOrder(shop, orderBody({ buyer: { email: "ana.lima@example.com", externalId: "POS-CUST-77" } }));
    expect(first.json.order).toMatchObject({ status: "awarded", points: 123 });
    expect((await ana()).externalId).toBe("POS-CUST-77");

    // Another email, same external id: the external id wins (GID → external id → email).
    const second = await postOrder(shop, orderBody({ eligibleAmount: "10.00", buyer: { externalId: "POS-CUST-77", email: "someone.else@example.com" } }));
    expect(second.response.status).toBe(201);
    expect(second.json.order).toMatchObject({ status: "awarded", points: 10, memberId: (await ana()).id, balance: 133 });
    await expectLedgerOk(shop.id);
  });

  it("matches a Shopify customer by GID or numeric id, ahead of the email", async () => {
    const byNumber = await postOrder(shop, orderBody({ eligibleAmount: "20.00", buyer: { customerId: ANA, email: "nobody@example.com" } }));
    const byGid = await postOrder(shop, orderBody({ eligibleAmount: "5.99", buyer: { customerId: `gid://shopify/Customer/${ANA}` } }));

    expect(byNumber.json.order).toMatchObject({ status: "awarded", points: 20 });
    expect(byGid.json.order).toMatchObject({ status: "awarded", points: 5, balance: 25 });
  });

  it("applies the member's tier multiplier before the order, exactly (Silver ×1.25: 154 for 123.45)", async () => {
    await postOrder(shop, orderBody({ eligibleAmount: "600.00", occurredAt: "2026-06-01T10:00:00-04:00" }));
    const { json } = await postOrder(shop, orderBody());

    expect(json.order).toMatchObject({ status: "awarded", points: 154, balance: 754 });
    const award = await db.ledgerEntry.findFirstOrThrow({ where: { shopId: shop.id, points: 154 } });
    expect([award.tier, award.multiplier]).toEqual(["Silver", "1.25"]);
    await expectLedgerOk(shop.id);
  });

  it("is a safe no-op for a buyer no member matches: unmatched, counted, no member created", async () => {
    const { response, json } = await postOrder(shop, orderBody({ id: "U-1", buyer: { email: "stranger@example.com", externalId: "X-9" } }));

    expect(response.status).toBe(201);
    expect(json).toEqual({ order: { id: "U-1", channel: "pos-legacy", status: "unmatched", points: 0 } });
    expect(await db.member.count({ where: { shopId: shop.id } })).toBe(1);
    expect(await db.unmatchedOrder.findMany({ where: { shopId: shop.id }, select: { orderKey: true, email: true } })).toEqual([
      { orderKey: "external-order:pos-legacy:U-1", email: "stranger@example.com" },
    ]);
    expect(await db.ledgerEntry.count({ where: { shopId: shop.id } })).toBe(0);
  });

  it("says why an order does not earn: before the program started, or with the program off", async () => {
    const early = await postOrder(shop, orderBody({ occurredAt: "2025-12-31T23:00:00-05:00" }));
    expect(early.response.status).toBe(201);
    expect(early.json.order).toMatchObject({ status: "ineligible", points: 0, reason: "processed before the program started (2026-01-01)" });

    await setProgram(shop.domain, { enabled: false });
    const off = await postOrder(shop, orderBody());
    expect(off.json.order).toMatchObject({ status: "ineligible", points: 0, reason: "the program is off" });
    expect((await ana()).balance).toBe(0);
  });

  it("earns whatever Shopify channels the merchant lets earn: the API is its own channel", async () => {
    await setProgram(shop.domain, { channels: [] });
    const { json } = await postOrder(shop, orderBody({ channel: "marketplace" }));
    expect(json.order).toMatchObject({ channel: "marketplace", status: "awarded", points: 123 });
  });

  it("grants at most the daily cap and reports the rest as capped", async () => {
    await setProgram(shop.domain, { dailyCap: 100 });
    const { json } = await postOrder(shop, orderBody());

    expect(json.order).toMatchObject({ status: "capped", points: 100, withheld: 23, balance: 100 });
    await expectLedgerOk(shop.id);
  });

  it("awards an order once: the same channel and id under a new Idempotency-Key is a duplicate", async () => {
    const body = orderBody({ id: "D-1" });
    await postOrder(shop, body, { key: "first" });
    const again = await postOrder(shop, { ...body, eligibleAmount: "999.00" }, { key: "second" });

    expect(again.response.status).toBe(201);
    expect(again.json.order).toMatchObject({ id: "D-1", status: "duplicate", points: 0, balance: 123 });
    // The same id on another channel is another order.
    const other = await postOrder(shop, { ...body, channel: "marketplace" });
    expect(other.json.order).toMatchObject({ status: "awarded", points: 123, balance: 246 });
    await expectLedgerOk(shop.id);
  });

  it("answers 405 to anything but POST", async () => {
    const { loader } = await import("../../app/routes/api.v1.orders");
    const response = loader();
    expect(response.status).toBe(405);
    expect(response.headers.get("Allow")).toBe("POST");
  });
});

describe("validation (422)", () => {
  const fields = async (body: unknown) => {
    const { response, json } = await postOrder(shop, body);
    expect(response.status).toBe(422);
    expect(json).toMatchObject({ error: "invalid_request", message: expect.any(String) });
    return json.fields;
  };

  it("names each invalid field", async () => {
    expect(await fields({ channel: "pos:legacy", buyer: { email: "not-an-email" }, eligibleAmount: 12.5, occurredAt: "2026-11-20T10:00:00" })).toEqual({
      id: "Required",
      channel: expect.stringContaining("letters, digits"),
      "buyer.email": "Must be an email address",
      eligibleAmount: expect.stringContaining("decimal string"),
      currency: "Required",
      occurredAt: expect.stringContaining("ISO 8601"),
    });
  });

  it("requires at least one buyer identifier, and a customer id that is a Shopify customer", async () => {
    expect(await fields(orderBody({ buyer: {} }))).toEqual({ buyer: "Give at least one of customerId, externalId or email" });
    expect(await fields(orderBody({ buyer: { customerId: "gid://shopify/Order/1" } }))).toEqual({ "buyer.customerId": expect.stringContaining("customer GID") });
  });

  it("refuses a currency other than the shop's", async () => {
    expect(await fields(orderBody({ currency: "EUR" }))).toEqual({ currency: "Must be USD, the shop currency" });
  });

  it("refuses more decimals than the currency has, and negative amounts", async () => {
    expect(await fields(orderBody({ eligibleAmount: "12.345" }))).toEqual({ eligibleAmount: "USD has at most 2 decimals" });
    expect(await fields(orderBody({ eligibleAmount: "-1.00" }))).toEqual({ eligibleAmount: expect.stringContaining("decimal string") });
    // Trailing zeros are exact: 12.340 is 1234 cents.
    const { response } = await postOrder(shop, orderBody({ eligibleAmount: "12.340" }));
    expect(response.status).toBe(201);
  });

  it("follows the shop currency's decimals (JPY has none)", async () => {
    const yen = await apiShop({ currency: "JPY" });
    await enrol(yen, 1, "ana.lima@example.com");
    expect((await postOrder(yen, orderBody({ currency: "JPY", eligibleAmount: "1234.5" }))).json.fields).toEqual({ eligibleAmount: "JPY has no decimals" });
    expect((await postOrder(yen, orderBody({ currency: "JPY", eligibleAmount: "1234" }))).json.order).toMatchObject({ status: "awarded", points: 1234 });
  });

  it("answers 422 to a body that is not an object, 400 to one that is not JSON", async () => {
    expect(await fields([1, 2])).toEqual({ body: "Must be a JSON object" });
    const { response, json } = await postOrder(shop, "{ not json");
    expect(response.status).toBe(400);
    expect(json).toMatchObject({ error: "invalid_json" });
  });

  it("stores nothing for an invalid request", async () => {
    await fields(orderBody({ currency: "EUR" }));
    expect(await db.apiIdempotency.count({ where: { shopId: shop.id } })).toBe(0);
    expect(await db.ledgerEntry.count({ where: { shopId: shop.id } })).toBe(0);
  });
});
