import type { Database, Db } from "../../db.server";
import type { Clock } from "../../lib/clock";
import { throttledLog } from "../../lib/log-throttle.server";
import { parseJsonWithLimits } from "../../lib/json-limits";
import type { Logger } from "../../lib/logger.server";
import type { CapStore } from "../ledger/cap.server";
import { releaseParkedIfKnown } from "../shops/shops.server";
import { ShopNotKnownError, UnprocessableDeliveryError } from "../webhooks/errors";
import { holdLease, newOwner } from "../jobs/queue.server";
import type { InboxLane } from "../jobs/runner.server";
import type { SignalTopicHandler, TopicContext, TopicHandler } from "../webhooks/context.server";
import {
  claimDeliveries,
  claimDueDeliveries,
  completeDeliveries,
  type Delivery,
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
  /**
   * Handlers of the topics whose deliveries may share a transaction (the store signals:
   * app/services/webhooks/topics.server.ts, `signalTopicHandlers`). None: every delivery alone.
   */
  signalHandlers?: Record<string, SignalTopicHandler>;
  /** The process's daily-cap store, handed to the topic handlers. */
  capStore: CapStore;
  /** Identity on the deliveries it claims (the job runner's, so one process is one owner). */
  owner?: string;
  /** Most deliveries claimed, and applied in one transaction, at a time (default BATCH_SIZE). */
  batchSize?: number;
}

/**
 * Most deliveries claimed and applied together. On SQLite a batch's transaction holds the one
 * connection, so the route's INSERTs wait for it: acknowledgement under load gets slower as
 * batches grow (docs/performance.md, "Batches").
 */
export const BATCH_SIZE = 16;

/**
 * Drains the webhook inbox in this process: the inbox lane of the job runner
 * (app/services/jobs/runner.server.ts). The route kicks it with the id it just stored, so a
 * delivery is normally processed right after its acknowledgement; the runner's tick drains
 * retries and anything a crashed process left behind.
 *
 * Deliveries go in batches: up to `batchSize` claimed in one statement (oldest first), their
 * leases renewed in one, and the store signals among them applied in one transaction that also
 * marks them processed, so a batch commits whole or not at all. If one of them fails the
 * transaction is rolled back and each is then applied alone, in its own transaction, and kept
 * as failed (or retried) with its own reason: one bad delivery never holds back the others. The
 * other topics (app lifecycle, compliance, bulk operations) always go alone. One batch runs at
 * a time per worker, which keeps SQLite free of write contention. Several processes on
 * PostgreSQL share the inbox: each claim skips rows another worker has locked (`FOR UPDATE SKIP
 * LOCKED`), so their drains take different deliveries, and a lease is held by one worker.
 */
export class InboxWorker implements InboxLane {
  private tail: Promise<void> = Promise.resolve();
  /** Kicked ids not yet claimed, in the order they were kicked. */
  private queued = new Set<string>();
  private pumping = false;
  private readonly owner: string;
  private readonly batchSize: number;

  constructor(private readonly options: InboxWorkerOptions) {
    this.owner = options.owner ?? newOwner();
    this.batchSize = Math.max(1, options.batchSize ?? BATCH_SIZE);
  }

  /** Process one delivery soon, with whatever else has been kicked meanwhile. */
  kick(id: string): void {
    if (this.queued.has(id)) return;
    this.queued.add(id);
    if (this.pumping) return;
    this.pumping = true;
    void this.enqueue(() => this.pump());
  }

  /** Processes every delivery that is due now; resolves with how many were attempted. */
  async drain(): Promise<number> {
    let attempted = 0;
    await this.enqueue(async () => {
      const { db, clock } = this.options;
      for (;;) {
        const claimed = await claimDueDeliveries(db, clock, this.owner, this.batchSize);
        // A kicked id claimed here is not claimed again by its kick (a wasted statement under load).
        for (const delivery of claimed) this.queued.delete(delivery.id);
        attempted += await this.apply(claimed);
        // Fewer than a batch: nothing else is due (or other workers hold it).
        if (claimed.length < this.batchSize) return;
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

  /** Claims and processes the kicked ids, a batch at a time, until none is left. */
  private async pump(): Promise<void> {
    try {
      while (this.queued.size > 0) {
        const ids: string[] = [];
        for (const id of this.queued) {
          ids.push(id);
          if (ids.length === this.batchSize) break;
        }
        for (const id of ids) this.queued.delete(id);
        await this.attempt(ids);
      }
    } catch (error) {
      // The database is away: what was kicked is left to the runner's tick (drain skips queued ids).
      this.queued.clear();
      throw error;
    } finally {
      this.pumping = false;
    }
  }

  /** One attempt at each of `ids` that is due and not held elsewhere. */
  private async attempt(ids: string[]): Promise<void> {
    await this.apply(await claimDeliveries(this.options.db, ids, this.options.clock, this.owner));
  }

  /** Applies claimed deliveries, holding their leases meanwhile; resolves with how many there were. */
  private async apply(claimed: Delivery[]): Promise<number> {
    // Processing resolves through microtasks only (libsql is synchronous): without this a
    // queue of kicks, or a drain of the backlog, never lets a request in until it is done.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (claimed.length === 0) return 0;
    const { db, clock } = this.options;
    const claimedIds = claimed.map((delivery) => delivery.id);
    await holdLease(
      () => renewDeliveries(db, claimedIds, this.owner, clock.now()),
      async () => {
        const signals = this.options.signalHandlers ?? {};
        const together = claimed.filter((delivery) => delivery.topic in signals);
        if (together.length > 1 && (await this.applyTogether(together, signals))) {
          for (const delivery of claimed) if (!(delivery.topic in signals)) await this.applyAlone(delivery);
          return;
        }
        for (const delivery of claimed) await this.applyAlone(delivery);
      },
    );
    return claimed.length;
  }

  /**
   * The batch's store signals in one transaction, marked processed in it; false (rolled back,
   * nothing applied) if any of them failed, for `applyAlone` to apply each and keep its error.
   */
  private async applyTogether(deliveries: Delivery[], handlers: Record<string, SignalTopicHandler>): Promise<boolean> {
    const { db, clock } = this.options;
    try {
      await db.$transaction(async (tx) => {
        for (const delivery of deliveries) await this.process(delivery, this.loggerFor(delivery), tx, handlers[delivery.topic]);
        await completeDeliveries(tx, deliveries.map((delivery) => delivery.id), clock);
      });
      return true;
    } catch (error) {
      this.options.logger.debug({ err: error, deliveries: deliveries.length }, "batch rolled back: its deliveries are applied one at a time");
      return false;
    }
  }

  /** One claimed delivery in its own transaction(s), then processed, failed, retried or parked. */
  private async applyAlone(delivery: Delivery): Promise<void> {
    const { db, clock } = this.options;
    const logger = this.loggerFor(delivery);
    try {
      await this.process(delivery, logger, db, this.options.handlers[delivery.topic]);
      await completeDeliveries(db, [delivery.id], clock);
    } catch (error) {
      if (error instanceof ShopNotKnownError) {
        await parkDelivery(db, delivery.id, error.message, clock);
        logger.info("shop has no installation record: delivery parked");
        for (const released of await releaseParkedIfKnown(db, delivery.shopDomain, clock)) this.kick(released);
        return;
      }
      // A value out of range (an amount past 2^53 minor units) fails the same way every time.
      const terminal = error instanceof UnprocessableDeliveryError || error instanceof RangeError;
      const message = error instanceof Error ? error.message : String(error);
      const status = await failDelivery(db, delivery, { message, terminal }, clock);
      // Each delivery keeps its own error; the log keeps the first and a count while it repeats.
      throttledLog(logger, "inbox-worker").warn({ err: error, attempts: delivery.attempts, status }, "delivery processing failed");
    }
  }

  private loggerFor(delivery: Delivery): Logger {
    return this.options.logger.child({ shop: delivery.shopDomain, topic: delivery.topic, webhookId: delivery.webhookId });
  }

  private async process<D extends Db>(delivery: Delivery, logger: Logger, db: D, handler: ((context: TopicContext<D>) => Promise<void>) | undefined): Promise<void> {
    // Dropped by retention or a customers/redact: there is nothing left to apply.
    if (delivery.payload === null) throw new UnprocessableDeliveryError("payload was dropped (retention or customers/redact)");
    // Depth and unstorable characters are checked before anything walks the payload.
    const parsed = parseJsonWithLimits(delivery.payload, { maxDepth: MAX_PAYLOAD_DEPTH });
    if (!parsed.ok) throw new UnprocessableDeliveryError(parsed.reason === "invalid_json" ? "payload is not valid JSON" : `payload refused: ${parsed.message}`);
    if (!handler) {
      logger.info("no handler for topic: acknowledged and kept");
      return;
    }
    await handler({
      db,
      clock: this.options.clock,
      logger,
      capStore: this.options.capStore,
      shopDomain: delivery.shopDomain,
      topic: delivery.topic,
      webhookId: delivery.webhookId,
      triggeredAt: delivery.triggeredAt ?? delivery.receivedAt,
      receivedAt: delivery.receivedAt,
      payload: parsed.value,
    });
  }
}
