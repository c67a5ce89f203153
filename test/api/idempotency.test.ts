import { beforeEach, describe, expect, it } from "vitest";
import { claimIdempotencyKey, LEASE_MS, pruneIdempotencyKeys, RETENTION_DAYS, requestHash } from "../../app/services/api/idempotency.server";
import { type ApiShop, apiShop, db, enrol, expectLedgerOk, orderBody, postOrder, postRefund, refundBody } from "./helpers";

let shop: ApiShop;

beforeEach(async () => {
  shop = await apiShop();
  await enrol(shop, 115310627, "ana.lima@example.com");
});

describe("Idempotency-Key", () => {
  it("is required: 400 without it, and nothing happens", async () => {
    const { response, json } = await postOrder(shop, orderBody(), { key: null });

    expect(response.status).toBe(400);
    expect(json).toMatchObject({ error: "idempotency_key_required" });
    expect(await db.ledgerEntry.count({ where: { shopId: shop.id } })).toBe(0);
  });

  it("must be 1–255 visible ASCII characters", async () => {
    const { response, json } = await postOrder(shop, orderBody(), { key: "x".repeat(256) });
    expect(response.status).toBe(400);
    expect(json).toMatchObject({ error: "invalid_idempotency_key" });
  });

  it("replays the first response for the same key and body, changing nothing", async () => {
    const body = orderBody({ id: "R-1" });
    const first = await postOrder(shop, body, { key: "order-R-1" });
    // Same JSON with keys in another order and other whitespace: the same request.
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(body).reverse()), null, 2);
    const replay = await postOrder(shop, reordered, { key: "order-R-1" });

    expect(first.response.status).toBe(201);
    expect(replay.response.status).toBe(201);
    expect(replay.response.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await replay.response.text()).toBe(await first.response.text());
    expect(replay.json.order).toMatchObject({ status: "awarded", points: 123 });
    expect(await db.ledgerEntry.count({ where: { shopId: shop.id } })).toBe(1);
    await expectLedgerOk(shop.id);
  });

  it("answers 409 to the same key with a different body, or on the other endpoint", async () => {
    const body = orderBody({ id: "R-2" });
    await postOrder(shop, body, { key: "k-2" });

    const changed = await postOrder(shop, { ...body, eligibleAmount: "123.46" }, { key: "k-2" });
    expect(changed.response.status).toBe(409);
    expect(changed.json).toMatchObject({ error: "idempotency_key_reused" });

    const elsewhere = await postRefund(shop, refundBody("R-2"), { key: "k-2" });
    expect(elsewhere.response.status).toBe(409);
    // A used key answers before validation: even an invalid body gets the 409.
    expect((await postOrder(shop, { nonsense: true }, { key: "k-2" })).response.status).toBe(409);
    expect((await db.member.findFirstOrThrow({ where: { shopId: shop.id } })).balance).toBe(123);
  });

  it("does not spend a key on a request that failed: a corrected retry goes through", async () => {
    const invalid = await postOrder(shop, orderBody({ id: "R-3", currency: "EUR" }), { key: "k-3" });
    expect(invalid.response.status).toBe(422);
    const corrected = await postOrder(shop, orderBody({ id: "R-3" }), { key: "k-3" });
    expect(corrected.response.status).toBe(201);
    expect(corrected.response.headers.get("Idempotent-Replayed")).toBeNull();

    // A refund that arrives before its order is a 404 and can be retried with its key later.
    const early = await postRefund(shop, refundBody("R-4", { id: "F-4" }), { key: "refund-F-4" });
    expect(early.response.status).toBe(404);
    await postOrder(shop, orderBody({ id: "R-4" }));
    const later = await postRefund(shop, refundBody("R-4", { id: "F-4" }), { key: "refund-F-4" });
    expect(later.response.status).toBe(201);
    expect(later.json.refund).toMatchObject({ status: "clawed_back", points: 41 });
  });

  it("is scoped to the shop: another shop may use the same key", async () => {
    const other = await apiShop();
    await enrol(other, 42, "ana.lima@example.com");
    const mine = await postOrder(shop, orderBody({ id: "S-1" }), { key: "shared-key" });
    const theirs = await postOrder(other, orderBody({ id: "S-1", eligibleAmount: "10.00" }), { key: "shared-key" });

    expect(mine.json.order).toMatchObject({ status: "awarded", points: 123 });
    expect(theirs.response.headers.get("Idempotent-Replayed")).toBeNull();
    expect(theirs.json.order).toMatchObject({ status: "awarded", points: 10 });
  });

  it("is safe under concurrency: five identical requests award once and all answer 201", async () => {
    const body = orderBody({ id: "C-1" });
    const results = await Promise.all(Array.from({ length: 5 }, () => postOrder(shop, body, { key: "concurrent" })));

    expect(results.map((result) => result.response.status)).toEqual([201, 201, 201, 201, 201]);
    expect(results.filter((result) => result.response.headers.get("Idempotent-Replayed") === null)).toHaveLength(1);
    expect(new Set(results.map((result) => JSON.stringify(result.json)))).toEqual(new Set([JSON.stringify(results[0].json)]));
    expect(results[0].json.order).toMatchObject({ status: "awarded", points: 123 });
    expect(await db.ledgerEntry.count({ where: { shopId: shop.id } })).toBe(1);
    await expectLedgerOk(shop.id);
  });

  it("awards once when the same order races under different keys", async () => {
    const body = orderBody({ id: "C-2" });
    const results = await Promise.all(Array.from({ length: 4 }, (_, index) => postOrder(shop, body, { key: `race-${index}` })));

    expect(results.map((result) => result.response.status)).toEqual([201, 201, 201, 201]);
    expect(results.map((result) => result.json.order.status).sort()).toEqual(["awarded", "duplicate", "duplicate", "duplicate"]);
    expect((await db.member.findFirstOrThrow({ where: { shopId: shop.id } })).balance).toBe(123);
    await expectLedgerOk(shop.id);
  });

  it("reports a request still in flight, and takes over one whose process died", async () => {
    const identity = { shopId: shop.id, key: "in-flight", requestHash: requestHash("POST", "/api/v1/orders", { a: 1 }) };
    expect(await claimIdempotencyKey(db, identity)).toMatchObject({ kind: "claimed" });
    expect(await claimIdempotencyKey(db, identity, { waitMs: 50 })).toEqual({ kind: "in_flight" });

    const later = { now: () => new Date(Date.now() + LEASE_MS + 1000) };
    expect(await claimIdempotencyKey(db, identity, { clock: later, waitMs: 50 })).toMatchObject({ kind: "claimed" });
  });

  it("forgets keys after the retention period", async () => {
    await postOrder(shop, orderBody({ id: "P-1" }), { key: "old" });
    const body = orderBody({ id: "P-2" });
    await postOrder(shop, body, { key: "recent" });
    await db.apiIdempotency.updateMany({ where: { shopId: shop.id, key: "old" }, data: { createdAt: new Date(Date.now() - (RETENTION_DAYS + 1) * 24 * 3600_000) } });

    expect(await pruneIdempotencyKeys(db)).toBeGreaterThanOrEqual(1);
    expect((await db.apiIdempotency.findMany({ where: { shopId: shop.id }, select: { key: true } })).map((row) => row.key)).toEqual(["recent"]);
    expect((await postOrder(shop, body, { key: "recent" })).response.headers.get("Idempotent-Replayed")).toBe("true");
  });
});
