import { type JobStatus, listJobs, jobCounts, replayJob } from "../services/jobs/queue.server";
import { CliError, type Command, resolveShop, table } from "./command.server";

export const JOBS_USAGE = `  jobs [--queue Q] [--status S] the job queue: counts per queue and state, and the latest jobs
       [--limit N]             (newest first; S: pending | running | done | failed; failed is
                               a dead letter), the shop's only with --shop
  jobs:replay <job id>         queue a failed (or done) job again with a fresh set of attempts`;

const JOB_STATUSES: readonly JobStatus[] = ["pending", "running", "done", "failed"];

async function shopIdOf(db: Parameters<Command>[0]["db"], domain: string): Promise<string> {
  return (await db.shop.findUniqueOrThrow({ where: { domain }, select: { id: true } })).id;
}

export const jobsCommands: Record<string, Command> = {
  jobs: async ({ db, flags }) => {
    // All shops' jobs (recurring ones belong to none) unless --shop names one.
    const shop = flags.shop ? await resolveShop(db, flags.shop) : null;
    const shopId = shop ? await shopIdOf(db, shop) : undefined;
    if (flags.status && !(JOB_STATUSES as readonly string[]).includes(flags.status)) throw new CliError(`--status must be one of ${JOB_STATUSES.join(", ")}`);
    const limit = flags.limit === undefined ? 50 : Number(flags.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new CliError("--limit must be a whole number from 1 to 1000");
    const jobs = await listJobs(db, { queue: flags.queue, shopId, status: flags.status as JobStatus | undefined, limit });
    const json = {
      shop,
      counts: await jobCounts(db, shopId),
      jobs: jobs.map((job) => ({
        id: job.id,
        queue: job.queue,
        key: job.key,
        status: job.status,
        attempts: job.attempts,
        maxAttempts: job.maxAttempts,
        runAt: job.runAt.toISOString(),
        error: job.lastError,
        updatedAt: job.updatedAt.toISOString(),
      })),
    };
    const counts = Object.entries(json.counts).map(([queue, states]) => [queue, ...JOB_STATUSES.map((status) => String(states[status] ?? 0))]);
    const text = [
      table(["QUEUE", ...JOB_STATUSES.map((status) => status.toUpperCase())], counts),
      "",
      table(
        ["JOB ID", "QUEUE", "STATUS", "ATTEMPTS", "RUN AT", "ERROR"],
        json.jobs.map((job) => [job.id, job.queue, job.status, `${job.attempts}/${job.maxAttempts}`, job.runAt, job.error ?? ""]),
      ),
    ].join("\n");
    return { json, text };
  },
  "jobs:replay": async ({ db, clock, args }) => {
    const id = args[0];
    if (!id) throw new CliError("jobs:replay needs a job id");
    const job = await db.job.findUnique({ where: { id } });
    if (!job) throw new CliError(`No job with id ${id}`);
    if (!(await replayJob(db, { id }, clock.now()))) throw new CliError(`Job ${id} is ${job.status}: only a failed or done job can be replayed`);
    return {
      json: { replayed: { id, queue: job.queue, key: job.key, status: "pending" } },
      text: `Queued ${job.queue} job ${id} again; the server's job runner takes it on its next tick.`,
    };
  },
};
