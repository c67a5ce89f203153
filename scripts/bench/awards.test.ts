import { describe, expect, it } from "vitest";
import { orderEligible } from "../../app/services/mirror/eligible";
import { orderFromRest, restOrder } from "../../app/services/mirror/rest";
import { type AwardRow, checkAwards, eligibleFromRestOrder, expectedPoints, type RestOrderAmounts, type SentOrder } from "./awards";
import { PayloadFactory } from "./payloads";

const usd = (amount: string) => ({ shop_money: { amount, currency_code: "USD" } });

function line(price: string, quantity: number, extra: { discounts?: string[]; taxes?: string[]; giftCard?: boolean } = {}) {
  return {
    quantity,
    gift_card: extra.giftCard ?? false,
    price_set: usd(price),
    discount_allocations: (extra.discounts ?? []).map((amount) => ({ amount_set: usd(amount) })),
    tax_lines: (extra.taxes ?? []).map((amount) => ({ price_set: usd(amount) })),
  };
}

describe("eligibleFromRestOrder", () => {
  it("sums non-gift-card lines less their discounts, and keeps shipping apart", () => {
    const order: RestOrderAmounts = {
      taxes_included: false,
      total_shipping_price_set: usd("7.95"),
      line_items: [
        line("19.99", 2, { discounts: ["2.00"], taxes: ["3.04"] }),
        line("25.00", 1, { giftCard: true }),
        line("5.50", 3),
      ],
    };
    expect(eligibleFromRestOrder(order)).toEqual({ lines: 3998 - 200 + 1650, shipping: 795 });
  });

  it("takes each line's tax out when prices include tax", () => {
    const order: RestOrderAmounts = { taxes_included: true, total_shipping_price_set: null, line_items: [line("12.00", 1, { discounts: ["1.00"], taxes: ["2.00"] })] };
    expect(eligibleFromRestOrder(order)).toEqual({ lines: 900, shipping: 0 });
  });

  it("agrees with Roost's mirror on the bench's paid orders (discount codes and gift cards included)", () => {
    const factory = new PayloadFactory([], { start: Date.parse("2026-11-22T12:00:00Z") });
    // 0: a discount code; 3: a discount code and a gift card; 10: a gift card; 1: neither.
    const amounts = [0, 1, 3, 10].map((index) => {
      const payload = JSON.parse(factory.paidOrder(index).body) as unknown;
      const record = orderFromRest(restOrder.parse(payload));
      return { bench: eligibleFromRestOrder(payload as RestOrderAmounts).lines, roost: orderEligible(record).eligibleAmount, lines: record.lines.length };
    });
    expect(amounts.map(({ bench, roost }) => bench - roost)).toEqual([0, 0, 0, 0]);
    // 0: 90.82×2 − 18.16 + 95.82×3 − 28.75; 1: 54.24 + 85.79×2 + 93.10;
    // 3: 76.23×3 − 22.87 + 22.78×3 − 6.83 + 103.13 − 10.31 + 90.85×3 − 27.26 (+ a $25 gift card);
    // 10: 22.72×3 + 54.30×3 + 54.24 (+ a $25 gift card).
    expect(amounts.map(({ bench }) => bench)).toEqual([42219, 31892, 60544, 28530]);
    expect(amounts.map(({ lines }) => lines)).toEqual([2, 3, 5, 4]);
  });
});

describe("expectedPoints", () => {
  const terms = { currency: "USD", earnRate: "1", multiplier: "1", countShipping: false };

  it("floors eligible × rate × multiplier, exactly", () => {
    expect(expectedPoints({ lines: 5448, shipping: 795 }, terms)).toBe(54);
    expect(expectedPoints({ lines: 5448, shipping: 795 }, { ...terms, earnRate: "1.5", multiplier: "1.25" })).toBe(102);
  });

  it("counts shipping only when the shop does", () => {
    expect(expectedPoints({ lines: 5448, shipping: 795 }, { ...terms, countShipping: true })).toBe(62);
  });

  it("uses the currency's exponent", () => {
    expect(expectedPoints({ lines: 1234, shipping: 0 }, { ...terms, currency: "JPY", earnRate: "0.01" })).toBe(12);
  });
});

describe("checkAwards", () => {
  const gid = (n: number) => `gid://shopify/Order/${n}`;
  const customer = (n: number) => `gid://shopify/Customer/${n}`;
  const order = (n: number, extra: Partial<SentOrder> = {}): SentOrder => ({ orderGid: gid(n), customerGid: customer(n), sentAt: 1000 + n, acked: true, expectedPoints: 10 * n, ...extra });
  const grant = (n: number, extra: Partial<AwardRow> = {}): AwardRow => ({
    idempotencyKey: `shopify-order:${gid(n)}`,
    awardKey: `shopify-order:${gid(n)}`,
    orderGid: gid(n),
    kind: "earn",
    points: 10 * n,
    withheld: 0,
    customerGid: customer(n),
    createdAt: 1050 + n,
    ...extra,
  });
  const zero = new Map([1, 2, 3].map((n) => [customer(n), 0]));
  const balances = (after: number[]) => ({ before: zero, after: new Map(after.map((points, i) => [customer(i + 1), points])) });
  const summary = (check: ReturnType<typeof checkAwards>) => ({ awarded: check.awarded, problems: check.problems.map(({ kind, subject }) => `${kind} ${subject}`) });

  it("passes when every acknowledged order has one grant with its points, and times each", () => {
    const check = checkAwards([order(1), order(2), order(3)], [grant(1), grant(2), grant(3)], balances([10, 20, 30]));
    expect(summary(check)).toEqual({ awarded: 3, problems: [] });
    expect(check.endToEndMs).toEqual([50, 50, 50]);
    expect([check.firstSentAt, check.lastAwardAt]).toEqual([1001, 1053]);
    expect(Object.values(check.counts).every((count) => count === 0)).toBe(true);
  });

  it("reports a missing award once", () => {
    const check = checkAwards([order(1), order(2), order(3)], [grant(1), grant(3)], balances([10, 0, 30]));
    expect(summary(check)).toEqual({ awarded: 2, problems: [`missing ${gid(2)}`] });
    expect(check.problems[0].detail).toBe(`no earn entry for shopify-order:${gid(2)}`);
    expect(check.counts.missing).toBe(1);
  });

  it("reports a second grant for the same order as doubled, whatever its key", () => {
    const again = grant(2, { idempotencyKey: `shopify-order:${gid(2)}:again`, createdAt: 1100 });
    const check = checkAwards([order(1), order(2)], [grant(1), grant(2), again], balances([10, 40]));
    expect(summary(check)).toEqual({ awarded: 1, problems: [`doubled ${gid(2)}`] });
    expect(check.problems[0].detail).toBe(`2 grants for ${gid(2)}: shopify-order:${gid(2)} (20), shopify-order:${gid(2)}:again (20)`);
  });

  it("reports a grant that names no sent order as unexpected", () => {
    const stray = grant(9, { customerGid: customer(2), points: 20 });
    const check = checkAwards([order(1), order(2)], [grant(1), grant(2), stray], balances([10, 40]));
    expect(summary(check)).toEqual({ awarded: 2, problems: [`unexpected ${gid(9)}`] });
  });

  it("reports points added to a balance twice under one entry", () => {
    const check = checkAwards([order(1), order(2)], [grant(1), grant(2)], balances([10, 40]));
    expect(summary(check)).toEqual({ awarded: 2, problems: [`balance ${customer(2)}`] });
    expect(check.problems[0].detail).toBe("balance moved by 40, its grants for these orders add up to 20");
  });

  it("reports wrong points, a wrong member, a wrong key and withheld points", () => {
    const rows = [
      grant(1, { points: 11 }),
      grant(2, { customerGid: customer(3) }),
      grant(3, { idempotencyKey: `external-order:web:${3}` }),
    ];
    const check = checkAwards([order(1), order(2), order(3, { expectedPoints: 30 })], rows, balances([11, 0, 50]));
    expect(summary(check)).toEqual({ awarded: 0, problems: [`wrong-points ${gid(1)}`, `wrong-member ${gid(2)}`, `wrong-key ${gid(3)}`] });
    const capped = checkAwards([order(1)], [grant(1, { points: 4, withheld: 6 })], null);
    expect(summary(capped)).toEqual({ awarded: 0, problems: [`wrong-points ${gid(1)}`, `withheld ${gid(1)}`] });
  });

  it("tells held and unmatched orders from missing ones", () => {
    const held = grant(1, { kind: "held", idempotencyKey: `shopify-order:${gid(1)}:held`, points: 0, withheld: 10 });
    const check = checkAwards([order(1), order(2)], [held], balances([0, 0]), new Set([`shopify-order:${gid(2)}`]));
    expect(summary(check)).toEqual({ awarded: 0, problems: [`held ${gid(1)}`, `unmatched ${gid(2)}`] });
  });

  it("owes nothing to an order that was not acknowledged, and counts it when it was awarded anyway", () => {
    const check = checkAwards([order(1, { acked: false }), order(2, { acked: false })], [grant(1)], balances([10, 0]));
    expect(summary(check)).toEqual({ awarded: 0, problems: [] });
    expect([check.acked, check.awardedUnacked]).toEqual([0, 1]);
  });
});
