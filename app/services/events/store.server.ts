import { Prisma, type PixelEvent } from "@prisma/client";
import { type Db, isSqlite } from "../../db.server";
import type { PixelEventInput } from "./schema";

// Raw storage of the pixel's events and their hourly counts. Raw SQL because a batch is one
// multi-row statement each (Prisma's createMany cannot skip duplicates on SQLite), the same on
// SQLite and PostgreSQL. Dates are bound as `Date`s, so they are stored as Prisma stores its own.

/** An event with the stock the mirror held for its variant when it arrived. */
export interface StockedEvent extends PixelEventInput {
  stockAtIngest: number | null;
  lowStockAtIngest: boolean | null;
}

/**
 * Inserts the events, skipping any whose (shopId, eventId) is already stored; returns the rows
 * newly stored, as stored (nothing is read back but the ids the insert returns).
 */
export async function insertPixelEvents(db: Db, shopId: string, events: readonly StockedEvent[], receivedAt: Date): Promise<PixelEvent[]> {
  if (events.length === 0) return [];
  const sqlite = isSqlite(db);
  const rows = events.map((event) => ({ ...event, id: crypto.randomUUID(), shopId, receivedAt }));
  const flag = (value: boolean | null) => (value === null ? null : sqlite ? Number(value) : value);
  const values = rows.map(
    (row) =>
      Prisma.sql`(${row.id}, ${shopId}, ${row.eventId}, ${row.clientId}, ${row.name}, ${row.occurredAt}, ${receivedAt}, ${row.pagePath}, ${row.productGid}, ${row.variantGid}, ${row.quantity}, ${row.price}, ${row.currency}, ${row.stockAtIngest}, ${flag(row.lowStockAtIngest)}, ${row.cartToken}, ${row.checkoutToken}, ${row.orderGid})`,
  );
  const stored = await db.$queryRaw<{ id: string }[]>`
    INSERT INTO "PixelEvent"
      ("id", "shopId", "eventId", "clientId", "name", "occurredAt", "receivedAt", "pagePath", "productGid", "variantGid", "quantity", "price", "currency", "stockAtIngest", "lowStockAtIngest", "cartToken", "checkoutToken", "orderGid")
    VALUES ${Prisma.join(values)}
    ON CONFLICT ("shopId", "eventId") DO NOTHING
    RETURNING "id"`;
  const ids = new Set(stored.map((row) => row.id));
  return rows
    .filter((row) => ids.has(row.id))
    .map((row) => ({
      id: row.id,
      shopId,
      eventId: row.eventId,
      clientId: row.clientId,
      name: row.name,
      occurredAt: row.occurredAt,
      receivedAt,
      pagePath: row.pagePath,
      productGid: row.productGid,
      variantGid: row.variantGid,
      quantity: row.quantity,
      price: row.price,
      currency: row.currency,
      stockAtIngest: row.stockAtIngest,
      lowStockAtIngest: row.lowStockAtIngest,
      cartToken: row.cartToken,
      checkoutToken: row.checkoutToken,
      orderGid: row.orderGid,
    }));
}

/** The UTC hour an event happened in: its roll-up bucket. */
export function rollupHour(at: Date): Date {
  return new Date(Math.floor(at.getTime() / 3600_000) * 3600_000);
}

/** Adds the events to their hourly counts (per shop, hour, name): one upsert statement. */
export async function addToRollups(db: Db, shopId: string, events: readonly Pick<PixelEvent, "name" | "occurredAt">[]): Promise<void> {
  if (events.length === 0) return;
  const counts = new Map<string, { hour: Date; name: string; count: number }>();
  for (const event of events) {
    const hour = rollupHour(event.occurredAt);
    const key = `${hour.getTime()} ${event.name}`;
    const bucket = counts.get(key);
    if (bucket) bucket.count += 1;
    else counts.set(key, { hour, name: event.name, count: 1 });
  }
  const values = [...counts.values()].map((bucket) => Prisma.sql`(${crypto.randomUUID()}, ${shopId}, ${bucket.hour}, ${bucket.name}, ${bucket.count})`);
  await db.$executeRaw`
    INSERT INTO "PixelEventRollup" ("id", "shopId", "hour", "name", "count")
    VALUES ${Prisma.join(values)}
    ON CONFLICT ("shopId", "hour", "name") DO UPDATE SET "count" = "PixelEventRollup"."count" + excluded."count"`;
}
