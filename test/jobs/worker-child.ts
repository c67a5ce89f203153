// A Roost job runner in a process of its own, for the multi-process tests (test/jobs/processes.test.ts).
// It works the test queues below against DATABASE_URL and records each run's effect in the
// "JobEffect" table the test created, with its owner, so the test can count who did what.
//   CHILD_HANG=1: a run of "test-crash" never finishes (the process is then killed mid-run).
import db from "../../app/db.server";
import { systemClock } from "../../app/lib/clock";
import { logger } from "../../app/lib/logger.server";
import { JobRunner } from "../../app/services/jobs/runner.server";

const owner = `${process.pid}`;

async function effect(key: string): Promise<void> {
  await db.$executeRaw`INSERT INTO "JobEffect" ("key", "owner") VALUES (${key}, ${owner})`;
}

const runner = new JobRunner({
  db,
  clock: systemClock,
  logger: logger.child({ child: owner }),
  owner,
  pollMs: Number(process.env.CHILD_POLL_MS ?? 50),
  queues: [
    {
      queue: "test-effects",
      batch: Number(process.env.CHILD_BATCH ?? 5),
      async run(jobs) {
        for (const job of jobs) {
          await effect(job.key);
          // Long enough for the other process to claim in between.
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      },
    },
    {
      queue: "test-crash",
      async run(jobs) {
        await db.$executeRaw`INSERT INTO "JobEffect" ("key", "owner") VALUES (${`started:${jobs[0].key}`}, ${owner})`;
        if (process.env.CHILD_HANG === "1") await new Promise(() => undefined);
        await effect(jobs[0].key);
      },
    },
  ],
});
runner.start();
process.stdout.write(`ready ${owner}\n`);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    void runner.stop().finally(() => process.exit(0));
  });
}
setInterval(() => {}, 1 << 30);
