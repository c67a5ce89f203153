import { describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { updateCohortTagPrefix, TAG_PREFIX_UPDATED } from "../../app/services/cohorts/prefix.server";
import { cohortRulePage, dayEnds, listCohorts, paramsSummary, previewCohort, sparklineFrom } from "../../app/services/cohorts/reports.server";
import { createRule } from "../../app/services/cohorts/rules.server";
import { redactCustomer } from "../../app/services/privacy/privacy.server";
import { CHARCOAL_GID, pixelEvent, shopWithCatalogue } from "../identity/helpers";
import { clockAt } from "./helpers";

const NOW = "2026-12-05T12:00:00.000Z";

async function shopRow(shopId: string) {
  return db.shop.findUniqueOrThrow({ where: { id: shopId } });
}

async function disabledRule(shopId: string, template: string, params: Record<string, unknown> = {}, key?: string) {
  const result = await createRule({ db, clock: clockAt(NOW) }, await shopRow(shopId), { template, key, params }, "test");
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.rule;
}

/** A transition written as the engine writes one, at a known time; an entry still held is a membership too. */
async function transition(shopId: string, rule: { id: string; key: string }, subject: { memberId?: string; clientId?: string }, direction: "in" | "out", at: string) {
  const subjectKey = subject.memberId ? `m:${subject.memberId}` : `v:${subject.clientId}`;
  return db.cohortTransition.create({
    data: { shopId, ruleId: rule.id, ruleKey: rule.key, evaluationId: crypto.randomUUID(), subjectKey, memberId: subject.memberId ?? null, clientId: subject.clientId ?? null, direction, cause: direction === "in" ? "matched" : "no-longer-matches", occurredAt: new Date(at) },
  });
}

async function hold(shopId: string, ruleId: string, subject: { memberId?: string; clientId?: string }, transitionId: string, at: string) {
  await db.cohortMembership.create({
    data: { shopId, ruleId, subjectKey: subject.memberId ? `m:${subject.memberId}` : `v:${subject.clientId}`, memberId: subject.memberId ?? null, clientId: subject.clientId ?? null, transitionId, enteredAt: new Date(at) },
  });
}

async function member(shopId: string, name: string) {
  return db.member.create({ data: { shopId, customerGid: `gid://shopify/Customer/${Math.floor(Math.random() * 1e9)}`, email: `${name.toLowerCase()}@example.com`, firstName: name } });
}

describe("cohort reports", () => {
  it("day ends: now, then each midnight before it in the shop's time zone, across a clock change", () => {
    const ends = dayEnds(new Date(NOW), 4).map((end) => end.toISOString());
    expect(ends).toEqual([NOW, "2026-12-05T00:00:00.000Z", "2026-12-04T00:00:00.000Z", "2026-12-03T00:00:00.000Z"]);
    expect(dayEnds(new Date(NOW), 3, "America/New_York").map((end) => end.toISOString())).toEqual([NOW, "2026-12-05T05:00:00.000Z", "2026-12-04T05:00:00.000Z"]);
    // New York leaves daylight time on 1 November 2026: that day is 25 hours long.
    expect(dayEnds(new Date("2026-11-02T03:00:00Z"), 4, "America/New_York").map((end) => end.toISOString())).toEqual([
      "2026-11-02T03:00:00.000Z",
      "2026-11-01T04:00:00.000Z",
      "2026-10-31T04:00:00.000Z",
      "2026-10-30T04:00:00.000Z",
    ]);
    expect(dayEnds(new Date("2026-12-05T03:30:00Z"), 2, "Asia/Kolkata").map((end) => end.toISOString())).toEqual(["2026-12-05T03:30:00.000Z", "2026-12-04T18:30:00.000Z"]);
  });

  it("sparkline math: walks back from the size now, undoing each day's net entries", () => {
    // Bucket 0 is today (after last midnight), bucket 1 yesterday, ...
    expect(sparklineFrom(5, [{ bucket: 0, entered: 2, exited: 0 }, { bucket: 2, entered: 1, exited: 3 }], 4)).toEqual([5, 3, 3, 5]);
    expect(sparklineFrom(0, [], 3)).toEqual([0, 0, 0]);
  });

  it("lists each rule with its tag, counts, summary and 30-day sizes from transitions at known times", async () => {
    const { shopId } = await shopWithCatalogue();
    // Days end at UTC midnight here; the time-zone arithmetic is the test above.
    await db.shop.update({ where: { id: shopId }, data: { timezone: "UTC" } });
    const first = await disabledRule(shopId, "first-purchase", { days: "45" });
    const other = await disabledRule(shopId, "repeat-purchaser", { minOrders: "3" });
    const [ana, bo, dee, eve] = await Promise.all(["Ana", "Bo", "Dee", "Eve"].map((name) => member(shopId, name)));

    const held: [{ memberId?: string; clientId?: string }, string][] = [];
    // Dee: entered before the window and is still in.
    held.push([{ memberId: dee.id }, (await transition(shopId, first, { memberId: dee.id }, "in", "2026-10-01T08:00:00Z")).id]);
    // Ana: entered 20 Nov 10:00, still in.
    held.push([{ memberId: ana.id }, (await transition(shopId, first, { memberId: ana.id }, "in", "2026-11-20T10:00:00Z")).id]);
    // Bo: in on 3 Dec, out on 4 Dec.
    await transition(shopId, first, { memberId: bo.id }, "in", "2026-12-03T09:00:00Z");
    await transition(shopId, first, { memberId: bo.id }, "out", "2026-12-04T15:00:00Z");
    // Eve: in exactly at 2 Dec's start (the end of 1 Dec: not yet in at that end), still in.
    held.push([{ memberId: eve.id }, (await transition(shopId, first, { memberId: eve.id }, "in", "2026-12-02T00:00:00.001Z")).id]);
    // A visitor: in today, still in.
    held.push([{ clientId: "visitor-9" }, (await transition(shopId, first, { clientId: "visitor-9" }, "in", "2026-12-05T08:00:00Z")).id]);
    for (const [subject, transitionId] of held) await hold(shopId, first.id, subject, transitionId, NOW);
    // Another rule's and another shop's transitions are not this cohort's.
    await transition(shopId, other, { memberId: ana.id }, "in", "2026-12-04T10:00:00Z");
    const elsewhere = await shopWithCatalogue();
    const foreign = await disabledRule(elsewhere.shopId, "first-purchase");
    await transition(elsewhere.shopId, foreign, { clientId: "visitor-9" }, "in", "2026-12-04T10:00:00Z");

    const rows = await listCohorts(db, await shopRow(shopId), new Date(NOW));
    expect(rows.map((row) => row.key)).toEqual(["first-purchase", "repeat-purchaser"]);
    const [row, second] = rows;
    expect(row).toMatchObject({ title: "First purchase", tag: "roost-first-purchase", enabled: false, members: 3, visitors: 1, summary: "One paid order, placed in the last 45 days" });
    // A disabled cohort owes no customer its tag.
    expect(row.tags).toEqual({ applied: 0, pending: 0, failed: 0 });

    // A reference count from the transitions themselves: in minus out up to each end.
    const transitions = await db.cohortTransition.findMany({ where: { ruleId: first.id } });
    const sizeAt = (end: Date) => transitions.filter((t) => t.occurredAt <= end).reduce((size, t) => size + (t.direction === "in" ? 1 : -1), 0);
    const expected = dayEnds(new Date(NOW)).map(sizeAt).reverse();
    expect(row.sparkline).toEqual(expected);
    expect(row.sparkline).toHaveLength(30);
    // Newest last: now 4; 5 Dec 00:00 3 (visitor not yet); 4 Dec 00:00 4 (Bo still in); 3 Dec 00:00 3;
    // 2 Dec 00:00 2 (Eve a millisecond later); from 20 Nov 00:00 back 1 (Dee only).
    expect(row.sparkline.slice(-6)).toEqual([2, 2, 3, 4, 3, 4]);
    expect(row.sparkline.slice(0, 14)).toEqual(new Array(14).fill(1));
    expect(row.sparkline[14]).toBe(2);
    expect(second).toMatchObject({ key: "repeat-purchaser", members: 0, visitors: 0, summary: "At least 3 paid orders" });
  });

  it("the sparklines: stored with the tag counts' snapshot and read while exact; counted again after a transition, a new shop day or a redaction", async () => {
    const { shopId } = await shopWithCatalogue();
    await db.shop.update({ where: { id: shopId }, data: { timezone: "America/New_York" } });
    const first = await disabledRule(shopId, "first-purchase", { days: "45" });
    const [ana, bo] = await Promise.all(["Ana", "Bo"].map((name) => member(shopId, name)));
    await hold(shopId, first.id, { memberId: ana.id }, (await transition(shopId, first, { memberId: ana.id }, "in", "2026-11-28T10:00:00Z")).id, NOW);
    await transition(shopId, first, { memberId: bo.id }, "in", "2026-12-03T09:00:00Z");
    await transition(shopId, first, { memberId: bo.id }, "out", "2026-12-04T15:00:00Z");

    /** The sparkline from the transitions themselves (no snapshot), in minus out up to each end. */
    const live = async (now: Date) => {
      const transitions = await db.cohortTransition.findMany({ where: { ruleId: first.id } });
      const sizeAt = (end: Date) => transitions.filter((t) => t.occurredAt <= end).reduce((size, t) => size + (t.direction === "in" ? 1 : -1), 0);
      return dayEnds(now, 30, "America/New_York").map(sizeAt).reverse();
    };
    const sparkline = async (now: Date) => (await listCohorts(db, await shopRow(shopId), now))[0].sparkline;
    /** A chart no count gives (seven entries today): seeing it proves the stored one was read. */
    const tamper = () => db.ruleTagCount.updateMany({ where: { ruleId: first.id }, data: { chart: "[[0,7,0]]" } });

    const now = new Date(NOW);
    const counted = await sparkline(now);
    expect(counted).toEqual(await live(now));
    expect(counted.slice(-3)).toEqual([2, 1, 1]);
    expect(await db.ruleTagCount.findUniqueOrThrow({ where: { ruleId: first.id } })).toMatchObject({ chartKey: expect.any(String), chart: expect.any(String) });
    await tamper();
    // Later the same shop day (New York's 5 Dec ends at 05:00 UTC on the 6th): the stored chart.
    expect(await sparkline(new Date("2026-12-06T04:59:00Z"))).toEqual([...new Array(29).fill(1 - 7), 1]);

    // A transition (with its membership change) is counted.
    await transition(shopId, first, { memberId: bo.id }, "in", "2026-12-05T13:00:00Z");
    await db.cohortMembership.create({ data: { shopId, ruleId: first.id, subjectKey: `m:${bo.id}`, memberId: bo.id, transitionId: crypto.randomUUID(), enteredAt: new Date("2026-12-05T13:00:00Z") } });
    const later = new Date("2026-12-05T14:00:00Z");
    expect(await sparkline(later)).toEqual(await live(later));
    expect((await sparkline(later)).slice(-3)).toEqual([2, 1, 2]);

    // A new shop day moves every bucket: counted again.
    await tamper();
    const nextDay = new Date("2026-12-06T06:00:00Z");
    expect(await sparkline(nextDay)).toEqual(await live(nextDay));
    expect((await sparkline(nextDay)).slice(-4)).toEqual([2, 1, 2, 2]);

    // Redacting Bo deletes his transitions and membership: counted again, as if he never was.
    await tamper();
    const redacted = await redactCustomer(db, await shopRow(shopId), { customerGid: bo.customerGid!, email: null, orderGids: [] }, clockAt(nextDay));
    expect(redacted).toBeTruthy();
    expect(await sparkline(nextDay)).toEqual(await live(nextDay));
    expect((await sparkline(nextDay)).slice(-4)).toEqual([1, 1, 1, 1]);
  });

  it("summarises each template's parameters in words", () => {
    expect(paramsSummary({ template: "cart-abandoned-low-stock", hours: 24, lookbackDays: 14 }, "USD")).toBe("Low-stock add to cart with no checkout within 24 hours, in the last 14 days");
    expect(paramsSummary({ template: "high-value", minSpend: 50000, days: 1 }, "USD")).toBe("Spent at least 500.00 USD in the last 1 day");
    expect(paramsSummary({ template: "tier", tier: "Gold" }, "USD")).toBe("In the Gold tier");
    expect(paramsSummary({ template: "points-balance", minPoints: 1 }, "USD")).toBe("At least 1 point");
  });

  it("a preview and a rule's members name the product, never a GID, and visitors by a short id", async () => {
    const { shopId } = await shopWithCatalogue();
    await pixelEvent(shopId, "4f1c2d3e-aaaa-bbbb", { name: "product_added_to_cart", at: "2026-12-05T06:00:00Z", variantGid: CHARCOAL_GID, stock: 3 });
    const shop = await shopRow(shopId);
    const preview = await previewCohort(db, shop, { template: "cart-abandoned-low-stock", hours: 4, lookbackDays: 14 }, new Date(NOW));
    expect(preview).toMatchObject({ members: 0, visitors: 1 });
    expect(preview.sample[0]).toMatchObject({ kind: "visitor", name: "Visitor 4f1c2d3e", memberId: null });
    expect(preview.sample[0].why[0]).toBe("Added Merino Beanie — Charcoal to the cart on 2026-12-05 06:00 UTC, when 3 units were left.");
    expect(JSON.stringify(preview)).not.toMatch(/gid:\/\//);

    const created = await createRule({ db, clock: clockAt(NOW) }, shop, { template: "cart-abandoned-low-stock", params: { hours: "4" }, enabled: true }, "test");
    expect(created.ok).toBe(true);
    if (!created.ok) return;
    const page = await cohortRulePage(db, shop, created.rule.id);
    expect(page?.rule).toMatchObject({ tag: "roost-cart-abandoned-low-stock", enabled: true, size: 1 });
    expect(page?.members).toEqual([expect.objectContaining({ kind: "visitor", name: "Visitor 4f1c2d3e", enteredAt: NOW })]);
    expect(JSON.stringify(page)).not.toMatch(/gid:\/\//);
    // Another shop's rule id is not found.
    const elsewhere = await shopWithCatalogue();
    expect(await cohortRulePage(db, await shopRow(elsewhere.shopId), created.rule.id)).toBeNull();
  });

  it("the tag prefix: a bad one is a field error; a good one is saved, audited, and names the tags", async () => {
    const { shop: domain, shopId } = await shopWithCatalogue();
    await disabledRule(shopId, "lapsed");
    const bad = await updateCohortTagPrefix(db, domain, "vip, ", "staff", clockAt(NOW));
    expect(bad).toEqual({ ok: false, errors: { cohortTagPrefix: "Use letters, digits and - _ : . only" } });
    const tooLong = await updateCohortTagPrefix(db, domain, "x".repeat(41), "staff", clockAt(NOW));
    expect(tooLong.ok).toBe(false);

    expect(await updateCohortTagPrefix(db, domain, " shop: ", "staff", clockAt(NOW))).toEqual({ ok: true, prefix: "shop:", changed: true });
    expect(await updateCohortTagPrefix(db, domain, "shop:", "staff", clockAt(NOW))).toEqual({ ok: true, prefix: "shop:", changed: false });
    const audit = await db.auditLog.findMany({ where: { shopId, action: TAG_PREFIX_UPDATED } });
    expect(audit).toHaveLength(1);
    expect(audit[0].actor).toBe("staff");
    expect(JSON.parse(audit[0].details)).toEqual({ changes: { cohortTagPrefix: { before: "roost-", after: "shop:" } } });
    const [row] = await listCohorts(db, await shopRow(shopId), new Date(NOW));
    expect(row.tag).toBe("shop:lapsed");

    // A prefix that would push an existing cohort's tag past Shopify's 255 characters is refused.
    await disabledRule(shopId, "first-purchase", {}, "k".repeat(230));
    const over = await updateCohortTagPrefix(db, domain, "p".repeat(30), "staff", clockAt(NOW));
    expect(over).toEqual({ ok: false, errors: { cohortTagPrefix: expect.stringContaining("longer than Shopify's 255 characters") } });
    expect(await updateCohortTagPrefix(db, domain, "p".repeat(25), "staff", clockAt(NOW))).toMatchObject({ ok: true, changed: true });
  });
});
