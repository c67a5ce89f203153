import { beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { logger } from "../../app/lib/logger.server";
import { applyPixelBatch } from "../../app/services/signals/pixel.server";
import { COHORT_SWEEP_QUEUE, COHORTS_QUEUE, cohortsQueue, sweepCohorts } from "../../app/services/cohorts/queue.server";
import { JobRunner } from "../../app/services/jobs/runner.server";
import { appDeps, queueDefinitions } from "../../app/runtime.server";
import { systemClock } from "../../app/lib/clock";
import { setRuleEnabled, deleteRule } from "../../app/services/cohorts/rules.server";
import { adjustPoints } from "../../app/services/ledger/adjustment.server";
import { notePixelCheckouts } from "../../app/services/identity/visitors.server";
import { exportCustomerData, redactCustomer } from "../../app/services/privacy/privacy.server";
import { customerPayload, orderPayload } from "../fixtures/rest-payloads";
import { deliver } from "../support/deliver";
import { ANA, ANA_GID, CHARCOAL, CHARCOAL_GID, checkoutPayload, pixelEvent, shopWithCatalogue } from "../identity/helpers";
import { clockAt, enabledRule, hoursAfter, runQueuedEvaluations, tagOps, transitionsOf } from "./helpers";

// DESIGN "Cohorts": rules over behaviour, stock and orders, evaluated when a signal touches a
// shopper and by the sweep when only time has passed; each entry and exit a transition.

let shop: string;
let shopId: string;
let anaMemberId: string;
const ADDED = "2026-11-21T10:00:00.000Z";

beforeEach(async () => {
  ({ shop, shopId } = await shopWithCatalogue());
  await deliver({ topic: "customers/create", shop, payload: customerPayload({ id: ANA }) });
  anaMemberId = (await db.member.findFirstOrThrow({ where: { shopId, customerGid: ANA_GID } })).id;
});

/** Links a visitor to Ana through a checkout they started earlier (pixel token + signed checkouts/create). */
async function linkToAna(clientId: string, token: string) {
  await notePixelCheckouts(db, { id: shopId }, [{ token, clientId, at: new Date("2026-11-10T10:00:00Z") }]);
  await deliver({ topic: "checkouts/create", shop, payload: checkoutPayload({ id: Math.floor(Math.random() * 1e6), token, customerId: ANA }) });
  expect(await db.visitorLink.findUnique({ where: { shopId_clientId: { shopId, clientId } } })).toMatchObject({ customerGid: ANA_GID });
}

/** Ana buys `variantId` (orders/paid), at `processedAt`. */
async function anaBuys(orderId: number, variantId: number, processedAt: string) {
  await deliver({ topic: "orders/paid", shop, payload: orderPayload({ id: orderId, customerId: ANA, processedAt, lines: [{ id: orderId * 10, price: "32.00", quantity: 1, variantId }] }) });
}

const sweep = (at: string) => sweepCohorts({ db, clock: clockAt(at) }, { shopId });

describe("cart-abandoned-low-stock", () => {
  it("a linked visitor who adds a low-stock variant and does not check out enters at the sweep once, and leaves on buying it", async () => {
    await linkToAna("visitor-1", "tok-earlier");
    await pixelEvent(shopId, "visitor-1", { name: "product_added_to_cart", at: ADDED, variantGid: CHARCOAL_GID, stock: 3 });
    const rule = await enabledRule(shopId, "cart-abandoned-low-stock", { hours: "24" }, hoursAfter(ADDED, 1));

    expect((await sweep(hoursAfter(ADDED, 23))).get(shopId)?.entered).toBe(0);
    expect((await sweep(hoursAfter(ADDED, 25))).get(shopId)?.entered).toBe(1);
    expect((await sweep(hoursAfter(ADDED, 26))).get(shopId)).toMatchObject({ entered: 0, exited: 0 });

    const [entry] = await transitionsOf(shopId, rule.id);
    expect(entry).toMatchObject({ direction: "in", cause: "matched", subjectKey: `m:${anaMemberId}`, memberId: anaMemberId, customerGid: ANA_GID, variantGid: CHARCOAL_GID, stock: 3 });
    expect(entry.eventAt?.toISOString()).toBe(ADDED);
    const journeys = await db.journeyEvent.findMany({ where: { shopId, memberId: anaMemberId, type: { in: ["cohort_entered", "cart_abandoned"] } } });
    expect(journeys.map((event) => event.type).sort()).toEqual(["cart_abandoned", "cohort_entered"]);
    expect(JSON.parse(journeys.find((event) => event.type === "cart_abandoned")!.data)).toMatchObject({ cohort: "cart-abandoned-low-stock", variant: CHARCOAL_GID, stock: 3, addedAt: ADDED });
    expect(await tagOps(shopId)).toEqual([{ transitionId: entry.id, customerGid: ANA_GID, tag: "roost-cart-abandoned-low-stock", op: "add" }]);
    expect((await db.cohortRule.findUniqueOrThrow({ where: { id: rule.id } })).size).toBe(1);

    // Buying it, later: the order signal queues Ana, and the evaluation takes her out.
    await anaBuys(501, CHARCOAL, "2026-11-23T09:00:00-05:00");
    expect(await runQueuedEvaluations(shopId, hoursAfter(ADDED, 49))).toBeGreaterThan(0);
    const [, exit] = await transitionsOf(shopId, rule.id);
    expect(exit).toMatchObject({ direction: "out", cause: "no-longer-matches", memberId: anaMemberId });
    expect(await db.cohortMembership.count({ where: { ruleId: rule.id } })).toBe(0);
    expect((await tagOps(shopId)).map((op) => op.op)).toEqual(["add", "remove"]);
  });

  it("a variant that was not low when added does not count, even when it is low later", async () => {
    await pixelEvent(shopId, "visitor-2", { name: "product_added_to_cart", at: ADDED, variantGid: CHARCOAL_GID, stock: 12 });
    await db.variant.updateMany({ where: { shopId, gid: CHARCOAL_GID }, data: { available: 1, lowStock: true } });
    const rule = await enabledRule(shopId, "cart-abandoned-low-stock", { hours: "4" }, hoursAfter(ADDED, 30));
    await sweep(hoursAfter(ADDED, 31));
    expect(await transitionsOf(shopId, rule.id)).toEqual([]);
  });

  it("an anonymous visitor belongs as a visitor, and the membership moves to the member when a signed checkout links them", async () => {
    await pixelEvent(shopId, "visitor-3", { name: "product_added_to_cart", at: ADDED, variantGid: CHARCOAL_GID, stock: 2 });
    const rule = await enabledRule(shopId, "cart-abandoned-low-stock", { hours: "4" }, hoursAfter(ADDED, 5));
    expect(await db.cohortMembership.findMany({ where: { ruleId: rule.id } })).toMatchObject([{ subjectKey: "v:visitor-3", clientId: "visitor-3", memberId: null }]);
    expect(await tagOps(shopId)).toEqual([]); // no customer to tag yet
    expect(await db.journeyEvent.count({ where: { shopId, type: "cohort_entered" } })).toBe(0);

    // The visitor starts a checkout (the pixel reports its token), and Shopify's signed
    // checkouts/create names Ana: linked, and the cohort evaluation of the visitor is queued.
    await applyPixelBatch({ db, clock: clockAt(hoursAfter(ADDED, 6)) }, { id: shopId }, [
      { eventId: "evt-checkout-3", clientId: "visitor-3", name: "checkout_started", occurredAt: new Date(hoursAfter(ADDED, 6)), pagePath: "/checkouts/c", productGid: null, variantGid: null, quantity: null, price: null, currency: null, cartToken: null, checkoutToken: "tok-3", orderGid: null },
    ]);
    await deliver({ topic: "checkouts/create", shop, payload: checkoutPayload({ id: 933, token: "tok-3", customerId: ANA }) });
    await runQueuedEvaluations(shopId, hoursAfter(ADDED, 7));

    const transitions = await transitionsOf(shopId, rule.id);
    expect(transitions.map((t) => [t.direction, t.cause, t.subjectKey])).toEqual([
      ["in", "matched", "v:visitor-3"],
      ["in", "matched", `m:${anaMemberId}`],
      ["out", "linked", "v:visitor-3"],
    ]);
    expect(await db.cohortMembership.findMany({ where: { ruleId: rule.id } })).toMatchObject([{ subjectKey: `m:${anaMemberId}`, memberId: anaMemberId, clientId: null, stock: 2 }]);
    expect((await tagOps(shopId)).map((op) => [op.customerGid, op.op])).toEqual([[ANA_GID, "add"]]);
  });

  it("a pixel batch queues its visitors' evaluation for after the batch settles, never evaluating on the ingest's path", async () => {
    const rule = await enabledRule(shopId, "cart-abandoned-low-stock", { hours: "1" }, ADDED);
    const now = hoursAfter(ADDED, 2);
    await applyPixelBatch({ db, clock: clockAt(now) }, { id: shopId, cohortRulesEnabled: 1 }, [
      { eventId: "evt-add-4", clientId: "visitor-4", name: "product_added_to_cart", occurredAt: new Date(ADDED), pagePath: "/products/beanie", productGid: null, variantGid: CHARCOAL_GID, quantity: 1, price: 3200, currency: "USD", cartToken: null, checkoutToken: null, orderGid: null },
    ]);
    expect(await transitionsOf(shopId, rule.id)).toEqual([]);
    // A shop without an enabled rule queues nothing at all.
    await applyPixelBatch({ db, clock: clockAt(now) }, { id: shopId, cohortRulesEnabled: 0 }, [
      { eventId: "evt-view-0", clientId: "visitor-0", name: "page_viewed", occurredAt: new Date(ADDED), pagePath: "/", productGid: null, variantGid: null, quantity: null, price: null, currency: null, cartToken: null, checkoutToken: null, orderGid: null },
    ]);
    const [job] = await db.job.findMany({ where: { shopId, queue: COHORTS_QUEUE } });
    expect(job).toMatchObject({ key: `${shopId}:v:visitor-4`, status: "pending" });
    expect(job.runAt.getTime() - new Date(now).getTime()).toBe(5_000);
    await runQueuedEvaluations(shopId, now);
    expect((await transitionsOf(shopId, rule.id)).map((t) => t.subjectKey)).toEqual(["v:visitor-4"]);
  });
});

describe("vip-scarcity-shopper", () => {
  it("a purchase within N hours of viewing the variant while it was low on stock enters; a later one does not", async () => {
    await linkToAna("visitor-5", "tok-5");
    const VIEWED = "2026-11-21T15:00:00.000Z";
    await pixelEvent(shopId, "visitor-5", { name: "product_viewed", at: VIEWED, variantGid: CHARCOAL_GID, stock: 2 });
    const rule = await enabledRule(shopId, "vip-scarcity-shopper", { hours: "48" }, VIEWED);
    await anaBuys(601, CHARCOAL, "2026-11-23T14:00:00Z"); // 47 hours later
    await runQueuedEvaluations(shopId, "2026-11-23T14:05:00.000Z");
    const [entry] = await transitionsOf(shopId, rule.id);
    expect(entry).toMatchObject({ direction: "in", memberId: anaMemberId, variantGid: CHARCOAL_GID, stock: 2, orderGid: "gid://shopify/Order/601" });

    const other = await shopWithCatalogue();
    await deliver({ topic: "customers/create", shop: other.shop, payload: customerPayload({ id: ANA }) });
    await notePixelCheckouts(db, { id: other.shopId }, [{ token: "tok-x", clientId: "visitor-6", at: new Date("2026-11-10T10:00:00Z") }]);
    await deliver({ topic: "checkouts/create", shop: other.shop, payload: checkoutPayload({ id: 71, token: "tok-x", customerId: ANA }) });
    await pixelEvent(other.shopId, "visitor-6", { name: "product_viewed", at: VIEWED, variantGid: CHARCOAL_GID, stock: 2 });
    const late = await enabledRule(other.shopId, "vip-scarcity-shopper", { hours: "48" }, VIEWED);
    await deliver({ topic: "orders/paid", shop: other.shop, payload: orderPayload({ id: 602, customerId: ANA, processedAt: "2026-11-23T15:30:00Z", lines: [{ id: 6020, price: "32.00", quantity: 1, variantId: CHARCOAL }] }) });
    await runQueuedEvaluations(other.shopId, "2026-11-23T16:00:00.000Z");
    expect(await transitionsOf(other.shopId, late.id)).toEqual([]);
  });
});

describe("the job runner", () => {
  it("works the cohorts queue the signals fill, and the runtime runs the cohorts and sweep queues", async () => {
    const now = new Date().toISOString();
    const rule = await enabledRule(shopId, "points-balance", { minPoints: "100" }, now);
    const shopRow = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
    await adjustPoints({ db, clock: systemClock, logger }, shopRow, { memberId: anaMemberId, points: 120, reason: "welcome", actor: "test" });
    const runner = new JobRunner({ db, clock: systemClock, logger, queues: [cohortsQueue()] });
    expect(await runner.drain(COHORTS_QUEUE)).toBe(1);
    expect(await db.cohortMembership.findMany({ where: { ruleId: rule.id } })).toMatchObject([{ memberId: anaMemberId, value: 120 }]);
    expect(await db.job.findMany({ where: { shopId, queue: COHORTS_QUEUE } })).toMatchObject([{ status: "done" }]);

    const queues = queueDefinitions(appDeps(), {}).map((definition) => definition.queue);
    expect(queues).toEqual(expect.arrayContaining([COHORTS_QUEUE, COHORT_SWEEP_QUEUE]));
  });
});

describe("Roost's own tags coming back", () => {
  it("customer.tags_added with only cohort tags queues no evaluation; another app's tag does", async () => {
    await enabledRule(shopId, "points-balance", { minPoints: "100" }, ADDED);
    await deliver({ topic: "customer.tags_added", shop, payload: { customerId: ANA_GID, tags: ["roost-points-balance"], occurredAt: "2026-11-21T10:00:00-05:00" } });
    expect(await db.job.count({ where: { shopId, queue: COHORTS_QUEUE } })).toBe(0);
    expect(JSON.parse((await db.customer.findFirstOrThrow({ where: { shopId, gid: ANA_GID } })).tags)).toContain("roost-points-balance");
    await deliver({ topic: "customer.tags_added", shop, payload: { customerId: ANA_GID, tags: ["wholesale"], occurredAt: "2026-11-21T10:01:00-05:00" } });
    expect(await db.job.count({ where: { shopId, queue: COHORTS_QUEUE } })).toBe(1);
  });
});

describe("transitions", () => {
  it("re-entry after an exit is a new transition, each with its own tag operation", async () => {
    const rule = await enabledRule(shopId, "points-balance", { minPoints: "100" }, ADDED);
    const shopRow = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
    const deps = { db, clock: clockAt(ADDED), logger };
    for (const points of [150, -100, 100]) {
      await adjustPoints(deps, shopRow, { memberId: anaMemberId, points, reason: "test", actor: "test" });
      await runQueuedEvaluations(shopId, ADDED);
    }
    const transitions = await db.cohortTransition.findMany({ where: { ruleId: rule.id } });
    expect(transitions.map((t) => t.direction).sort()).toEqual(["in", "in", "out"]);
    expect(new Set(transitions.map((t) => t.id)).size).toBe(3);
    expect((await tagOps(shopId)).map((op) => op.op).sort()).toEqual(["add", "add", "remove"]);
    expect(await db.journeyEvent.count({ where: { shopId, memberId: anaMemberId, type: { in: ["cohort_entered", "cohort_exited"] } } })).toBe(3);
  });

  it("disabling takes everyone out (tags removed); deleting keeps the history; a second shop's shoppers are never evaluated", async () => {
    const other = await shopWithCatalogue();
    await pixelEvent(other.shopId, "visitor-other", { name: "product_added_to_cart", at: ADDED, variantGid: CHARCOAL_GID, stock: 1 });
    await linkToAna("visitor-7", "tok-7");
    await pixelEvent(shopId, "visitor-7", { name: "product_added_to_cart", at: ADDED, variantGid: CHARCOAL_GID, stock: 1 });
    const rule = await enabledRule(shopId, "cart-abandoned-low-stock", { hours: "1" }, hoursAfter(ADDED, 2));
    expect((await db.cohortMembership.findMany({ where: { ruleId: rule.id } })).map((m) => m.subjectKey)).toEqual([`m:${anaMemberId}`]);

    const shopRow = await db.shop.findUniqueOrThrow({ where: { id: shopId } });
    const deps = { db, clock: clockAt(hoursAfter(ADDED, 3)) };
    await setRuleEnabled(deps, shopRow, rule.id, false, "test");
    expect(await db.cohortMembership.count({ where: { ruleId: rule.id } })).toBe(0);
    expect((await transitionsOf(shopId, rule.id)).map((t) => [t.direction, t.cause])).toEqual([["in", "matched"], ["out", "rule-disabled"]]);
    expect((await tagOps(shopId)).map((op) => op.op)).toEqual(["add", "remove"]);
    expect((await db.shop.findUniqueOrThrow({ where: { id: shopId } })).cohortRulesEnabled).toBe(0);

    await setRuleEnabled({ db, clock: clockAt(hoursAfter(ADDED, 4)) }, shopRow, rule.id, true, "test");
    expect(await deleteRule({ db, clock: clockAt(hoursAfter(ADDED, 5)) }, shopRow, rule.id, "test")).toBe(true);
    expect(await db.cohortRule.findUnique({ where: { id: rule.id } })).toBeNull();
    expect((await transitionsOf(shopId, rule.id)).map((t) => t.cause)).toEqual(["matched", "rule-disabled", "matched", "rule-deleted"]);
    expect(await db.cohortTransition.count({ where: { shopId: other.shopId } })).toBe(0);
  });

  it("data_request exports the member's cohorts; redact erases the member's memberships and transitions, and the tag operations still queued", async () => {
    await linkToAna("visitor-8", "tok-8");
    await pixelEvent(shopId, "visitor-8", { name: "product_added_to_cart", at: ADDED, variantGid: CHARCOAL_GID, stock: 1 });
    await enabledRule(shopId, "cart-abandoned-low-stock", { hours: "1" }, hoursAfter(ADDED, 2));
    expect(await db.cohortTransition.count({ where: { shopId } })).toBe(1);
    const exported = await exportCustomerData(db, shopId, { customerGid: ANA_GID, email: null, orderGids: [], requestId: "req-1" }, clockAt(hoursAfter(ADDED, 3)));
    expect(exported.export.cohorts).toMatchObject([{ cohort: "cart-abandoned-low-stock", memberId: anaMemberId, variantGid: CHARCOAL_GID, stock: 1 }]);
    expect(exported.export.cohortTransitions).toMatchObject([{ cohort: "cart-abandoned-low-stock", direction: "in", cause: "matched" }]);
    await redactCustomer(db, { id: shopId, domain: shop }, { customerGid: ANA_GID, email: null, orderGids: [] }, clockAt(hoursAfter(ADDED, 3)));
    expect(await db.cohortMembership.count({ where: { shopId } })).toBe(0);
    expect(await db.cohortTransition.count({ where: { shopId } })).toBe(0);
    expect(await tagOps(shopId)).toEqual([]);
  });
});
