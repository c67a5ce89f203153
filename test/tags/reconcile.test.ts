import { beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { systemClock } from "../../app/lib/clock";
import { buildDeps, queueDefinitions } from "../../app/runtime.server";
import { reconcileTags, TAGS_RECONCILE_QUEUE, tagsReconcileIntervalMs } from "../../app/services/tags/reconcile.server";
import { deliver } from "../support/deliver";
import { fakeShopify } from "../support/shopify";
import { balanceRule, givePoints, member, shopifyTags, type TagShop, tagShop, tagWrites, writeNow, shopRowOf } from "./support";

// The tag reconciliation (app/services/tags/reconcile.server.ts): drift made by hand in Shopify,
// seen by the mirror through customer.tags_added / tags_removed, is repaired by a sync.

let at: TagShop;
let ana: { customerGid: string; memberId: string };

beforeEach(async () => {
  at = await tagShop();
  ana = await member(at);
});

const rule = (key: string, minPoints?: number) => balanceRule(at, key, minPoints);
const shopRow = () => shopRowOf(at);
const reconcile = async () => reconcileTags({ db, clock: systemClock }, await shopRow());
const mirrorTags = async (customerGid: string) => JSON.parse((await db.customer.findUniqueOrThrow({ where: { shopId_gid: { shopId: at.shopId, gid: customerGid } } })).tags) as string[];

/** A merchant edits the customer's tags in Shopify's admin; Shopify tells Roost with the webhook. */
async function byHand(customerGid: string, change: { add?: string[]; remove?: string[] }) {
  const tags = new Set(shopifyTags(at, customerGid));
  for (const tag of change.add ?? []) tags.add(tag);
  for (const tag of change.remove ?? []) tags.delete(tag);
  fakeShopify.store.updateCustomer(at.shop, customerGid, { tags: [...tags] });
  const occurredAt = new Date().toISOString();
  if (change.add) await deliver({ topic: "customer.tags_added", shop: at.shop, payload: { customerId: customerGid, tags: change.add, occurredAt } });
  if (change.remove) await deliver({ topic: "customer.tags_removed", shop: at.shop, payload: { customerId: customerGid, tags: change.remove, occurredAt } });
}

/** Roost's own write comes back as customer.tags_added, as Shopify sends it. */
const echo = (customerGid: string, tags: string[]) =>
  deliver({ topic: "customer.tags_added", shop: at.shop, payload: { customerId: customerGid, tags, occurredAt: new Date().toISOString() } });

describe("the tag reconciliation", () => {
  it("finds nothing to do when the mirror shows exactly what the cohorts want", async () => {
    await rule("big-balance");
    await givePoints(at, ana.memberId, 150);
    await writeNow(at);
    await echo(ana.customerGid, ["roost-big-balance"]);
    expect(await reconcile()).toEqual({ customersChecked: 1, drifted: 0, queued: 0 });
    expect(await writeNow(at)).toEqual({ written: 0, failed: 0, waiting: 0 });
  });

  it("adds back a tag a merchant removed by hand from a member", async () => {
    await rule("big-balance");
    await givePoints(at, ana.memberId, 150);
    await writeNow(at);
    await echo(ana.customerGid, ["roost-big-balance"]);
    await byHand(ana.customerGid, { remove: ["roost-big-balance"] });
    expect(await mirrorTags(ana.customerGid)).not.toContain("roost-big-balance");
    expect(shopifyTags(at, ana.customerGid)).toEqual(["newsletter", "vip"]);

    expect(await reconcile()).toEqual({ customersChecked: 1, drifted: 1, queued: 1 });
    expect(await writeNow(at)).toEqual({ written: 1, failed: 0, waiting: 0 });
    expect(shopifyTags(at, ana.customerGid)).toEqual(["newsletter", "roost-big-balance", "vip"]);
    expect(tagWrites(at).map((call) => [call.op, call.tags])).toEqual([["add", ["roost-big-balance"]], ["add", ["roost-big-balance"]]]);
    await echo(ana.customerGid, ["roost-big-balance"]);
    expect(await reconcile()).toMatchObject({ drifted: 0, queued: 0 });
  });

  it("removes a Roost tag added by hand to a customer who is not in the cohort, and never touches a tag that is not Roost's", async () => {
    await rule("big-balance");
    const ben = await member(at, ["wholesale"]);
    await byHand(ben.customerGid, { add: ["roost-big-balance", "roost-not-a-rule", "vip"] });
    expect(await reconcile()).toEqual({ customersChecked: 2, drifted: 1, queued: 1 });
    expect(await writeNow(at)).toEqual({ written: 1, failed: 0, waiting: 0 });
    expect(shopifyTags(at, ben.customerGid)).toEqual(["roost-not-a-rule", "vip", "wholesale"]);
    expect(tagWrites(at).map((call) => [call.op, call.id, call.tags])).toEqual([["remove", ben.customerGid, ["roost-big-balance"]]]);
    expect(await db.customerTag.count({ where: { shopId: at.shopId } })).toBe(0);
  });

  it("removes a disabled rule's tag left on a customer, and leaves customers whose tag work is in flight alone", async () => {
    await rule("old-rule");
    await db.cohortRule.updateMany({ where: { shopId: at.shopId, key: "old-rule" }, data: { enabled: false } });
    await byHand(ana.customerGid, { add: ["roost-old-rule"] });
    await rule("big-balance");
    const ben = await member(at);
    await givePoints(at, ben.memberId, 150);
    // Ben's entry is queued, not written: the writer is on it.
    expect(await reconcile()).toEqual({ customersChecked: 2, drifted: 1, queued: 1 });
    await writeNow(at);
    expect(shopifyTags(at, ana.customerGid)).toEqual(["newsletter", "vip"]);
    expect(shopifyTags(at, ben.customerGid)).toEqual(["newsletter", "roost-big-balance", "vip"]);
  });

  it("runs on the process's runner unless ROOST_SYNC_JOBS=off, every ROOST_TAGS_RECONCILE_MS", () => {
    const queues = (env: Record<string, string>) => queueDefinitions(buildDeps({}), env).map((definition) => definition.queue);
    expect(queues({})).toContain(TAGS_RECONCILE_QUEUE);
    expect(queues({ ROOST_SYNC_JOBS: "off" })).not.toContain(TAGS_RECONCILE_QUEUE);
    expect(tagsReconcileIntervalMs({})).toBe(3600_000);
    expect(tagsReconcileIntervalMs({ ROOST_TAGS_RECONCILE_MS: "60000" })).toBe(60_000);
    expect(() => tagsReconcileIntervalMs({ ROOST_TAGS_RECONCILE_MS: "soon" })).toThrow(/ROOST_TAGS_RECONCILE_MS/);
  });
});
