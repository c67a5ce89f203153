import { z } from "zod";
import type { Database } from "../../db.server";
import {
  graphqlCustomer,
  graphqlInventoryLevel,
  type GraphqlLineItem,
  graphqlLineItem,
  graphqlOrder,
  graphqlProduct,
  graphqlVariant,
  GraphqlShapeError,
  parseNode,
} from "../mirror/graphql";
import { type AdminClient, AdminTerminalError } from "../shopify/admin-client.server";
import { requireActiveShop, type Shop } from "../shops/shops.server";
import { wakeTagsBulkWait } from "../tags/bulk.server";
import { activeShop, parsePayload, type TopicHandler } from "../webhooks/context.server";
import { applyCustomer, applyInventoryLevel, applyMissingRefunds, applyOrders, applyProduct, type RefundRef } from "./apply.server";
import { adminFor, errorMessage, queueShopSync, type SyncDeps } from "./deps.server";
import { BULK_CURRENT, BULK_CUSTOMERS, BULK_INVENTORY, BULK_POLL, BULK_PRODUCTS, BULK_RUN, bulkOrdersQuery } from "./queries";

export type { SyncDeps } from "./deps.server";

/**
 * Bulk backfill: products (with variants), inventory levels, customers, then orders, one
 * `bulkOperationRunQuery` at a time per shop and one BackfillRun row per resource. (Inventory
 * levels have their own query: bulk queries nest connections at most two deep.)
 *
 *   queued ──start──▶ running ──COMPLETED (webhook or poll)──▶ importing ──▶ completed
 *                        └──FAILED / CANCELED / EXPIRED──▶ failed
 *
 * The JSONL result is streamed line by line and applied through the mirror's upserts, so it
 * is idempotent and a newer webhook always wins. `linesDone` is checkpointed after each batch
 * at an object boundary: a run left `importing` by a crash re-streams the file and skips what
 * was done; a run left `running` is polled. While one file imports, the next resource's bulk
 * operation already runs on Shopify's side.
 */

export const BACKFILL_RESOURCES = ["products", "inventory", "customers", "orders"] as const;
export type BackfillResource = (typeof BACKFILL_RESOURCES)[number];
export type BackfillStatus = "queued" | "running" | "importing" | "completed" | "failed";
const ACTIVE: BackfillStatus[] = ["queued", "running", "importing"];

/** Without `read_all_orders` Shopify serves the last 60 days of orders. */
export const ORDER_WINDOW_DAYS = 60;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Objects applied between two `linesDone` checkpoints (at most; a batch ends on an object boundary). */
const BATCH_LINES = 250;

type Run = Awaited<ReturnType<Database["backfillRun"]["findFirstOrThrow"]>>;

export interface BackfillRunView {
  resource: BackfillResource;
  status: BackfillStatus;
  objectCount: number | null;
  linesDone: number;
  recordsDone: number | null;
  error: string | null;
  since: string | null;
  startedAt: string;
  finishedAt: string | null;
}

export interface BackfillProgress {
  /** idle: never ran; running: some resource is not finished; completed / failed: all finished. */
  status: "idle" | "running" | "completed" | "failed";
  /** Objects imported / objects Shopify reported, over the resources whose totals are known. */
  done: number;
  total: number;
  runs: BackfillRunView[];
}

// ------------------------------------------------------------------- progress

function view(run: Run): BackfillRunView {
  return {
    resource: run.resource as BackfillResource,
    status: run.status as BackfillStatus,
    objectCount: run.objectCount,
    linesDone: run.linesDone,
    recordsDone: run.recordsDone,
    error: run.error,
    since: run.since?.toISOString() ?? null,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt?.toISOString() ?? null,
  };
}

const resourceOrder = (run: Run) => BACKFILL_RESOURCES.indexOf(run.resource as BackfillResource);

/** The latest run of each resource: what the admin and the CLI show. */
export async function backfillProgress(db: Database, shopId: string): Promise<BackfillProgress> {
  const recent = await db.backfillRun.findMany({ where: { shopId }, orderBy: [{ startedAt: "desc" }, { id: "asc" }], take: 30 });
  const latest = new Map<string, Run>();
  for (const run of recent) if (!latest.has(run.resource)) latest.set(run.resource, run);
  const runs = [...latest.values()].sort((a, b) => resourceOrder(a) - resourceOrder(b));
  const statuses = runs.map((run) => run.status as BackfillStatus);
  const status =
    runs.length === 0
      ? "idle"
      : statuses.some((value) => ACTIVE.includes(value))
        ? "running"
        : statuses.includes("failed")
          ? "failed"
          : "completed";
  return {
    status,
    done: runs.reduce((sum, run) => sum + run.linesDone, 0),
    total: runs.reduce((sum, run) => sum + (run.objectCount ?? 0), 0),
    runs: runs.map(view),
  };
}

// ------------------------------------------------------------------- start

export interface StartBackfillOptions {
  /**
   * Do nothing when a backfill is running, or one completed within this many milliseconds
   * (the install hook uses it: reconciliation covers the gap).
   */
  unlessCompletedWithinMs?: number;
}

/**
 * Queues products → inventory → customers → orders and starts the first bulk operation.
 * Idempotent while one is running. The server calls it from the shop's sync job (one at a time
 * per shop: scheduler.server.ts); the CLI directly.
 */
export async function startBackfill(deps: SyncDeps, shopDomain: string, options: StartBackfillOptions = {}): Promise<BackfillProgress> {
  const shop = await requireActiveShop(deps.db, shopDomain);
  const { db, clock } = deps;
  const progress = await backfillProgress(db, shop.id);
  if (progress.status === "running") return progress;
  if (options.unlessCompletedWithinMs !== undefined && progress.status === "completed") {
    const finished = Math.max(...progress.runs.map((run) => Date.parse(run.finishedAt ?? run.startedAt)));
    if (clock.now().getTime() - finished < options.unlessCompletedWithinMs) return progress;
  }
  const now = clock.now();
  const allOrders = grantedScopes(shop).includes("read_all_orders");
  await db.backfillRun.createMany({
    data: BACKFILL_RESOURCES.map((resource) => ({
      shopId: shop.id,
      resource,
      status: "queued",
      startedAt: now,
      since: resource === "orders" && !allOrders ? new Date(now.getTime() - ORDER_WINDOW_DAYS * DAY_MS) : null,
    })),
  });
  deps.logger.info({ shop: shop.domain, allOrders }, "backfill queued");
  const admin = await adminFor(deps, shop.domain);
  const [first] = await activeRuns(db, shop.id);
  if (first) await step(deps, shop, first, () => startOperation(deps, admin, first));
  return backfillProgress(db, shop.id);
}

function grantedScopes(shop: Shop): string[] {
  return (shop.scopes ?? "").split(",").map((scope) => scope.trim());
}

function activeRuns(db: Database, shopId: string): Promise<Run[]> {
  return db.backfillRun
    .findMany({ where: { shopId, status: { in: ACTIVE } }, orderBy: [{ startedAt: "asc" }, { id: "asc" }] })
    .then((runs) => runs.sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime() || resourceOrder(a) - resourceOrder(b)));
}

function bulkQueryFor(run: Run): string {
  switch (run.resource) {
    case "products":
      return BULK_PRODUCTS;
    case "inventory":
      return BULK_INVENTORY;
    case "customers":
      return BULK_CUSTOMERS;
    case "orders":
      return bulkOrdersQuery(run.since);
    default:
      throw new Error(`unknown backfill resource ${run.resource}`);
  }
}

// ------------------------------------------------------------------- advance

/**
 * Moves the shop's backfill as far as it can go now: polls the running bulk operation, starts
 * the next one, imports finished files; resolves with the progress. Safe to call repeatedly, and
 * concurrently from several processes (the runs move by conditional updates). The server calls it
 * from the shop's sync job, which the finish webhook makes due; the CLI's `--wait` directly.
 */
export async function advanceBackfill(deps: SyncDeps, shopDomain: string): Promise<BackfillProgress> {
  const shop = await requireActiveShop(deps.db, shopDomain);
  const { db } = deps;
  let admin: AdminClient | undefined;
  const client = async () => (admin ??= await adminFor(deps, shop.domain));
  for (let rounds = 0; rounds < 100; rounds += 1) {
    let progressed = false;
    const runs = await activeRuns(db, shop.id);
    if (runs.length === 0) break;
    const running = runs.find((run) => run.status === "running");
    if (running) {
      const api = await client();
      progressed = (await step(deps, shop, running, () => pollOperation(deps, api, running))) || progressed;
    }
    const afterPoll = await activeRuns(db, shop.id);
    if (!afterPoll.some((run) => run.status === "running")) {
      const next = afterPoll.find((run) => run.status === "queued");
      if (next) {
        const api = await client();
        progressed = (await step(deps, shop, next, () => startOperation(deps, api, next))) || progressed;
      }
    }
    const importing = afterPoll.find((run) => run.status === "importing");
    if (importing) {
      const api = await client();
      progressed = (await step(deps, shop, importing, () => importRun(deps, shop, api, importing))) || progressed;
    }
    if (!progressed) break;
  }
  return backfillProgress(db, shop.id);
}

/** Runs one transition; records an error on the run (failing it when retrying cannot help) and rethrows. */
async function step(deps: SyncDeps, shop: Shop, run: Run, transition: () => Promise<boolean>): Promise<boolean> {
  try {
    return await transition();
  } catch (error) {
    if (error instanceof Superseded) return false;
    const terminal = error instanceof AdminTerminalError || error instanceof GraphqlShapeError;
    const message = errorMessage(error);
    deps.logger.warn({ err: error, shop: shop.domain, resource: run.resource, status: run.status, terminal }, "backfill step failed");
    await deps.db.backfillRun.updateMany({
      where: { id: run.id, status: { in: ACTIVE } },
      data: terminal ? { status: "failed", error: message, finishedAt: deps.clock.now() } : { error: message },
    });
    throw error;
  }
}

/** Another process (or an earlier call) moved the run on: this one stops quietly. */
class Superseded extends Error {}

const runPayload = z.object({
  bulkOperationRunQuery: z.object({
    bulkOperation: z.object({ id: z.string(), status: z.string() }).nullish(),
    userErrors: z.array(z.object({ message: z.string(), code: z.string().nullish() })),
  }),
});

const bulkOperation = z.object({
  id: z.string(),
  status: z.string(),
  errorCode: z.string().nullish(),
  objectCount: z.union([z.number(), z.string()]).transform(Number).nullish(),
  url: z.string().nullish(),
  query: z.string().nullish(),
});
type BulkOperation = z.infer<typeof bulkOperation>;

async function startOperation(deps: SyncDeps, admin: AdminClient, run: Run): Promise<boolean> {
  const { db, logger } = deps;
  const claimed = await db.backfillRun.updateMany({ where: { id: run.id, status: "queued" }, data: { status: "running", operationGid: null, error: null } });
  if (claimed.count === 0) throw new Superseded();
  const query = bulkQueryFor(run);
  let payload;
  try {
    payload = parseNode(runPayload, await admin.request(BULK_RUN, { query }), "bulkOperationRunQuery").bulkOperationRunQuery;
  } catch (error) {
    await db.backfillRun.updateMany({ where: { id: run.id, status: "running", operationGid: null }, data: { status: "queued" } });
    throw error;
  }
  if (payload.bulkOperation) {
    await db.backfillRun.update({ where: { id: run.id }, data: { status: "running", operationGid: payload.bulkOperation.id } });
    logger.info({ resource: run.resource, operation: payload.bulkOperation.id }, "bulk operation started");
    return true;
  }
  if (payload.userErrors.some((error) => error.code === "OPERATION_IN_PROGRESS")) {
    // Ours, started by a process that crashed before recording it? Then adopt it; else wait.
    const current = await currentOperation(admin);
    if (current && current.query === query) {
      await db.backfillRun.update({ where: { id: run.id }, data: { status: "running", operationGid: current.id } });
      return true;
    }
    await db.backfillRun.updateMany({ where: { id: run.id, status: "running", operationGid: null }, data: { status: "queued" } });
    logger.info({ resource: run.resource, operation: current?.id }, "another bulk query is running for the shop; waiting");
    return false;
  }
  const message = payload.userErrors.map((error) => error.message).join("; ") || "bulkOperationRunQuery returned no operation";
  await db.backfillRun.update({ where: { id: run.id }, data: { status: "failed", error: message, finishedAt: deps.clock.now() } });
  return true;
}

async function currentOperation(admin: AdminClient): Promise<BulkOperation | null> {
  const data = await admin.request<{ currentBulkOperation: unknown }>(BULK_CURRENT);
  return data.currentBulkOperation ? parseNode(bulkOperation, data.currentBulkOperation, "BulkOperation") : null;
}

async function pollOperation(deps: SyncDeps, admin: AdminClient, run: Run): Promise<boolean> {
  if (!run.operationGid) {
    // A start that crashed between claiming the run and recording the operation.
    const current = await currentOperation(admin);
    const where = { id: run.id, status: "running", operationGid: null };
    if (current && current.query === bulkQueryFor(run)) {
      return (await deps.db.backfillRun.updateMany({ where, data: { operationGid: current.id } })).count > 0;
    }
    if (!current || !["CREATED", "RUNNING"].includes(current.status)) {
      return (await deps.db.backfillRun.updateMany({ where, data: { status: "queued" } })).count > 0;
    }
    return false;
  }
  const data = await admin.request<{ node: unknown }>(BULK_POLL, { id: run.operationGid });
  if (!data.node) return settle(deps, run, { status: "FAILED", errorCode: "NOT_FOUND" });
  return settle(deps, run, parseNode(bulkOperation, data.node, "BulkOperation"));
}

/** Applies a bulk operation's state to its run; true when the run moved on. Idempotent. */
async function settle(deps: SyncDeps, run: Run, operation: Pick<BulkOperation, "status" | "errorCode" | "objectCount" | "url">): Promise<boolean> {
  const { db, clock, logger } = deps;
  const where = { id: run.id, status: "running", operationGid: run.operationGid };
  switch (operation.status) {
    case "COMPLETED": {
      const objectCount = operation.objectCount ?? 0;
      const empty = objectCount === 0 || !operation.url;
      const { count } = await db.backfillRun.updateMany({
        where,
        data: empty
          ? { status: "completed", objectCount: 0, linesDone: 0, recordsDone: 0, finishedAt: clock.now() }
          : { status: "importing", objectCount, url: operation.url, linesDone: 0, recordsDone: 0 },
      });
      if (count > 0) logger.info({ resource: run.resource, objectCount }, "bulk operation completed");
      return count > 0;
    }
    case "FAILED":
    case "CANCELED":
    case "EXPIRED": {
      const reason = `bulk operation ${operation.status.toLowerCase()}${operation.errorCode ? `: ${operation.errorCode}` : ""}`;
      const { count } = await db.backfillRun.updateMany({ where, data: { status: "failed", error: reason, finishedAt: clock.now() } });
      if (count > 0) logger.warn({ resource: run.resource, reason }, "backfill failed");
      return count > 0;
    }
    default:
      return false;
  }
}

// ------------------------------------------------------------------- import

type JsonObject = Record<string, unknown> & { id?: unknown; __parentId?: unknown };

const variantItem = z.object({ id: z.string(), inventoryItem: z.object({ id: z.string() }).nullish() });

interface Group {
  root: JsonObject;
  children: JsonObject[];
  /** Number of the group's last line in the file (1-based). */
  end: number;
}

/** Splits a byte stream into non-empty lines without holding more than one chunk's worth. */
export async function* jsonLines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let pending = "";
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      pending += decoder.decode(value, { stream: true });
      let start = 0;
      for (let newline = pending.indexOf("\n"); newline !== -1; newline = pending.indexOf("\n", start)) {
        const line = pending.slice(start, newline);
        start = newline + 1;
        if (line.trim()) yield line;
      }
      pending = pending.slice(start);
    }
    finished = true;
  } finally {
    // The consumer stopped early (an error, a crash test): let go of the download.
    if (!finished) await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
  pending += decoder.decode();
  if (pending.trim()) yield pending;
}

async function importRun(deps: SyncDeps, shop: Shop, admin: AdminClient, run: Run): Promise<boolean> {
  const { db, clock, logger } = deps;
  if (!run.url) {
    await db.backfillRun.updateMany({ where: { id: run.id, status: "importing" }, data: { status: "queued", operationGid: null } });
    return true;
  }
  const response = await (deps.fetch ?? fetch)(run.url);
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    if (response.status >= 400 && response.status < 500) {
      // Result files expire (Shopify keeps them a week): run the query again.
      await db.backfillRun.updateMany({
        where: { id: run.id, status: "importing" },
        data: { status: "queued", operationGid: null, url: null, objectCount: null, linesDone: 0, recordsDone: 0, error: `result file answered ${response.status}; running the query again` },
      });
      return true;
    }
    throw new Error(`bulk result download answered ${response.status}`);
  }

  const importer = new Importer(deps, shop, admin, run);
  let line = 0;
  let group: Group | null = null;
  let batch: Group[] = [];
  let batchLines = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await importer.apply(batch);
    await importer.checkpoint(batch[batch.length - 1].end, batch.length);
    batch = [];
    batchLines = 0;
  };
  for await (const text of jsonLines(response.body)) {
    line += 1;
    if (line <= run.linesDone) continue;
    await deps.onLine?.({ resource: run.resource, line });
    let object: JsonObject;
    try {
      object = JSON.parse(text) as JsonObject;
    } catch {
      throw new GraphqlShapeError(`line ${line} of the ${run.resource} result is not JSON`);
    }
    if (object.__parentId === undefined) {
      if (group) {
        batch.push(group);
        if (batchLines >= BATCH_LINES) await flush();
      }
      group = { root: object, children: [], end: line };
    } else if (group) {
      group.children.push(object);
      group.end = line;
    } else {
      importer.skip(`line ${line} has no parent object`);
    }
    batchLines += 1;
  }
  if (group) batch.push(group);
  await flush();

  const { count } = await db.backfillRun.updateMany({
    where: { id: run.id, status: "importing" },
    data: { status: "completed", linesDone: Math.max(line, run.linesDone), finishedAt: clock.now(), error: importer.skippedSummary() },
  });
  if (count > 0) logger.info({ shop: shop.domain, resource: run.resource, lines: line, skipped: importer.skipped }, "backfill import completed");
  return true;
}

/** Applies groups of JSONL objects for one run and checkpoints its progress. */
class Importer {
  skipped = 0;
  private firstSkip: string | null = null;
  private linesDone: number;

  constructor(
    private readonly deps: SyncDeps,
    private readonly shop: Shop,
    private readonly admin: AdminClient,
    private readonly run: Run,
  ) {
    this.linesDone = run.linesDone;
  }

  skip(reason: string): void {
    this.skipped += 1;
    this.firstSkip ??= reason;
    this.deps.logger.warn({ shop: this.shop.domain, resource: this.run.resource, reason }, "backfill skipped an object");
  }

  skippedSummary(): string | null {
    return this.skipped > 0 ? `${this.skipped} object(s) skipped; first: ${this.firstSkip}` : null;
  }

  /** Records progress (lines read, and the top-level records among them); stops (Superseded) when another importer got there first. */
  async checkpoint(linesDone: number, records: number): Promise<void> {
    const { count } = await this.deps.db.backfillRun.updateMany({
      where: { id: this.run.id, status: "importing", linesDone: this.linesDone },
      data: { linesDone, recordsDone: { increment: records } },
    });
    if (count === 0) throw new Superseded();
    this.linesDone = linesDone;
  }

  async apply(groups: Group[]): Promise<void> {
    switch (this.run.resource) {
      case "products":
        for (const group of groups) await this.guard(() => this.product(group));
        return;
      case "inventory":
        for (const group of groups) await this.guard(() => this.inventory(group));
        return;
      case "customers":
        for (const group of groups) await this.guard(() => this.customer(group));
        return;
      case "orders":
        return this.orders(groups);
    }
  }

  /** An object Roost cannot read is skipped and reported; anything else (database, network) stops the import. */
  private async guard(apply: () => Promise<unknown>): Promise<void> {
    try {
      await apply();
    } catch (error) {
      if (!(error instanceof GraphqlShapeError)) throw error;
      this.skip(error.message);
    }
  }

  private async product(group: Group): Promise<void> {
    const product = parseNode(graphqlProduct, group.root, "Product");
    const variants = group.children
      .filter((child) => String(child.id ?? "").startsWith("gid://shopify/ProductVariant/"))
      .map((child) => parseNode(graphqlVariant, child, "ProductVariant"));
    await applyProduct(this.deps, this.shop, product, variants, []);
  }

  /** A variant line followed by its inventory levels. */
  private async inventory(group: Group): Promise<void> {
    const variant = parseNode(variantItem, group.root, "ProductVariant");
    for (const child of group.children) {
      await this.guard(async () => {
        const level = parseNode(graphqlInventoryLevel, child, "InventoryLevel");
        const item = level.item?.id ?? variant.inventoryItem?.id;
        if (!item) throw new GraphqlShapeError(`inventory level ${String(child.id)} has no inventory item`);
        await applyInventoryLevel(this.deps, this.shop, item, level);
      });
    }
  }

  private async customer(group: Group): Promise<void> {
    await applyCustomer(this.deps, this.shop, parseNode(graphqlCustomer, group.root, "Customer"), "always");
  }

  private async orders(groups: Group[]): Promise<void> {
    const parsed: { order: z.output<typeof graphqlOrder>; lines: GraphqlLineItem[] }[] = [];
    for (const group of groups) {
      await this.guard(async () => {
        const order = parseNode(graphqlOrder, group.root, "Order");
        const lines = group.children
          .filter((child) => String(child.id ?? "").startsWith("gid://shopify/LineItem/"))
          .map((child) => parseNode(graphqlLineItem, child, "LineItem"));
        parsed.push({ order, lines });
      });
    }
    await applyOrders(this.deps, this.shop, parsed, { backfilled: true, skip: (error) => this.skip(error.message) });
    const refunds: RefundRef[] = parsed.flatMap(({ order }) =>
      order.refunds.map((refund) => ({ id: refund.id, orderGid: order.id, fallbackProcessedAt: refund.createdAt ?? order.updatedAt })),
    );
    await applyMissingRefunds(this.deps, this.shop, this.admin, refunds);
  }
}

// ------------------------------------------------------------------- completion webhook

const finishPayload = z.object({
  admin_graphql_api_id: z.string(),
  status: z.string(),
  error_code: z.string().nullish(),
  completed_at: z.string().nullish(),
  created_at: z.string().nullish(),
  type: z.string().nullish(),
});

/**
 * `bulk_operations/finish`: settles the run the operation belongs to (a failed one at once, a
 * completed one after reading its result URL), then makes the shop's sync job due now, which
 * imports the file and starts the next resource (the inbox worker does not wait for an import).
 * Polling does the same; whichever comes first wins and the other changes nothing.
 */
export const bulkOperationsFinishHandler: TopicHandler = async (context) => {
  const payload = parsePayload(finishPayload, context);
  // The same check as every store-signal topic: a known shop (else parked), not uninstalled.
  const shop = await activeShop(context);
  if (!shop) return;
  const run = await context.db.backfillRun.findFirst({ where: { shopId: shop.id, operationGid: payload.admin_graphql_api_id } });
  if (!run) {
    // The tag writer's bulk mutations: the poll waiting on one re-checks now (polling stays the fallback).
    const woken = payload.type?.toLowerCase() !== "query" && wakeTagsBulkWait(payload.admin_graphql_api_id);
    context.logger.info({ operation: payload.admin_graphql_api_id, woken }, woken ? "bulk tag operation finished; its writer re-checks now" : "bulk operation is not a backfill run; ignored");
    return;
  }
  const deps: SyncDeps = { db: context.db, clock: context.clock, logger: context.logger, capStore: context.capStore };
  if (run.status === "running") {
    const status = payload.status.toUpperCase();
    if (status === "COMPLETED") {
      // The payload has no URL or count: read them from the operation itself.
      const admin = await adminFor(deps, shop.domain);
      await pollOperation(deps, admin, run);
    } else {
      await settle(deps, run, { status, errorCode: payload.error_code?.toUpperCase() ?? null, objectCount: null, url: null });
    }
  }
  await queueShopSync(context.db, shop.id, context.clock.now());
};

// ------------------------------------------------------------------- waiting

export interface WaitOptions {
  /** First pause between polls; doubles up to `maxPollMs`. */
  pollMs?: number;
  maxPollMs?: number;
  timeoutMs?: number;
  onProgress?: (progress: BackfillProgress) => void;
  sleep?: (ms: number) => Promise<void>;
  /** Stops waiting (resolving with the progress so far) once aborted: a sync job whose lease was lost. */
  signal?: AbortSignal;
}

/** Advances until no resource is queued, running or importing (the CLI's `--wait`). */
export async function waitForBackfill(deps: SyncDeps, shopDomain: string, options: WaitOptions = {}): Promise<BackfillProgress> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = options.timeoutMs === undefined ? Infinity : deps.clock.now().getTime() + options.timeoutMs;
  const first = options.pollMs ?? 100;
  let pause = first;
  let last = "";
  for (;;) {
    const progress = await advanceBackfill(deps, shopDomain);
    options.onProgress?.(progress);
    if (progress.status !== "running") return progress;
    if (deps.clock.now().getTime() >= deadline || options.signal?.aborted) return progress;
    // Poll quickly again after a change, back off while a bulk operation runs.
    const state = JSON.stringify(progress.runs.map((run) => [run.status, run.linesDone]));
    pause = state === last ? Math.min(pause * 2, options.maxPollMs ?? 5000) : first;
    last = state;
    await sleep(pause);
  }
}
