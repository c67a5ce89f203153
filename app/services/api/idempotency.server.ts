import { createHash } from "node:crypto";
import { type Database, isUniqueViolation } from "../../db.server";
import { type Clock, systemClock } from "../../lib/clock";

/**
 * Idempotency-Key for the external API (docs/api.md, "Idempotency"). One row per (shop, key):
 * the first request claims it (a unique constraint settles races), and once it succeeds the row
 * keeps the response, which a retry with the same body gets back. A claimed row with status 0
 * is a request still in flight; its lease lets another request take over if the process died.
 */

export const IN_FLIGHT = 0;
/** A claim older than this belonged to a process that died mid-request. */
export const LEASE_MS = 60_000;
/** How long a key is remembered (docs/api.md); `pruneIdempotencyKeys` forgets older ones. */
export const RETENTION_DAYS = 30;

export type IdempotencyClaim =
  | { kind: "claimed"; id: string }
  | { kind: "replay"; status: number; body: string }
  | { kind: "mismatch" }
  | { kind: "in_flight" };
export type PriorRequest = Exclude<IdempotencyClaim, { kind: "claimed" }>;

/**
 * JSON with object keys sorted, so key order and whitespace do not change a request's hash.
 * Recursive: give it only values whose depth `parseJsonWithLimits` has bounded (app/lib/json-limits.ts).
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export function requestHash(method: string, path: string, body: unknown): string {
  return createHash("sha256").update(`${method.toUpperCase()} ${path}\n${canonicalJson(body)}`, "utf8").digest("hex");
}

type Row = Awaited<ReturnType<Database["apiIdempotency"]["findUniqueOrThrow"]>>;

function decide(row: Row, requestHash: string): PriorRequest | null {
  if (row.requestHash !== requestHash) return { kind: "mismatch" };
  if (row.status !== IN_FLIGHT) return { kind: "replay", status: row.status, body: row.response };
  return null;
}

/** What an earlier request with this key decided, without claiming it; null when the key is new. */
export async function lookupIdempotencyKey(
  db: Database,
  input: { shopId: string; key: string; requestHash: string },
): Promise<PriorRequest | null> {
  const row = await db.apiIdempotency.findUnique({ where: { shopId_key: { shopId: input.shopId, key: input.key } } });
  if (!row) return null;
  return decide(row, input.requestHash) ?? { kind: "in_flight" };
}

/**
 * Claims the key for this request. When another request holds it, waits up to `waitMs` for that
 * one to finish so a concurrent duplicate gets the replay rather than an error.
 */
export async function claimIdempotencyKey(
  db: Database,
  input: { shopId: string; key: string; requestHash: string },
  options: { clock?: Clock; waitMs?: number } = {},
): Promise<IdempotencyClaim> {
  const clock = options.clock ?? systemClock;
  const deadline = Date.now() + (options.waitMs ?? 5_000);
  for (;;) {
    try {
      const row = await db.apiIdempotency.create({
        data: { shopId: input.shopId, key: input.key, requestHash: input.requestHash, status: IN_FLIGHT, response: "", createdAt: clock.now() },
      });
      return { kind: "claimed", id: row.id };
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
    }
    const row = await db.apiIdempotency.findUnique({ where: { shopId_key: { shopId: input.shopId, key: input.key } } });
    // Released between our insert and this read: try again.
    if (!row) continue;
    const decided = decide(row, input.requestHash);
    if (decided) return decided;
    if (clock.now().getTime() - row.createdAt.getTime() > LEASE_MS) {
      // The holder died mid-request: take its lease over (one taker wins the conditional update).
      const { count } = await db.apiIdempotency.updateMany({
        where: { id: row.id, status: IN_FLIGHT, createdAt: row.createdAt },
        data: { createdAt: clock.now() },
      });
      if (count === 1) return { kind: "claimed", id: row.id };
      continue;
    }
    if (Date.now() >= deadline) return { kind: "in_flight" };
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The request succeeded: keep its response for replays. */
export async function completeIdempotencyKey(db: Database, id: string, status: number, body: string): Promise<void> {
  await db.apiIdempotency.update({ where: { id }, data: { status, response: body } });
}

/** The request failed (or answered an error): the key is free for a corrected retry. */
export async function releaseIdempotencyKey(db: Database, id: string): Promise<void> {
  await db.apiIdempotency.deleteMany({ where: { id, status: IN_FLIGHT } });
}

/** Forgets keys older than the retention period, for every shop; run by a periodic sweep. */
export async function pruneIdempotencyKeys(db: Database, clock: Clock = systemClock, days = RETENTION_DAYS): Promise<number> {
  const before = new Date(clock.now().getTime() - days * 24 * 3600_000);
  const { count } = await db.apiIdempotency.deleteMany({ where: { createdAt: { lt: before } } });
  return count;
}
