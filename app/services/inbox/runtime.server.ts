import db from "../../db.server";
import { systemClock } from "../../lib/clock";
import { logger } from "../../lib/logger.server";
import { type Periodic, runPeriodically } from "../../lib/periodic.server";
import { topicHandlers } from "../webhooks/topics.server";
import { inboxRetentionDays, pruneInbox } from "./inbox.server";
import { InboxWorker } from "./worker.server";

declare global {
  var __roostInboxWorker: InboxWorker | undefined;
  var __roostInboxRetention: Periodic | undefined;
}

/** The process's inbox worker (one per process, kept across Vite reloads). */
export function inboxWorker(): InboxWorker {
  globalThis.__roostInboxWorker ??= new InboxWorker({
    db,
    clock: systemClock,
    logger: logger.child({ component: "inbox" }),
    handlers: topicHandlers,
    pollIntervalMs: Number(process.env.ROOST_INBOX_POLL_MS ?? 5000),
  });
  return globalThis.__roostInboxWorker;
}

export const INBOX_RETENTION_INTERVAL_MS = 3600_000;

/**
 * The inbox's retention pass (`pruneInbox`), at start and then hourly in this process (one per
 * process, kept across Vite reloads). Several processes may run it: each pass is idempotent.
 */
export function startInboxRetention(): Periodic {
  if (globalThis.__roostInboxRetention) return globalThis.__roostInboxRetention;
  const retentionDays = inboxRetentionDays();
  const log = logger.child({ component: "inbox-retention" });
  const periodic = runPeriodically(
    async () => {
      const { dropped, deleted } = await pruneInbox(db, systemClock, { retentionDays });
      if (dropped || deleted) log.info({ retentionDays, dropped, deleted }, "inbox payloads past retention dropped");
    },
    { intervalMs: INBOX_RETENTION_INTERVAL_MS, logger: log, failure: "inbox retention pass failed" },
  );
  globalThis.__roostInboxRetention = periodic;
  void periodic.runOnce();
  return periodic;
}
