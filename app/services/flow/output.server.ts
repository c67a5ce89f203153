import type { Tx } from "../../db.server";
import { enqueueMany, type NewJob } from "../jobs/queue.server";
import type { DispatchedEvent, JourneyOutput } from "../journeys/outputs";
import { flowTriggerFor } from "./triggers";

// Journey events to Shopify Flow (docs/flow.md): the dispatcher hands each shop's batch here, in
// its transaction; a job on the `flow` queue is written for each event whose trigger the shop
// has an enabled workflow on (FlowTrigger, from the lifecycle callback), and none otherwise.

export const FLOW_QUEUE = "flow";

/** What a flow job carries: the event as it was dispatched (the member is looked up at send time). */
export interface FlowWork {
  eventId: string;
  memberId: string;
  type: string;
  handle: string;
  data: Record<string, unknown>;
}

export const flowOutput: JourneyOutput = {
  name: "flow",
  async fanOut(tx: Tx, shop, events, now) {
    const wanted = events.flatMap((event) => {
      const trigger = flowTriggerFor(event.type);
      return trigger ? [{ event, handle: trigger.handle }] : [];
    });
    if (wanted.length === 0) return 0;
    const inUse = await tx.flowTrigger.findMany({
      where: { shopId: shop.id, enabled: true, handle: { in: [...new Set(wanted.map((item) => item.handle))] } },
      select: { handle: true },
    });
    const enabled = new Set(inUse.map((row) => row.handle));
    const jobs: NewJob[] = wanted.filter((item) => enabled.has(item.handle)).map(({ event, handle }) => flowJob(event, handle));
    await enqueueMany(tx, jobs, now);
    return jobs.length;
  },
};

function flowJob(event: DispatchedEvent, handle: string): NewJob {
  const work: FlowWork = { eventId: event.id, memberId: event.memberId, type: event.type, handle, data: event.data };
  // Keyed by event: a dispatch run again queues the same job, never a second trigger.
  return { queue: FLOW_QUEUE, key: event.id, shopId: event.shopId, payload: work };
}
