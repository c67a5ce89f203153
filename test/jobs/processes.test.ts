import { type ChildProcess, spawn } from "node:child_process";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import db, { isPostgresUrl } from "../../app/db.server";
import { systemClock } from "../../app/lib/clock";
import { enqueue, LEASE_MS } from "../../app/services/jobs/queue.server";

// Worker processes against the test's own database: several runners share the queue and each job
// is done exactly once; a runner killed mid-run (kill -9) leaves its job to the next start.

const children = new Set<ChildProcess>();

function startWorker(env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "test/jobs/worker-child.ts"], {
    env: { ...process.env, NODE_ENV: "test", LOG_LEVEL: "error", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) resolve(child);
    });
    child.once("exit", (code) => reject(new Error(`worker exited with ${code} before it was ready: ${stderr}`)));
  });
}

function stop(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  children.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill(signal);
  });
}

afterEach(async () => {
  await Promise.all([...children].map((child) => stop(child, "SIGKILL")));
});

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting; last value ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const effects = () => db.$queryRaw<{ key: string; owner: string }[]>`SELECT "key", "owner" FROM "JobEffect"`;

beforeAll(async () => {
  await db.$executeRawUnsafe(`CREATE TABLE IF NOT EXISTS "JobEffect" ("key" TEXT NOT NULL, "owner" TEXT NOT NULL)`);
});

describe.runIf(isPostgresUrl(process.env.DATABASE_URL ?? ""))("two worker processes on one PostgreSQL", () => {
  it("share the queue with FOR UPDATE SKIP LOCKED: every job is done exactly once, and both do some", { timeout: 60_000 }, async () => {
    const keys = Array.from({ length: 400 }, (_, index) => `effect-${index}`);
    for (const key of keys) await enqueue(db, { queue: "test-effects", key, shopId: null }, systemClock.now());
    await Promise.all([startWorker(), startWorker()]);

    await until(() => db.job.count({ where: { queue: "test-effects", status: "done" } }), (done) => done === keys.length, 45_000);
    const rows = await effects();
    const byKey = new Map<string, number>();
    for (const row of rows.filter((row) => row.key.startsWith("effect-"))) byKey.set(row.key, (byKey.get(row.key) ?? 0) + 1);
    expect([...byKey.keys()].sort()).toEqual([...keys].sort());
    expect([...byKey.values()].every((count) => count === 1)).toBe(true);
    const owners = new Map<string, number>();
    for (const row of rows.filter((row) => row.key.startsWith("effect-"))) owners.set(row.owner, (owners.get(row.owner) ?? 0) + 1);
    expect(owners.size).toBe(2);
    expect(await db.job.count({ where: { queue: "test-effects", NOT: { status: "done" } } })).toBe(0);
  });
});

describe("a worker killed mid-run", () => {
  it("leaves its claimed job to the next start, which finishes it within 10 s of the restart", { timeout: 60_000 }, async () => {
    await enqueue(db, { queue: "test-crash", key: "crash-1", shopId: null }, systemClock.now());
    const first = await startWorker({ CHILD_HANG: "1" });
    // The first worker has claimed the job and is inside its run.
    await until(effects, (rows) => rows.some((row) => row.key === "started:crash-1"), 20_000);
    const claimed = await db.job.findFirstOrThrow({ where: { queue: "test-crash", key: "crash-1" } });
    expect(claimed).toMatchObject({ status: "running", lockedBy: String(first.pid) });
    // Held while the worker lives: the lease is renewed past its first term.
    await new Promise((resolve) => setTimeout(resolve, LEASE_MS + 500));
    expect(await db.job.findFirstOrThrow({ where: { id: claimed.id } })).toMatchObject({ status: "running", lockedBy: String(first.pid) });

    await stop(first, "SIGKILL");
    const restartedAt = Date.now();
    const second = await startWorker();
    const done = await until(() => db.job.findFirstOrThrow({ where: { id: claimed.id } }), (job) => job.status === "done", 20_000);
    const resumedWithinMs = Date.now() - restartedAt;

    expect(resumedWithinMs).toBeLessThan(10_000);
    expect(done).toMatchObject({ attempts: 2, lockedBy: null });
    expect((await effects()).filter((row) => row.key === "crash-1")).toEqual([{ key: "crash-1", owner: String(second.pid) }]);
  });
});
