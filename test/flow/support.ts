import { createHmac } from "node:crypto";
import db from "../../app/db.server";
import { systemClock } from "../../app/lib/clock";
import { logger } from "../../app/lib/logger.server";
import { action, loader } from "../../app/routes/flow.lifecycle";
import { FLOW_QUEUE } from "../../app/services/flow/output.server";
import { sendFlowNow } from "../../app/services/flow/send.server";
import { journeyOutputs } from "../../app/runtime.server";
import { dispatchJourneysNow } from "../../app/services/journeys/dispatch.server";
import { type AdminClientFactory, adminClientFor } from "../../app/services/shopify/admin.server";
import { API_SECRET, APP_URL } from "../support/constants";
import { fakeShopify } from "../support/shopify";

// Flow in tests: the lifecycle callback as Flow signs it, the journey dispatcher (with its
// outputs, flowOutput among them), and the flow queue sent to the fake Admin API.

export const LIFECYCLE_URL = `${APP_URL}/flow/lifecycle`;

export interface LifecycleBody {
  flow_trigger_definition_id: string;
  has_enabled_flow: boolean;
  shop_id: number | string;
  shopify_domain: string;
  timestamp: string;
}

export const sign = (body: string, secret = API_SECRET) => createHmac("sha256", secret).update(body, "utf8").digest("base64");

/** A lifecycle callback as Flow sends it: JSON, signed with the app's secret. */
export function lifecycleRequest(body: LifecycleBody | string, options: { secret?: string; hmac?: string | null; method?: string } = {}): Request {
  const raw = typeof body === "string" ? body : JSON.stringify(body);
  const headers = new Headers({ "Content-Type": "application/json" });
  const hmac = options.hmac === undefined ? sign(raw, options.secret) : options.hmac;
  if (hmac !== null) headers.set("X-Shopify-Hmac-Sha256", hmac);
  const method = options.method ?? "POST";
  return new Request(LIFECYCLE_URL, { method, headers, body: method === "GET" ? undefined : raw });
}

/** The route's answer (a thrown Response is an answer too). */
export async function callLifecycle(request: Request): Promise<Response> {
  const handler = request.method === "POST" ? action : loader;
  return handler({ request, params: {}, context: {} }).catch((thrown: unknown) => {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  });
}

let seconds = 0;
/** Flow says the shop's workflows do (or no longer) use the trigger; later calls carry later timestamps. */
export async function useTrigger(shop: string, handle: string, enabled = true): Promise<Response> {
  seconds += 1;
  const timestamp = new Date(Date.UTC(2026, 11, 1) + seconds * 1000).toISOString();
  return callLifecycle(lifecycleRequest({ flow_trigger_definition_id: handle, has_enabled_flow: enabled, shop_id: 1, shopify_domain: shop, timestamp }));
}

/**
 * Runs the journey dispatcher now (every shop's undispatched events to every output, as its
 * recurring job does) and returns how many flow jobs it queued for the shop.
 */
export async function dispatchToFlow(shopId: string): Promise<number> {
  const before = await db.job.count({ where: { shopId, queue: FLOW_QUEUE } });
  await dispatchJourneysNow({ db, clock: systemClock }, journeyOutputs);
  return (await db.job.count({ where: { shopId, queue: FLOW_QUEUE } })) - before;
}

export const sendNow = (shopId: string, adminFor: AdminClientFactory = adminClientFor) => sendFlowNow({ db, clock: systemClock, logger, adminFor }, { shopId });

export const received = (shop: string) => fakeShopify.store.flowTriggersReceived(shop);

export const flowJobs = (shopId: string) => db.job.findMany({ where: { shopId, queue: FLOW_QUEUE }, orderBy: { createdAt: "asc" } });
