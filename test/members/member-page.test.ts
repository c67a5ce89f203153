import { beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { action, loader } from "../../app/routes/app.members.$id";
import { verifyLedger } from "../../app/services/ledger/verify.server";
import { METAFIELDS_QUEUE } from "../../app/services/outbox/metafields.server";
import { orderPayload, refundPayload } from "../fixtures/rest-payloads";
import { deliver } from "../support/deliver";
import { adminRequest } from "../support/shopify";
import { args, customer, programShop, settle } from "./helpers";

const ANA = 115310627;
let shop: string;
let shopId: string;
let memberId: string;

const load = async (id = memberId, asShop = shop) => settle(loader(args(await adminRequest(`/app/members/${id}`, asShop), { id })));
const detail = async () => {
  const result = await load();
  if (result instanceof Response) throw new Error(`loader answered ${result.status}`);
  return result;
};
const adjust = async (fields: Record<string, string>, id = memberId, asShop = shop) =>
  settle(action(args(await adminRequest(`/app/members/${id}`, asShop, { method: "POST", body: new URLSearchParams(fields) }), { id })));

beforeEach(async () => {
  ({ shop, shopId } = await programShop());
  memberId = (await customer(shop, { id: ANA, email: "ana.lima@example.com", firstName: "Ana", lastName: "Lima" })).id;
  // 2 × 32.00 less a 6.40 discount (tax 5.12 not included), a 50.00 gift card and 6.00 shipping:
  // eligible 57.60 → 57 points at rate 1, Bronze ×1.
  await deliver({
    topic: "orders/paid",
    shop,
    payload: orderPayload({
      id: 501,
      customerId: ANA,
      shipping: "6.00",
      lines: [
        { id: 5011, price: "32.00", quantity: 2, discounts: ["6.40"], taxes: ["5.12"] },
        { id: 5012, price: "50.00", quantity: 1, giftCard: true },
      ],
    }),
  });
  // One beanie back: 28.80 of 57.60 → round_half_up(57 × 0.5) = 29 clawed back.
  await deliver({ topic: "refunds/create", shop, payload: refundPayload({ id: 601, orderId: 501, lines: [{ lineItemId: 5011, quantity: 1, subtotal: "28.80", tax: "2.56" }] }) });
});

describe("a member's page", () => {
  it("shows balance, tier, held and capped points, the ledger with its terms and anchors, and the timeline", async () => {
    const { member, orderNames, exponent, currency } = await detail();
    expect(member).toMatchObject({ email: "ana.lima@example.com", name: "Ana Lima", balance: 28, tier: "Bronze", held: 0, capped: 0 });
    expect({ exponent, currency }).toEqual({ exponent: 2, currency: "USD" });
    expect(member.entries.map((entry) => [entry.kind, entry.points, entry.balanceAfter, entry.eligibleAmount, entry.rate, entry.multiplier, entry.tier, entry.orderGid, entry.refundGid])).toEqual([
      ["earn", 57, 57, 5760, "1", "1", "Bronze", "gid://shopify/Order/501", null],
      ["clawback", -29, 28, 2880, "1", "1", "Bronze", "gid://shopify/Order/501", "gid://shopify/Refund/601"],
    ]);
    expect(orderNames).toEqual({ "gid://shopify/Order/501": "#1501" });
    expect(member.timeline.map((event) => [event.type, event.data])).toEqual([
      ["first_purchase", { order: "gid://shopify/Order/501", orderCount: 1 }],
      ["points_earned", { points: 57, balance: 57, order: "gid://shopify/Order/501" }],
      ["points_clawed_back", { points: 29, shortfall: 0, balance: 28, order: "gid://shopify/Order/501" }],
    ]);
  });

  it("is not found for an unknown id, and for another shop's token", async () => {
    expect(((await load("no-such-member")) as Response).status).toBe(404);
    const { shop: other } = await programShop();
    expect(((await load(memberId, other)) as Response).status).toBe(404);
    expect(((await adjust({ points: "10", reason: "goodwill" }, memberId, other)) as Response).status).toBe(404);
    expect((await db.member.findUniqueOrThrow({ where: { id: memberId } })).balance).toBe(28);
  });
});

describe("a manual adjustment", () => {
  it("needs a reason and a non-zero whole number of points", async () => {
    expect(await adjust({ points: "10", reason: "  " })).toEqual({ ok: false, errors: { reason: "Give a reason: it is kept on the ledger and in the audit log" } });
    expect(await adjust({ points: "10" })).toEqual({ ok: false, errors: { reason: "Give a reason: it is kept on the ledger and in the audit log" } });
    expect(await adjust({ points: "0", reason: "nothing" })).toEqual({ ok: false, errors: { points: "Enter a number of points other than 0" } });
    expect(await adjust({ points: "-0", reason: "nothing" })).toEqual({ ok: false, errors: { points: "Enter a number of points other than 0" } });
    expect(await adjust({ points: "2.5", reason: "half" })).toEqual({ ok: false, errors: { points: "Enter a whole number of points, such as 50 or -20" } });
    expect(await adjust({ points: "ten", reason: "" })).toEqual({
      ok: false,
      errors: { points: "Enter a whole number of points, such as 50 or -20", reason: "Give a reason: it is kept on the ledger and in the audit log" },
    });
    expect(await adjust({ points: "5000000", reason: "typo" })).toEqual({ ok: false, errors: { points: "Adjust by at most 1,000,000 points at a time" } });
    expect(await db.ledgerEntry.count({ where: { shopId, kind: "adjustment" } })).toBe(0);
    expect(await db.auditLog.count({ where: { shopId } })).toBe(0);
  });

  it("cannot take a balance below zero, and says how much it can take", async () => {
    expect(await adjust({ points: "-29", reason: "return fraud" })).toEqual({
      ok: false,
      errors: { points: "The balance is 28: you can remove at most 28 points (a balance never goes below zero)" },
    });
    expect((await detail()).member.balance).toBe(28);
    expect(await db.auditLog.count({ where: { shopId } })).toBe(0);
  });

  it("adds and removes points on the ledger, with who and why, and audits it", async () => {
    expect(await adjust({ points: "+12", reason: " Goodwill for a late delivery " })).toEqual({ ok: true, points: 12, balance: 40 });
    expect(await adjust({ points: "-40", reason: "Duplicate account merged" })).toEqual({ ok: true, points: -40, balance: 0 });

    const { member } = await detail();
    expect(member.balance).toBe(0);
    // The session token's user (the test helper's user 12345): Roost runs on offline sessions.
    const actor = "staff user 12345 via admin";
    expect(member.entries.slice(2).map((entry) => [entry.kind, entry.points, entry.balanceAfter, entry.reason, entry.actor])).toEqual([
      ["adjustment", 12, 40, "Goodwill for a late delivery", actor],
      ["adjustment", -40, 0, "Duplicate account merged", actor],
    ]);
    const audit = await db.auditLog.findMany({ where: { shopId }, orderBy: { createdAt: "asc" } });
    expect(audit.map((row) => [row.actor, row.action, JSON.parse(row.details)])).toEqual([
      [actor, "points.adjusted", { memberId, points: 12, reason: "Goodwill for a late delivery", balance: 40 }],
      [actor, "points.adjusted", { memberId, points: -40, reason: "Duplicate account merged", balance: 0 }],
    ]);
    expect((await verifyLedger(db, shopId)).violations).toEqual([]);
    // The balance goes to the customer's metafield like any other change.
    const write = await db.job.findUniqueOrThrow({ where: { queue_key: { queue: METAFIELDS_QUEUE, key: `${shopId}:gid://shopify/Customer/${ANA}` } } });
    expect({ ...JSON.parse(write.payload), status: write.status }).toMatchObject({ balance: 0, status: "pending" });
  });
});
