import { describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { evaluateCohorts, previewMatches } from "../../app/services/cohorts/evaluate.server";
import { createRule } from "../../app/services/cohorts/rules.server";
import { pixelEvent, shopWithCatalogue, CHARCOAL_GID } from "../identity/helpers";

const clock = (iso: string) => ({ now: () => new Date(iso) });

describe("cohort engine (smoke)", () => {
  it("a visitor's low-stock add enters cart-abandoned once its window has passed", async () => {
    const { shopId } = await shopWithCatalogue();
    const shop = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
    await pixelEvent(shopId, "visitor-1", { name: "product_added_to_cart", at: "2026-12-01T10:00:00Z", variantGid: CHARCOAL_GID, stock: 3 });
    const created = await createRule({ db, clock: clock("2026-12-01T11:00:00Z") }, shop, { template: "cart-abandoned-low-stock", params: { hours: "4" }, enabled: true }, "test");
    expect(created.ok).toBe(true);
    expect(await db.cohortMembership.count({ where: { shopId } })).toBe(0);
    const preview = await previewMatches(db, shopId, { template: "cart-abandoned-low-stock", hours: 4, lookbackDays: 14 }, new Date("2026-12-01T15:00:00Z"));
    expect(preview).toMatchObject({ members: 0, visitors: 1 });
    const summary = await evaluateCohorts({ db, clock: clock("2026-12-01T15:00:00Z") }, shop);
    expect(summary.entered).toBe(1);
    const again = await evaluateCohorts({ db, clock: clock("2026-12-01T16:00:00Z") }, shop);
    expect(again.entered + again.exited).toBe(0);
    const membership = await db.cohortMembership.findFirstOrThrow({ where: { shopId } });
    expect(membership).toMatchObject({ subjectKey: "v:visitor-1", clientId: "visitor-1", variantGid: CHARCOAL_GID, stock: 3 });
    for (const rule of ["first-purchase", "repeat-purchaser", "lapsed", "tier", "points-balance", "vip-scarcity-shopper"] as const) {
      const made = await createRule({ db, clock: clock("2026-12-01T16:00:00Z") }, shop, { template: rule, params: rule === "tier" ? { tier: "Gold" } : {}, enabled: true }, "test");
      expect(made.ok, JSON.stringify(made)).toBe(true);
    }
    const made = await createRule({ db, clock: clock("2026-12-01T16:00:00Z") }, shop, { template: "high-value", params: { minSpend: "100.50" }, enabled: true }, "test");
    expect(made.ok, JSON.stringify(made)).toBe(true);
    await evaluateCohorts({ db, clock: clock("2026-12-01T16:00:00Z") }, shop, { scope: { clientIds: ["visitor-1"] } });
    expect((await db.shop.findUniqueOrThrow({ where: { id: shopId } })).cohortRulesEnabled).toBe(8);
  });
});
