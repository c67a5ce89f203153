import type { z } from "zod";
import type { Database, Db } from "../../db.server";
import type { Clock } from "../../lib/clock";
import type { Logger } from "../../lib/logger.server";
import type { CapStore } from "../ledger/cap.server";
import { cachedShop, type Shop } from "../shops/shops.server";
import { ShopNotKnownError, UnprocessableDeliveryError } from "./errors";
import { shopIdMismatch } from "./shop-identity";

// What a topic handler gets and the checks every handler shares, apart from the handler table
// (topics.server.ts), so a feature's handler (backfill's bulk_operations/finish) uses the same
// checks without importing the table that lists it.

/**
 * `db` is the root client for a handler that runs alone; a store-signal handler
 * (SignalTopicHandler) takes a `Db`, since the inbox worker may apply it inside a batch's
 * transaction that it shares with other deliveries.
 */
export interface TopicContext<D extends Db = Database> {
  db: D;
  clock: Clock;
  logger: Logger;
  /** The process's daily-cap store (Redis when REDIS_URL is set), handed down by the inbox worker. */
  capStore: CapStore;
  shopDomain: string;
  topic: string;
  webhookId: string;
  /** When Shopify says the event happened (X-Shopify-Triggered-At), else when it arrived. */
  triggeredAt: Date;
  /** When Roost stored the delivery (its own clock, unlike the header above). */
  receivedAt: Date;
  payload: unknown;
}

export type TopicHandler = (context: TopicContext) => Promise<void>;

/**
 * A handler whose writes all go through `context.db`, whether that is the root client or a
 * transaction: the inbox worker applies deliveries of these topics several to a transaction.
 * It must not catch a database error and carry on (on PostgreSQL the transaction is aborted),
 * nor do anything outside the database that a rollback cannot undo and a retry would repeat.
 */
export type SignalTopicHandler = (context: TopicContext<Db>) => Promise<void>;

/** Validates a payload, turning a schema mismatch into a terminal, explained failure. */
export function parsePayload<S extends z.ZodType>(schema: S, context: TopicContext<Db>): z.output<S> {
  const result = schema.safeParse(context.payload);
  if (!result.success) {
    const issues = result.error.issues
      .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
      .join("; ");
    throw new UnprocessableDeliveryError(`${context.topic} payload is invalid: ${issues}`);
  }
  return result.data;
}

/** A signed payload that names a shop other than the delivery's header: kept as failed, applied nowhere. */
export function refuseForeign(context: TopicContext<Db>, problem: string | null): void {
  if (problem) throw new UnprocessableDeliveryError(`${context.topic} payload names another shop: ${problem}`);
}

/**
 * The delivery's shop, from the process's shop cache. The header's domain is unsigned, so the
 * row must already exist (only an install creates one: a domain without one is parked, see
 * ShopNotKnownError), and a `shop_id` in the signed payload must be the shop's once Roost has
 * learned it (docs/security.md). The compliance topics use this directly: they are honoured
 * whether or not the shop is installed.
 */
export async function knownShop(context: TopicContext<Db>): Promise<Shop> {
  const shop = await cachedShop(context.db, context.shopDomain);
  if (!shop) throw new ShopNotKnownError(context.shopDomain);
  const payload = context.payload;
  if (payload && typeof payload === "object" && "shop_id" in payload) refuseForeign(context, shopIdMismatch(shop, payload.shop_id));
  return shop;
}

/**
 * The shop a store-signal delivery (orders, refunds, catalogue, customers, bulk operations)
 * applies to, or null once it has uninstalled Roost: then nothing is written for it (DESIGN,
 * "Lifecycle"). The delivery stays in the inbox as processed, so an operator can replay it
 * after a reinstall. Uninstalling drops the cached row, so the next delivery here sees the
 * uninstall at once.
 */
export async function activeShop(context: TopicContext<Db>): Promise<Shop | null> {
  const shop = await knownShop(context);
  if (shop.installed) return shop;
  context.logger.info("shop has uninstalled Roost: delivery kept, not applied");
  return null;
}
