import type { Database } from "../../db.server";
import { type FlowTriggerReceiveData, FlowTriggerReceiveMutation } from "../../graphql/FlowTriggerReceiveMutation";
import type { Clock } from "../../lib/clock";
import { throttledLog } from "../../lib/log-throttle.server";
import type { Logger } from "../../lib/logger.server";
import type { Job } from "../jobs/queue.server";
import { LeaseLostError } from "../jobs/queue.server";
import { drainNow, type JobOutcome, type QueueDefinition } from "../jobs/runner.server";
import { type AdminBudget, memoryAdminBudget, pacedAdminClient, realSleep, type Sleep } from "../shopify/admin-budget.server";
import { type AdminClient, AdminTerminalError, assertNoUserErrors } from "../shopify/admin-client.server";
import { adminForInstalledShop } from "../shopify/shop-admin.server";
import type { AdminClientFactory } from "../shopify/admin.server";
import { FLOW_QUEUE, type FlowWork } from "./output.server";
import { eventOrderGid, eventVariantGid, FLOW_PAYLOAD_LIMIT_BYTES, type FlowLookups, flowPayload, flowTriggerFor } from "./triggers";

// The Flow sender: each `flow` job becomes one flowTriggerReceive call. userErrors (an unknown
// handle, a payload Shopify refuses) are terminal and kept failed with Shopify's message;
// THROTTLED and 5xx are ridden out by the Admin client, then retried with the queue's back-off.

const JOBS_PER_RUN = 50;
/** An uninstalled shop's triggers wait, pending, and are looked at again this often (they go on reinstall). */
export const UNINSTALLED_RECHECK_MS = 10 * 60_000;

/** A trigger Roost does not send, with the sentence that says why (kept on the job). */
export class FlowNotSentError extends Error {
  readonly terminal = true;
  constructor(message: string) {
    super(message);
    this.name = "FlowNotSentError";
  }
}

export interface FlowSenderDeps {
  adminFor: AdminClientFactory;
  /** The shops' bucket estimates shared by every Admin caller of every process; this queue's own when left out. */
  adminBudget?: AdminBudget;
  sleep?: Sleep;
}

type Outcomes = Map<string, JobOutcome | Error>;

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

export function flowQueue(deps: FlowSenderDeps): QueueDefinition {
  const budget = deps.adminBudget ?? memoryAdminBudget();
  const sleep = deps.sleep ?? realSleep;
  return {
    queue: FLOW_QUEUE,
    batch: JOBS_PER_RUN,
    async run(jobs, { db, clock, logger, signal }) {
      const outcomes: Outcomes = new Map();
      const byShop = new Map<string, { job: Job; work: FlowWork }[]>();
      for (const job of jobs) {
        const work = parseWork(job.payload);
        if (work instanceof Error || !job.shopId) {
          outcomes.set(job.id, work instanceof Error ? work : new RangeError("a flow job without a shop"));
          continue;
        }
        byShop.set(job.shopId, [...(byShop.get(job.shopId) ?? []), { job, work }]);
      }
      for (const [shopId, items] of byShop) {
        const shop = await adminForInstalledShop(db, deps.adminFor, shopId);
        if (!("admin" in shop)) {
          // An uninstalled shop's triggers are still owed if it comes back: pending, looked at again later.
          const outcome = "wait" in shop ? { again: new Date(clock.now().getTime() + UNINSTALLED_RECHECK_MS) } : shop.error;
          items.forEach(({ job }) => outcomes.set(job.id, outcome));
          continue;
        }
        const admin = pacedAdminClient(shop.admin, { shop: shop.domain, budget, clock, sleep });
        // Read at send time: a trigger whose last workflow was turned off since queuing is dropped.
        const enabled = new Set(
          (await db.flowTrigger.findMany({ where: { shopId, enabled: true }, select: { handle: true } })).map((row) => row.handle),
        );
        const members = new Map(
          (await db.member.findMany({ where: { shopId, id: { in: items.map(({ work }) => work.memberId) } }, select: { id: true, customerGid: true } })).map(
            (member) => [member.id, member.customerGid],
          ),
        );
        const lookups = await mirrorLookups(db, shopId, items.map(({ work }) => work.data));
        let refused: Error | null = null;
        for (const { job, work } of items) {
          if (signal.reason instanceof LeaseLostError) throw signal.reason;
          if (refused) {
            outcomes.set(job.id, refused);
            continue;
          }
          try {
            outcomes.set(job.id, await sendOne(admin, work, enabled, members.get(work.memberId), lookups(work.data), logger));
          } catch (error) {
            const failure = asError(error);
            // 401/402/403/404/423 hold for the whole shop: its other triggers are not tried.
            if (failure instanceof AdminTerminalError && failure.status !== undefined) refused = failure;
            outcomes.set(job.id, failure);
            throttledLog(logger, "flow").warn({ err: failure, shopId, event: work.eventId, handle: work.handle }, "flow trigger not sent");
          }
        }
      }
      return outcomes;
    },
  };
}

async function sendOne(
  admin: AdminClient,
  work: FlowWork,
  enabled: Set<string>,
  customerGid: string | null | undefined,
  mirror: FlowLookups,
  logger: Logger,
): Promise<JobOutcome | Error> {
  const trigger = flowTriggerFor(work.type);
  if (!trigger || trigger.handle !== work.handle) return new RangeError(`no Flow trigger for a ${work.type} event`);
  if (!enabled.has(trigger.handle)) {
    logger.debug({ event: work.eventId, handle: trigger.handle }, "flow trigger no longer in use: dropped");
    return undefined;
  }
  if (customerGid === undefined) return new FlowNotSentError("Not sent: the member no longer exists.");
  const payload = customerGid ? flowPayload(trigger, customerGid, work.data, mirror) : null;
  if (!payload || payload.customer_id === null) return new FlowNotSentError("Not sent: the member has no Shopify customer, and a Flow trigger needs a customer reference.");
  const size = Buffer.byteLength(JSON.stringify(payload));
  if (size > FLOW_PAYLOAD_LIMIT_BYTES) return new FlowNotSentError(`Not sent: the payload is ${size} bytes, over Flow's ${FLOW_PAYLOAD_LIMIT_BYTES}.`);
  const data = await admin.request<FlowTriggerReceiveData>(FlowTriggerReceiveMutation, { handle: trigger.handle, payload });
  assertNoUserErrors(data.flowTriggerReceive);
  return undefined;
}

/**
 * What the mirror knows of the orders and variants the events name (the timeline keeps GIDs; a
 * Flow user wants "#1001" and "Linen shirt"), read once per shop and run.
 */
async function mirrorLookups(db: Database, shopId: string, events: Record<string, unknown>[]): Promise<(data: Record<string, unknown>) => FlowLookups> {
  const orderGids = [...new Set(events.map(eventOrderGid).filter((gid): gid is string => gid !== null))];
  const variantGids = [...new Set(events.map(eventVariantGid).filter((gid): gid is string => gid !== null))];
  const orders = orderGids.length > 0 ? await db.order.findMany({ where: { shopId, gid: { in: orderGids } }, select: { gid: true, name: true } }) : [];
  const variants = variantGids.length > 0 ? await db.variant.findMany({ where: { shopId, gid: { in: variantGids } }, select: { gid: true, title: true, productGid: true } }) : [];
  const productGids = [...new Set(variants.map((variant) => variant.productGid))];
  const products = productGids.length > 0 ? await db.product.findMany({ where: { shopId, gid: { in: productGids } }, select: { gid: true, title: true } }) : [];
  const orderName = new Map(orders.map((order) => [order.gid, order.name]));
  const variantOf = new Map(variants.map((variant) => [variant.gid, variant]));
  const productTitle = new Map(products.map((product) => [product.gid, product.title]));
  return (data) => {
    const order = eventOrderGid(data);
    const variant = variantOf.get(eventVariantGid(data) ?? "");
    return {
      orderName: order ? (orderName.get(order) ?? null) : null,
      variantTitle: variant?.title ?? null,
      productTitle: variant ? (productTitle.get(variant.productGid) ?? null) : null,
    };
  };
}

/** A payload that is not a flow job can never succeed: a RangeError, which the queue does not retry. */
function parseWork(payload: string): FlowWork | RangeError {
  try {
    const work = JSON.parse(payload) as Partial<FlowWork> | null;
    if (typeof work?.eventId === "string" && typeof work.memberId === "string" && typeof work.type === "string" && typeof work.handle === "string") {
      return { ...work, data: work.data && typeof work.data === "object" ? work.data : {} } as FlowWork;
    }
  } catch {
    // reported below
  }
  return new RangeError(`not a flow job: ${payload.slice(0, 200)}`);
}

/**
 * Sends what the flow queue holds now, until nothing is due (tests, the CLI; the server's runner
 * does the same on its tick). Counts the triggers sent (or dropped as unused), failed and left
 * waiting (an uninstalled shop's), of one shop when it is given.
 */
export async function sendFlowNow(
  deps: { db: Database; clock: Clock; logger: Logger } & FlowSenderDeps,
  options: { shopId?: string } = {},
): Promise<{ sent: number; failed: number; waiting: number }> {
  const { done, failed, again } = await drainNow(flowQueue(deps), deps, options);
  return { sent: done, failed, waiting: again };
}
