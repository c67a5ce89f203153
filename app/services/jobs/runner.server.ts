import type { Database } from "../../db.server";
import type { Clock } from "../../lib/clock";
import { throttledLog } from "../../lib/log-throttle.server";
import type { Logger } from "../../lib/logger.server";
import {
  claimJobs,
  completeJob,
  dueQueues,
  ensureRecurring,
  failJob,
  holdLease,
  isTerminalError,
  type Job,
  LeaseLostError,
  LEASE_MS,
  newOwner,
  renewJobs,
} from "./queue.server";

/** What a job's run decides: done (nothing), or run it again at a time (recurring, or to continue). */
export type JobOutcome = void | { again: Date };

export interface JobContext {
  db: Database;
  clock: Clock;
  logger: Logger;
  /** Aborts when the lease is lost (another worker took the job over) or the runner stops. */
  signal: AbortSignal;
}

/** One kind of work the runner does. Each queue runs one run at a time per process. */
export interface QueueDefinition {
  queue: string;
  /** Jobs claimed per run (writers batch them into one API call); default 1. */
  batch?: number;
  retryDelaysMs?: readonly number[];
  /** A job that runs on a schedule (its run returns `{ again }`): its row is made sure of at start. */
  recurring?: { key: string };
  /**
   * Runs claimed jobs. Resolves with one outcome for all, or per job id (an Error there fails
   * that job alone). A throw fails every job of the run: retried, or dead-lettered when the error
   * is terminal (`isTerminalError`) or the attempts are spent.
   */
  run(jobs: Job[], context: JobContext): Promise<JobOutcome | Map<string, JobOutcome | Error>>;
  /** After a job is dead-lettered: domain state that mirrors it (a program change marked failed). */
  onFailed?(job: Job, error: unknown, context: JobContext): Promise<void>;
}

/** The webhook inbox, drained on the runner's tick and kicked by the route (InboxWorker). */
export interface InboxLane {
  drain(): Promise<number>;
  kick(id: string): void;
  idle(): Promise<void>;
}

export interface JobRunnerOptions {
  db: Database;
  clock: Clock;
  logger: Logger;
  queues: readonly QueueDefinition[];
  inbox?: InboxLane;
  /** The one timer's period: due work (retries, recurring jobs, work a dead process left) starts within it. */
  pollMs?: number;
  /** Identity on claimed rows (default: a fresh id per runner). */
  owner?: string;
  /** false: the tick leaves the inbox to the route's kicks (`ROOST_INBOX_WORKER=off`). */
  pollInbox?: boolean;
}

export const DEFAULT_POLL_MS = 2_000;

/**
 * The one background runner of a process: one timer, one lane per queue (a queue's runs go one
 * after another; queues run side by side, so a long backfill never holds up metafield writes or
 * webhook processing). Work claimed by a process that died is taken over once its lease lapses
 * (`LEASE_MS`), which with the poll below is within 10 s of a restart.
 */
export class JobRunner {
  readonly owner: string;
  private readonly queues: Map<string, QueueDefinition>;
  private readonly lanes = new Map<string, Promise<void>>();
  private readonly wanted = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | null = null;
  private readonly stopping = new AbortController();

  constructor(private readonly options: JobRunnerOptions) {
    this.owner = options.owner ?? newOwner();
    this.queues = new Map(options.queues.map((definition) => [definition.queue, definition]));
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.options.pollMs ?? DEFAULT_POLL_MS);
    this.timer.unref();
    void this.seedRecurring().then(() => this.tick());
  }

  /** The recurring queues' rows, due now when they are new or were dead-lettered. */
  async seedRecurring(): Promise<void> {
    try {
      for (const definition of this.queues.values()) {
        if (definition.recurring) await ensureRecurring(this.options.db, { queue: definition.queue, key: definition.recurring.key }, this.options.clock.now());
      }
    } catch (error) {
      throttledLog(this.options.logger, "runner").error({ err: error }, "recurring jobs could not be scheduled; retried at the next start");
    }
  }

  /** No more ticks; resolves when the runs in progress have finished. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.stopping.abort();
    await this.idle();
  }

  /** Due work now: the inbox and every queue with a due job. */
  tick(): Promise<void> {
    this.ticking ??= (async () => {
      try {
        if (this.options.inbox && this.options.pollInbox !== false) void this.options.inbox.drain();
        for (const queue of await dueQueues(this.options.db, this.options.clock.now())) this.kick(queue);
      } catch (error) {
        throttledLog(this.options.logger, "runner").error({ err: error }, "job runner tick failed");
      } finally {
        this.ticking = null;
      }
    })();
    return this.ticking;
  }

  /** Drain a queue soon (after its current run): called after queueing work that should not wait for the tick. */
  kick(queue: string): void {
    if (!this.queues.has(queue) || this.wanted.has(queue) || this.stopping.signal.aborted) return;
    this.wanted.add(queue);
    const previous = this.lanes.get(queue) ?? Promise.resolve();
    const lane = previous.then(async () => {
      this.wanted.delete(queue);
      await this.drain(queue);
    });
    this.lanes.set(queue, lane);
    void lane.then(() => {
      if (this.lanes.get(queue) === lane) this.lanes.delete(queue);
    });
  }

  /** Process one webhook delivery soon (the route's hand-over after its acknowledgement). */
  kickDelivery(id: string): void {
    this.options.inbox?.kick(id);
  }

  /** Resolves when every run started so far (and the inbox's queue) has finished. */
  async idle(): Promise<void> {
    await this.ticking;
    while (this.lanes.size > 0) await Promise.all([...this.lanes.values()]);
    await this.options.inbox?.idle();
  }

  /** Runs a queue's due jobs until none is left; resolves with how many runs it made. */
  async drain(queue: string): Promise<number> {
    const definition = this.queues.get(queue);
    if (!definition) return 0;
    let runs = 0;
    while (!this.stopping.signal.aborted) {
      // Runs resolve through microtasks only on SQLite: let requests in between them.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const jobs = await claimJobs(this.options.db, queue, { owner: this.owner, now: this.options.clock.now(), limit: definition.batch ?? 1 });
      if (jobs.length === 0) break;
      await this.run(definition, jobs);
      runs += 1;
    }
    return runs;
  }

  private async run(definition: QueueDefinition, jobs: Job[]): Promise<void> {
    const { db, clock } = this.options;
    const logger = this.options.logger.child({ queue: definition.queue });
    const ids = jobs.map((job) => job.id);
    const context: JobContext = { db, clock, logger, signal: this.stopping.signal };
    let outcome: JobOutcome | Map<string, JobOutcome | Error> = undefined;
    let failure: { error: unknown } | null = null;
    try {
      outcome = await holdLease(
        () => renewJobs(db, ids, this.owner, clock.now(), LEASE_MS),
        (leaseSignal) => definition.run(jobs, { ...context, signal: AbortSignal.any([leaseSignal, this.stopping.signal]) }),
      );
    } catch (error) {
      failure = { error };
    }
    if (failure?.error instanceof LeaseLostError) {
      logger.warn({ jobs: ids }, "job lease taken over by another worker: its result is left to it");
      return;
    }
    for (const job of jobs) {
      const result = failure ?? (outcome instanceof Map ? outcome.get(job.id) : outcome);
      const error = failure ? failure.error : result instanceof Error ? result : null;
      try {
        if (error !== null) {
          const status = await failJob(db, job, this.owner, error, clock.now(), definition.retryDelaysMs);
          // Each job keeps its own error; the log keeps the first and a count while it repeats.
          throttledLog(logger, `job:${definition.queue}`).warn({ err: error, job: job.id, key: job.key, attempts: job.attempts, status, terminal: isTerminalError(error) }, "job failed");
          if (status === "failed") await definition.onFailed?.(job, error, context);
        } else {
          const again = result && !(result instanceof Error) && "again" in result ? result.again : undefined;
          await completeJob(db, job, this.owner, clock.now(), again);
        }
      } catch (recordError) {
        throttledLog(logger, "runner").error({ err: recordError, job: job.id }, "recording a job's outcome failed; its lease lapses and it runs again");
      }
    }
  }
}

/**
 * Drains one queue now, in this process, and counts what its runs decided per job — done,
 * failed, or to run again later — of one shop when it is given: "write it now" for operators and
 * tests (the runner does the same on its tick).
 */
export async function drainNow(
  definition: QueueDefinition,
  deps: { db: Database; clock: Clock; logger: Logger },
  options: { shopId?: string } = {},
): Promise<{ done: number; failed: number; again: number }> {
  const counts = { done: 0, failed: 0, again: 0 };
  const counted: QueueDefinition = {
    ...definition,
    async run(jobs, context) {
      const outcomes = await definition.run(jobs, context);
      for (const job of jobs) {
        if (options.shopId && job.shopId !== options.shopId) continue;
        const outcome = outcomes instanceof Map ? outcomes.get(job.id) : outcomes;
        if (outcome instanceof Error) counts.failed += 1;
        else if (outcome && "again" in outcome) counts.again += 1;
        else counts.done += 1;
      }
      return outcomes;
    },
  };
  await new JobRunner({ db: deps.db, clock: deps.clock, logger: deps.logger, queues: [counted] }).drain(definition.queue);
  return counts;
}
