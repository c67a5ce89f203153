import { describe, expect, it } from "vitest";
import { cohortTag, defaultRuleKey, paramsToForm, parseRuleParams, ruleKeyError } from "./templates";

const context = { currency: "USD", tiers: ["Bronze", "Silver", "Gold"] };

describe("rule parameters", () => {
  it("takes the template's defaults for what is not given", () => {
    expect(parseRuleParams("cart-abandoned-low-stock", {}, context)).toEqual({ ok: true, params: { template: "cart-abandoned-low-stock", hours: 24, lookbackDays: 14 } });
  });

  it("refuses values outside the limits, with the field's message", () => {
    expect(parseRuleParams("cart-abandoned-low-stock", { hours: "0" }, context)).toEqual({ ok: false, errors: { hours: "Enter 1 or more" } });
    expect(parseRuleParams("cart-abandoned-low-stock", { hours: "721" }, context)).toEqual({ ok: false, errors: { hours: "Enter 720 or less" } });
    expect(parseRuleParams("repeat-purchaser", { minOrders: "1" }, context)).toEqual({ ok: false, errors: { minOrders: "Enter 2 or more" } });
    expect(parseRuleParams("lapsed", { days: "2.5" }, context)).toEqual({ ok: false, errors: { days: "Enter a whole number" } });
  });

  it("refuses a setting the template does not have, rather than ignoring a typo", () => {
    const result = parseRuleParams("cart-abandoned-low-stock", { hour: "4" }, context);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.hour).toMatch(/Not a setting.*hours, lookbackDays/);
  });

  it("keeps money in minor units of the shop's currency", () => {
    expect(parseRuleParams("high-value", { minSpend: "250.5" }, context)).toMatchObject({ ok: true, params: { minSpend: 25050 } });
    expect(parseRuleParams("high-value", { minSpend: "250.505" }, context)).toEqual({ ok: false, errors: { minSpend: "Use at most 2 decimal places for USD" } });
    expect(parseRuleParams("high-value", { minSpend: "500" }, { ...context, currency: "JPY" })).toMatchObject({ ok: true, params: { minSpend: 500 } });
    expect(parseRuleParams("high-value", { minSpend: "0" }, context)).toEqual({ ok: false, errors: { minSpend: "Enter an amount above zero" } });
    expect(paramsToForm({ template: "high-value", minSpend: 25050, days: 365 }, "USD")).toEqual({ minSpend: "250.50", days: "365" });
  });

  it("takes a tier only from the program's tiers", () => {
    expect(parseRuleParams("tier", { tier: "Gold" }, context)).toEqual({ ok: true, params: { template: "tier", tier: "Gold" } });
    expect(parseRuleParams("tier", { tier: "Platinum" }, context)).toEqual({ ok: false, errors: { tier: "Choose one of the program's tiers: Bronze, Silver, Gold" } });
    expect(parseRuleParams("tier", {}, context)).toEqual({ ok: false, errors: { tier: "Choose a tier" } });
  });
});

describe("keys and tags", () => {
  it("defaults the key to the template's, and a tier rule's to tier-<name>", () => {
    expect(defaultRuleKey({ template: "lapsed", days: 90 })).toBe("lapsed");
    expect(defaultRuleKey({ template: "tier", tier: "Gold Plus" })).toBe("tier-gold-plus");
    expect(cohortTag("roost-", "lapsed")).toBe("roost-lapsed");
  });

  it("refuses keys that are not lower-case slugs, and tags over Shopify's 255 characters", () => {
    expect(ruleKeyError("vip-scarcity-shopper", "roost-")).toBeNull();
    expect(ruleKeyError("VIP", "roost-")).toMatch(/lower-case/);
    expect(ruleKeyError("a--b", "roost-")).toMatch(/lower-case/);
    expect(ruleKeyError("a".repeat(249), "roost-")).toBeNull();
    expect(ruleKeyError("a".repeat(250), "roost-")).toMatch(/255/);
  });
});
