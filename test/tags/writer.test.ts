import { beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { systemClock } from "../../app/lib/clock";
import { logger } from "../../app/lib/logger.server";
import { buildDeps, queueDefinitions } from "../../app/runtime.server";
import { TAGS_QUEUE } from "../../app/services/cohorts/outbox";
import { deleteRule, setRuleEnabled } from "../../app/services/cohorts/rules.server";
import { claimJobs, LEASE_MS } from "../../app/services/jobs/queue.server";
import { type AdminClientFactory, adminClientFor } from "../../app/services/shopify/admin.server";
import { markShopUninstalled, updateShopSettings } from "../../app/services/shops/shops.server";
import { customerTagStatus, ruleTagCounts, shopTagStatus } from "../../app/services/tags/status.server";
import { memoryAdminBudget, PACING_MARGIN_MS } from "../../app/services/shopify/admin-budget.server";
import { queueTagSync } from "../../app/services/tags/sync.server";
import { tagsQueue, UNINSTALLED_RECHECK_MS } from "../../app/services/tags/writer.server";
import { programSchema } from "../../app/services/program/settings";
import { enabledRule, runQueuedEvaluations } from "../cohorts/helpers";
import { deliver } from "../support/deliver";
import { fakeShopify, installTestShop, OFFLINE_TOKEN } from "../support/shopify";
import { balanceRule, givePoints, impatient, later, member, shopifyTags, type TagShop, tagJobs, tagShop, tagWrites, tagCalls, writeNow, shopRowOf } from "./support";

// The tag writer (app/services/tags/writer.server.ts): cohort entries and exits queued as tag
// ops become tagsAdd / tagsRemove calls on the fake Admin API, which keeps Shopify's cost
// throttle, userErrors and 250 tags per customer.

let at: TagShop;
let ana: { customerGid: string; memberId: string };

beforeEach(async () => {
  at = await tagShop();
  ana = await member(at);
});

const rule = (key: string, minPoints?: number) => balanceRule(at, key, minPoints);
const shopRow = () => shopRowOf(at);
const rows = (customerGid = ana.customerGid) => db.customerTag.findMany({ where: { shopId: at.shopId, customerGid }, orderBy: { tag: "asc" } });

describe("the tag writer", () => {
  it("gives a customer who enters a cohort exactly roost-<key>, once, with other apps' tags untouched", async () => {
    await rule("big-balance");
    await givePoints(at, ana.memberId, 150);
    expect(await tagJobs(at)).toMatchObject([{ status: "pending" }]);
    expect(await customerTagStatus(db, await shopRow(), ana.customerGid)).toEqual([{ tag: "roost-big-balance", status: "pending", reason: "to add" }]);

    expect(await writeNow(at)).toEqual({ written: 1, failed: 0, waiting: 0 });
    expect(shopifyTags(at, ana.customerGid)).toEqual(["newsletter", "roost-big-balance", "vip"]);
    expect(tagWrites(at)).toEqual([expect.objectContaining({ op: "add", id: ana.customerGid, tags: ["roost-big-balance"] })]);
    expect(await tagJobs(at)).toMatchObject([{ status: "done", attempts: 1, lastError: null }]);
    expect(await rows()).toMatchObject([{ tag: "roost-big-balance", state: "applied", error: null }]);
    expect(await customerTagStatus(db, await shopRow(), ana.customerGid)).toEqual([{ tag: "roost-big-balance", status: "applied", reason: null }]);

    // The same op again (a replay) changes nothing and calls nothing.
    await db.job.updateMany({ where: { shopId: at.shopId, queue: TAGS_QUEUE }, data: { status: "pending", runAt: new Date(0) } });
    expect(await writeNow(at)).toEqual({ written: 1, failed: 0, waiting: 0 });
    expect(tagWrites(at)).toHaveLength(1);
  });

  it("removes the tag when the customer leaves, and only that tag", async () => {
    await rule("big-balance");
    await givePoints(at, ana.memberId, 150);
    await writeNow(at);
    await givePoints(at, ana.memberId, -100);
    expect(await writeNow(at)).toEqual({ written: 1, failed: 0, waiting: 0 });
    expect(shopifyTags(at, ana.customerGid)).toEqual(["newsletter", "vip"]);
    expect(tagWrites(at).map((call) => [call.op, call.tags])).toEqual([["add", ["roost-big-balance"]], ["remove", ["roost-big-balance"]]]);
    expect(await rows()).toEqual([]);
  });

  it("sends nothing for an entry and exit that both happened before the write", async () => {
    await rule("big-balance");
    await givePoints(at, ana.memberId, 150);
    await givePoints(at, ana.memberId, -100);
    expect((await tagJobs(at)).map((job) => JSON.parse(job.payload).op)).toEqual(["add", "remove"]);
    expect(await writeNow(at)).toEqual({ written: 2, failed: 0, waiting: 0 });
    expect(tagCalls(at)).toEqual([]);
    expect(shopifyTags(at, ana.customerGid)).toEqual(["newsletter", "vip"]);
    expect(await rows()).toEqual([]);
  });

  it("sends one tagsAdd for a customer's several entries, and a rule disabled takes its tag off", async () => {
    const first = await rule("balance-100", 100);
    await rule("balance-200", 200);
    await rule("balance-300", 300);
    await givePoints(at, ana.memberId, 350);
    expect(await tagJobs(at)).toHaveLength(3);
    await writeNow(at);
    expect(tagWrites(at)).toEqual([expect.objectContaining({ op: "add", tags: ["roost-balance-100", "roost-balance-200", "roost-balance-300"] })]);

    const shop = await shopRow();
    expect((await setRuleEnabled({ db, clock: systemClock }, shop, first.id, false, "test")).ok).toBe(true);
    await writeNow(at);
    expect(shopifyTags(at, ana.customerGid)).toEqual(["newsletter", "roost-balance-200", "roost-balance-300", "vip"]);
    expect(tagWrites(at).at(-1)).toMatchObject({ op: "remove", tags: ["roost-balance-100"] });
    expect(await ruleTagCounts(db, shop)).toEqual([
      { ruleId: first.id, key: "balance-100", tag: "roost-balance-100", applied: 0, pending: 0, failed: 0 },
      expect.objectContaining({ key: "balance-200", applied: 1, pending: 0, failed: 0 }),
      expect.objectContaining({ key: "balance-300", applied: 1, pending: 0, failed: 0 }),
    ]);
  });

  it("paces itself by the cost throttle (a small bucket), rides out THROTTLED, and completes every op", async () => {
    fakeShopify.store.registerShop(at.shop, { accessToken: OFFLINE_TOKEN(at.shop), name: "Roost Test Store", timezone: "America/New_York", currency: "USD", throttle: { maximumAvailable: 20, restoreRate: 50 } });
    await rule("big-balance");
    const shoppers = [ana];
    for (let index = 0; index < 7; index += 1) shoppers.push(await member(at));
    for (const shopper of shoppers) await givePoints(at, shopper.memberId, 150);
    // Another app empties the bucket just before the writer's first call.
    let drained = false;
    const sharedBucket: AdminClientFactory = async (database, domain) => {
      const client = await adminClientFor(database, domain);
      return {
        throttleStatus: () => client.throttleStatus?.() ?? null,
        async request<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
          if (!drained) fakeShopify.store.drainBucket(at.shop);
          drained = true;
          return client.request<T>(query, variables);
        },
      };
    };

    const started = Date.now();
    expect(await writeNow(at, { adminFor: sharedBucket })).toEqual({ written: 8, failed: 0, waiting: 0 });
    for (const shopper of shoppers) expect(shopifyTags(at, shopper.customerGid)).toEqual(["newsletter", "roost-big-balance", "vip"]);
    const throttled = tagCalls(at).filter((call) => call.errorCodes.includes("THROTTLED"));
    // The first call meets the drained bucket and is retried; after it the writer waits for the bucket.
    expect(throttled.length).toBeGreaterThanOrEqual(1);
    expect(throttled.length).toBeLessThanOrEqual(2);
    expect(tagWrites(at)).toHaveLength(8);
    // 8 calls of 10 points from an empty 20-point bucket refilling 50 a second: at least 1.6 s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
    expect((await tagJobs(at)).every((job) => job.status === "done" && job.attempts === 1)).toBe(true);
  });

  it("retries 5xx: within the client, then with the queue's back-off", async () => {
    await rule("big-balance");
    await givePoints(at, ana.memberId, 150);
    fakeShopify.store.failNext(at.shop, { status: 503, times: 2 });
    expect(await writeNow(at, { adminFor: impatient })).toEqual({ written: 0, failed: 1, waiting: 0 });
    expect(await tagJobs(at)).toMatchObject([{ status: "pending", attempts: 1, lastError: "Admin API answered 503" }]);
    // Sent or not, the tag may be on its way: still pending for the member page.
    expect(await customerTagStatus(db, await shopRow(), ana.customerGid)).toEqual([{ tag: "roost-big-balance", status: "pending", reason: "to add" }]);

    fakeShopify.store.failNext(at.shop, { status: 502, times: 1 });
    expect(await writeNow(at, { clock: later(10_000) })).toEqual({ written: 1, failed: 0, waiting: 0 });
    expect(shopifyTags(at, ana.customerGid)).toEqual(["newsletter", "roost-big-balance", "vip"]);
    expect(await tagJobs(at)).toMatchObject([{ status: "done" }]);
  });

  it("treats a customer deleted at Shopify as gone: its ops fail once, terminally, and its applied rows are dropped", async () => {
    await rule("big-balance");
    await givePoints(at, ana.memberId, 150);
    await writeNow(at);
    fakeShopify.store.deleteCustomer(at.shop, ana.customerGid);
    await givePoints(at, ana.memberId, -100);
    expect(await writeNow(at)).toEqual({ written: 0, failed: 1, waiting: 0 });
    const [, exit] = await tagJobs(at);
    expect(exit).toMatchObject({ status: "failed", attempts: 1, lastError: `The customer ${ana.customerGid} no longer exists at Shopify: its cohort tags are not written` });
    expect(await rows()).toEqual([]);
    expect(await writeNow(at, { clock: later(24 * 3_600_000) })).toEqual({ written: 0, failed: 0, waiting: 0 });
  });

  it("keeps a tag Shopify has no room for (250 tags) as failed with a sentence, on the member page and in the counts", async () => {
    const full = await member(at, Array.from({ length: 250 }, (_, index) => `other-app-${index}`));
    const big = await rule("big-balance");
    await givePoints(at, full.memberId, 150);
    expect(await writeNow(at)).toEqual({ written: 0, failed: 1, waiting: 0 });
    expect(shopifyTags(at, full.customerGid)).toHaveLength(250);
    const reason = expect.stringMatching(/^Not written: the customer already has close to Shopify's 250 tags \(shared with every app\), so Shopify refused it \(Tags cannot exceed 250/);
    expect(await rows(full.customerGid)).toMatchObject([{ tag: "roost-big-balance", state: "failed", error: reason }]);
    expect(await tagJobs(at)).toMatchObject([{ status: "failed", lastError: reason }]);
    const shop = await shopRow();
    expect(await customerTagStatus(db, shop, full.customerGid)).toEqual([{ tag: "roost-big-balance", status: "failed", reason }]);
    expect(await ruleTagCounts(db, shop)).toEqual([{ ruleId: big.id, key: "big-balance", tag: "roost-big-balance", applied: 0, pending: 0, failed: 1 }]);
    expect(await shopTagStatus(db, shop)).toMatchObject({ queued: 0, failed: [{ customerGid: full.customerGid, tag: "roost-big-balance", reason }] });
  });

  it("keeps at most 20 Roost tags per customer: the 21st is failed with the reason, and written when a place frees up", async () => {
    const base = Date.now() - 3_600_000;
    const rules = [];
    await givePoints(at, ana.memberId, 150);
    for (let index = 0; index < 21; index += 1) {
      rules.push(await enabledRule(at.shopId, "points-balance", { minPoints: "100" }, new Date(base + index * 1000).toISOString(), `cohort-${String(index).padStart(2, "0")}`));
    }
    expect(await writeNow(at)).toEqual({ written: 20, failed: 1, waiting: 0 });
    const roost = () => shopifyTags(at, ana.customerGid).filter((tag) => tag.startsWith("roost-"));
    expect(roost()).toHaveLength(20);
    expect(roost()).not.toContain("roost-cohort-20");
    expect(shopifyTags(at, ana.customerGid)).toEqual(expect.arrayContaining(["newsletter", "vip"]));
    const reason = "Not written: this customer is in more cohorts than the shop's limit of 20 Roost tags per customer; the earliest entered cohorts keep their tags, and this one is written when a place frees up or the limit is raised.";
    expect((await rows()).filter((row) => row.state === "failed")).toMatchObject([{ tag: "roost-cohort-20", error: reason }]);
    const shop = await shopRow();
    expect(await shopTagStatus(db, shop)).toMatchObject({ atBudget: [ana.customerGid] });

    // The first cohort is switched off: its tag goes, and the 21st takes its place.
    await setRuleEnabled({ db, clock: systemClock }, shop, rules[0].id, false, "test");
    expect(await writeNow(at)).toEqual({ written: 1, failed: 0, waiting: 0 });
    expect(roost()).toHaveLength(20);
    expect(roost()).toContain("roost-cohort-20");
    expect(roost()).not.toContain("roost-cohort-00");
    expect((await rows()).every((row) => row.state === "applied")).toBe(true);
  });

  it("loses and duplicates nothing when the process dies between the call and recording it", async () => {
    await rule("big-balance");
    await givePoints(at, ana.memberId, 150);
    // The process dies right after Shopify applied the tag: nothing after the call is recorded.
    const dying: AdminClientFactory = async (database, domain) => {
      const client = await adminClientFor(database, domain);
      return {
        async request<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
          await client.request<T>(query, variables);
          throw new Error("process died");
        },
      };
    };
    const claimed = await claimJobs(db, TAGS_QUEUE, { owner: "died", now: new Date(), limit: 100 });
    await tagsQueue({ adminFor: dying }).run(claimed, { db, clock: systemClock, logger, signal: new AbortController().signal });
    expect(shopifyTags(at, ana.customerGid)).toEqual(["newsletter", "roost-big-balance", "vip"]);
    expect(await tagJobs(at)).toMatchObject([{ status: "running", lockedBy: "died" }]);

    // Its lease lapses; the next worker sends the same add, which Shopify applies once.
    expect(await writeNow(at, { clock: later(LEASE_MS + 1_000) })).toEqual({ written: 1, failed: 0, waiting: 0 });
    expect(shopifyTags(at, ana.customerGid)).toEqual(["newsletter", "roost-big-balance", "vip"]);
    expect(await rows()).toMatchObject([{ tag: "roost-big-balance", state: "applied" }]);
    expect(await tagJobs(at)).toMatchObject([{ status: "done" }]);
  });

  it("removes a tag whose add was sent before a crash when the customer left meanwhile", async () => {
    await rule("big-balance");
    await givePoints(at, ana.memberId, 150);
    const dying: AdminClientFactory = async (database, domain) => {
      const client = await adminClientFor(database, domain);
      return {
        async request<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
          await client.request<T>(query, variables);
          throw new Error("process died");
        },
      };
    };
    const claimed = await claimJobs(db, TAGS_QUEUE, { owner: "died", now: new Date(), limit: 100 });
    await tagsQueue({ adminFor: dying }).run(claimed, { db, clock: systemClock, logger, signal: new AbortController().signal });
    await givePoints(at, ana.memberId, -100);
    expect(await writeNow(at, { clock: later(LEASE_MS + 1_000) })).toEqual({ written: 2, failed: 0, waiting: 0 });
    expect(shopifyTags(at, ana.customerGid)).toEqual(["newsletter", "vip"]);
    expect(await rows()).toEqual([]);
  });

  it("looks again at a customer whose cohorts changed while its write was in flight", async () => {
    await rule("big-balance");
    await givePoints(at, ana.memberId, 150);
    let left = false;
    const leavingMidWrite: AdminClientFactory = async (database, domain) => {
      const client = await adminClientFor(database, domain);
      return {
        async request<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
          const data = await client.request<T>(query, variables);
          if (!left) {
            left = true;
            // Ana leaves, and her exit op is worked elsewhere before this run records its add.
            await givePoints(at, ana.memberId, -100);
            await db.job.updateMany({ where: { shopId: at.shopId, queue: TAGS_QUEUE, status: "pending" }, data: { status: "done" } });
          }
          return data;
        },
      };
    };
    await writeNow(at, { adminFor: leavingMidWrite });
    expect(shopifyTags(at, ana.customerGid)).toEqual(["newsletter", "vip"]);
    expect(tagWrites(at).map((call) => call.op)).toEqual(["add", "remove"]);
    expect(await rows()).toEqual([]);
    expect((await tagJobs(at)).map((job) => job.status)).toEqual(["done", "done"]);
  });

  it("stops an uninstalled shop's ops (kept pending, no call) and resumes them on reinstall", async () => {
    await rule("big-balance");
    await givePoints(at, ana.memberId, 150);
    await markShopUninstalled(db, at.shop);
    const calls = fakeShopify.store.requests.length;
    expect(await writeNow(at)).toEqual({ written: 0, failed: 0, waiting: 1 });
    expect(fakeShopify.store.requests.length).toBe(calls);
    const [job] = await tagJobs(at);
    expect(job).toMatchObject({ status: "pending", attempts: 0 });
    expect(job.runAt.getTime()).toBeGreaterThan(Date.now() + UNINSTALLED_RECHECK_MS - 60_000);

    // Reinstalled: a new offline session, the shop active again.
    await installTestShop(at.shop);
    expect(await writeNow(at, { clock: later(UNINSTALLED_RECHECK_MS) })).toEqual({ written: 1, failed: 0, waiting: 0 });
    expect(shopifyTags(at, ana.customerGid)).toEqual(["newsletter", "roost-big-balance", "vip"]);
  });

  it("fails a shop's ops as terminal when Shopify answers 401, without trying its other customers", async () => {
    await rule("big-balance");
    const bea = await member(at);
    await givePoints(at, ana.memberId, 150);
    await givePoints(at, bea.memberId, 150);
    await db.session.updateMany({ where: { shop: at.shop, isOnline: false }, data: { accessToken: "shpat_revoked" } });
    expect(await writeNow(at)).toEqual({ written: 0, failed: 2, waiting: 0 });
    // One call refused; the shop's other customer is not tried.
    expect(fakeShopify.store.requests.filter((request) => request.shop === at.shop && request.kind === "graphql" && request.status === 401)).toHaveLength(1);
    expect((await tagJobs(at)).map((job) => job.lastError)).toEqual([`Admin API answered 401 for ${at.shop}`, `Admin API answered 401 for ${at.shop}`]);
  });

  it("honours a shop's own budget and prefix from its settings", async () => {
    await updateShopSettings(db, at.shop, { cohortTagPrefix: "loyal_", cohortTagBudget: 1 });
    await rule("first", 100);
    await rule("second", 100);
    await givePoints(at, ana.memberId, 150);
    expect(await writeNow(at)).toEqual({ written: 1, failed: 1, waiting: 0 });
    expect(shopifyTags(at, ana.customerGid)).toEqual(["loyal_first", "newsletter", "vip"]);
  });

  it("is worked by the process's runner unless ROOST_SYNC_JOBS=off", () => {
    const queues = (env: Record<string, string>) => queueDefinitions(buildDeps({}), env).map((definition) => definition.queue);
    expect(queues({})).toContain(TAGS_QUEUE);
    expect(queues({ ROOST_SYNC_JOBS: "off" })).not.toContain(TAGS_QUEUE);
  });
});

describe("tags that move", () => {
  it("moves the tags to a new prefix (remove old, add new) with a sync", async () => {
    await rule("big-balance");
    await givePoints(at, ana.memberId, 150);
    await writeNow(at);
    await updateShopSettings(db, at.shop, { cohortTagPrefix: "loyal-" });
    expect(await queueTagSync(db, at.shopId, new Date())).toBe(1);
    expect(await writeNow(at)).toEqual({ written: 1, failed: 0, waiting: 0 });
    expect(shopifyTags(at, ana.customerGid)).toEqual(["loyal-big-balance", "newsletter", "vip"]);
    expect(tagWrites(at).map((call) => [call.op, call.tags])).toEqual([["add", ["roost-big-balance"]], ["remove", ["roost-big-balance"]], ["add", ["loyal-big-balance"]]]);
    expect(await rows()).toMatchObject([{ tag: "loyal-big-balance", state: "applied" }]);
    // Nothing left to move: a second sync sends nothing.
    await queueTagSync(db, at.shopId, new Date());
    await writeNow(at);
    expect(tagWrites(at)).toHaveLength(3);
  });

  it("removes a deleted rule's tags", async () => {
    const big = await rule("big-balance");
    await givePoints(at, ana.memberId, 150);
    await writeNow(at);
    expect(await deleteRule({ db, clock: systemClock }, await shopRow(), big.id, "test")).toBe(true);
    await writeNow(at);
    expect(shopifyTags(at, ana.customerGid)).toEqual(["newsletter", "vip"]);
    expect(await rows()).toEqual([]);
  });
});

describe("Roost's own tag writes", () => {
  it("come back as customer.tags_added, which update the mirror only: no enrolment, no transition, no new tag op", async () => {
    await rule("big-balance");
    await givePoints(at, ana.memberId, 150);
    await writeNow(at);
    // Even a shop that enrols by a tag that is one of Roost's cohort tags: only members carry them.
    const shop = await shopRow();
    await updateShopSettings(db, at.shop, { program: programSchema.parse({ startDate: "2026-01-01", enrolment: { mode: "tag", tag: "roost-big-balance" } }) });
    const before = { members: await db.member.count({ where: { shopId: at.shopId } }), transitions: await db.cohortTransition.count({ where: { shopId: at.shopId } }), ops: (await tagJobs(at)).length };
    await deliver({ topic: "customer.tags_added", shop: at.shop, payload: { customerId: ana.customerGid, tags: ["roost-big-balance"], occurredAt: new Date().toISOString() } });
    await runQueuedEvaluations(at.shopId, new Date().toISOString());
    expect(JSON.parse((await db.customer.findUniqueOrThrow({ where: { shopId_gid: { shopId: shop.id, gid: ana.customerGid } } })).tags)).toContain("roost-big-balance");
    expect({ members: await db.member.count({ where: { shopId: at.shopId } }), transitions: await db.cohortTransition.count({ where: { shopId: at.shopId } }), ops: (await tagJobs(at)).length }).toEqual(before);
    expect(await writeNow(at)).toEqual({ written: 0, failed: 0, waiting: 0 });
  });
});

describe("pacing", () => {
  it("waits exactly as long as the bucket needs for the next mutation", async () => {
    const seen = { maximumAvailable: 100, currentlyAvailable: 4, restoreRate: 50, at: 1_000 };
    const waitAt = async (currentlyAvailable: number, nowMs: number) => {
      const budget = memoryAdminBudget();
      await budget.settle("shop", { ...seen, currentlyAvailable }, 0, 1_000);
      return budget.reserve("shop", 10, nowMs);
    };
    expect(await memoryAdminBudget().reserve("shop", 10, 1_000)).toBe(0);
    expect(await waitAt(4, 1_000)).toBe(120 + PACING_MARGIN_MS);
    expect(await waitAt(4, 1_060)).toBe(60 + PACING_MARGIN_MS);
    expect(await waitAt(4, 1_200)).toBe(0);
    expect(await waitAt(100, 1_000)).toBe(0);
  });
});

describe("the Admin client's throttle status", () => {
  it("keeps the bucket each answer reports, with when it arrived", async () => {
    const client = await adminClientFor(db, at.shop);
    expect(client.throttleStatus?.()).toBeNull();
    await client.request(`query { shop { name } }`);
    expect(client.throttleStatus?.()).toEqual({ maximumAvailable: expect.any(Number), currentlyAvailable: expect.any(Number), restoreRate: expect.any(Number), at: expect.any(Number) });
  });
});
