import type { Database } from "../../db.server";
import { type MetafieldsSetData, MetafieldsSetMutation } from "../../graphql/MetafieldsSetMutation";
import type { Clock } from "../../lib/clock";
import { throttledLog } from "../../lib/log-throttle.server";
import type { Logger } from "../../lib/logger.server";
import { type Periodic, runPeriodically } from "../../lib/periodic.server";
import { AdminTerminalError, type AdminClient, AdminUserErrors, assertNoUserErrors } from "../shopify/admin-client.server";
import { ShopNotActiveError } from "../shops/shops.server";

/** Shopify accepts at most 25 metafields per metafieldsSet call; each customer needs two. */
const CUSTOMERS_PER_CALL = 12;
const RETRY_DELAYS_MS = [10_000, 60_000, 300_000, 900_000, 3600_000];
export const METAFIELD_NAMESPACE = "roost";

export interface WriteBackDeps {
  db: Database;
  clock: Clock;
  logger: Logger;
  adminFor: (db: Database, shopDomain: string) => Promise<AdminClient>;
}

/**
 * Writes queued balances and tiers to the customers' `roost.points_balance` and `roost.tier`
 * metafields, so the theme, Klaviyo and Flow can use them. Latest value wins: a row that
 * changed while its write was in flight stays queued with the newer value.
 */
export async function drainMetafieldWriteBacks(
  deps: WriteBackDeps,
  options: { limit?: number; shopId?: string } = {},
): Promise<{ written: number; failed: number }> {
  const { db, clock } = deps;
  const due = await db.metafieldSync.findMany({
    where: { status: "pending", nextAttemptAt: { lte: clock.now() }, ...(options.shopId ? { shopId: options.shopId } : {}) },
    orderBy: { updatedAt: "asc" },
    take: options.limit ?? 120,
  });
  let written = 0;
  let failed = 0;
  const byShop = new Map<string, typeof due>();
  for (const row of due) byShop.set(row.shopId, [...(byShop.get(row.shopId) ?? []), row]);

  for (const [shopId, rows] of byShop) {
    const shop = await db.shop.findUnique({ where: { id: shopId }, select: { domain: true } });
    let admin: AdminClient;
    try {
      if (!shop) throw new ShopNotActiveError(shopId);
      admin = await deps.adminFor(db, shop.domain);
    } catch (error) {
      if (!(error instanceof ShopNotActiveError)) throw error;
      // Uninstalled: outbound work stops; the rows stay as a record of what was not written.
      await db.metafieldSync.updateMany({ where: { id: { in: rows.map((row) => row.id) } }, data: { status: "failed", lastError: "shop is not installed" } });
      failed += rows.length;
      continue;
    }
    for (let start = 0; start < rows.length; start += CUSTOMERS_PER_CALL) {
      const batch = rows.slice(start, start + CUSTOMERS_PER_CALL);
      const metafields = batch.flatMap((row) => [
        { ownerId: row.customerGid, namespace: METAFIELD_NAMESPACE, key: "points_balance", type: "number_integer", value: String(row.balance) },
        { ownerId: row.customerGid, namespace: METAFIELD_NAMESPACE, key: "tier", type: "single_line_text_field", value: row.tier },
      ]);
      try {
        const data = await admin.request<MetafieldsSetData>(MetafieldsSetMutation, { metafields });
        assertNoUserErrors(data.metafieldsSet);
        for (const row of batch) {
          // Only what was written is marked done; a newer value keeps the row pending.
          const { count } = await db.metafieldSync.updateMany({
            where: { id: row.id, balance: row.balance, tier: row.tier },
            data: { status: "done", lastError: null },
          });
          written += count;
        }
      } catch (error) {
        const terminal = error instanceof AdminUserErrors || error instanceof AdminTerminalError;
        for (const row of batch) {
          const attempts = row.attempts + 1;
          const giveUp = terminal || attempts > RETRY_DELAYS_MS.length;
          await db.metafieldSync.updateMany({
            where: { id: row.id, balance: row.balance, tier: row.tier },
            data: {
              status: giveUp ? "failed" : "pending",
              attempts,
              lastError: (error as Error).message.slice(0, 1000),
              nextAttemptAt: new Date(clock.now().getTime() + (RETRY_DELAYS_MS[attempts - 1] ?? 0)),
            },
          });
        }
        failed += batch.length;
        // The rows keep their own error; the log keeps the first and a count while it repeats.
        throttledLog(deps.logger, "writeback").warn({ err: error, shopId, customers: batch.length, terminal }, "metafield write-back failed");
      }
    }
  }
  return { written, failed };
}

/** Drains queued write-backs every `intervalMs` in this process, one pass at a time. */
export function startWriteBackWorker(deps: WriteBackDeps, intervalMs = 5000): Periodic {
  return runPeriodically(() => drainMetafieldWriteBacks(deps), { intervalMs, logger: deps.logger, failure: "metafield write-back pass failed" });
}
