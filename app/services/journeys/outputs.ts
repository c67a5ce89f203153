import type { Tx } from "../../db.server";

// Where journey events go beyond the member's timeline (DESIGN, "Journey events"): the shop's
// webhook endpoints and Shopify Flow. The dispatcher (dispatch.server.ts) reads events not yet
// dispatched and hands each shop's batch to every output in one transaction with marking them
// dispatched; an output only queues work there (rows, jobs) and never calls out.

/** A journey event as the dispatcher hands it over. */
export interface DispatchedEvent {
  id: string;
  shopId: string;
  memberId: string;
  type: string;
  data: Record<string, unknown>;
  occurredAt: Date;
  createdAt: Date;
}

export interface DispatchShop {
  id: string;
  domain: string;
}

export interface JourneyOutput {
  name: string;
  /** Queues the deliveries the events call for; returns how many were queued. */
  fanOut(tx: Tx, shop: DispatchShop, events: readonly DispatchedEvent[], now: Date): Promise<number>;
}
