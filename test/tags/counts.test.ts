import { beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { systemClock } from "../../app/lib/clock";
import { logger } from "../../app/lib/logger.server";
import { buildDeps, queueDefinitions } from "../../app/runtime.server";
import { updateCohortTagPrefix } from "../../app/services/cohorts/prefix.server";
import { listCohorts } from "../../app/services/cohorts/reports.server";
import { renameRule, setRuleEnabled } from "../../app/services/cohorts/rules.server";
import { redactCustomer } from "../../app/services/privacy/privacy.server";
import { cohortTagCounts, refreshTagCounts, TAG_COUNTS_QUEUE, tagCountsQueue } from "../../app/services/tags/counts.server";
import { ruleTagCounts } from "../../app/services/tags/status.server";
import { balanceRule, givePoints, member, type TagShop, tagShop, writeNow, shopRowOf } from "./support";

// The Cohorts page's tag counts (app/services/tags/counts.server.ts): a snapshot read while its
// fingerprint matches, counted again when a membership, a tag, a rule or the prefix changes; a
// stale one shown with its time only when young and slow to count; refreshed in the background.

let at: TagShop;
let ana: { customerGid: string; memberId: string };

beforeEach(async () => {
  at = await tagShop();
  ana = await member(at);
});

const rule = (key: string, minPoints?: number) => balanceRule(at, key, minPoints);
const shopRow = () => shopRowOf(at);
const NOW = new Date("2026-12-06T10:42:00Z");
const seconds = (count: number) => new Date(NOW.getTime() + count * 1000);
/** Figures no count gives: seeing them proves the snapshot was read, not counted. */
const tamper = () => db.ruleTagCount.updateMany({ where: { shopId: at.shopId }, data: { applied: 97, pending: 98, failed: 99 } });
const counts = async (now = NOW, options = {}) => {
  const view = await cohortTagCounts(db, await shopRow(), now, options);
  return { asOf: view.asOf, counts: view.rows.map(({ key, applied, pending, failed }) => ({ key, applied, pending, failed })) };
};
const SNAPSHOT = { asOf: null, counts: [{ key: "big-balance", applied: 97, pending: 98, failed: 99 }] };

describe("the Cohorts page's tag counts", () => {
  it("reads the stored snapshot while nothing changed, and agrees with the live count", async () => {
    await rule("big-balance");
    await givePoints(at, ana.memberId, 150);
    expect(await counts()).toEqual({ asOf: null, counts: [{ key: "big-balance", applied: 0, pending: 1, failed: 0 }] });
    const [stored] = await db.ruleTagCount.findMany({ where: { shopId: at.shopId } });
    expect(stored).toMatchObject({ applied: 0, pending: 1, failed: 0, countedAt: NOW });
    await tamper();
    expect(await counts(seconds(3600))).toEqual(SNAPSHOT);
    expect((await ruleTagCounts(db, await shopRow())).map((row) => row.pending)).toEqual([1]);
  });

  it("counts again when a membership changes (an entry, an exit)", async () => {
    await rule("big-balance");
    await counts();
    await tamper();
    await givePoints(at, ana.memberId, 150);
    expect(await counts()).toEqual({ asOf: null, counts: [{ key: "big-balance", applied: 0, pending: 1, failed: 0 }] });
    await writeNow(at);
    await counts();
    await tamper();
    await givePoints(at, ana.memberId, -100);
    expect(await counts()).toEqual({ asOf: null, counts: [{ key: "big-balance", applied: 1, pending: 1, failed: 0 }] });
  });

  it("counts again when a tag is written, and when the customer is redacted", async () => {
    await rule("big-balance");
    await givePoints(at, ana.memberId, 150);
    await counts();
    await tamper();
    await writeNow(at);
    expect(await counts()).toEqual({ asOf: null, counts: [{ key: "big-balance", applied: 1, pending: 0, failed: 0 }] });

    await tamper();
    const shop = await shopRow();
    await redactCustomer(db, shop, { customerGid: ana.customerGid, email: null, orderGids: [] }, systemClock);
    expect(await counts()).toEqual({ asOf: null, counts: [{ key: "big-balance", applied: 0, pending: 0, failed: 0 }] });
  });

  it("counts again when a tag row alone changes state or goes (the writer's settlement, a customer deleted at Shopify)", async () => {
    await rule("big-balance");
    await givePoints(at, ana.memberId, 150);
    await writeNow(at);
    await counts();
    await tamper();
    // Same time as before: the state moving is enough.
    await db.customerTag.updateMany({ where: { shopId: at.shopId }, data: { state: "failed", error: "over the budget" } });
    expect(await counts()).toEqual({ asOf: null, counts: [{ key: "big-balance", applied: 0, pending: 0, failed: 1 }] });
    await tamper();
    await db.customerTag.deleteMany({ where: { shopId: at.shopId } });
    expect(await counts()).toEqual({ asOf: null, counts: [{ key: "big-balance", applied: 0, pending: 1, failed: 0 }] });
  });

  it("counts again when a rule is disabled, added or renamed, and when the prefix changes", async () => {
    const big = await rule("big-balance");
    await givePoints(at, ana.memberId, 150);
    await counts();
    await tamper();
    expect((await setRuleEnabled({ db, clock: systemClock }, await shopRow(), big.id, false, "test")).ok).toBe(true);
    expect(await counts()).toEqual({ asOf: null, counts: [{ key: "big-balance", applied: 0, pending: 0, failed: 0 }] });

    await tamper();
    const huge = await rule("huge-balance", 1000);
    expect((await counts()).counts).toEqual([
      { key: "big-balance", applied: 0, pending: 0, failed: 0 },
      { key: "huge-balance", applied: 0, pending: 0, failed: 0 },
    ]);
    await db.ruleTagCount.updateMany({ where: { ruleId: huge.id }, data: { failed: 99 } });
    expect((await renameRule({ db, clock: systemClock }, await shopRow(), huge.id, "top-balance", "test")).ok).toBe(true);
    expect((await counts()).counts).toEqual([
      { key: "big-balance", applied: 0, pending: 0, failed: 0 },
      { key: "top-balance", applied: 0, pending: 0, failed: 0 },
    ]);

    expect((await setRuleEnabled({ db, clock: systemClock }, await shopRow(), big.id, true, "test")).ok).toBe(true);
    await writeNow(at);
    await counts();
    await tamper();
    expect((await updateCohortTagPrefix(db, at.shop, "shop-", "test", systemClock)).ok).toBe(true);
    // Ana's roost-big-balance is still on her and shop-big-balance not yet: one to remove, one to add.
    const view = await cohortTagCounts(db, await shopRow(), NOW);
    expect(view.rows.map(({ tag, applied, pending, failed }) => ({ tag, applied, pending, failed }))).toEqual([
      { tag: "shop-big-balance", applied: 0, pending: 1, failed: 0 },
      { tag: "shop-top-balance", applied: 0, pending: 0, failed: 0 },
    ]);
  });

  it("shows a stale snapshot with its time while young, on a shop slow to count; counts again after the max age", async () => {
    await rule("big-balance");
    await counts(NOW, { slowMs: 0 });
    await tamper();
    await givePoints(at, ana.memberId, 150);
    expect(await counts(seconds(59), { slowMs: 0 })).toEqual({ ...SNAPSHOT, asOf: NOW });
    // A shop that counts fast counts now, whatever the snapshot's age.
    expect(await counts(seconds(59))).toEqual({ asOf: null, counts: [{ key: "big-balance", applied: 0, pending: 1, failed: 0 }] });

    await tamper();
    await db.ruleTagCount.updateMany({ where: { shopId: at.shopId }, data: { fingerprint: "before" } });
    expect(await counts(seconds(119), { slowMs: 0 })).toEqual({ asOf: null, counts: [{ key: "big-balance", applied: 0, pending: 1, failed: 0 }] });
  });

  it("names the snapshot's time on the Cohorts list, and nothing when the counts are current", async () => {
    await rule("big-balance");
    const shop = await shopRow();
    const [current] = await listCohorts(db, shop, NOW);
    expect(current).toMatchObject({ tags: { applied: 0, pending: 0, failed: 0 }, tagsAsOf: null });
    await db.ruleTagCount.updateMany({ where: { shopId: at.shopId }, data: { countMs: 1500 } });
    await givePoints(at, ana.memberId, 150);
    const [stale] = await listCohorts(db, shop, seconds(30));
    expect(stale).toMatchObject({ members: 1, tags: { applied: 0, pending: 0, failed: 0 }, tagsAsOf: NOW.toISOString() });
  });

  it("is refreshed in the background for shops slow to count, so their page reads an exact snapshot", async () => {
    await rule("big-balance");
    await counts();
    expect(await refreshTagCounts(db, await shopRow(), NOW)).toBe(false);
    await givePoints(at, ana.memberId, 150);

    // This shop counts fast: the schedule leaves it to its page.
    const context = { db, clock: { now: () => seconds(10) }, logger, signal: new AbortController().signal };
    expect(await tagCountsQueue(30_000).run([], context)).toEqual({ again: seconds(40) });
    expect(await db.ruleTagCount.findMany({ where: { shopId: at.shopId } })).toMatchObject([{ pending: 0, countedAt: NOW }]);

    await db.ruleTagCount.updateMany({ where: { shopId: at.shopId }, data: { countMs: 1500 } });
    await tagCountsQueue(30_000).run([], context);
    expect(await db.ruleTagCount.findMany({ where: { shopId: at.shopId } })).toMatchObject([{ pending: 1, countedAt: seconds(10) }]);
    await tamper();
    expect(await counts(seconds(20))).toEqual(SNAPSHOT);
    expect(await refreshTagCounts(db, await shopRow(), seconds(20))).toBe(false);

    expect(queueDefinitions(buildDeps({}), {}).map((definition) => definition.queue)).toContain(TAG_COUNTS_QUEUE);
  });
});
