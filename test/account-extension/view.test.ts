import { describe, expect, it } from "vitest";
import type { LedgerLine } from "../../extensions/roost-account/src/types";
import {
  blockRewards,
  formatMoney,
  joinMessage,
  ledgerMessage,
  progress,
  progressMessage,
  redeemStateMessage,
  rewardCostMessage,
  rewardMessage,
  rewardNeededMessage,
  sortedRewards,
  text,
  type Message,
} from "../../extensions/roost-account/src/view";
import { fakeI18n, member, plain, reward, USD, type Locale } from "./support";

const EUR = { enabled: true, earnRate: "1.5", currency: "EUR", currencyExponent: 2 };
const JPY = { enabled: true, earnRate: "1", currency: "JPY", currencyExponent: 0 };

const say = (locale: Locale, message: Message, program: { currency: string; currencyExponent: number } = USD) => plain(text(fakeI18n(locale), program, message));

const line = (kind: LedgerLine["kind"], points: number, extra: Partial<LedgerLine> = {}): LedgerLine => ({
  id: `${kind}-${points}`,
  kind,
  points,
  createdAt: "2026-12-01T10:00:00.000Z",
  orderName: null,
  rewardName: null,
  bonus: null,
  ...extra,
});

describe("ledger lines in sentences", () => {
  // Every kind the ledger has, with and without the order or reward it names, in both languages.
  const cases: [LedgerLine, string, string][] = [
    [line("earn", 57, { orderName: "#1001" }), "Earned 57 points on order #1001", "57 points gagnés sur la commande #1001"],
    [line("earn", 1, { orderName: "#1002" }), "Earned 1 point on order #1002", "1 point gagné sur la commande #1002"],
    [line("earn", 1200), "Earned 1,200 points", "1 200 points gagnés"],
    [line("capped", 20, { orderName: "#1003" }), "Earned 20 points on order #1003 (daily limit reached)", "20 points gagnés sur la commande #1003 (limite quotidienne atteinte)"],
    [line("capped", 0, { orderName: "#1004" }), "No points for order #1004: daily limit reached", "Aucun point pour la commande #1004 : limite quotidienne atteinte"],
    [line("held", 0, { orderName: "#1005" }), "Points for order #1005 are on their way", "Les points de la commande #1005 arrivent bientôt"],
    [line("released", 57, { orderName: "#1005" }), "Earned 57 points on order #1005", "57 points gagnés sur la commande #1005"],
    [line("clawback", -29, { orderName: "#1001" }), "29 points removed: order #1001 was refunded", "29 points retirés : la commande #1001 a été remboursée"],
    [line("clawback", -1), "1 point removed for a refund", "1 point retiré suite à un remboursement"],
    [line("adjustment", 10), "10 points added to your balance", "10 points ajoutés à votre solde"],
    [line("adjustment", -5), "5 points removed from your balance", "5 points retirés de votre solde"],
    [line("redemption", -50, { rewardName: "$5 off" }), "Redeemed 50 points for $5 off", "50 points échangés contre $5 off"],
    [line("redemption", -30), "Redeemed 30 points", "30 points échangés"],
    [line("returned", 50, { rewardName: "$5 off" }), "50 points returned: $5 off could not be issued", "50 points rendus : $5 off n’a pas pu être émis"],
    [line("bonus", 100, { bonus: "signup" }), "Sign-up bonus: 100 points", "Bonus d’inscription : 100 points"],
    [line("bonus", 25, { bonus: "birthday" }), "Birthday bonus: 25 points", "Bonus d’anniversaire : 25 points"],
    [line("bonus", 1), "Bonus: 1 point", "Bonus : 1 point"],
    [line("expiry", -56), "56 points expired", "56 points expirés"],
  ];

  it.each(cases)("%o", (entry, en, fr) => {
    expect(say("en", ledgerMessage(entry))).toBe(en);
    expect(say("fr", ledgerMessage(entry))).toBe(fr);
  });

  it("covers every kind of the contract", () => {
    const kinds = new Set(cases.map(([entry]) => entry.kind));
    expect([...kinds].sort()).toEqual(["adjustment", "bonus", "capped", "clawback", "earn", "expiry", "held", "redemption", "released", "returned"]);
  });

  it("reads a kind it does not know by which way the balance moved", () => {
    expect(say("en", ledgerMessage(line("mystery" as LedgerLine["kind"], 7)))).toBe("7 points added to your balance");
  });
});

describe("progress to the next tier", () => {
  it("says how many points are left, in both languages and with plurals", () => {
    expect(say("en", progressMessage(member()))).toBe("120 points to Silver");
    expect(say("fr", progressMessage(member()))).toBe("Encore 120 points pour Silver");
    expect(say("en", progressMessage(member({ nextTier: { name: "Gold", pointsNeeded: 1 } })))).toBe("1 point to Gold");
    expect(say("fr", progressMessage(member({ nextTier: { name: "Gold", pointsNeeded: 1 } })))).toBe("Encore 1 point pour Gold");
  });

  it("at the top tier and with the threshold already met", () => {
    expect(say("en", progressMessage(member({ tier: "Gold", nextTier: null })))).toBe("Gold is our top tier");
    expect(say("en", progressMessage(member({ nextTier: { name: "Silver", pointsNeeded: 0 } })))).toBe("You have reached Silver: it applies from your next order");
  });

  it("the bar: points this tier period out of what the next tier needs", () => {
    expect(progress(member())).toEqual({ value: 380, max: 500 });
    expect(progress(member({ nextTier: null }))).toBeNull();
    expect(progress(member({ tierPoints: 0, nextTier: { name: "Silver", pointsNeeded: 0 } }))).toEqual({ value: 1, max: 1 });
  });
});

describe("rewards", () => {
  it("what each type gives, in the shop's currency", () => {
    expect(say("en", rewardMessage(reward()))).toBe("$5 off");
    expect(say("en", rewardMessage(reward({ value: 450 })))).toBe("$4.50 off");
    expect(say("en", rewardMessage(reward({ type: "percentage", value: 10 })))).toBe("10% off");
    expect(say("en", rewardMessage(reward({ type: "free_shipping", value: null })))).toBe("Free shipping");
    expect(say("en", rewardMessage(reward({ type: "store_credit", value: 1000 })))).toBe("$10 in store credit");
    expect(say("en", rewardMessage(reward({ type: "percentage", value: 10, minimumSubtotal: 5000 })))).toBe("10% off on orders of $50 or more");
    expect(say("fr", rewardMessage(reward({ type: "percentage", value: 10, minimumSubtotal: 5000 })), EUR)).toBe("10 % de réduction sur les commandes de 50 € ou plus");
    expect(say("fr", rewardMessage(reward({ value: 1999 })), EUR)).toBe("19,99 € de réduction");
    expect(say("en", rewardMessage(reward({ value: 500 })), JPY)).toBe("¥500 off");
  });

  it("cost, and how many points are still needed", () => {
    expect(say("en", rewardCostMessage(reward()))).toBe("50 points");
    expect(say("fr", rewardCostMessage(reward({ pointsCost: 1 })))).toBe("1 point");
    expect(rewardNeededMessage(reward())).toBeNull();
    expect(say("en", rewardNeededMessage(reward({ affordable: false, pointsNeeded: 120 }))!)).toBe("120 more points needed");
    expect(say("en", rewardNeededMessage(reward({ affordable: false, pointsNeeded: 1 }))!)).toBe("1 more point needed");
    expect(say("fr", rewardNeededMessage(reward({ affordable: false, pointsNeeded: 2 }))!)).toBe("Encore 2 points nécessaires");
  });

  it("affordable first, cheapest first; the block shows up to three, or the closest one", () => {
    const a = reward({ id: "a", pointsCost: 50 });
    const b = reward({ id: "b", pointsCost: 30 });
    const far = reward({ id: "far", pointsCost: 900, affordable: false, pointsNeeded: 820 });
    const near = reward({ id: "near", pointsCost: 200, affordable: false, pointsNeeded: 120 });
    expect(sortedRewards([far, a, near, b]).map((r) => r.id)).toEqual(["b", "a", "near", "far"]);
    expect(blockRewards([far, a, near, b]).map((r) => r.id)).toEqual(["b", "a"]);
    expect(blockRewards([far, near]).map((r) => r.id)).toEqual(["near"]);
    const many = [1, 2, 3, 4].map((n) => reward({ id: `r${n}`, pointsCost: n }));
    expect(blockRewards(many)).toHaveLength(3);
    expect(blockRewards([])).toEqual([]);
  });
});

describe("money and the join line", () => {
  it("minor units with the currency's exponent", () => {
    const i18n = fakeI18n("en");
    expect(formatMoney(i18n, USD, 500)).toBe("$5");
    expect(formatMoney(i18n, USD, 1234)).toBe("$12.34");
    expect(formatMoney(i18n, JPY, 1234)).toBe("¥1,234");
    expect(plain(formatMoney(fakeI18n("fr"), EUR, 123456))).toBe("1 234,56 €");
  });

  it("a signed-in customer who is not a member reads the earn rate", () => {
    expect(say("en", joinMessage(USD))).toBe("Join our rewards program: earn 1 point for every $1 you spend. Your first order makes you a member.");
    expect(say("en", joinMessage(EUR), EUR)).toBe("Join our rewards program: earn 1.5 points for every €1 you spend. Your first order makes you a member.");
    expect(say("fr", joinMessage(EUR), EUR)).toBe("Rejoignez notre programme de fidélité : gagnez 1,5 point pour chaque 1 € dépensé. Votre première commande fait de vous un membre.");
    expect(say("en", joinMessage(JPY), JPY)).toContain("for every ¥1 you spend");
  });
});

describe("after a click on Redeem", () => {
  const redemption = { id: "r1", rewardName: "$5 off", points: 50 };
  it("each state in words", () => {
    expect(redeemStateMessage({ status: "redeeming" }, "$5 off")).toBeNull();
    expect(say("en", redeemStateMessage({ status: "waiting", redemption: { ...redemption, status: "pending" } }, "$5 off")!)).toBe("Preparing your code for $5 off…");
    expect(say("en", redeemStateMessage({ status: "issued", redemption: { ...redemption, status: "issued", code: "ROOST-1" } }, "$5 off")!)).toBe("Your code for $5 off:");
    expect(say("en", redeemStateMessage({ status: "issued", redemption: { ...redemption, status: "issued", code: null } }, "$10 credit")!)).toBe("$10 credit was added to your account.");
    expect(say("en", redeemStateMessage({ status: "failed", redemption: { ...redemption, status: "failed" } }, "$5 off")!)).toBe("$5 off could not be issued. Your points were returned.");
    expect(say("fr", redeemStateMessage({ status: "pending", redemption: { ...redemption, status: "pending" } }, "$5 off")!)).toContain("arrive");
    expect(say("en", redeemStateMessage({ status: "error", code: "insufficient_points" }, "$5 off")!)).toBe("You do not have enough points for this reward yet.");
  });
});
