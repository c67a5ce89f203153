import { randomUUID } from "node:crypto";
import { beforeEach, describe, expect, it, vi } from "vitest";
import db from "../../app/db.server";
import { BulkOperationQuery } from "../../app/graphql/BulkOperationQuery";
import { TAGS_QUEUE } from "../../app/services/cohorts/outbox";
import { type AdminClientFactory, adminClientFor } from "../../app/services/shopify/admin.server";
import { writeTagsNow } from "../../app/services/tags/writer.server";
import { systemClock } from "../../app/lib/clock";
import { logger } from "../../app/lib/logger.server";
import { BULK_THRESHOLD } from "../../app/services/tags/bulk.server";
import { enabledRule } from "../cohorts/helpers";
import { deliver } from "../support/deliver";
import type { BulkOperationFinishEvent } from "../support/fake-shopify";
import { fakeShopify } from "../support/shopify";
import { shopifyTags, type TagShop, tagCalls, tagJobs, tagShop, writeNow } from "./support";

// The tag writer's bulk path (app/services/tags/bulk.server.ts): a backlog of BULK_THRESHOLD
// customers or more goes to the fake Admin as a tagsRemove then a tagsAdd bulk mutation, and
// every op is settled from the result files as the call path settles it.

let at: TagShop;

beforeEach(async () => {
  at = await tagShop();
});

/**
 * `count` customers in the cohort `new` (owed roost-new), each carrying roost-old, which
 * Roost applied and no cohort wants any more; one add and one remove op queued per customer.
 */
async function backlog(count: number, options: { withOld?: boolean } = {}): Promise<string[]> {
  const withOld = options.withOld ?? true;
  const rule = await enabledRule(at.shopId, "points-balance", { minPoints: "100" }, new Date().toISOString(), "new");
  const gids = Array.from({ length: count }, (_, index) =>
    fakeShopify.store.addCustomer(at.shop, { email: `bulk-${index}-${at.shop}`, tags: withOld ? ["vip", "roost-old"] : ["vip"] }).id,
  );
  const members = gids.map((customerGid) => ({ id: randomUUID(), shopId: at.shopId, customerGid }));
  const now = new Date();
  await db.member.createMany({ data: members });
  await db.cohortMembership.createMany({
    data: members.map((member) => ({ shopId: at.shopId, ruleId: rule.id, subjectKey: `member:${member.id}`, memberId: member.id, transitionId: randomUUID(), enteredAt: now })),
  });
  if (withOld) await db.customerTag.createMany({ data: gids.map((customerGid) => ({ shopId: at.shopId, customerGid, tag: "roost-old", state: "applied", updatedAt: now })) });
  const op = (customerGid: string, tag: string, kind: "add" | "remove") => {
    const transitionId = randomUUID();
    return { queue: TAGS_QUEUE, key: transitionId, shopId: at.shopId, payload: JSON.stringify({ transitionId, customerGid, tag, op: kind }), runAt: new Date(now.getTime() - 1000) };
  };
  await db.job.createMany({ data: gids.flatMap((gid) => [op(gid, "roost-new", "add"), ...(withOld ? [op(gid, "roost-old", "remove")] : [])]) });
  return gids;
}

const shopRequests = () => fakeShopify.store.requests.filter((request) => request.shop === at.shop && request.kind === "graphql");
const bulkRuns = () =>
  shopRequests()
    .filter((request) => request.query?.includes("bulkOperationRunMutation("))
    .map((request) => String((request.variables as { mutation: string }).mutation).match(/tags(Add|Remove)\(/)?.[0]);

describe("the tag writer's bulk path", () => {
  it("sends 5,000 queued ops as two bulk operations, removes first, and settles every op", async () => {
    const gids = await backlog(2_500);
    expect(await writeNow(at)).toEqual({ written: 5_000, failed: 0, waiting: 0 });

    expect(bulkRuns()).toEqual(["tagsRemove(", "tagsAdd("]);
    expect(tagCalls(at)).toEqual([]);
    for (const gid of gids) expect(shopifyTags(at, gid)).toEqual(["roost-new", "vip"]);
    const jobs = await tagJobs(at);
    expect(jobs).toHaveLength(5_000);
    expect(jobs.every((job) => job.status === "done" && job.lastError === null)).toBe(true);
    const rows = await db.customerTag.groupBy({ by: ["tag", "state"], where: { shopId: at.shopId }, _count: true });
    expect(rows).toEqual([{ tag: "roost-new", state: "applied", _count: 2_500 }]);
  }, 300_000);

  it("spends a handful of calls from the throttle bucket, not one per line", async () => {
    await backlog(BULK_THRESHOLD);
    await writeNow(at);
    expect(bulkRuns()).toEqual(["tagsRemove(", "tagsAdd("]);
    const requests = shopRequests();
    expect(requests.length).toBeLessThan(30);
    const points = requests.reduce((sum, request) => sum + (request.actualQueryCost ?? 0), 0);
    expect(points).toBeLessThan(300);
  }, 60_000);

  it("settles a line whose customer was deleted at Shopify as gone, and applies the rest", async () => {
    const gids = await backlog(BULK_THRESHOLD, { withOld: false });
    const gone = gids[7]!;
    fakeShopify.store.deleteCustomer(at.shop, gone);
    expect(await writeNow(at)).toEqual({ written: BULK_THRESHOLD - 1, failed: 1, waiting: 0 });

    expect(bulkRuns()).toEqual(["tagsAdd("]);
    expect(tagCalls(at)).toEqual([]);
    const jobs = await tagJobs(at);
    const failed = jobs.filter((job) => job.status === "failed");
    expect(failed).toMatchObject([{ attempts: 1, lastError: `The customer ${gone} no longer exists at Shopify: its cohort tags are not written` }]);
    expect(JSON.parse(failed[0]!.payload).customerGid).toBe(gone);
    expect(await db.customerTag.count({ where: { shopId: at.shopId, customerGid: gone } })).toBe(0);
    expect(await db.customerTag.count({ where: { shopId: at.shopId, state: "applied" } })).toBe(BULK_THRESHOLD - 1);
    for (const gid of gids.filter((gid) => gid !== gone)) expect(shopifyTags(at, gid)).toEqual(["roost-new", "vip"]);
  }, 60_000);

  it("uses the call path below the threshold", async () => {
    const gids = await backlog(3);
    expect(await writeNow(at)).toEqual({ written: 6, failed: 0, waiting: 0 });
    expect(bulkRuns()).toEqual([]);
    expect(tagCalls(at).map((call) => call.op)).toEqual(["remove", "add", "remove", "add", "remove", "add"]);
    for (const gid of gids) expect(shopifyTags(at, gid)).toEqual(["roost-new", "vip"]);
  });

  it("below the threshold writes at most 100 customers by call per run and runs the others again at once", async () => {
    const gids = await backlog(150, { withOld: false });
    expect(await writeNow(at)).toEqual({ written: 150, failed: 0, waiting: 50 });
    expect(bulkRuns()).toEqual([]);
    expect(tagCalls(at)).toHaveLength(150);
    for (const gid of gids) expect(shopifyTags(at, gid)).toEqual(["roost-new", "vip"]);
  }, 60_000);

  it("loses and duplicates nothing when a run dies while its operation runs: the next run waits for it, then converges", async () => {
    const gids = await backlog(BULK_THRESHOLD, { withOld: false });
    let crash = true;
    // The worker dies at its first poll, after Shopify accepted the operation.
    const dying: AdminClientFactory = async (database, domain) => {
      const admin = await adminClientFor(database, domain);
      return {
        throttleStatus: () => admin.throttleStatus?.() ?? null,
        async request<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
          if (crash && query === BulkOperationQuery) {
            crash = false;
            throw new Error("the worker died");
          }
          return admin.request<T>(query, variables);
        },
      };
    };
    fakeShopify.store.autoCompleteBulkOperations = false;
    try {
      expect(await writeNow(at, { adminFor: dying })).toEqual({ written: 0, failed: BULK_THRESHOLD, waiting: 0 });
      expect(bulkRuns()).toEqual(["tagsAdd("]);
      expect(await db.customerTag.count({ where: { shopId: at.shopId, state: "sending" } })).toBe(BULK_THRESHOLD);

      await db.job.updateMany({ where: { shopId: at.shopId, queue: TAGS_QUEUE }, data: { runAt: new Date(0) } });
      const second = writeNow(at);
      await new Promise((resolve) => setTimeout(resolve, 600));
      // The earlier operation still runs: nothing new is started beside it.
      expect(bulkRuns()).toEqual(["tagsAdd("]);
      const completing = setInterval(() => fakeShopify.store.completeBulkOperations(at.shop), 100);
      try {
        expect(await second).toEqual({ written: BULK_THRESHOLD, failed: 0, waiting: 0 });
      } finally {
        clearInterval(completing);
      }
    } finally {
      fakeShopify.store.autoCompleteBulkOperations = true;
    }
    expect(bulkRuns()).toEqual(["tagsAdd(", "tagsAdd("]);
    for (const gid of gids) expect(shopifyTags(at, gid)).toEqual(["roost-new", "vip"]);
    expect(await db.customerTag.groupBy({ by: ["state"], where: { shopId: at.shopId }, _count: true })).toEqual([{ state: "applied", _count: BULK_THRESHOLD }]);
    expect((await tagJobs(at)).every((job) => job.status === "done")).toBe(true);
  }, 60_000);
  it("settles as soon as the operation's bulk_operations/finish webhook arrives, however long the poll interval", async () => {
    const gids = await backlog(BULK_THRESHOLD, { withOld: false });
    const finished: BulkOperationFinishEvent[] = [];
    const unsubscribe = fakeShopify.store.onBulkOperationFinish((event) => {
      if (event.shop === at.shop) finished.push(event);
    });
    // Every poll would wait a minute: only the webhook can make the writer look again in time.
    const polls: number[] = [];
    const slowPolls = (ms: number) => {
      polls.push(ms);
      return new Promise<void>((resolve) => setTimeout(resolve, 60_000).unref());
    };
    fakeShopify.store.autoCompleteBulkOperations = false;
    try {
      const writing = writeTagsNow({ db, clock: systemClock, logger, adminFor: adminClientFor, sleep: slowPolls }, { shopId: at.shopId });
      await vi.waitFor(() => expect(polls).toHaveLength(1), { timeout: 10_000 });
      expect(bulkRuns()).toEqual(["tagsAdd("]);
      fakeShopify.store.completeBulkOperations(at.shop);
      await vi.waitFor(() => expect(finished).toHaveLength(1));
      const started = Date.now();
      const { response } = await deliver({ topic: "bulk_operations/finish", shop: at.shop, payload: finished[0]!.payload });
      expect(response.status).toBe(200);
      expect(await writing).toEqual({ written: BULK_THRESHOLD, failed: 0, waiting: 0 });
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(polls).toHaveLength(1);
    } finally {
      fakeShopify.store.autoCompleteBulkOperations = true;
      unsubscribe();
    }
    for (const gid of gids) expect(shopifyTags(at, gid)).toEqual(["roost-new", "vip"]);
    expect(await db.customerTag.groupBy({ by: ["state"], where: { shopId: at.shopId }, _count: true })).toEqual([{ state: "applied", _count: BULK_THRESHOLD }]);
  }, 60_000);
});
