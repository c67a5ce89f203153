import { type PixelEvent, Prisma } from "@prisma/client";
import { inTransaction } from "../../db.server";
import { afterSignal } from "../cohorts/hook.server";
import type { CohortSignalShop } from "../cohorts/queue.server";
import type { PixelEventInput } from "../events/schema";
import { addToRollups, insertPixelEvents, type StockedEvent } from "../events/store.server";
import { notePixelCheckouts } from "../identity/visitors.server";
import type { SignalDeps } from "./deps";

/** What a batch stored: the rows newly written, and how many of the batch were already stored. */
export interface PixelBatchResult {
  stored: PixelEvent[];
  duplicates: number;
}

/**
 * The web pixel's seam (mirror → identity → cohorts), in one transaction: each event is stored
 * once per shop with the stock the mirror holds for its variant now, the hourly roll-ups count
 * the events newly stored, the checkout tokens the pixel reported go to identity, and the cohort
 * hook gets the new rows. The pixel is unsigned, so nothing here touches the ledger.
 */
export async function applyPixelBatch(deps: Pick<SignalDeps, "db" | "clock">, shop: CohortSignalShop, events: readonly PixelEventInput[]): Promise<PixelBatchResult> {
  // A batch that repeats an event id keeps its first.
  const unique = new Map<string, PixelEventInput>();
  for (const event of events) if (!unique.has(event.eventId)) unique.set(event.eventId, event);
  if (unique.size === 0) return { stored: [], duplicates: events.length };

  return inTransaction(deps.db, async (tx) => {
    const variantGids = [...new Set([...unique.values()].flatMap((event) => (event.variantGid ? [event.variantGid] : [])))];
    const stock = new Map<string, { available: number; lowStock: boolean }>();
    if (variantGids.length > 0) {
      // Raw: one indexed lookup per batch, on the request path; Prisma's findMany cost twice the CPU.
      const variants = await tx.$queryRaw<{ gid: string; available: number | bigint; lowStock: boolean | number | bigint }[]>`
        SELECT "gid", "available", "lowStock" FROM "Variant"
        WHERE "shopId" = ${shop.id} AND "gid" IN (${Prisma.join(variantGids)}) AND "deletedAt" IS NULL`;
      for (const variant of variants) stock.set(variant.gid, { available: Number(variant.available), lowStock: Boolean(Number(variant.lowStock)) });
    }
    const stocked: StockedEvent[] = [...unique.values()].map((event) => {
      const known = event.variantGid ? stock.get(event.variantGid) : undefined;
      return { ...event, stockAtIngest: known?.available ?? null, lowStockAtIngest: known?.lowStock ?? null };
    });

    const stored = await insertPixelEvents(tx, shop.id, stocked, deps.clock.now());
    await addToRollups(tx, shop.id, stored);
    const checkouts = stored.flatMap((event) => (event.checkoutToken ? [{ token: event.checkoutToken, clientId: event.clientId, at: event.occurredAt }] : []));
    if (checkouts.length > 0) await notePixelCheckouts(tx, shop, checkouts);
    if (stored.length > 0) await afterSignal({ db: tx, clock: deps.clock }, shop, { kind: "pixel-batch", events: stored });
    return { stored, duplicates: events.length - stored.length };
  });
}
