import { beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import type { Clock } from "../../app/lib/clock";
import { logger } from "../../app/lib/logger.server";
import {
  claimJobs,
  completeJob,
  enqueue,
  ensureRecurring,
  failJob,
  holdLease,
  isTerminalError,
  LEASE_MS,
  LeaseLostError,
  replayJob,
  RETRY_DELAYS_MS,
} from "../../app/services/jobs/queue.server";
import { JobRunner, type QueueDefinition } from "../../app/services/jobs/runner.server";
import { AdminTerminalError, AdminUserErrors } from "../../app/services/shopify/admin-client.server";
import { UnprocessableDeliveryError } from "../../app/services/webhooks/errors";

const T0 = Date.parse("2026-12-01T10:00:00.000Z");
const at = (ms: number): Date => new Date(T0 + ms);
let queue: string;

beforeEach(() => {
  queue = `q-${crypto.randomUUID()}`;
});

const row = (key: string) => db.job.findUniqueOrThrow({ where: { queue_key: { queue, key } } });

describe("enqueueing", () => {
  it("keeps one row per key: queued again, the payload is the latest and the job is due at once", async () => {
    await enqueue(db, { queue, key: "customer-1", shopId: "shop-1", payload: { balance: 10 } }, at(0));
    await enqueue(db, { queue, key: "customer-1", shopId: "shop-1", payload: { balance: 25 }, runAt: at(5) }, at(5));
    expect(await db.job.count({ where: { queue } })).toBe(1);
    expect(await row("customer-1")).toMatchObject({ payload: JSON.stringify({ balance: 25 }), version: 1, status: "pending", attempts: 0, runAt: at(5), shopId: "shop-1" });
  });

  it("is part of the caller's transaction: a rolled-back change leaves no job", async () => {
    await expect(
      db.$transaction(async (tx) => {
        await enqueue(tx, { queue, key: "rolled-back" }, at(0));
        throw new Error("the change failed");
      }),
    ).rejects.toThrow("the change failed");
    expect(await db.job.count({ where: { queue } })).toBe(0);
  });
});

describe("claiming, leases and outcomes", () => {
  it("claims due jobs oldest first, once, and lets another worker take over only when the lease lapses", async () => {
    await enqueue(db, { queue, key: "later", runAt: at(2) }, at(0));
    await enqueue(db, { queue, key: "first" }, at(0));
    await enqueue(db, { queue, key: "not-due", runAt: at(60_000) }, at(0));

    const claimed = await claimJobs(db, queue, { owner: "a", now: at(10), limit: 5 });
    expect(claimed.map((job) => job.key)).toEqual(["first", "later"]);
    expect(claimed[0]).toMatchObject({ status: "running", lockedBy: "a", attempts: 1, lockedUntil: at(10 + LEASE_MS) });
    expect(await claimJobs(db, queue, { owner: "b", now: at(10 + LEASE_MS), limit: 5 })).toEqual([]);

    // Worker a died: its lease lapses and b takes over; a's late outcome then changes nothing.
    const takenOver = await claimJobs(db, queue, { owner: "b", now: at(11 + LEASE_MS), limit: 1 });
    expect(takenOver).toMatchObject([{ key: "first", lockedBy: "b", attempts: 2 }]);
    await completeJob(db, claimed[0], "a", at(12 + LEASE_MS));
    expect(await row("first")).toMatchObject({ status: "running", lockedBy: "b" });
    await completeJob(db, takenOver[0], "b", at(13 + LEASE_MS));
    expect(await row("first")).toMatchObject({ status: "done", lockedBy: null, lockedUntil: null, finishedAt: at(13 + LEASE_MS) });
  });

  it("leaves a job queued again during its run pending, for the newer payload", async () => {
    await enqueue(db, { queue, key: "k", payload: { v: 1 } }, at(0));
    const [job] = await claimJobs(db, queue, { owner: "a", now: at(1) });
    await enqueue(db, { queue, key: "k", payload: { v: 2 } }, at(2));
    // Still leased by a: not claimable twice.
    expect(await claimJobs(db, queue, { owner: "b", now: at(3) })).toEqual([]);
    await completeJob(db, job, "a", at(4));
    expect(await row("k")).toMatchObject({ status: "pending", payload: JSON.stringify({ v: 2 }), attempts: 0, lockedBy: null, runAt: at(4) });
    const [again] = await claimJobs(db, queue, { owner: "b", now: at(5) });
    expect(again.payload).toBe(JSON.stringify({ v: 2 }));
  });

  it("retries with back-off, then keeps the job as failed with its reason (the dead letter); replay makes it due again", async () => {
    await enqueue(db, { queue, key: "flaky", maxAttempts: 3 }, at(0));
    let now = 0;
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      const [job] = await claimJobs(db, queue, { owner: "w", now: at(now) });
      expect(job.attempts).toBe(attempt);
      const outcome = await failJob(db, job, "w", new Error(`timeout ${attempt}`), at(now));
      if (attempt < 3) {
        expect(outcome).toBe("retrying");
        expect(await row("flaky")).toMatchObject({ status: "pending", runAt: at(now + RETRY_DELAYS_MS[attempt - 1]), lastError: `timeout ${attempt}` });
        now += RETRY_DELAYS_MS[attempt - 1];
      } else {
        expect(outcome).toBe("failed");
      }
    }
    expect(await row("flaky")).toMatchObject({ status: "failed", attempts: 3, lastError: "timeout 3", finishedAt: at(now) });
    expect(await claimJobs(db, queue, { owner: "w", now: at(now + 86_400_000) })).toEqual([]);

    expect(await replayJob(db, { queue, key: "flaky" }, at(now + 1))).toBe(true);
    expect(await row("flaky")).toMatchObject({ status: "pending", attempts: 0, lastError: null, finishedAt: null });
  });

  it("dead-letters a terminal error at once: Shopify's 401/402/403/404/423, userErrors, an unprocessable payload, a value out of range", async () => {
    const terminal = [
      new AdminTerminalError("HTTP 402 Payment Required", 402),
      new AdminUserErrors([{ field: ["ownerId"], message: "Owner does not exist" }]),
      new UnprocessableDeliveryError("payload is invalid"),
      new RangeError("amount past 2^53"),
    ];
    for (const error of terminal) expect(isTerminalError(error)).toBe(true);
    expect(isTerminalError(new Error("socket hang up"))).toBe(false);

    await enqueue(db, { queue, key: "refused" }, at(0));
    const [job] = await claimJobs(db, queue, { owner: "w", now: at(0) });
    expect(await failJob(db, job, "w", terminal[0], at(1))).toBe("failed");
    expect(await row("refused")).toMatchObject({ status: "failed", attempts: 1, lastError: "HTTP 402 Payment Required" });
  });

  it("seeds a recurring job once, and revives it when it was dead-lettered", async () => {
    await ensureRecurring(db, { queue, key: "all" }, at(0));
    await ensureRecurring(db, { queue, key: "all" }, at(1));
    expect(await db.job.count({ where: { queue } })).toBe(1);
    await db.job.update({ where: { queue_key: { queue, key: "all" } }, data: { status: "failed", attempts: 8 } });
    await ensureRecurring(db, { queue, key: "all" }, at(2));
    expect(await row("all")).toMatchObject({ status: "pending", attempts: 0, runAt: at(2) });
  });

  it("renews a lease while the work runs, and aborts the work when the lease was taken over", async () => {
    let renewals = 0;
    const result = await holdLease(
      async () => {
        renewals += 1;
        return true;
      },
      () => new Promise((resolve) => setTimeout(() => resolve("done"), 120)),
      25,
    );
    expect(result).toBe("done");
    expect(renewals).toBeGreaterThanOrEqual(3);

    const reason = await holdLease(
      async () => false,
      (signal) => new Promise((resolve) => signal.addEventListener("abort", () => resolve(signal.reason))),
      10,
    );
    expect(reason).toBeInstanceOf(LeaseLostError);
  });
});

describe("the runner", () => {
  const clockAt = (ms: () => number): Clock => ({ now: () => at(ms()) });

  function runnerWith(definition: QueueDefinition, now: () => number = () => 0) {
    return new JobRunner({ db, clock: clockAt(now), logger, queues: [definition], owner: "runner-test" });
  }

  it("runs a batch with one outcome per job: done, again later, or failed alone", async () => {
    for (const key of ["ok", "again", "bad"]) await enqueue(db, { queue, key }, at(0));
    const seen: string[][] = [];
    const runner = runnerWith({
      queue,
      batch: 10,
      async run(jobs) {
        seen.push(jobs.map((job) => job.key));
        return new Map(jobs.map((job) => [job.id, job.key === "again" ? { again: at(60_000) } : job.key === "bad" ? new Error("refused") : undefined]));
      },
    });
    expect(await runner.drain(queue)).toBe(1);
    // One run with the three (due at the same moment, so claimed in no particular order).
    expect(seen.map((keys) => [...keys].sort())).toEqual([["again", "bad", "ok"]]);
    expect(await row("ok")).toMatchObject({ status: "done" });
    expect(await row("again")).toMatchObject({ status: "pending", runAt: at(60_000), attempts: 0 });
    expect(await row("bad")).toMatchObject({ status: "pending", lastError: "refused", runAt: at(RETRY_DELAYS_MS[0]) });
  });

  it("fails every job of a run that throws, and calls onFailed for a dead letter", async () => {
    await enqueue(db, { queue, key: "one", maxAttempts: 1 }, at(0));
    const failed: string[] = [];
    const runner = runnerWith({
      queue,
      async run() {
        throw new Error("Shopify unreachable");
      },
      async onFailed(job, error) {
        failed.push(`${job.key}: ${(error as Error).message}`);
      },
    });
    await runner.drain(queue);
    expect(await row("one")).toMatchObject({ status: "failed", lastError: "Shopify unreachable" });
    expect(failed).toEqual(["one: Shopify unreachable"]);
  });

  it("starts due work from its one timer, including recurring jobs it seeds itself", async () => {
    const runs: string[] = [];
    const runner = new JobRunner({
      db,
      clock: { now: () => new Date() },
      logger,
      pollMs: 20,
      queues: [
        {
          queue,
          recurring: { key: "sweep" },
          async run(jobs) {
            runs.push(jobs[0].key);
            return { again: new Date(Date.now() + 3_600_000) };
          },
        },
      ],
    });
    runner.start();
    try {
      for (let waited = 0; runs.length === 0 && waited < 3000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      await runner.stop();
    }
    expect(runs).toEqual(["sweep"]);
    expect(await row("sweep")).toMatchObject({ status: "pending", attempts: 0, lockedBy: null });
  });
});
