import { analyticsRepeatRefreshMs, analyticsRollupIntervalMs, analyticsRollupQueue } from "./services/analytics/job.server";
import db, { type Database } from "./db.server";
import { buildHttpEdge, type HttpDeps, type HttpEdge } from "./http/edge.server";
import type { FailureLimiter } from "./http/rate-limit";
import { type Clock, systemClock } from "./lib/clock";
import { logger as rootLogger, type Logger } from "./lib/logger.server";
import { type CapStore, databaseCapStore } from "./services/ledger/cap.server";
import { inboxRetentionDays, inboxRetentionQueue } from "./services/inbox/inbox.server";
import { eventsRetentionDays, eventsRetentionQueue } from "./services/events/retention.server";
import { InboxWorker } from "./services/inbox/worker.server";
import { releaseIntervalMs, releaseQueue } from "./services/ledger/release-worker.server";
import { tierSweepQueue } from "./services/ledger/tiers.server";
import { metafieldsQueue } from "./services/outbox/metafields.server";
import { metafieldDefinitionsQueue } from "./services/outbox/definitions.server";
import { programMetafieldQueue } from "./services/outbox/program-metafield.server";
import { bonusesQueue } from "./services/ledger/bonus.server";
import { redemptionsQueue } from "./services/rewards/issue.server";
import { pointsDailyIntervalMs, pointsDailyQueue } from "./services/rewards/daily.server";
import { catchUpQueue } from "./services/program/catch-up.server";
import { cohortSweepIntervalMs, cohortSweepQueue, cohortsQueue } from "./services/cohorts/queue.server";
import { syncIntervalMs, syncQueue } from "./services/sync/scheduler.server";
import { tagCountsIntervalMs, tagCountsQueue } from "./services/tags/counts.server";
import { tagsReconcileIntervalMs, tagsReconcileQueue } from "./services/tags/reconcile.server";
import { tagsQueue } from "./services/tags/writer.server";
import { webhooksOutQueue } from "./services/endpoints/deliver.server";
import { flowOutput } from "./services/flow/output.server";
import { flowQueue } from "./services/flow/send.server";
import { endpointOutput } from "./services/endpoints/output.server";
import { dispatchIntervalMs, journeysDispatchQueue } from "./services/journeys/dispatch.server";
import type { JourneyOutput } from "./services/journeys/outputs";
import { newOwner } from "./services/jobs/queue.server";
import { DEFAULT_POLL_MS, JobRunner, type QueueDefinition } from "./services/jobs/runner.server";
import { createRedisCapStore } from "./services/ledger/redis-cap.server";
import { adminClientFor, type AdminClientFactory } from "./services/shopify/admin.server";
import { type AdminBudget, databaseAdminBudget, withLocalFallback } from "./services/shopify/admin-budget.server";
import { createRedisAdminBudget } from "./services/shopify/admin-budget-redis.server";
import { signalTopicHandlers, topicHandlers } from "./services/webhooks/topics.server";

// The one place that builds the process's dependencies. Routes, workers and the CLI take them
// from here and hand them to services; services never look up process state themselves.

export interface AppDeps {
  db: Database;
  clock: Clock;
  logger: Logger;
  /** Redis when REDIS_URL is set; the ledger's own count otherwise. */
  capStore: CapStore;
  /** The Admin API client for an installed shop (its offline token). */
  adminFor: AdminClientFactory;
  /** Each shop's Admin API bucket, shared by the process's Admin writers with every other process: Redis when REDIS_URL is set, the database otherwise. */
  adminBudget: AdminBudget;
}

declare global {
  var __roostDeps: AppDeps | undefined;
}

/** Builds the dependencies from the environment: what `appDeps()` returns in a server process. */
export function buildDeps(env: Record<string, string | undefined> = process.env, overrides: Partial<AppDeps> = {}): AppDeps {
  const logger = overrides.logger ?? rootLogger;
  const capStore = overrides.capStore ?? (env.REDIS_URL ? createRedisCapStore({ url: env.REDIS_URL, logger: logger.child({ component: "cap" }) }) : databaseCapStore);
  const database = overrides.db ?? db;
  const adminBudget =
    overrides.adminBudget ??
    (env.REDIS_URL
      ? withLocalFallback(createRedisAdminBudget({ url: env.REDIS_URL, logger: logger.child({ component: "pacing" }) }), logger.child({ component: "pacing" }), "Redis")
      : withLocalFallback(databaseAdminBudget(database), logger.child({ component: "pacing" }), "the database"));
  return { db: database, clock: overrides.clock ?? systemClock, logger, capStore, adminFor: overrides.adminFor ?? adminClientFor, adminBudget };
}

/** The process's dependencies (built once, kept across Vite reloads). */
export function appDeps(): AppDeps {
  globalThis.__roostDeps ??= buildDeps();
  return globalThis.__roostDeps;
}

/** Tests and start-up replace the process's dependencies here (e.g. a Redis cap store for a fault test). */
export function setAppDeps(deps: AppDeps | undefined): void {
  globalThis.__roostDeps = deps;
}

// ------------------------------------------------------------------- background work

export interface AppRuntime {
  /** The one background runner: the inbox lane and every queue, on one timer. */
  runner: JobRunner;
  inbox: InboxWorker;
  /** Stops the runner (the runs in progress finish) and closes the dependencies' connections (Redis). */
  stop(): Promise<void>;
}

declare global {
  var __roostRuntime: AppRuntime | undefined;
}

/** Where dispatched journey events go: the shop's webhook endpoints (and Shopify Flow). */
export const journeyOutputs: JourneyOutput[] = [endpointOutput, flowOutput];

/** Every queue the runner works, built from the dependencies; `ROOST_SYNC_JOBS=off` leaves out the store-facing ones. */
export function queueDefinitions(deps: AppDeps, env: Record<string, string | undefined> = process.env): QueueDefinition[] {
  const queues: QueueDefinition[] = [];
  if (env.ROOST_INBOX_WORKER !== "off") queues.push(inboxRetentionQueue(inboxRetentionDays(env)));
  queues.push(eventsRetentionQueue(eventsRetentionDays(env)));
  // The Dashboard's points per day, added up off the award path.
  queues.push(analyticsRollupQueue(analyticsRollupIntervalMs(env), analyticsRepeatRefreshMs(env)));
  // The ledger's: metafield write-back (the outbox), releasing held awards, the daily tier sweep.
  if (env.ROOST_SYNC_JOBS !== "off") queues.push(metafieldsQueue(deps), releaseQueue(deps, releaseIntervalMs(env)), tierSweepQueue());
  // Rewards: codes and store credit for redemptions, the customer metafield definitions at install
  // and the program's facts for the theme block (store-facing); sign-up bonuses; the daily pass of
  // expiry and birthdays (reads birth dates from the store).
  if (env.ROOST_SYNC_JOBS !== "off") queues.push(redemptionsQueue(deps), metafieldDefinitionsQueue(deps), programMetafieldQueue(deps), pointsDailyQueue(deps, pointsDailyIntervalMs(env)));
  queues.push(bonusesQueue(deps));
  // The program catch-up of stored orders; each installed shop's backfill steps and reconciliation.
  if (env.ROOST_SYNC_JOBS !== "off") queues.push(catchUpQueue(deps), syncQueue(deps, { intervalMs: syncIntervalMs(env) }));
  // Cohort tags on Shopify customers: the tag ops the cohorts write in their outbox.
  if (env.ROOST_SYNC_JOBS !== "off") queues.push(tagsQueue(deps));
  if (env.ROOST_SYNC_JOBS !== "off") queues.push(tagsReconcileQueue(tagsReconcileIntervalMs(env)));
  // Cohorts: the shoppers signals touched, and the sweep for conditions that change with time.
  queues.push(cohortsQueue(), cohortSweepQueue(cohortSweepIntervalMs(env)));
  // The Cohorts page's tag counts of large shops, recounted when stale so the page reads them.
  queues.push(tagCountsQueue(tagCountsIntervalMs(env)));
  // Journey events out: the dispatcher's fan-out to the outputs, and the sends to merchants' endpoints.
  queues.push(journeysDispatchQueue(journeyOutputs, dispatchIntervalMs(env)), webhooksOutQueue({ env }));
  // Shopify Flow: flowTriggerReceive for the triggers the shop's workflows use (store-facing).
  if (env.ROOST_SYNC_JOBS !== "off") queues.push(flowQueue(deps));
  return queues;
}

/**
 * Builds the runner for a set of dependencies (the process's, or a test's). Not started: the
 * server process starts it (app/entry.server.tsx); tests drive it themselves.
 * `ROOST_INBOX_WORKER=off` leaves the inbox to the route's kicks (a diagnostic).
 */
export function buildRuntime(deps: AppDeps, options: { pollMs?: number; env?: Record<string, string | undefined> } = {}): AppRuntime {
  const env = options.env ?? process.env;
  const owner = newOwner();
  const inbox = new InboxWorker({ db: deps.db, clock: deps.clock, logger: deps.logger.child({ component: "inbox" }), handlers: topicHandlers, signalHandlers: signalTopicHandlers, capStore: deps.capStore, owner });
  const runner = new JobRunner({
    db: deps.db,
    clock: deps.clock,
    logger: deps.logger.child({ component: "jobs" }),
    queues: queueDefinitions(deps, env),
    inbox,
    owner,
    pollInbox: env.ROOST_INBOX_WORKER !== "off",
    pollMs: options.pollMs ?? jobsPollMs(env),
  });
  return {
    runner,
    inbox,
    async stop() {
      await runner.stop();
      // Awards after this are held, never granted unchecked (the store answers unavailable once closed).
      await (deps.capStore as Partial<{ close(): Promise<void> }>).close?.();
      await deps.adminBudget.close?.();
    },
  };
}

/** `ROOST_JOBS_POLL_MS`: the runner's tick, default 2 s. */
export function jobsPollMs(env: Record<string, string | undefined> = process.env): number {
  const value = Number(env.ROOST_JOBS_POLL_MS);
  return Number.isFinite(value) && value > 0 ? value : DEFAULT_POLL_MS;
}

/** The process's runtime (built once, kept across Vite reloads); `start()` on its runner starts the timer. */
export function appRuntime(): AppRuntime {
  globalThis.__roostRuntime ??= buildRuntime(appDeps());
  return globalThis.__roostRuntime;
}

/** The process's inbox worker: the webhook route hands each stored delivery to it. */
export function inboxWorker(): InboxWorker {
  return appRuntime().inbox;
}

// ------------------------------------------------------------------- HTTP entry points

declare global {
  var __roostHttpEdge: HttpEdge | undefined;
}

/** The process's HTTP edge: the API's failed-authentication limiter and the webhook validator (built once, kept across Vite reloads). */
export function httpEdge(): HttpEdge {
  globalThis.__roostHttpEdge ??= buildHttpEdge({ logger: appDeps().logger });
  return globalThis.__roostHttpEdge;
}

/** What the webhook and API routes hand to app/http/: the process's dependencies, its HTTP edge, the inbox hand-over. */
export function httpDeps(): HttpDeps {
  const { db, clock, logger, capStore } = appDeps();
  const { apiAuthFailures, webhookValidator, ingestLimits, accountRequests } = httpEdge();
  return {
    db,
    clock,
    logger,
    capStore,
    apiAuthFailures,
    webhookValidator,
    ingestLimits,
    accountRequests,
    apiKey: process.env.SHOPIFY_API_KEY ?? "",
    // A stored delivery goes to the runner's inbox lane at once (the runner's tick is the fallback).
    kick: (id) => appRuntime().runner.kickDelivery(id),
  };
}

/** Tests swap the API's failed-authentication limiter (e.g. for one on a test clock); returns the one it replaces. */
export function useApiAuthLimiter(limiter: FailureLimiter): FailureLimiter {
  const edge = httpEdge();
  const previous = edge.apiAuthFailures;
  edge.apiAuthFailures = limiter;
  return previous;
}
