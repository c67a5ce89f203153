import db from "../../db.server";
import { systemClock } from "../../lib/clock";
import { logger } from "../../lib/logger.server";
import { topicHandlers } from "../webhooks/topics.server";
import { InboxWorker } from "./worker.server";

declare global {
  var __roostInboxWorker: InboxWorker | undefined;
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
