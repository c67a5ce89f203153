import { type BulkOperationData, BulkOperationQuery } from "../../graphql/BulkOperationQuery";
import {
  BulkOperationRunMutation,
  type BulkOperationRunMutationData,
  type CurrentBulkMutationData,
  CurrentBulkMutationQuery,
} from "../../graphql/BulkOperationRunMutation";
import { type StagedUploadsCreateData, StagedUploadsCreateMutation } from "../../graphql/StagedUploadsCreateMutation";
import { TagsAddMutation } from "../../graphql/TagsAddMutation";
import { TagsRemoveMutation } from "../../graphql/TagsRemoveMutation";
import type { Logger } from "../../lib/logger.server";
import { LeaseLostError } from "../jobs/queue.server";
import type { AdminClient } from "../shopify/admin-client.server";
import type { Sleep } from "../shopify/admin-budget.server";

// The tag writer's bulk path (DESIGN.md, "Tag write-back"): a large backlog goes to Shopify as
// two bulk mutations, tagsRemove then tagsAdd, one JSONL line per customer. Bulk lines cost
// nothing from the shop's throttle bucket: only the few calls that stage, start and poll do.

/**
 * Customers needing a write, in one shop and one run, from which the writer goes bulk. On the
 * call path a tag mutation costs 10 points of a Standard store's 100 points/s, so about 10
 * customers a second (half that when a customer needs a remove and an add): 500 customers take
 * 50–100 s there and hold the whole bucket the shop shares with other apps. A bulk operation
 * costs a handful of calls but has a fixed overhead (staging, upload, Shopify queueing the
 * operation and the polls) of a few seconds to a couple of minutes. Below ~500 the call path
 * finishes about as soon and settles customer by customer; above, the bulk path wins and the
 * gap grows linearly (10,000 customers: ~17–33 minutes of calls against one or two operations).
 */
export const BULK_THRESHOLD = 500;

/** The first poll of a running operation after this long, then backing off to POLL_MAX_MS. */
const POLL_FIRST_MS = 200;
const POLL_MAX_MS = 5_000;

export type BulkDirection = "add" | "remove";

type UserErrors = { field?: string[] | null; message: string }[];

/** What one JSONL line came back with: the payload's userErrors, or the line's own error. */
export type BulkLineResult = { userErrors: UserErrors } | { error: string };

export interface BulkDeps {
  admin: AdminClient;
  sleep: Sleep;
  signal: AbortSignal;
  logger: Logger;
  fetch?: typeof fetch;
}

/** A bulk operation that Shopify refused to start or that did not complete: the jobs retry later. */
export class BulkTagsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BulkTagsError";
  }
}

/**
 * Runs one bulk mutation of `direction` over `lines` ({id, tags} each) and returns each line's
 * result, in the order given. Throws (retryable) when the operation cannot start or fails as a
 * whole; the caller records nothing then, and the run is simply done again later (tagsAdd and
 * tagsRemove are idempotent at Shopify).
 */
export async function runTagsBulk(deps: BulkDeps, direction: BulkDirection, lines: { id: string; tags: string[] }[]): Promise<BulkLineResult[]> {
  const { admin, logger } = deps;
  const path = await stageFile(deps, `roost-tags-${direction}.jsonl`, lines.map((line) => JSON.stringify(line)).join("\n") + "\n");
  const mutation = direction === "add" ? TagsAddMutation : TagsRemoveMutation;
  const started = (await admin.request<BulkOperationRunMutationData>(BulkOperationRunMutation, { mutation, stagedUploadPath: path })).bulkOperationRunMutation;
  const operation = started?.bulkOperation;
  if (!operation) {
    const message = started?.userErrors.map((error) => `${error.code ?? "ERROR"}: ${error.message}`).join("; ") || "no operation";
    throw new BulkTagsError(`bulkOperationRunMutation (tags ${direction}) did not start: ${message}`);
  }
  logger.info({ operation: operation.id, direction, lines: lines.length }, "bulk tag mutation started");
  const url = await awaitOperation(deps, operation.id);
  const results: BulkLineResult[] = lines.map(() => ({ error: "no result line for this customer" }));
  if (url) {
    const response = await (deps.fetch ?? fetch)(url);
    if (!response.ok) throw new BulkTagsError(`bulk tag result file answered ${response.status}`);
    const field = direction === "add" ? "tagsAdd" : "tagsRemove";
    for (const row of (await response.text()).split("\n")) {
      if (!row.trim()) continue;
      const line = JSON.parse(row) as { data?: Record<string, { userErrors?: UserErrors } | null> | null; errors?: { message: string }[]; __lineNumber?: number };
      const index = line.__lineNumber;
      if (typeof index !== "number" || index < 0 || index >= results.length) continue;
      const payload = line.data?.[field];
      results[index] = payload ? { userErrors: payload.userErrors ?? [] } : { error: line.errors?.map((error) => error.message).join("; ") || "the line returned no data" };
    }
  }
  return results;
}

/** Stages a JSONL file for a bulk mutation (a signed form POST) and returns its stagedUploadPath. */
async function stageFile(deps: BulkDeps, filename: string, content: string): Promise<string> {
  const data = await deps.admin.request<StagedUploadsCreateData>(StagedUploadsCreateMutation, {
    input: [{ resource: "BULK_MUTATION_VARIABLES", filename, mimeType: "text/jsonl", httpMethod: "POST" }],
  });
  const target = data.stagedUploadsCreate?.stagedTargets?.[0];
  const key = target?.parameters.find((parameter) => parameter.name === "key")?.value;
  if (!target?.url || !key) {
    const message = data.stagedUploadsCreate?.userErrors.map((error) => error.message).join("; ") || "no upload target";
    throw new BulkTagsError(`stagedUploadsCreate refused the tag file: ${message}`);
  }
  const form = new FormData();
  for (const parameter of target.parameters) form.append(parameter.name, parameter.value);
  form.append("file", new Blob([content], { type: "text/jsonl" }), filename);
  const response = await (deps.fetch ?? fetch)(target.url, { method: "POST", body: form });
  await response.body?.cancel();
  if (!response.ok) throw new BulkTagsError(`the tag file upload answered ${response.status}`);
  return key;
}

/** The polls waiting on a bulk tag operation in this process, by operation id. */
const waiting = new Map<string, Set<() => void>>();

/**
 * Shopify's `bulk_operations/finish` for a tag operation: the poll waiting on it in this process
 * checks again now instead of at its next interval. False when nothing here waits on it (another
 * process's poll finds it at its interval).
 */
export function wakeTagsBulkWait(operationId: string): boolean {
  const wakers = waiting.get(operationId);
  wakers?.forEach((wake) => wake());
  return wakers !== undefined;
}

/** Polls the operation until it completes; its result file's url (null when it had no lines). */
async function awaitOperation(deps: BulkDeps, id: string): Promise<string | null> {
  let wait = POLL_FIRST_MS;
  // A wake that comes while a poll is in flight makes the next one go at once.
  let woken = false;
  let interrupt = () => {};
  const wake = () => {
    woken = true;
    interrupt();
  };
  const wakers = waiting.get(id) ?? new Set();
  waiting.set(id, wakers.add(wake));
  try {
    for (;;) {
      if (deps.signal.reason instanceof LeaseLostError) throw deps.signal.reason;
      if (!woken) await Promise.race([deps.sleep(wait), new Promise<void>((resolve) => (interrupt = resolve))]);
      woken = false;
      const data = await deps.admin.request<BulkOperationData>(BulkOperationQuery, { id });
      const node = data.node as { status?: string; errorCode?: string | null; url?: string | null } | null;
      if (!node) throw new BulkTagsError(`bulk tag operation ${id} is gone`);
      if (node.status === "COMPLETED") return node.url ?? null;
      if (node.status && !["CREATED", "RUNNING"].includes(node.status)) {
        throw new BulkTagsError(`bulk tag operation ${id} ended ${node.status.toLowerCase()}${node.errorCode ? `: ${node.errorCode}` : ""}`);
      }
      wait = Math.min(POLL_MAX_MS, wait * 2);
    }
  } finally {
    wakers.delete(wake);
    if (wakers.size === 0) waiting.delete(id);
  }
}

/**
 * A run that died after starting an operation (its jobs' leases lapsed, so this run planned
 * them again) leaves that operation running at Shopify, unrecorded. Its lines are idempotent,
 * and this run sends what the memberships want now, so it waits for the earlier one to finish
 * first: an older add can never land after a newer remove. Roost runs its tag operations one
 * after another, so the shop's latest bulk mutation is the only one that can still be running.
 */
async function awaitEarlierOperation(deps: BulkDeps): Promise<void> {
  const current = (await deps.admin.request<CurrentBulkMutationData>(CurrentBulkMutationQuery)).currentBulkOperation;
  if (!current || !["CREATED", "RUNNING"].includes(current.status) || !/\btags(Add|Remove)\(/.test(current.query ?? "")) return;
  deps.logger.info({ operation: current.id }, "an earlier bulk tag mutation is still running; waiting for it");
  await awaitOperation(deps, current.id).catch((error: unknown) => {
    // How it ended does not matter: this run sends everything it planned.
    if (!(error instanceof BulkTagsError)) throw error;
  });
}

/** A customer's share of the bulk write: what to remove and add. */
export interface BulkCustomer {
  customerGid: string;
  add: string[];
  remove: string[];
}

/** Per customer: the line results of its remove and add (undefined when it had none). */
export interface BulkOutcome {
  remove?: BulkLineResult;
  add?: BulkLineResult;
}

/**
 * Removes first (so a customer near Shopify's 250 tags has room for the adds), then adds. A
 * customer whose remove line failed (not a userError: the line itself) still gets its add; the
 * writer settles each customer from both results as the call path does.
 */
export async function writeTagsInBulk(deps: BulkDeps, customers: BulkCustomer[]): Promise<Map<string, BulkOutcome>> {
  await awaitEarlierOperation(deps);
  const outcomes = new Map<string, BulkOutcome>(customers.map((customer) => [customer.customerGid, {}]));
  for (const direction of ["remove", "add"] as const) {
    const writing = customers.filter((customer) => customer[direction].length > 0);
    if (writing.length === 0) continue;
    const results = await runTagsBulk(deps, direction, writing.map((customer) => ({ id: customer.customerGid, tags: customer[direction] })));
    writing.forEach((customer, index) => {
      outcomes.get(customer.customerGid)![direction] = results[index];
    });
  }
  return outcomes;
}
