import { beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../app/cli/roost.server";
import db from "../app/db.server";
import { updateShopSettings } from "../app/services/shops/shops.server";
import { enabledRule } from "./cohorts/helpers";
import { captureCli } from "./support/cli";
import { deliver } from "./support/deliver";
import { fakeShopify } from "./support/shopify";
import { givePoints, member, shopifyTags, type TagShop, tagShop, writeNow } from "./tags/support";

// Cohort tags from the ops CLI (DESIGN "Interfaces"): what the tag writer has applied, owes and
// could not write, and the reconciliation run now.

let at: TagShop;

beforeEach(async () => {
  at = await tagShop();
});

async function roost(argv: string[]) {
  const cli = captureCli();
  const code = await runCli([...argv, "--shop", at.shop], cli.io);
  return { code, ...cli };
}

const rule = (key: string, minPoints = 100) => enabledRule(at.shopId, "points-balance", { minPoints: String(minPoints) }, new Date().toISOString(), key);

describe("roost tags:status", () => {
  it("lists pending, applied and failed tags with customer and reason, customers at the budget, and per-cohort counts", async () => {
    await updateShopSettings(db, at.shop, { cohortTagBudget: 1 });
    await rule("first", 100);
    await rule("second", 100);
    const ana = await member(at);
    await givePoints(at, ana.memberId, 150);
    expect(await writeNow(at)).toEqual({ written: 1, failed: 1, waiting: 0 });
    const ben = await member(at);
    await givePoints(at, ben.memberId, 150);

    const status = await roost(["tags:status", "--json"]);
    expect(status.stderr()).toBe("");
    expect(status.code).toBe(0);
    const json = status.json();
    expect(json).toMatchObject({ shop: at.shop, prefix: "roost-", budget: 1, queued: 2, atBudget: [ana.customerGid] });
    expect(json.pending).toEqual(
      [
        { customerGid: ben.customerGid, tag: "roost-first", reason: "to add" },
        { customerGid: ben.customerGid, tag: "roost-second", reason: "to add" },
      ],
    );
    expect(json.applied).toEqual([{ customerGid: ana.customerGid, tag: "roost-first" }]);
    expect(json.failed).toEqual([{ customerGid: ana.customerGid, tag: "roost-second", reason: expect.stringContaining("limit of 1 Roost tags"), at: expect.any(String) }]);
    expect(json.rules).toEqual([
      { key: "first", tag: "roost-first", applied: 1, pending: 1, failed: 0 },
      { key: "second", tag: "roost-second", applied: 0, pending: 1, failed: 1 },
    ]);

    const text = await roost(["tags:status"]);
    expect(text.code).toBe(0);
    expect(text.stdout()).toContain(`pending  roost-first   ${ben.customerGid}  to add`);
    expect(text.stdout()).toContain(`applied  roost-first   ${ana.customerGid}`);
    expect(text.stdout()).toMatch(new RegExp(`failed +roost-second +${ana.customerGid} +Not written`));
    expect(text.stdout()).toContain(`at the tag budget: ${ana.customerGid}`);
    expect(text.stdout()).toMatch(/second +roost-second +0 +1 +1/);
  });

  it("shows a tag still to remove, and refuses a bad --limit", async () => {
    await rule("big-balance");
    const ana = await member(at);
    await givePoints(at, ana.memberId, 150);
    await writeNow(at);
    await givePoints(at, ana.memberId, -100);
    expect((await roost(["tags:status", "--json"])).json().pending).toEqual([{ customerGid: ana.customerGid, tag: "roost-big-balance", reason: "to remove" }]);
    const bad = await roost(["tags:status", "--limit", "0"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr()).toBe("error: --limit must be a positive integer\n");
  });
});

describe("roost tags:reconcile", () => {
  it("repairs a tag removed by hand in Shopify: counts printed, the sync queued, the writer puts it back", async () => {
    await rule("big-balance");
    const ana = await member(at);
    await givePoints(at, ana.memberId, 150);
    await writeNow(at);
    const occurredAt = new Date().toISOString();
    await deliver({ topic: "customer.tags_added", shop: at.shop, payload: { customerId: ana.customerGid, tags: ["roost-big-balance"], occurredAt } });

    const clean = await roost(["tags:reconcile", "--json"]);
    expect(clean.code).toBe(0);
    expect(clean.json()).toEqual({ shop: at.shop, customersChecked: 1, drifted: 0, queued: 0 });

    fakeShopify.store.updateCustomer(at.shop, ana.customerGid, { tags: ["newsletter", "vip"] });
    await deliver({ topic: "customer.tags_removed", shop: at.shop, payload: { customerId: ana.customerGid, tags: ["roost-big-balance"], occurredAt: new Date().toISOString() } });
    const repaired = await roost(["tags:reconcile"]);
    expect(repaired.code).toBe(0);
    expect(repaired.stdout()).toBe(`${at.shop}: checked 1 customer(s); 1 drifted; queued 1 tag sync(s) for the server's tag writer.\n`);
    expect(await writeNow(at)).toEqual({ written: 1, failed: 0, waiting: 0 });
    expect(shopifyTags(at, ana.customerGid)).toEqual(["newsletter", "roost-big-balance", "vip"]);
  });
});
