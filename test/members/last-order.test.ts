import { beforeAll, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { loader } from "../../app/routes/app.members";
import { customerPayload, orderPayload } from "../fixtures/rest-payloads";
import { deliver } from "../support/deliver";
import { adminRequest } from "../support/shopify";
import { type ApiShop, apiShop, enrol, orderBody, postOrder } from "../api/helpers";
import { args, customer, programShop } from "./helpers";

// Member.lastOrderAt: kept by the ledger's award of a paid order (Shopify's and the external
// orders API's), the latest processedAt wins, a replay or an older order changes nothing; the
// Members list sorts by it, members without an order last.

const lastOrder = async (shopId: string, customerGid: string) =>
  (await db.member.findFirstOrThrow({ where: { shopId, customerGid }, select: { lastOrderAt: true } })).lastOrderAt?.toISOString() ?? null;

describe("a member's last order", () => {
  let shop: string;
  let shopId: string;
  const ANA = "gid://shopify/Customer/7101";
  const paid = (id: number, processedAt: string, extra: Partial<Parameters<typeof orderPayload>[0]> = {}) =>
    orderPayload({ id, customerId: 7101, lines: [{ id: id * 10, price: "20.00", quantity: 1 }], processedAt, ...extra });

  beforeAll(async () => {
    ({ shop, shopId } = await programShop());
    await deliver({ topic: "customers/create", shop, payload: customerPayload({ id: 7101, email: "ana.lima@example.com" }) });
  });

  it("is empty before any order, then the paid order's processedAt", async () => {
    expect(await lastOrder(shopId, ANA)).toBeNull();
    await deliver({ topic: "orders/paid", shop, payload: paid(71, "2026-11-10T10:00:00-05:00") });
    expect(await lastOrder(shopId, ANA)).toBe("2026-11-10T15:00:00.000Z");
  });

  it("moves to a later order and stays there when an older one or a replay arrives", async () => {
    await deliver({ topic: "orders/paid", shop, payload: paid(72, "2026-11-20T09:00:00-05:00") });
    expect(await lastOrder(shopId, ANA)).toBe("2026-11-20T14:00:00.000Z");
    // Delivered late, processed before: the last order is still the later one.
    await deliver({ topic: "orders/paid", shop, payload: paid(73, "2026-11-15T09:00:00-05:00") });
    await deliver({ topic: "orders/paid", shop, payload: paid(72, "2026-11-20T09:00:00-05:00") });
    expect(await lastOrder(shopId, ANA)).toBe("2026-11-20T14:00:00.000Z");
    expect(await db.ledgerEntry.count({ where: { shopId, kind: "earn" } })).toBe(3);
  });

  it("is not set by an order that earns nothing (unpaid, or a test order)", async () => {
    await deliver({ topic: "orders/create", shop, payload: paid(74, "2026-11-25T09:00:00-05:00", { financialStatus: "pending" }) });
    await deliver({ topic: "orders/paid", shop, payload: paid(75, "2026-11-26T09:00:00-05:00", { test: true }) });
    expect(await lastOrder(shopId, ANA)).toBe("2026-11-20T14:00:00.000Z");
  });
});

describe("an external order's last order", () => {
  let shop: ApiShop;
  beforeAll(async () => {
    shop = await apiShop();
    await enrol(shop, 7201, "bo.chen@example.com");
  });

  it("is set by the orders API's award, once per Idempotency-Key", async () => {
    const body = orderBody({ buyer: { email: "bo.chen@example.com" }, occurredAt: "2026-11-21T10:00:00-05:00" });
    const first = await postOrder(shop, body, { key: "last-order-1" });
    expect(first.response.status).toBe(201);
    expect(await lastOrder(shop.id, "gid://shopify/Customer/7201")).toBe("2026-11-21T15:00:00.000Z");
    const older = orderBody({ buyer: { email: "bo.chen@example.com" }, occurredAt: "2026-11-02T10:00:00-05:00" });
    expect((await postOrder(shop, older, { key: "last-order-2" })).response.status).toBe(201);
    await postOrder(shop, body, { key: "last-order-1" });
    expect(await lastOrder(shop.id, "gid://shopify/Customer/7201")).toBe("2026-11-21T15:00:00.000Z");
  });
});

describe("sorting the Members list by last order", () => {
  let shop: string;
  const list = async (query: string) => (await loader(args(await adminRequest(`/app/members${query}`, shop)))).search;
  const names = (search: { members: { email: string | null }[] }) => search.members.map((member) => member.email?.split("@")[0]);

  beforeAll(async () => {
    ({ shop } = await programShop());
    const people: [number, string, string | null][] = [
      [7301, "ana", "2026-11-03T10:00:00Z"],
      [7302, "bo", null],
      [7303, "cleo", "2026-11-20T10:00:00Z"],
      [7304, "dev", "2026-10-01T10:00:00Z"],
      [7305, "eve", null],
    ];
    for (const [id, name, at] of people) {
      const member = await customer(shop, { id, email: `${name}@example.com`, firstName: name });
      await db.member.update({ where: { id: member.id }, data: { lastOrderAt: at ? new Date(at) : null } });
    }
  });

  it("most recent first or oldest first, members without an order last either way", async () => {
    const recent = await list("?sort=last-order-desc");
    expect(recent.sort).toBe("last-order-desc");
    expect(names(recent).slice(0, 3)).toEqual(["cleo", "ana", "dev"]);
    expect(names(recent).slice(3).sort()).toEqual(["bo", "eve"]);
    const oldest = await list("?sort=last-order-asc");
    expect(names(oldest).slice(0, 3)).toEqual(["dev", "ana", "cleo"]);
    expect(names(oldest).slice(3).sort()).toEqual(["bo", "eve"]);
  });

  it("gives each member's last order to the page", async () => {
    const recent = await list("?sort=last-order-desc");
    expect(recent.members.map((member) => member.lastOrderAt)).toEqual(["2026-11-20T10:00:00.000Z", "2026-11-03T10:00:00.000Z", "2026-10-01T10:00:00.000Z", null, null]);
  });

  it("combines with a search and a filter", async () => {
    // "v" is in dev's and eve's emails only.
    expect(names(await list("?sort=last-order-desc&q=v"))).toEqual(["dev", "eve"]);
    expect(names(await list("?sort=last-order-asc&tier=Bronze")).slice(0, 3)).toEqual(["dev", "ana", "cleo"]);
  });
});
