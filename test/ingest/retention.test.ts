import { describe, expect, it } from "vitest";
import { logger } from "../../app/lib/logger.server";
import { buildDeps, queueDefinitions } from "../../app/runtime.server";
import { parsePixelEvent, type PixelEventInput } from "../../app/services/events/schema";
import { DEFAULT_EVENTS_RETENTION_DAYS, EVENTS_RETENTION_QUEUE, eventsRetentionDays, eventsRetentionQueue } from "../../app/services/events/retention.server";
import { JobRunner } from "../../app/services/jobs/runner.server";
import { applyPixelBatch } from "../../app/services/signals/pixel.server";
import { db, pixelEvent, pixelShop, storedCount, variantData } from "./helpers";

/** Raw pixel events are deleted after ROOST_EVENTS_RETENTION_DAYS; their hourly roll-ups stay. */

const DAY = 24 * 3600_000;
const clockAt = (at: Date) => ({ now: () => at });
const normalised = (events: unknown[]): PixelEventInput[] =>
  events.map((event) => {
    const parsed = parsePixelEvent(event);
    if (!parsed.ok) throw new Error(parsed.reason);
    return parsed.event;
  });

describe("events retention", () => {
  it("deletes raw events received before the retention period, in every shop, and keeps the roll-ups", async () => {
    const shop = await pixelShop();
    const other = await pixelShop();
    const start = new Date("2026-09-01T12:00:00Z");
    const old = normalised([pixelEvent("page_viewed"), pixelEvent("product_viewed", {}, variantData("1"))]);
    const recent = normalised([pixelEvent("cart_viewed")]);
    await applyPixelBatch({ db, clock: clockAt(start) }, shop, old);
    await applyPixelBatch({ db, clock: clockAt(start) }, other, normalised([pixelEvent("page_viewed")]));
    await applyPixelBatch({ db, clock: clockAt(new Date(start.getTime() + 2 * DAY)) }, shop, recent);
    const rollupsBefore = await db.pixelEventRollup.findMany({ where: { shopId: shop.id }, orderBy: { name: "asc" } });
    expect(rollupsBefore.map((row) => [row.name, row.count])).toEqual([["cart_viewed", 1], ["page_viewed", 1], ["product_viewed", 1]]);

    // 91 days on: the first batch is past 90 days, the second is not.
    const later = new Date(start.getTime() + 91 * DAY);
    await db.job.deleteMany({ where: { queue: EVENTS_RETENTION_QUEUE } });
    const runner = new JobRunner({ db, clock: clockAt(later), logger, queues: [eventsRetentionQueue(90)] });
    await runner.seedRecurring();
    expect(await runner.drain(EVENTS_RETENTION_QUEUE)).toBe(1);

    const left = await db.pixelEvent.findMany({ where: { shopId: shop.id } });
    expect(left.map((row) => row.eventId)).toEqual([recent[0].eventId]);
    expect(await storedCount(other.id)).toBe(0);
    expect(await db.pixelEventRollup.findMany({ where: { shopId: shop.id }, orderBy: { name: "asc" } })).toEqual(rollupsBefore);
    // Recurring: next pass in an hour; a second pass now changes nothing.
    expect(await db.job.findUniqueOrThrow({ where: { queue_key: { queue: EVENTS_RETENTION_QUEUE, key: "all" } } })).toMatchObject({
      status: "pending",
      runAt: new Date(later.getTime() + 3600_000),
    });
    expect(await runner.drain(EVENTS_RETENTION_QUEUE)).toBe(0);
  });

  it("deletes in batches past the batch size", async () => {
    const shop = await pixelShop();
    const start = new Date("2026-06-01T00:00:00Z");
    for (let batch = 0; batch < 6; batch += 1) {
      await applyPixelBatch({ db, clock: clockAt(start) }, shop, normalised(Array.from({ length: 200 }, () => pixelEvent("page_viewed"))));
    }
    expect(await storedCount(shop.id)).toBe(1200);
    const runner = new JobRunner({ db, clock: clockAt(new Date(start.getTime() + 100 * DAY)), logger, queues: [eventsRetentionQueue(90)] });
    await db.job.deleteMany({ where: { queue: EVENTS_RETENTION_QUEUE } });
    await runner.seedRecurring();
    await runner.drain(EVENTS_RETENTION_QUEUE);
    expect(await storedCount(shop.id)).toBe(0);
    expect(await db.pixelEventRollup.findFirstOrThrow({ where: { shopId: shop.id } })).toMatchObject({ name: "page_viewed", count: 1200 });
  });

  it("ROOST_EVENTS_RETENTION_DAYS: default 90, whole days only; the process's runner works the queue", () => {
    expect(eventsRetentionDays({})).toBe(DEFAULT_EVENTS_RETENTION_DAYS);
    expect(DEFAULT_EVENTS_RETENTION_DAYS).toBe(90);
    expect(eventsRetentionDays({ ROOST_EVENTS_RETENTION_DAYS: "30" })).toBe(30);
    expect(eventsRetentionDays({ ROOST_EVENTS_RETENTION_DAYS: "0" })).toBe(0);
    expect(() => eventsRetentionDays({ ROOST_EVENTS_RETENTION_DAYS: "1.5" })).toThrow(/whole number/);
    expect(() => eventsRetentionDays({ ROOST_EVENTS_RETENTION_DAYS: "-3" })).toThrow(/whole number/);
    const queues = queueDefinitions(buildDeps({}), { ROOST_SYNC_JOBS: "off" }).filter((definition) => definition.queue === EVENTS_RETENTION_QUEUE);
    expect(queues).toHaveLength(1);
    expect(queues[0].recurring).toEqual({ key: "all" });
  });
});
