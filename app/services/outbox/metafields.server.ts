import type { Database } from "../../db.server";
import { type MetafieldsSetData, MetafieldsSetMutation } from "../../graphql/MetafieldsSetMutation";
import type { Clock } from "../../lib/clock";
import { throttledLog } from "../../lib/log-throttle.server";
import type { Logger } from "../../lib/logger.server";
import { enqueue, type Job, LeaseLostError } from "../jobs/queue.server";
import { drainNow, type JobContext, type JobOutcome, type QueueDefinition } from "../jobs/runner.server";
import type { Tx } from "../ledger/types";
import { type AdminBudget, memoryAdminBudget, pacedAdminClient, realSleep, type Sleep } from "../shopify/admin-budget.server";
import { type AdminClient, assertNoUserErrors } from "../shopify/admin-client.server";
import type { AdminClientFactory } from "../shopify/admin.server";
import { type Shop, ShopNotActiveError } from "../shops/shops.server";

// The metafield outbox (docs/ledger.md, "Ledger, timeline, write-back"): a member's balance and
// tier are queued as a job in the transaction that changes them, and written to the customer's
// `roost.points_balance` and `roost.tier` metafields by the "metafields" queue, so the theme,
// Klaviyo and Flow can use them.

export const METAFIELDS_QUEUE = "metafields";
export const METAFIELD_NAMESPACE = "roost";
/** Failed writes are retried after 10 s, 1, 5, 15 and 60 minutes (the queue's back-off); the sixth failure is kept as failed. */
export const METAFIELD_MAX_ATTEMPTS = 6;
/** Jobs claimed per run: ten metafieldsSet calls at most. */
const JOBS_PER_RUN = 120;
/** Shopify accepts at most 25 metafields per metafieldsSet call; each customer needs two. */
const CUSTOMERS_PER_CALL = 12;

export interface MetafieldWrite {
  customerGid: string;
  balance: number;
  tier: string;
}

/** One job per customer: a newer value replaces a queued one (latest wins). */
export const metafieldJobKey = (shopId: string, customerGid: string): string => `${shopId}:${customerGid}`;

/**
 * Balance and tier go to the customer's metafields: one job in the caller's transaction (the
 * write is queued with the change that causes it, or not at all); the latest values replace
 * queued ones, and a value queued while its write is in flight is written after it.
 */
export async function queueMetafieldWrite(tx: Tx, shopId: string, customerGid: string | null, balance: number, tier: string, now: Date): Promise<void> {
  if (!customerGid) return;
  const payload: MetafieldWrite = { customerGid, balance, tier };
  await enqueue(tx, { queue: METAFIELDS_QUEUE, key: metafieldJobKey(shopId, customerGid), shopId, payload, maxAttempts: METAFIELD_MAX_ATTEMPTS }, now);
}

/** A shop that uninstalled gets no outbound writes: its queued ones are kept as failed, a record of what was not written. */
export class ShopNotInstalledError extends Error {
  readonly terminal = true;
  constructor() {
    super("shop is not installed");
    this.name = "ShopNotInstalledError";
  }
}

/** A per-shop Admin job's shop and its paced client: an unknown or uninstalled shop fails the job for good. */
export async function installedShopAdmin(
  deps: { adminFor: AdminClientFactory; sleep?: Sleep },
  budget: AdminBudget,
  { db, clock }: { db: Database; clock: Clock },
  shopId: string | null,
): Promise<{ shop: Shop; admin: AdminClient }> {
  const shop = shopId ? await db.shop.findUnique({ where: { id: shopId } }) : null;
  if (!shop?.installed) throw new ShopNotInstalledError();
  const admin = pacedAdminClient(await deps.adminFor(db, shop.domain), { shop: shop.domain, budget, clock, sleep: deps.sleep ?? realSleep });
  return { shop, admin };
}

type Outcomes = Map<string, JobOutcome | Error>;

/** The writer answers per job: a refused call fails its customers, not the whole run. */
export interface MetafieldsQueue extends QueueDefinition {
  run(jobs: Job[], context: JobContext): Promise<Outcomes>;
}

/** What the metafield writer calls Shopify with. */
export interface MetafieldWriterDeps {
  adminFor: AdminClientFactory;
  /** The shops' bucket estimates shared by every Admin caller of every process; this queue's own when left out. */
  adminBudget?: AdminBudget;
  sleep?: Sleep;
}

/**
 * The writer of the metafield outbox: claimed jobs grouped by shop, 12 customers per
 * metafieldsSet call, each waiting for its turn in the shop's bucket (the budget it shares
 * with the tag writer). The Admin client rides out THROTTLED; `userErrors` and
 * 401/402/403/404/423 are terminal (the jobs are kept as failed with the reason), other
 * failures are retried with the queue's back-off. A job queued again while its write was in
 * flight stays pending with the newer value (the queue compares versions).
 */
export function metafieldsQueue(deps: MetafieldWriterDeps): MetafieldsQueue {
  const budget = deps.adminBudget ?? memoryAdminBudget();
  const sleep = deps.sleep ?? realSleep;
  return {
    queue: METAFIELDS_QUEUE,
    batch: JOBS_PER_RUN,
    async run(jobs, { db, clock, logger, signal }) {
      const outcomes: Outcomes = new Map();
      const byShop = new Map<string, { job: Job; write: MetafieldWrite }[]>();
      for (const job of jobs) {
        const write = parseWrite(job.payload);
        if (write instanceof Error) outcomes.set(job.id, write);
        else byShop.set(job.shopId ?? "", [...(byShop.get(job.shopId ?? "") ?? []), { job, write }]);
      }
      for (const [shopId, writes] of byShop) {
        const fail = (batch: { job: Job }[], error: Error) => batch.forEach(({ job }) => outcomes.set(job.id, error));
        let admin: AdminClient;
        try {
          const shop = await db.shop.findUnique({ where: { id: shopId }, select: { domain: true } });
          if (!shop) throw new ShopNotActiveError(shopId);
          admin = pacedAdminClient(await deps.adminFor(db, shop.domain), { shop: shop.domain, budget, clock, sleep });
        } catch (error) {
          fail(writes, error instanceof ShopNotActiveError ? new ShopNotInstalledError() : asError(error));
          continue;
        }
        for (let start = 0; start < writes.length; start += CUSTOMERS_PER_CALL) {
          const batch = writes.slice(start, start + CUSTOMERS_PER_CALL);
          // A worker that lost its lease stops before writing values another worker now owns.
          if (signal.reason instanceof LeaseLostError) throw signal.reason;
          const metafields = batch.flatMap(({ write }) => [
            { ownerId: write.customerGid, namespace: METAFIELD_NAMESPACE, key: "points_balance", type: "number_integer", value: String(write.balance) },
            { ownerId: write.customerGid, namespace: METAFIELD_NAMESPACE, key: "tier", type: "single_line_text_field", value: write.tier },
          ]);
          try {
            const data = await admin.request<MetafieldsSetData>(MetafieldsSetMutation, { metafields });
            assertNoUserErrors(data.metafieldsSet);
            for (const { job } of batch) outcomes.set(job.id, undefined);
          } catch (error) {
            fail(batch, asError(error));
            // Each job keeps its own error; the log keeps the first and a count while it repeats.
            throttledLog(logger, "writeback").warn({ err: error, shopId, customers: batch.length }, "metafield write-back failed");
          }
        }
      }
      return outcomes;
    },
  };
}

/** A payload that is not a write can never succeed: a RangeError, which the queue does not retry. */
function parseWrite(payload: string): MetafieldWrite | RangeError {
  let write: Partial<MetafieldWrite> | null = null;
  try {
    write = JSON.parse(payload) as Partial<MetafieldWrite> | null;
  } catch {
    // reported below
  }
  if (typeof write?.customerGid !== "string" || !Number.isSafeInteger(write.balance) || typeof write.tier !== "string") {
    return new RangeError(`not a metafield write: ${payload.slice(0, 200)}`);
  }
  return write as MetafieldWrite;
}

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

/**
 * Writes what the outbox holds now, until nothing is due (tests, the CLI; the server's runner
 * does the same on its tick). Counts the jobs written and failed, of one shop when it is given.
 */
export async function writeMetafieldsNow(
  deps: { db: Database; clock: Clock; logger: Logger } & MetafieldWriterDeps,
  options: { shopId?: string } = {},
): Promise<{ written: number; failed: number }> {
  const { done, failed } = await drainNow(metafieldsQueue(deps), deps, options);
  return { written: done, failed };
}
