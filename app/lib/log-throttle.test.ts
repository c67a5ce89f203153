import { describe, expect, it, vi } from "vitest";
import type { Clock } from "./clock";
import { LogThrottle, throttledLog } from "./log-throttle.server";
import type { Logger } from "./logger.server";

function fakeClock(start = Date.parse("2026-12-05T10:00:00Z")) {
  let now = start;
  const clock: Clock = { now: () => new Date(now) };
  return { clock, advance: (ms: number) => void (now += ms) };
}

function fakeLogger() {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const line = (level: string) => (fields: Record<string, unknown>, message: string) => void lines.push({ level, fields, message });
  return { logger: { error: vi.fn(line("error")), warn: vi.fn(line("warn")) } as unknown as Logger, lines };
}

function setup() {
  const { clock, advance } = fakeClock();
  const throttle = new LogThrottle({ clock, intervalMs: 10_000, autoFlush: false });
  const { logger, lines } = fakeLogger();
  const inbox = throttledLog(logger, "inbox-worker", throttle);
  return { throttle, advance, logger, lines, inbox };
}

describe("LogThrottle", () => {
  it("logs the first failure in full, counts the rest, and sums them up when the interval ends", () => {
    const { throttle, advance, lines, inbox } = setup();
    const down = new Error("connect ECONNREFUSED 127.0.0.1:5432");
    inbox.error({ err: down, webhookId: "w-1" }, "inbox worker task failed");
    for (let i = 2; i <= 500; i++) {
      advance(10);
      inbox.error({ err: new Error(`timeout after ${i} ms`), webhookId: `w-${i}` }, "inbox worker task failed");
    }
    expect(lines).toEqual([{ level: "error", fields: { err: down, webhookId: "w-1" }, message: "inbox worker task failed" }]);

    advance(5_010); // 10 s after the first
    throttle.flush();
    expect(lines).toHaveLength(2);
    expect(lines[1]).toEqual({
      level: "error",
      fields: { repeated: 499, seconds: 10, lastError: "timeout after 500 ms" },
      message: "inbox worker task failed: 499 more like this in the last 10 s",
    });
  });

  it("keeps summing up a storm that goes on, one line per interval, and ends it after a quiet interval", () => {
    const { throttle, advance, lines, inbox } = setup();
    // 30 s of failures every 100 ms.
    for (let t = 0; t < 30_000; t += 100) {
      inbox.warn({ err: new Error("database is locked") }, "delivery processing failed");
      advance(100);
      throttle.flush();
    }
    expect(lines.map((line) => line.message)).toEqual([
      "delivery processing failed",
      "delivery processing failed: 99 more like this in the last 10 s",
      "delivery processing failed: 100 more like this in the last 10 s",
      "delivery processing failed: 100 more like this in the last 10 s",
    ]);
    expect(lines.every((line) => line.level === "warn")).toBe(true);

    // A quiet interval ends the storm, without a line.
    advance(10_000);
    throttle.flush();
    expect(lines).toHaveLength(4);

    // The storm is over: the next failure is news again.
    inbox.warn({ err: new Error("database is locked") }, "delivery processing failed");
    expect(lines).toHaveLength(5);
    expect(lines[4].message).toBe("delivery processing failed");
  });

  it("sums up at the next failure when nothing flushed in between", () => {
    const { advance, lines, inbox } = setup();
    inbox.error({}, "sync pass failed");
    advance(1_000);
    inbox.error({}, "sync pass failed");
    advance(14_000);
    inbox.error({}, "sync pass failed");
    // The interval ended 5 s before this failure: its summary says 15 s, and this failure opens
    // the next interval (still the same storm, so it is counted, not logged).
    expect(lines.map((line) => line.message)).toEqual(["sync pass failed", "sync pass failed: 1 more like this in the last 15 s"]);
  });

  it("tells failures apart by component and message, not by the error's text", () => {
    const { throttle, lines, logger, inbox } = setup();
    const webhooks = throttledLog(logger, "webhooks", throttle);
    inbox.error({ err: new Error("a") }, "inbox worker task failed");
    inbox.error({ err: new Error("b") }, "inbox worker task failed");
    inbox.error({ err: new Error("a") }, "could not store webhook delivery");
    webhooks.error({ err: new Error("a") }, "could not store webhook delivery");
    webhooks.error({ err: new Error("c") }, "could not store webhook delivery");
    expect(lines.map((line) => line.message)).toEqual([
      "inbox worker task failed",
      "could not store webhook delivery",
      "could not store webhook delivery",
    ]);
  });

  it("turns an outage's 1,618 lines in 10 s into one line and one summary per source", () => {
    const { throttle, advance, logger, lines } = setup();
    const sources = [
      throttledLog(logger, "webhooks", throttle).error,
      throttledLog(logger, "inbox-worker", throttle).error,
      throttledLog(logger, "periodic", throttle).error,
    ];
    const messages = ["could not store webhook delivery", "inbox worker task failed", "metafield write-back pass failed"];
    for (let i = 0; i < 1_618; i++) {
      sources[i % 3]({ err: new Error(`SQLITE_BUSY ${i}`) }, messages[i % 3]);
      advance(6);
    }
    advance(400);
    throttle.flush();
    expect(lines).toHaveLength(6);
    expect(lines.slice(3).reduce((sum, line) => sum + Number(line.fields.repeated), 0)).toBe(1_618 - 3);
  });
});
