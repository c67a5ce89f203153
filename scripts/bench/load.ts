// The bench's load generator: a child process (forked by scripts/bench/run.ts with an IPC
// channel) that sends signed webhook deliveries to one server at a fixed concurrency.
// Each stage's deliveries are generated and signed before the clock starts, so the timed part
// is only HTTP: `concurrency` keep-alive connections (undici Pool), each with one request in
// flight, until `count` deliveries were sent or `maxMs` elapsed. A paid-order stage sends one
// orders/paid per member and reports, for each delivery, when it was sent and how it was
// answered, so the bench can time it to its ledger entry.
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { Pool } from "undici";
import { shopifyWebhookHeaders } from "../../test/support/webhook-signing";
import { eligibleFromRestOrder, type RestOrderAmounts } from "./awards";
import { BENCH_SHOP, PayloadFactory } from "./payloads";
import { percentile } from "./stats";

export interface InitMessage {
  type: "init";
  origin: string;
  secret: string;
  /** topic → URL path on the target server */
  routes: Record<string, string>;
  seed: number;
  start: number;
}
export interface StageMessage {
  type: "stage";
  name: string;
  concurrency: number;
  count: number;
  maxMs: number;
}
/** orders/paid for members first … first + count − 1, one each. */
export interface PaidStageMessage {
  type: "paid-stage";
  name: string;
  concurrency: number;
  first: number;
  count: number;
  maxMs: number;
}
export type ParentMessage = InitMessage | StageMessage | PaidStageMessage | { type: "acked" } | { type: "exit" };

/** One orders/paid delivery of a paid-order stage. */
export interface PaidDelivery {
  webhookId: string;
  orderGid: string;
  customerGid: string;
  /** The order's eligible amount from its payload (shop-currency minor units). */
  eligible: { lines: number; shipping: number };
  /** Date.now() when the request was sent: the server stamps its rows from the same clock. */
  sentAt: number;
  /** HTTP status, or 0 for a transport error. */
  status: number;
  ackMs: number;
}

export interface StageResult {
  name: string;
  concurrency: number;
  sent: number;
  ok: number;
  /** HTTP status (non-2xx) → count */
  statuses: Record<string, number>;
  /** transport error message → count */
  errors: Record<string, number>;
  elapsedMs: number;
  throughput: number;
  latency: { p50: number; p90: number; p99: number; max: number; mean: number };
  bodyBytes: number;
  topics: Record<string, number>;
  /** CPU the load generator itself used during the stage (ms) */
  cpuMs: number;
}
export type ChildMessage =
  | { type: "ready" }
  | { type: "started"; name: string }
  | { type: "done"; result: StageResult }
  | { type: "paid-done"; result: StageResult; deliveries: PaidDelivery[] }
  | { type: "acked"; ids: string[] }
  | { type: "error"; message: string };

interface Prepared {
  path: string;
  topic: string;
  body: string;
  headers: Record<string, string>;
  webhookId: string;
  /** Filled in when sent (paid-order stages report it per delivery). */
  sentAt?: number;
  status?: number;
  ackMs?: number;
}

let init: InitMessage | undefined;
let factory: PayloadFactory | undefined;
const acked: string[] = [];

function send(message: ChildMessage): void {
  process.send?.(message);
}

function signed(topic: string, body: string, triggeredAt: string): Prepared {
  if (!init) throw new Error("stage before init");
  const webhookId = randomUUID();
  const headers = shopifyWebhookHeaders({
    topic,
    shop: BENCH_SHOP,
    body,
    secret: init.secret,
    apiVersion: "2026-10",
    webhookId,
    eventId: randomUUID(),
    triggeredAt,
  });
  const path = init.routes[topic];
  if (!path) throw new Error(`no route for ${topic}`);
  return { path, topic, body, headers: Object.fromEntries(headers), webhookId };
}

function prepare(count: number): Prepared[] {
  if (!factory) throw new Error("stage before init");
  const prepared: Prepared[] = [];
  for (let i = 0; i < count; i += 1) {
    const { topic, body, triggeredAt } = factory.next();
    prepared.push(signed(topic, body, triggeredAt));
  }
  return prepared;
}

async function runPaidStage(stage: PaidStageMessage): Promise<{ result: StageResult; deliveries: PaidDelivery[] }> {
  if (!factory) throw new Error("stage before init");
  const orders = [];
  for (let i = 0; i < stage.count; i += 1) {
    const order = factory.paidOrder(stage.first + i);
    const payload = JSON.parse(order.body) as RestOrderAmounts;
    orders.push({ order, eligible: eligibleFromRestOrder(payload), prepared: signed("orders/paid", order.body, order.triggeredAt) });
  }
  const result = await runStage(stage, orders.map((entry) => entry.prepared));
  const deliveries: PaidDelivery[] = [];
  for (const { order, eligible, prepared } of orders) {
    // A time-bounded stage leaves the rest unsent: those orders are owed nothing.
    if (prepared.sentAt === undefined) continue;
    deliveries.push({
      webhookId: prepared.webhookId,
      orderGid: order.orderGid,
      customerGid: order.customerGid,
      eligible,
      sentAt: prepared.sentAt,
      status: prepared.status ?? 0,
      ackMs: prepared.ackMs ?? 0,
    });
  }
  return { result, deliveries };
}

async function runStage(stage: StageMessage | PaidStageMessage, deliveries: Prepared[]): Promise<StageResult> {
  if (!init) throw new Error("stage before init");
  const pool = new Pool(init.origin, {
    connections: stage.concurrency,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: 30_000,
    bodyTimeout: 30_000,
  });
  const latencies = new Float64Array(deliveries.length);
  const statuses: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const topics: Record<string, number> = {};
  let next = 0;
  let done = 0;
  let ok = 0;
  let bodyBytes = 0;
  send({ type: "started", name: stage.name });
  const cpuBefore = process.cpuUsage();
  const startedAt = performance.now();
  const deadline = startedAt + stage.maxMs;

  async function lane(): Promise<void> {
    for (;;) {
      if (next >= deliveries.length || performance.now() >= deadline) return;
      const delivery = deliveries[next];
      next += 1;
      delivery.sentAt = Date.now();
      const t0 = performance.now();
      try {
        const response = await pool.request({ path: delivery.path, method: "POST", headers: delivery.headers, body: delivery.body });
        await response.body.dump();
        latencies[done] = performance.now() - t0;
        delivery.status = response.statusCode;
        if (response.statusCode >= 200 && response.statusCode < 300) {
          ok += 1;
          acked.push(delivery.webhookId);
        } else {
          statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
        }
      } catch (error) {
        latencies[done] = performance.now() - t0;
        delivery.status = 0;
        const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        errors[message] = (errors[message] ?? 0) + 1;
      }
      delivery.ackMs = latencies[done];
      done += 1;
      bodyBytes += delivery.body.length;
      topics[delivery.topic] = (topics[delivery.topic] ?? 0) + 1;
    }
  }

  await Promise.all(Array.from({ length: stage.concurrency }, lane));
  const elapsedMs = performance.now() - startedAt;
  const cpu = process.cpuUsage(cpuBefore);
  await pool.close();

  const sorted = latencies.slice(0, done).sort();
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    name: stage.name,
    concurrency: stage.concurrency,
    sent: done,
    ok,
    statuses,
    errors,
    elapsedMs,
    throughput: (done / elapsedMs) * 1000,
    latency: {
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p99: percentile(sorted, 99),
      max: sorted.length ? sorted[sorted.length - 1] : 0,
      mean: done ? sum / done : 0,
    },
    bodyBytes,
    topics,
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
}

process.on("message", (message: ParentMessage) => {
  void (async () => {
    try {
      switch (message.type) {
        case "init":
          init = message;
          factory = new PayloadFactory(Object.keys(message.routes), { seed: message.seed, start: message.start });
          send({ type: "ready" });
          break;
        case "stage":
          send({ type: "done", result: await runStage(message, prepare(message.count)) });
          break;
        case "paid-stage":
          send({ type: "paid-done", ...(await runPaidStage(message)) });
          break;
        case "acked":
          send({ type: "acked", ids: acked });
          break;
        case "exit":
          process.disconnect?.();
          process.exit(0);
      }
    } catch (error) {
      send({ type: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  })();
});
// The parent going away ends the generator too.
process.on("disconnect", () => process.exit(0));
