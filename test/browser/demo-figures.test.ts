import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, type Database } from "../../app/db.server";
import { syncHealth } from "../../app/services/health/sync-health.server";
import { startDemo, type RunningDemo } from "../support/browser";

// `npm run demo` prints what it seeded; every figure must be what the database (and so the
// Dashboard) holds. The store's trading timer is off (startDemo's default), so nothing moves
// after the print. No browser needed.

const DAY = 24 * 3600_000;
const number = (text: string) => Number(text.replace(/,/g, ""));

describe("npm run demo's printed figures", { timeout: 240_000 }, () => {
  let demo: RunningDemo;
  let db: Database;
  let shopId: string;

  beforeAll(async () => {
    demo = await startDemo("figures", { startTimeoutMs: 150_000 });
    db = await createDatabase(demo.databaseUrl);
    shopId = (await db.shop.findUniqueOrThrow({ where: { domain: "roost-demo.myshopify.com" } })).id;
  }, 180_000);

  afterAll(async () => {
    await db?.$disconnect();
    await demo?.stop();
  });

  const printed = (pattern: RegExp): string[] => {
    const match = pattern.exec(demo.output());
    if (!match) throw new Error(`the demo did not print ${pattern}:\n${demo.output()}`);
    return match.slice(1);
  };

  it("imported several hundred customers and the last 60 days of their orders with the backfill, as printed, in seconds", async () => {
    const [customers, orders, refunds, seconds] = printed(/The backfill imported ([\d,]+) customers, ([\d,]+) orders and ([\d,]+) refunds in ([\d.]+) s\./);
    const runs = await db.backfillRun.findMany({ where: { shopId } });
    expect(runs.map((run) => [run.resource, run.status]).sort()).toEqual([["customers", "completed"], ["inventory", "completed"], ["orders", "completed"], ["products", "completed"]]);
    expect(runs.find((run) => run.resource === "customers")!.recordsDone).toBe(number(customers));
    expect(runs.find((run) => run.resource === "orders")!.recordsDone).toBe(number(orders));
    const backfilled = await db.order.findMany({ where: { shopId, backfilled: true }, select: { gid: true, processedAt: true } });
    expect(backfilled).toHaveLength(number(orders));
    expect(await db.refund.count({ where: { shopId, orderGid: { in: backfilled.map((order) => order.gid) } } })).toBe(number(refunds));
    const span = (Math.max(...runs.map((run) => run.finishedAt!.getTime())) - Math.min(...runs.map((run) => run.startedAt.getTime()))) / 1000;
    expect(number(seconds)).toBeCloseTo(span, 1);
    // Seconds on a quiet machine; a loaded CI machine (several demos at once) takes longer.
    expect(span).toBeLessThan(90);

    // A store worth showing: several hundred customers, orders spread over the weeks before the
    // install (Shopify serves 60 days of them without read_all_orders), full and partial refunds.
    expect(number(customers)).toBeGreaterThanOrEqual(250);
    expect(number(orders)).toBeGreaterThanOrEqual(150);
    expect(number(refunds)).toBeGreaterThanOrEqual(5);
    const times = backfilled.map((order) => order.processedAt.getTime());
    expect(Date.now() - Math.min(...times)).toBeGreaterThan(50 * DAY);
    expect(Date.now() - Math.max(...times)).toBeLessThan(3 * DAY);
  });

  it("prints the Dashboard's sync health: Healthy, with its counts and the webhooks it processed", async () => {
    const [sent] = printed(/The store sent ([\d,]+) webhooks/);
    const [status, products, variants, customers, orders, refunds, processed] = printed(
      /Sync health: (\w+); ([\d,]+) products, ([\d,]+) variants, ([\d,]+) customers, ([\d,]+) orders, ([\d,]+) refunds; ([\d,]+) webhooks processed in the last 24 h\./,
    );
    const health = await syncHealth(db, "roost-demo.myshopify.com", { now: () => new Date() });
    expect({ status, products, variants, customers, orders, refunds, processed }).toEqual({
      status: "Healthy",
      products: String(health.counts.products),
      variants: String(health.counts.variants),
      customers: String(health.counts.customers),
      orders: String(health.counts.orders),
      refunds: String(health.counts.refunds),
      processed: String(health.inbox.processed),
    });
    expect(health).toMatchObject({ status: "healthy", reasons: [], inbox: { pending: 0, failed: 0, dead: 0 } });
    expect(health.backfill.every((run) => run.status === "completed")).toBe(true);
    expect(number(sent)).toBe(health.inbox.processed);
    expect(await db.webhookDelivery.count({ where: { shopDomain: "roost-demo.myshopify.com", status: "processed" } })).toBe(number(sent));
  });

  it("prints the members' points and the storefront's pixel events, spread over the last days", async () => {
    const [members, points, , , events] = printed(/([\d,]+) members hold ([\d,]+) points; ([\d,]+) rewards? redeemed for ([\d,]+) points?; the storefront sent ([\d,]+) pixel events\./);
    const held = await db.member.aggregate({ where: { shopId, redactedAt: null }, _count: true, _sum: { balance: true } });
    expect({ members: number(members), points: number(points) }).toEqual({ members: held._count, points: held._sum.balance });
    // Every balance is its ledger's sum.
    const ledger = await db.ledgerEntry.aggregate({ where: { shopId }, _sum: { points: true } });
    expect(ledger._sum.points).toBe(number(points));
    expect(number(events)).toBe(await db.pixelEvent.count({ where: { shopId } }));
    expect(number(events)).toBeGreaterThan(2_000);
    expect(await db.pixelEvent.count({ where: { shopId, occurredAt: { lt: new Date(Date.now() - 2 * DAY) } } })).toBeGreaterThan(0);

    // The demo's three named shoppers are there as the browser tests know them: Bo can afford the $5 reward.
    const named = await db.member.findMany({ where: { shopId, email: { in: ["ana.lima@example.com", "bo.chen@example.com", "cleo.ward@example.com"] } }, select: { email: true, balance: true } });
    expect(named.map((member) => member.email).sort()).toEqual(["ana.lima@example.com", "bo.chen@example.com", "cleo.ward@example.com"]);
    expect(named.find((member) => member.email === "bo.chen@example.com")!.balance).toBeGreaterThanOrEqual(50);
  });

  it("prints the rewards shoppers redeemed from their account page, each spent on the ledger and its code made in the store", async () => {
    const [count, points] = printed(/([\d,]+) rewards? redeemed for ([\d,]+) points?;/);
    const redemptions = await db.redemption.findMany({ where: { shopId }, select: { id: true, memberId: true, points: true, status: true, actor: true, discountGid: true } });
    expect(redemptions.length).toBe(number(count));
    expect(redemptions.reduce((sum, redemption) => sum + redemption.points, 0)).toBe(number(points));
    expect(redemptions.length).toBeGreaterThanOrEqual(12);
    // Through the customer account's endpoint, by the customers themselves, never past a balance.
    expect(redemptions.every((redemption) => redemption.actor?.startsWith("customer:"))).toBe(true);
    const spent = await db.ledgerEntry.findMany({ where: { shopId, kind: "redemption" }, select: { memberId: true, points: true } });
    expect(spent.map((entry) => [entry.memberId, -entry.points]).sort()).toEqual(redemptions.map((redemption) => [redemption.memberId, redemption.points]).sort());
    expect(await db.member.count({ where: { shopId, balance: { lt: 0 } } })).toBe(0);
    // The server's runner makes each code in the simulated store within seconds.
    const deadline = Date.now() + 30_000;
    while ((await db.redemption.count({ where: { shopId, status: "pending" } })) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));
    const issued = await db.redemption.findMany({ where: { shopId }, select: { status: true, discountGid: true } });
    expect(issued.every((redemption) => redemption.status === "issued" && redemption.discountGid?.startsWith("gid://shopify/DiscountCodeNode/"))).toBe(true);
  });

  it("prints each cohort with the members it holds", async () => {
    const [line] = printed(/Cohorts: (.+)\./);
    const rules = await db.cohortRule.findMany({ where: { shopId }, select: { id: true, key: true } });
    expect(rules.map((rule) => rule.key).sort()).toEqual(["big-spenders", "first-purchase", "low-stock-carts", "repeat-buyers"]);
    for (const rule of rules) {
      const [, members] = new RegExp(`${rule.key} \\(([\\d,]+) members?`).exec(line) ?? [];
      expect({ key: rule.key, members: number(members) }).toEqual({ key: rule.key, members: await db.cohortMembership.count({ where: { ruleId: rule.id, memberId: { not: null } } }) });
    }
  });

  it("says how long it took to be ready", () => {
    const [seconds] = printed(/ready in ([\d.]+) s\./);
    expect(number(seconds)).toBeGreaterThan(0);
  });
});
