import { beforeEach, describe, expect, it } from "vitest";
import { adjustPoints } from "../../app/services/ledger/adjustment.server";
import { systemClock } from "../../app/lib/clock";
import { logger } from "../../app/lib/logger.server";
import { type ApiShop, apiShop, db, enrol, expectLedgerOk, orderBody, postOrder, postRefund, refundBody } from "./helpers";

let shop: ApiShop;
let memberId: string;

beforeEach(async () => {
  shop = await apiShop();
  memberId = (await enrol(shop, 115310627, "ana.lima@example.com")).id;
  const { json } = await postOrder(shop, orderBody({ id: "O-1" }));
  expect(json.order).toMatchObject({ status: "awarded", points: 123 });
});

const balance = async () => (await db.member.findUniqueOrThrow({ where: { id: memberId } })).balance;

describe("POST /api/v1/refunds", () => {
  it("claws back proportionally: 41.15 of 123.45 on 123 points takes 41", async () => {
    const { response, json } = await postRefund(shop, refundBody("O-1", { id: "F-1" }));

    expect(response.status).toBe(201);
    expect(json).toEqual({ refund: { id: "F-1", orderId: "O-1", channel: "pos-legacy", status: "clawed_back", points: 41, shortfall: 0, memberId, balance: 82 } });
    const entry = await db.ledgerEntry.findFirstOrThrow({ where: { shopId: shop.id, kind: "clawback" } });
    expect([entry.idempotencyKey, entry.awardKey, entry.points, entry.eligibleAmount, entry.balanceAfter]).toEqual([
      "external-refund:pos-legacy:F-1",
      "external-order:pos-legacy:O-1",
      -41,
      4115,
      82,
    ]);
    await expectLedgerOk(shop.id);
  });

  it("computes cumulatively: three refunds of 41.15 take the whole 123, and a fourth nothing", async () => {
    const taken: number[] = [];
    for (const id of ["F-1", "F-2", "F-3", "F-4"]) taken.push((await postRefund(shop, refundBody("O-1", { id }))).json.refund.points);

    expect(taken).toEqual([41, 41, 41, 0]);
    expect(await balance()).toBe(0);
    await expectLedgerOk(shop.id);
  });

  it("claws back each refund once: the same refund under a new key is a duplicate", async () => {
    await postRefund(shop, refundBody("O-1", { id: "F-1" }), { key: "a" });
    const again = await postRefund(shop, refundBody("O-1", { id: "F-1" }), { key: "b" });

    expect(again.response.status).toBe(201);
    expect(again.json.refund).toMatchObject({ id: "F-1", status: "duplicate", points: 0, balance: 82 });
    const replay = await postRefund(shop, refundBody("O-1", { id: "F-1" }), { key: "a" });
    expect(replay.response.headers.get("Idempotent-Replayed")).toBe("true");
    expect(replay.json.refund).toMatchObject({ status: "clawed_back", points: 41 });
    expect(await balance()).toBe(82);
  });

  it("never takes the balance below zero: the rest is a recorded shortfall", async () => {
    const row = await db.shop.findUniqueOrThrow({ where: { id: shop.id } });
    await adjustPoints({ db, clock: systemClock, logger }, row, { memberId, points: -100, reason: "redeemed a reward", actor: "test" });

    const { json } = await postRefund(shop, refundBody("O-1", { refundedAmount: "123.45" }));

    expect(json.refund).toMatchObject({ status: "clawed_back", points: 23, shortfall: 100, balance: 0 });
    await expectLedgerOk(shop.id);
  });

  it("answers 404 for an order with no award: unknown, on another channel, or one that earned nothing", async () => {
    const unknown = await postRefund(shop, refundBody("NOPE"));
    expect(unknown.response.status).toBe(404);
    expect(unknown.json).toMatchObject({ error: "order_not_found", message: expect.stringContaining('"NOPE"') });

    expect((await postRefund(shop, refundBody("O-1", { channel: "marketplace" }))).response.status).toBe(404);

    await postOrder(shop, orderBody({ id: "U-1", buyer: { email: "stranger@example.com" } }));
    expect((await postRefund(shop, refundBody("U-1"))).response.status).toBe(404);
    expect(await balance()).toBe(123);
  });

  it("validates like orders: currency, decimals, fields", async () => {
    const wrong = await postRefund(shop, refundBody("O-1", { currency: "CAD", refundedAmount: "1.001" }));
    expect(wrong.response.status).toBe(422);
    expect(wrong.json).toEqual({
      error: "invalid_request",
      message: "The request body is invalid",
      fields: { currency: "Must be USD, the shop currency", refundedAmount: "USD has at most 2 decimals" },
    });
    const missing = await postRefund(shop, { channel: "pos-legacy" });
    expect(Object.keys(missing.json.fields ?? {}).sort()).toEqual(["currency", "id", "occurredAt", "orderId", "refundedAmount"]);
    expect(await balance()).toBe(123);
  });
});
