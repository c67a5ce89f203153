import { describe, expect, it } from "vitest";
import db from "../app/db.server";
import { systemClock } from "../app/lib/clock";
import { FLOW_QUEUE, flowOutput } from "../app/services/flow/output.server";
import { journey } from "../app/services/journeys/journeys.server";
import { redactCustomer, redactShop } from "../app/services/privacy/privacy.server";
import { installTestShop, uniqueShop } from "./support/shopify";

// Flow jobs carry a journey event's data about a member: customers/redact drops the member's
// queued triggers, shop/redact the shop's triggers in use and every queued trigger.

async function shopWithQueuedTrigger(prefix: string, customerId: number) {
  const domain = uniqueShop(prefix);
  await installTestShop(domain);
  const shop = (await db.shop.findUnique({ where: { domain } }))!;
  const customerGid = `gid://shopify/Customer/${customerId}`;
  const member = await db.member.create({ data: { shopId: shop.id, customerGid, email: `${prefix}@example.com` } });
  await db.flowTrigger.create({ data: { shopId: shop.id, handle: "roost-points-earned", enabled: true, updatedAt: new Date() } });
  await journey(db, shop.id, member.id, "points_earned", `points_earned:${prefix}`, new Date(), { points: 50, balance: 50, order: null });
  const event = (await db.journeyEvent.findFirst({ where: { shopId: shop.id, memberId: member.id } }))!;
  const queued = await db.$transaction((tx) =>
    flowOutput.fanOut(tx, { id: shop.id, domain }, [{ ...event, data: JSON.parse(event.data) as Record<string, unknown> }], new Date()),
  );
  expect(queued).toBe(1);
  return { domain, shop, customerGid };
}

const flowJobs = (shopId: string) => db.job.count({ where: { shopId, queue: FLOW_QUEUE } });

describe("Flow and privacy", () => {
  it("customers/redact deletes the member's queued Flow triggers", async () => {
    const { domain, shop, customerGid } = await shopWithQueuedTrigger("flow-redact-c", 91_001);
    await redactCustomer(db, { id: shop.id, domain }, { customerGid, email: null, orderGids: [] }, systemClock);
    expect(await flowJobs(shop.id)).toBe(0);
    // The shop's use of the trigger is not about the customer: it stays.
    expect(await db.flowTrigger.count({ where: { shopId: shop.id } })).toBe(1);
  });

  it("shop/redact deletes the shop's triggers in use and its queued Flow triggers", async () => {
    const { domain, shop } = await shopWithQueuedTrigger("flow-redact-s", 91_002);
    await redactShop(db, domain, "no-such-webhook");
    expect(await flowJobs(shop.id)).toBe(0);
    expect(await db.flowTrigger.count({ where: { shopId: shop.id } })).toBe(0);
  });
});
