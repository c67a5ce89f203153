import type { Database } from "../../db.server";
import type { Clock } from "../../lib/clock";
import { throttledLog } from "../../lib/log-throttle.server";
import { parseJsonWithLimits } from "../../lib/json-limits";
import type { Logger } from "../../lib/logger.server";
import type { CapStore } from "../ledger/cap.server";
import { releaseParkedIfKnown } from "../shops/shops.server";
import { ShopNotKnownError, UnprocessableDeliveryError } from "../webhooks/errors";
import { holdLease, newOwner } from "../jobs/queue.server";
import type { InboxLane } from "../jobs/runner.server";
import type { TopicHandler } from "../webhooks/context.server";
import {
  claimDelivery,
  completeDelivery,
  type Delivery,
  dueDeliveryIds,
  failDelivery,
  MAX_PAYLOAD_DEPTH,
  parkDelivery,
  renewDeliveries,
} from "./inbox.server";

export interface InboxWorkerOptions {
  db: Database;
  clock: Clock;
  logger: Logger;
  handlers: Record<string, TopicHandler>;
  /** The process's daily-cap store, handed to the topic handlers. */
  capStore: CapStore;
  /** Identity on the deliveries it claims (the job runner's, so one process is one owner). */
  owner?: string;
}

/**
 * Drains the webhook inbox in this process: the inbox lane of the job runner
 * (app/services/jobs/runner.server.ts). The route kicks it with the id it just stored, so a
 * delivery is normally processed right after its acknowledgement; the runner's tick drains
 * retries and anything a crashed process left behind. Deliveries run one at a time per worker,
 * which keeps SQLite free of write contention; several processes on PostgreSQL share the inbox
 * safely through leases, renewed while a delivery is processed.
 */
export class InboxWorker implements InboxLane {
  private tail: Promise<void> = Promise.resolve();
  private queued = new Set<string>();
  private readonly owner: string;

  constructor(private readonly options: InboxWorkerOptions) {
    this.owner = options.owner ?? newOwner();
  }

  /** Process one delivery soon, after whatever is already queued. */
  kick(id: string): void {
    if (this.queued.has(id)) return;
    this.queued.add(id);
    this.enqueue(async () => {
      this.queued.delete(id);
      await this.attempt(id);
    });
  }

  /** Processes every delivery that is due now; resolves with how many were attempted. */
  async drain(): Promise<number> {
    let attempted = 0;
    await this.enqueue(async () => {
      for (;;) {
        // A delivery whose kick is still queued is left to it: attempting it here too only
        // makes the kick's claim fail later (a wasted statement per delivery under load).
        const ids = (await dueDeliveryIds(this.options.db, this.options.clock)).filter((id) => !this.queued.has(id));
        let progressed = false;
        for (const id of ids) {
          if (await this.attempt(id)) {
            attempted += 1;
            progressed = true;
          }
        }
        if (!progressed) return;
      }
    });
    return attempted;
  }

  /** Resolves when everything queued so far has run. */
  idle(): Promise<void> {
    return this.tail;
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.tail.then(task).catch((error: unknown) => {
      throttledLog(this.options.logger, "inbox-worker").error({ err: error }, "inbox worker task failed");
    });
    this.tail = run;
    return run;
  }

  /** One attempt at one delivery; false when another worker holds it or it is not due. */
  private async attempt(id: string): Promise<boolean> {
    // Processing resolves through microtasks only (libsql is synchronous): without this a
    // queue of kicks, or a drain of the backlog, never lets a request in until it is done.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const { db, clock } = this.options;
    const delivery = await claimDelivery(db, id, clock, this.owner);
    if (!delivery) return false;
    const logger = this.options.logger.child({ shop: delivery.shopDomain, topic: delivery.topic, webhookId: delivery.webhookId });
    try {
      await holdLease(
        () => renewDeliveries(db, [delivery.id], this.owner, clock.now()),
        () => this.process(delivery, logger),
      );
      await completeDelivery(db, delivery.id, clock);
    } catch (error) {
      if (error instanceof ShopNotKnownError) {
        await parkDelivery(db, delivery.id, error.message, clock);
        logger.info("shop has no installation record: delivery parked");
        for (const released of await releaseParkedIfKnown(db, delivery.shopDomain, clock)) this.kick(released);
        return true;
      }
      // A value out of range (an amount past 2^53 minor units) fails the same way every time.
      const terminal = error instanceof UnprocessableDeliveryError || error instanceof RangeError;
      const message = error instanceof Error ? error.message : String(error);
      const status = await failDelivery(db, delivery, { message, terminal }, clock);
      // Each delivery keeps its own error; the log keeps the first and a count while it repeats.
      throttledLog(logger, "inbox-worker").warn({ err: error, attempts: delivery.attempts, status }, "delivery processing failed");
    }
    return true;
  }

  private async process(delivery: Delivery, logger: Logger): Promise<void> {
    // Dropped by retention or a customers/redact: there is nothing left to apply.
    if (delivery.payload === null) throw new UnprocessableDeliveryError("payload was dropped (retention or customers/redact)");
    // Depth and unstorable characters are checked before anything walks the payload.
    const parsed = parseJsonWithLimits(delivery.payload, { maxDepth: MAX_PAYLOAD_DEPTH });
    if (!parsed.ok) throw new UnprocessableDeliveryError(parsed.reason === "invalid_json" ? "payload is not valid JSON" : `payload refused: ${parsed.message}`);
    const payload = parsed.value;
    const handler = this.options.handlers[delivery.topic];
    if (!handler) {
      logger.info("no handler for topic: acknowledged and kept");
      return;
    }
    await handler({
      db: this.options.db,
      clock: this.options.clock,
      logger,
      capStore: this.options.capStore,
      shopDomain: delivery.shopDomain,
      topic: delivery.topic,
      webhookId: delivery.webhookId,
      triggeredAt: delivery.triggeredAt ?? delivery.receivedAt,
      receivedAt: delivery.receivedAt,
      payload,
    });
  }
}
