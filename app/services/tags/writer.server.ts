import type { Database } from "../../db.server";
import { type TagsAddData, TagsAddMutation } from "../../graphql/TagsAddMutation";
import { type TagsRemoveData, TagsRemoveMutation } from "../../graphql/TagsRemoveMutation";
import type { Clock } from "../../lib/clock";
import { throttledLog } from "../../lib/log-throttle.server";
import type { Logger } from "../../lib/logger.server";
import { TAGS_QUEUE, type TagOp } from "../cohorts/outbox";
import type { Job } from "../jobs/queue.server";
import { LeaseLostError } from "../jobs/queue.server";
import { drainNow, type JobContext, type JobOutcome, type QueueDefinition } from "../jobs/runner.server";
import { parseShopSettings } from "../program/settings";
import { type AdminBudget, memoryAdminBudget, pacedAdminClient, realSleep, type Sleep } from "../shopify/admin-budget.server";
import { type AdminClient, AdminTerminalError } from "../shopify/admin-client.server";
import type { AdminClientFactory } from "../shopify/admin.server";
import { ShopNotActiveError } from "../shops/shops.server";
import { BULK_THRESHOLD, type BulkLineResult, type BulkOutcome, writeTagsInBulk } from "./bulk.server";
import { overBudgetReason, wantedTags } from "./desired.server";

// The tag writer (DESIGN.md, "Tag write-back"): cohort tag ops from the outbox become tagsAdd /
// tagsRemove calls. It compares what memberships want with what Roost has applied
// (CustomerTag) and sends only the difference, so ops that cancel out send nothing, a repeated
// op changes nothing and a run that crashed is simply run again.

/**
 * Jobs claimed per run: enough for a shop's backlog to reach the bulk path (bulk.server.ts,
 * BULK_THRESHOLD customers) in one run. Below the threshold at most CALL_PATH_CUSTOMERS
 * customers are written by calls, each making at most two; the others are run again at once.
 */
const JOBS_PER_RUN = 10_000;
const CALL_PATH_CUSTOMERS = 100;
/**
 * Customers recorded per transaction on the bulk path (their intent, then their results): each
 * customer's rows are written whole, so a crash between batches loses or repeats nothing (the
 * jobs run again), and 5,000 customers commit 25 times, not 5,000.
 */
const SETTLE_BATCH = 200;
/** An uninstalled shop's ops wait, pending, and are looked at again this often (they resume on reinstall). */
export const UNINSTALLED_RECHECK_MS = 10 * 60_000;

export type CustomerTagState = "sending" | "applied" | "failed";

/** The customer was deleted at Shopify: its tag ops can never succeed. */
export class CustomerGoneError extends Error {
  readonly terminal = true;
  constructor(readonly customerGid: string) {
    super(`The customer ${customerGid} no longer exists at Shopify: its cohort tags are not written`);
    this.name = "CustomerGoneError";
  }
}

/** A tag that was not written, with the sentence that says why (kept on the job and the CustomerTag row). */
export class TagNotWrittenError extends Error {
  readonly terminal = true;
  constructor(message: string) {
    super(message);
    this.name = "TagNotWrittenError";
  }
}

type Outcomes = Map<string, JobOutcome | Error>;

/** A customer's tags brought in line with its memberships, whatever changed (a prefix or a rule key renamed). */
export interface TagSync {
  customerGid: string;
  op: "sync";
}

/** What a tags job asks: a cohort transition's op (the outbox) or a sync. */
export type TagWork = TagOp | TagSync;

export interface TagWriterDeps {
  adminFor: AdminClientFactory;
  /** The shops' bucket estimates shared by every Admin caller of every process; this queue's own when left out. */
  adminBudget?: AdminBudget;
  /** How the writer waits for Shopify's bucket (tests may shorten it). */
  sleep?: Sleep;
}

export interface TagsQueue extends QueueDefinition {
  run(jobs: Job[], context: JobContext): Promise<Outcomes>;
}

/** What one customer needs: the tags to add and remove, and the ones kept failed with their reason. */
interface Plan {
  customerGid: string;
  jobs: { job: Job; op: TagWork }[];
  /** The tags it should carry, as planned: compared again after the write. */
  keep: string[];
  add: string[];
  remove: string[];
  failed: Map<string, string>;
}

export function tagsQueue(deps: TagWriterDeps): TagsQueue {
  const sleep = deps.sleep ?? realSleep;
  // Kept across runs, so consecutive runs pace from their first call.
  const budget = deps.adminBudget ?? memoryAdminBudget();
  return {
    queue: TAGS_QUEUE,
    batch: JOBS_PER_RUN,
    async run(jobs, { db, clock, logger, signal }) {
      const outcomes: Outcomes = new Map();
      const byShop = new Map<string, Map<string, { job: Job; op: TagWork }[]>>();
      for (const job of jobs) {
        const op = parseOp(job.payload);
        if (op instanceof Error || !job.shopId) {
          outcomes.set(job.id, op instanceof Error ? op : new RangeError("a tag op without a shop"));
          continue;
        }
        const customers = byShop.get(job.shopId) ?? new Map<string, { job: Job; op: TagWork }[]>();
        customers.set(op.customerGid, [...(customers.get(op.customerGid) ?? []), { job, op }]);
        byShop.set(job.shopId, customers);
      }
      for (const [shopId, customers] of byShop) {
        const shopJobs = [...customers.values()].flat();
        const shop = await db.shop.findUnique({ where: { id: shopId }, select: { domain: true, installed: true, settings: true } });
        // Kept pending, not failed: the shop may come back, and its ops are still owed then.
        const wait = () => shopJobs.forEach(({ job }) => outcomes.set(job.id, { again: new Date(clock.now().getTime() + UNINSTALLED_RECHECK_MS) }));
        if (!shop?.installed) {
          wait();
          continue;
        }
        let admin: AdminClient;
        try {
          admin = await deps.adminFor(db, shop.domain);
        } catch (error) {
          if (error instanceof ShopNotActiveError) wait();
          else shopJobs.forEach(({ job }) => outcomes.set(job.id, asError(error)));
          continue;
        }
        const paced = pacedAdminClient(admin, { shop: shop.domain, budget, clock, sleep });
        const plans = await planShop(db, shopId, shop.settings, customers, clock.now());
        const writing = plans.filter((plan) => plan.add.length > 0 || plan.remove.length > 0);
        let bulk: Map<string, BulkOutcome> | null = null;
        const later = new Set(writing.slice(CALL_PATH_CUSTOMERS).map((plan) => plan.customerGid));
        if (writing.length >= BULK_THRESHOLD) {
          later.clear();
          try {
            // The bulk lines spend nothing of the bucket: the few calls around them go unpaced.
            bulk = await writeTagsInBulk({ admin, sleep, signal, logger }, writing);
          } catch (error) {
            if (error instanceof LeaseLostError) throw error;
            const failure = asError(error);
            shopJobs.forEach(({ job }) => outcomes.set(job.id, failure));
            throttledLog(logger, "tags").warn({ err: failure, shopId, customers: writing.length }, "bulk tag write-back failed");
            continue;
          }
        }
        if (bulk) {
          const written = await settleBulk(db, shopId, plans, bulk, { clock, logger, signal }, outcomes);
          await againIfMoved(db, shopId, shop.settings, written, outcomes, clock.now());
          continue;
        }
        let refused: Error | null = null;
        const written: Plan[] = [];
        for (const plan of plans) {
          // A worker that lost its lease stops before writing what another worker now owns.
          if (signal.reason instanceof LeaseLostError) throw signal.reason;
          if (later.has(plan.customerGid)) {
            plan.jobs.forEach(({ job }) => outcomes.set(job.id, { again: clock.now() }));
            continue;
          }
          if (refused) {
            plan.jobs.forEach(({ job }) => outcomes.set(job.id, refused!));
            continue;
          }
          try {
            const failed = await writeCustomer(db, paced, shopId, plan, clock);
            for (const { job, op } of plan.jobs) {
              const reason = op.op === "add" ? failed.get(op.tag) : undefined;
              outcomes.set(job.id, reason ? new TagNotWrittenError(reason) : undefined);
            }
            written.push(plan);
          } catch (error) {
            const failure = asError(error);
            if (failure instanceof CustomerGoneError) {
              await db.customerTag.deleteMany({ where: { shopId, customerGid: plan.customerGid } });
            } else if (failure instanceof AdminTerminalError && failure.status !== undefined) {
              // 401/402/403/404/423 hold for the whole shop: its other customers are not tried
              // (a GraphQL error is about this customer's call alone).
              refused = failure;
            }
            plan.jobs.forEach(({ job }) => outcomes.set(job.id, failure));
            throttledLog(logger, "tags").warn({ err: failure, shopId, customer: plan.customerGid }, "tag write-back failed");
          }
        }
        await againIfMoved(db, shopId, shop.settings, written, outcomes, clock.now());
      }
      return outcomes;
    },
  };
}

/**
 * A customer whose cohorts changed while its tags were being written (another worker may have
 * written the newer state first, and this run's record overwrote it) is looked at again at
 * once, so the last word is always the memberships'.
 */
async function againIfMoved(db: Database, shopId: string, settingsJson: string, written: Plan[], outcomes: Outcomes, now: Date): Promise<void> {
  if (written.length === 0) return;
  const settings = parseShopSettings(settingsJson);
  const wanted = await wantedTags(db, shopId, settings.cohortTagPrefix, written.map((plan) => plan.customerGid));
  for (const plan of written) {
    const keep = (wanted.get(plan.customerGid) ?? []).slice(0, settings.cohortTagBudget).map((tag) => tag.tag);
    if (keep.length === plan.keep.length && keep.every((tag, index) => tag === plan.keep[index])) continue;
    for (const { job } of plan.jobs) if (!(outcomes.get(job.id) instanceof Error)) outcomes.set(job.id, { again: now });
  }
}

/**
 * Each customer's difference between wanted and applied, and the intent recorded before any
 * call: a tag about to be added is `sending` (it may reach Shopify even if the run dies), so
 * a later run that no longer wants it removes it. Tags over the budget are kept failed.
 */
async function planShop(db: Database, shopId: string, settingsJson: string, customers: Map<string, { job: Job; op: TagWork }[]>, now: Date): Promise<Plan[]> {
  const settings = parseShopSettings(settingsJson);
  const gids = [...customers.keys()];
  const wanted = await wantedTags(db, shopId, settings.cohortTagPrefix, gids);
  const rows = await db.customerTag.findMany({ where: { shopId, customerGid: { in: gids } }, select: { customerGid: true, tag: true, state: true } });
  const rowsOf = new Map<string, typeof rows>();
  for (const row of rows) {
    const list = rowsOf.get(row.customerGid);
    if (list) list.push(row);
    else rowsOf.set(row.customerGid, [row]);
  }
  const plans: Plan[] = [];
  let writes = [];
  for (const gid of gids) {
    const wants = wanted.get(gid) ?? [];
    const keep = wants.slice(0, settings.cohortTagBudget).map((wanted) => wanted.tag);
    const over = wants.slice(settings.cohortTagBudget).map((wanted) => wanted.tag);
    const mine = rowsOf.get(gid) ?? [];
    const applied = new Set(mine.filter((row) => row.state === "applied").map((row) => row.tag));
    const add = keep.filter((tag) => !applied.has(tag));
    // Only what Roost itself wrote (or may have written) is ever removed: other apps' tags are never touched.
    const remove = mine.filter((row) => row.state !== "failed" && !keep.includes(row.tag)).map((row) => row.tag);
    const failed = new Map(over.map((tag) => [tag, overBudgetReason(settings.cohortTagBudget)]));
    const stale = mine.filter((row) => row.state === "failed" && !over.includes(row.tag) && !keep.includes(row.tag)).map((row) => row.tag);
    for (const tag of add) writes.push(upsertTag(db, shopId, gid, tag, "sending", null, now));
    // A tag over the budget that may be on the customer stays as it is until its removal is sent.
    const present = new Set(mine.filter((row) => row.state !== "failed").map((row) => row.tag));
    for (const [tag, reason] of failed) if (!present.has(tag)) writes.push(upsertTag(db, shopId, gid, tag, "failed", reason, now));
    if (stale.length > 0) writes.push(db.customerTag.deleteMany({ where: { shopId, customerGid: gid, tag: { in: stale }, state: "failed" } }));
    plans.push({ customerGid: gid, jobs: customers.get(gid) ?? [], keep, add, remove, failed });
    // Each customer's intent is written whole; a bulk run's thousands go in batches (one would outlast the transaction timeout).
    if (plans.length % SETTLE_BATCH === 0 && writes.length > 0) {
      await db.$transaction(writes);
      writes = [];
    }
  }
  if (writes.length > 0) await db.$transaction(writes);
  return plans;
}

function upsertTag(db: Database, shopId: string, customerGid: string, tag: string, state: CustomerTagState, error: string | null, now: Date) {
  return db.customerTag.upsert({
    where: { shopId_customerGid_tag: { shopId, customerGid, tag } },
    create: { shopId, customerGid, tag, state, error, updatedAt: now },
    update: { state, error, updatedAt: now },
  });
}

/**
 * At most one tagsRemove and one tagsAdd for the customer (removes first, so a rename near
 * Shopify's 250 tags has room), then what happened is recorded. Returns the tags kept failed.
 */
async function writeCustomer(db: Database, admin: AdminClient, shopId: string, plan: Plan, clock: Clock): Promise<Map<string, string>> {
  let removeErrors: UserErrors | undefined;
  if (plan.remove.length > 0) removeErrors = (await admin.request<TagsRemoveData>(TagsRemoveMutation, { id: plan.customerGid, tags: plan.remove })).tagsRemove?.userErrors;
  checkUserErrors(plan.customerGid, removeErrors);
  let addErrors: UserErrors | undefined;
  if (plan.add.length > 0) addErrors = (await admin.request<TagsAddData>(TagsAddMutation, { id: plan.customerGid, tags: plan.add })).tagsAdd?.userErrors;
  const settled = settlement(plan, addErrors);
  await db.$transaction(recordWrites(db, shopId, plan, settled, clock.now()));
  return settled.failed;
}

type UserErrors = { field?: string[] | null; message: string }[];

/** What the customer's write leaves: the tags now applied and the ones kept failed with their reason. */
function settlement(plan: Plan, addErrors: UserErrors | undefined): { added: string[]; failed: Map<string, string> } {
  const failed = new Map(plan.failed);
  if (plan.add.length === 0) return { added: [], failed };
  const refusal = checkUserErrors(plan.customerGid, addErrors);
  if (refusal) for (const tag of plan.add) failed.set(tag, refusal);
  return { added: refusal ? [] : plan.add, failed };
}

/** The statements that record a customer's write (one transaction per customer, or per batch on the bulk path). */
function recordWrites(db: Database, shopId: string, plan: Plan, settled: { added: string[]; failed: Map<string, string> }, now: Date) {
  return [
    ...(plan.remove.length > 0 ? [db.customerTag.deleteMany({ where: { shopId, customerGid: plan.customerGid, tag: { in: plan.remove }, state: { not: "failed" } } })] : []),
    ...settled.added.map((tag) => upsertTag(db, shopId, plan.customerGid, tag, "applied", null, now)),
    ...[...settled.failed].map(([tag, reason]) => upsertTag(db, shopId, plan.customerGid, tag, "failed", reason, now)),
  ];
}

/**
 * Records the bulk operations' results as the call path does customer by customer (applied,
 * failed with Shopify's sentence, gone for a deleted customer), SETTLE_BATCH customers per
 * transaction. Sets each job's outcome once its batch is committed; returns the plans written.
 */
async function settleBulk(
  db: Database,
  shopId: string,
  plans: Plan[],
  bulk: Map<string, BulkOutcome>,
  { clock, logger, signal }: { clock: Clock; logger: Logger; signal: AbortSignal },
  outcomes: Outcomes,
): Promise<Plan[]> {
  const written: Plan[] = [];
  for (let start = 0; start < plans.length; start += SETTLE_BATCH) {
    // A worker that lost its lease stops before recording what another worker now owns.
    if (signal.reason instanceof LeaseLostError) throw signal.reason;
    const now = clock.now();
    const writes = [];
    const batch: { plan: Plan; result: Map<string, string> | Error }[] = [];
    for (const plan of plans.slice(start, start + SETTLE_BATCH)) {
      const lines = bulk.get(plan.customerGid) ?? {};
      try {
        const removeErrors = plan.remove.length > 0 ? bulkUserErrors(lines.remove) : undefined;
        checkUserErrors(plan.customerGid, removeErrors);
        const settled = settlement(plan, plan.add.length > 0 ? bulkUserErrors(lines.add) : undefined);
        writes.push(...recordWrites(db, shopId, plan, settled, now));
        batch.push({ plan, result: settled.failed });
      } catch (error) {
        const failure = asError(error);
        if (failure instanceof CustomerGoneError) writes.push(db.customerTag.deleteMany({ where: { shopId, customerGid: plan.customerGid } }));
        batch.push({ plan, result: failure });
      }
    }
    try {
      if (writes.length > 0) await db.$transaction(writes);
    } catch (error) {
      // Nothing of the batch was recorded: its customers' jobs are retried, and run again from their rows.
      const failure = asError(error);
      for (const { plan } of batch) plan.jobs.forEach(({ job }) => outcomes.set(job.id, failure));
      throttledLog(logger, "tags").warn({ err: failure, shopId, customers: batch.length }, "recording bulk tag results failed");
      continue;
    }
    for (const { plan, result } of batch) {
      if (result instanceof Error) {
        plan.jobs.forEach(({ job }) => outcomes.set(job.id, result));
        throttledLog(logger, "tags").warn({ err: result, shopId, customer: plan.customerGid }, "tag write-back failed");
        continue;
      }
      for (const { job, op } of plan.jobs) {
        const reason = op.op === "add" ? result.get(op.tag) : undefined;
        outcomes.set(job.id, reason ? new TagNotWrittenError(reason) : undefined);
      }
      written.push(plan);
    }
  }
  return written;
}

/** A bulk line's userErrors; a line that failed as a whole is retried with the customer's jobs. */
function bulkUserErrors(line: BulkLineResult | undefined): UserErrors {
  if (!line) throw new Error("the bulk tag operation returned no line for this customer");
  if ("error" in line) throw new Error(`the bulk tag operation's line failed: ${line.error}`);
  return line.userErrors;
}

/**
 * userErrors on `id`: the customer is gone (terminal for its ops). On the tags themselves
 * (Shopify's 250, a tag too long): the sentence the tags are kept failed with.
 */
function checkUserErrors(customerGid: string, userErrors: UserErrors | undefined): string | null {
  if (!userErrors || userErrors.length === 0) return null;
  if (userErrors.some((error) => error.field?.[0] === "id")) throw new CustomerGoneError(customerGid);
  const message = userErrors.map((error) => error.message).join("; ");
  if (/exceed|250/i.test(message)) return `Not written: the customer already has close to Shopify's 250 tags (shared with every app), so Shopify refused it (${message}).`;
  return `Not written: Shopify refused the tag (${message}).`;
}

/** A payload that is not a tag op can never succeed: a RangeError, which the queue does not retry. */
function parseOp(payload: string): TagWork | RangeError {
  let op: Partial<TagOp> | Partial<TagSync> | null = null;
  try {
    op = JSON.parse(payload) as Partial<TagOp> | Partial<TagSync> | null;
  } catch {
    // reported below
  }
  if (typeof op?.customerGid === "string" && op.op === "sync") return op as TagSync;
  if (typeof op?.customerGid !== "string" || !("tag" in op) || typeof op.tag !== "string" || (op.op !== "add" && op.op !== "remove")) {
    return new RangeError(`not a tag op: ${payload.slice(0, 200)}`);
  }
  return op as TagOp;
}

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

/**
 * Writes what the tag outbox holds now, until nothing is due (tests, the CLI; the server's
 * runner does the same on its tick). Counts the jobs written, failed and left waiting (an
 * uninstalled shop's), of one shop when it is given.
 */
export async function writeTagsNow(
  deps: { db: Database; clock: Clock; logger: Logger } & TagWriterDeps,
  options: { shopId?: string } = {},
): Promise<{ written: number; failed: number; waiting: number }> {
  const { done, failed, again } = await drainNow(tagsQueue(deps), deps, options);
  return { written: done, failed, waiting: again };
}
