import { createHmac } from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import type { Database } from "../../db.server";
import type { Clock } from "../../lib/clock";
import type { Logger } from "../../lib/logger.server";
import type { Job } from "../jobs/queue.server";
import { drainNow, type JobOutcome, type QueueDefinition } from "../jobs/runner.server";
import { allowPrivateEndpoints, assertConnectAllowed, checkEndpointUrl, type Resolver } from "./address.server";
import { type DeliveryJob, WEBHOOKS_OUT_QUEUE } from "./output.server";

// The `webhooks-out` queue: each job POSTs one logged delivery (EndpointDelivery.body, exactly)
// to its endpoint, signed, and records the attempt. 2xx within 10 s is delivered; anything else
// is tried again after 30 s, doubling up to 1 h, until 24 h after the round's first attempt, then
// failed (docs/events.md). A retry is the job coming due again (`again`), not a runner failure.

export const SEND_TIMEOUT_MS = 10_000;
export const FIRST_RETRY_MS = 30_000;
export const MAX_RETRY_MS = 3_600_000;
export const RETRY_WINDOW_MS = 24 * 3_600_000;
const DELIVERIES_PER_RUN = 20;
const USER_AGENT = "Roost-Webhooks/1";
const MAX_ERROR = 500;

export interface WebhookSenderDeps {
  env?: Record<string, string | undefined>;
  /** Host name resolution for the send-time address check (tests inject one). */
  resolve?: Resolver;
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the Roost-Signature header. */
export function signatureHeader(secret: string, body: string, at: Date): string {
  const t = Math.floor(at.getTime() / 1000);
  return `t=${t},v1=${createHmac("sha256", secret).update(`${t}.${body}`).digest("hex")}`;
}

/** The wait before attempt n + 1 after n failed ones: 30 s, 60 s, … at most 1 h. */
export function retryDelayMs(attempts: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.max(attempts - 1, 0), MAX_RETRY_MS);
}

interface SendResult {
  status: number | null;
  latencyMs: number;
  error: string | null;
}

/**
 * One POST to a vetted address: the connection goes to `address` whatever the name resolves to
 * now (the lookup is pinned), while the Host header and TLS name stay the URL's.
 */
function post(url: URL, address: string, family: 4 | 6, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<SendResult> {
  const started = performance.now();
  const lookup: LookupFunction = (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
  return new Promise((resolve) => {
    const done = (status: number | null, error: string | null) => resolve({ status, latencyMs: Math.round(performance.now() - started), error });
    try {
      assertConnectAllowed(address);
    } catch (error) {
      done(null, (error as Error).message);
      return;
    }
    const request = (url.protocol === "https:" ? https : http).request(
      url,
      {
        method: "POST",
        headers: { ...headers, "Content-Length": String(Buffer.byteLength(body)) },
        lookup,
        signal: AbortSignal.any([signal, AbortSignal.timeout(SEND_TIMEOUT_MS)]),
        agent: false,
      },
      (response) => {
        // The answer's body is not kept: read (and dropped) so the socket closes cleanly.
        response.on("data", () => undefined);
        response.on("end", () => done(response.statusCode ?? null, null));
        response.on("error", (error) => done(response.statusCode ?? null, error.message));
      },
    );
    request.on("error", (error) => done(null, error.name === "AbortError" ? `No answer within ${SEND_TIMEOUT_MS / 1000} s` : error.message));
    request.end(body);
  });
}

function payloadOf(job: Job): DeliveryJob | null {
  try {
    const parsed = JSON.parse(job.payload) as Partial<DeliveryJob>;
    return typeof parsed.deliveryId === "string" && typeof parsed.since === "string" ? { deliveryId: parsed.deliveryId, since: parsed.since } : null;
  } catch {
    return null;
  }
}

/** Sends one delivery and records the attempt; resolves with the job's outcome. */
async function sendOne(job: Job, db: Database, clock: Clock, deps: WebhookSenderDeps, signal: AbortSignal): Promise<JobOutcome> {
  const payload = payloadOf(job);
  if (!payload) return;
  const delivery = await db.endpointDelivery.findUnique({ where: { id: payload.deliveryId } });
  // Removed with its endpoint, or erased (redact), or already delivered: nothing to send.
  if (!delivery || delivery.status !== "pending") return;
  const endpoint = await db.endpoint.findUnique({ where: { id: delivery.endpointId }, select: { url: true, secret: true, enabled: true } });
  const now = clock.now();
  const fail = async (error: string) => {
    await db.endpointDelivery.update({ where: { id: delivery.id }, data: { status: "failed", error: error.slice(0, MAX_ERROR) } });
  };
  if (!endpoint) return;
  if (!endpoint.enabled) return fail("The endpoint was disabled before the event could be delivered");
  const since = new Date(payload.since);
  const windowEnds = since.getTime() + RETRY_WINDOW_MS;

  let result: SendResult;
  const check = await checkEndpointUrl(endpoint.url, { allowPrivate: allowPrivateEndpoints(deps.env), resolve: deps.resolve });
  if (check.ok) {
    const headers = {
      "Content-Type": "application/json",
      "User-Agent": USER_AGENT,
      "Roost-Event-Id": delivery.eventId,
      "Roost-Signature": signatureHeader(endpoint.secret, delivery.body, now),
    };
    result = await post(check.url, check.address, check.family, headers, delivery.body, signal);
  } else if (check.transient) {
    result = { status: null, latencyMs: 0, error: check.error };
  } else {
    // The address is refused now (rebound to a private one, or the rules changed): never sent.
    await db.endpointDelivery.update({ where: { id: delivery.id }, data: { status: "failed", attempts: { increment: 1 }, lastAttemptAt: now, responseCode: null, latencyMs: null, error: check.error.slice(0, MAX_ERROR) } });
    return;
  }

  const delivered = result.status !== null && result.status >= 200 && result.status < 300;
  const attempts = delivery.attempts + 1;
  const next = now.getTime() + retryDelayMs(attempts);
  const status = delivered ? "delivered" : next > windowEnds ? "failed" : "pending";
  const error = delivered ? null : (result.error ?? `HTTP ${result.status}`).slice(0, MAX_ERROR);
  await db.endpointDelivery.update({
    where: { id: delivery.id },
    data: { status, attempts, lastAttemptAt: now, responseCode: result.status, latencyMs: result.status === null ? null : result.latencyMs, error, ...(delivered ? { deliveredAt: now } : {}) },
  });
  return status === "pending" ? { again: new Date(next) } : undefined;
}

/** The `webhooks-out` queue: a run sends its deliveries side by side, each with its own outcome. */
export function webhooksOutQueue(deps: WebhookSenderDeps = {}): QueueDefinition {
  return {
    queue: WEBHOOKS_OUT_QUEUE,
    batch: DELIVERIES_PER_RUN,
    async run(jobs, { db, clock, signal }) {
      const outcomes = new Map<string, JobOutcome | Error>();
      await Promise.all(
        jobs.map(async (job) => {
          try {
            outcomes.set(job.id, await sendOne(job, db, clock, deps, signal));
          } catch (error) {
            outcomes.set(job.id, error instanceof Error ? error : new Error(String(error)));
          }
        }),
      );
      return outcomes;
    },
  };
}

/** Sends the due deliveries now, in this process (of one shop when given): tests and operators, like writeTagsNow. */
export async function deliverWebhooksNow(
  deps: { db: Database; clock: Clock; logger: Logger } & WebhookSenderDeps,
  options: { shopId?: string } = {},
): Promise<{ done: number; failed: number; again: number }> {
  return drainNow(webhooksOutQueue({ env: deps.env, resolve: deps.resolve }), deps, options);
}
