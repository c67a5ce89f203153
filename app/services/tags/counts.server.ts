import { createHash } from "node:crypto";
import { type Database, isUniqueViolation } from "../../db.server";
import { throttledLog } from "../../lib/log-throttle.server";
import type { QueueDefinition } from "../jobs/runner.server";
import { parseShopSettings } from "../program/settings";
import { type RuleTagCounts, ruleTagCounts } from "./status.server";

// The Cohorts page's tag counts per rule, from a stored snapshot (RuleTagCount) while nothing
// they were counted from has changed: counting "pending" joins every membership and every tag
// of the shop, which takes a second on a shop of 100,000 members.
//
// The fingerprint covers every input of ruleTagCounts, read from indexes:
// - the shop's tag prefix, and each rule's id, key, enabled and updatedAt (a rename, enabling,
//   disabling, creating or deleting a rule);
// - each rule's count of memberships with a member, and the count and latest occurredAt of the
//   shop's transitions: every membership change (evaluation, sweep, link, exclusion, disabling)
//   writes a transition in its transaction; redaction deletes memberships and transitions;
// - how many of the shop's members have a customer (a member linked to a customer by email,
//   a redacted member losing it);
// - the count of the rule tags' CustomerTag rows per state and the shop's latest
//   CustomerTag.updatedAt: the writer, the bulk path, reconciliation and redaction insert,
//   delete or move a row between states, and every upsert stamps its time.
// The fingerprint is read before the count, so a write during the count leaves the snapshot
// stale, never wrongly exact.
// The Cohorts list's sparklines are stored under the same fingerprint (cohorts/reports.server.ts).

/** A stale snapshot younger than this is shown, labelled with its time, on a shop whose count is slow. */
export const TAG_COUNTS_MAX_AGE_MS = 60_000;
/** A shop whose last count took less than this counts live whenever its snapshot is stale. */
export const SLOW_COUNT_MS = 100;
export const TAG_COUNTS_QUEUE = "tag-counts";
export const DEFAULT_TAG_COUNTS_INTERVAL_MS = 30_000;

interface CountShop {
  id: string;
  settings: string;
}

export interface TagCountsView {
  rows: RuleTagCounts[];
  /** When the rows were counted, if something changed since (null: they are current). */
  asOf: Date | null;
  /** What the shop's counts are counted from now, read before anything else (the sparklines' snapshot is keyed by it too). */
  fingerprint: string;
}

export interface TagCountsOptions {
  /** Per rule, its memberships with a member (the list counts them already). */
  memberships?: ReadonlyMap<string, number>;
  maxAgeMs?: number;
  slowMs?: number;
}

/** What the shop's tag counts are counted from, as one hash (see above). */
export async function tagCountsFingerprint(db: Database, shop: CountShop, memberships?: ReadonlyMap<string, number>): Promise<string> {
  const prefix = parseShopSettings(shop.settings).cohortTagPrefix;
  const rules = await db.cohortRule.findMany({ where: { shopId: shop.id }, select: { id: true, key: true, enabled: true, updatedAt: true }, orderBy: { id: "asc" } });
  const [perRule, tags, latest] = await Promise.all([
    memberships ?? membershipCounts(db, shop.id),
    db.customerTag.groupBy({ by: ["tag", "state"], where: { shopId: shop.id, tag: { in: rules.map((rule) => `${prefix}${rule.key}`) } }, _count: { _all: true }, orderBy: [{ tag: "asc" }, { state: "asc" }] }),
    db.$queryRaw<{ transitions: bigint | number; lastTransition: unknown; lastTag: unknown; customers: bigint | number }[]>`
      SELECT (SELECT COUNT(*) FROM "CohortTransition" WHERE "shopId" = ${shop.id}) AS "transitions",
        (SELECT MAX("occurredAt") FROM "CohortTransition" WHERE "shopId" = ${shop.id}) AS "lastTransition",
        (SELECT MAX("updatedAt") FROM "CustomerTag" WHERE "shopId" = ${shop.id}) AS "lastTag",
        (SELECT COUNT(*) FROM "Member" WHERE "shopId" = ${shop.id} AND "customerGid" IS NOT NULL) AS "customers"`,
  ]);
  const inputs = {
    prefix,
    rules: rules.map((rule) => [rule.id, rule.key, rule.enabled, rule.updatedAt.getTime(), perRule.get(rule.id) ?? 0]),
    tags: tags.map((row) => [row.tag, row.state, row._count._all]),
    latest: latest.map((row) => [Number(row.transitions), String(row.lastTransition), String(row.lastTag), Number(row.customers)]),
  };
  return createHash("sha256").update(JSON.stringify(inputs)).digest("hex");
}

async function membershipCounts(db: Database, shopId: string): Promise<Map<string, number>> {
  const counts = await db.cohortMembership.groupBy({ by: ["ruleId"], where: { shopId }, _count: { memberId: true } });
  return new Map(counts.map((row) => [row.ruleId, row._count.memberId]));
}

/**
 * The shop's tag counts for the Cohorts page: the snapshot when it is exact; a stale one younger
 * than `maxAgeMs` when counting is slow for the shop, with its time; else counted now and stored.
 */
export async function cohortTagCounts(db: Database, shop: CountShop, now: Date, options: TagCountsOptions = {}): Promise<TagCountsView> {
  const fingerprint = await tagCountsFingerprint(db, shop, options.memberships);
  const [rules, stored] = await Promise.all([
    db.cohortRule.findMany({ where: { shopId: shop.id }, select: { id: true, key: true }, orderBy: { key: "asc" } }),
    db.ruleTagCount.findMany({ where: { shopId: shop.id } }),
  ]);
  const byRule = new Map(stored.map((row) => [row.ruleId, row]));
  if (rules.every((rule) => byRule.has(rule.id))) {
    const prefix = parseShopSettings(shop.settings).cohortTagPrefix;
    const snapshot = rules.map((rule) => ({ rule, row: byRule.get(rule.id)! }));
    const rows = snapshot.map(({ rule, row }) => ({ ruleId: rule.id, key: rule.key, tag: `${prefix}${rule.key}`, applied: row.applied, pending: row.pending, failed: row.failed }));
    if (snapshot.every(({ row }) => row.fingerprint === fingerprint)) return { rows, asOf: null, fingerprint };
    const countedAt = Math.min(...snapshot.map(({ row }) => row.countedAt.getTime()));
    const slow = Math.max(0, ...snapshot.map(({ row }) => row.countMs)) >= (options.slowMs ?? SLOW_COUNT_MS);
    if (slow && now.getTime() - countedAt < (options.maxAgeMs ?? TAG_COUNTS_MAX_AGE_MS)) return { rows, asOf: new Date(countedAt), fingerprint };
  }
  return { rows: await countAndStore(db, shop, now, fingerprint), asOf: null, fingerprint };
}

/** Counts the shop's tags now and stores them with the fingerprint read before the count. */
async function countAndStore(db: Database, shop: CountShop, now: Date, fingerprint: string): Promise<RuleTagCounts[]> {
  const started = performance.now();
  const rows = await ruleTagCounts(db, shop);
  const countMs = Math.round(performance.now() - started);
  const data = (row: RuleTagCounts) => ({ shopId: shop.id, applied: row.applied, pending: row.pending, failed: row.failed, fingerprint, countMs, countedAt: now });
  try {
    await db.$transaction([
      db.ruleTagCount.deleteMany({ where: { shopId: shop.id, ruleId: { notIn: rows.map((row) => row.ruleId) } } }),
      ...rows.map((row) => db.ruleTagCount.upsert({ where: { ruleId: row.ruleId }, create: { ruleId: row.ruleId, ...data(row) }, update: data(row) })),
    ]);
  } catch (error) {
    // Another page load stored its count at the same moment: its snapshot is as good.
    if (!isUniqueViolation(error)) throw error;
  }
  return rows;
}

/** Recounts the shop when its snapshot is stale; whether it did. */
export async function refreshTagCounts(db: Database, shop: CountShop, now: Date): Promise<boolean> {
  const fingerprint = await tagCountsFingerprint(db, shop);
  const [rules, stored] = await Promise.all([
    db.cohortRule.count({ where: { shopId: shop.id } }),
    db.ruleTagCount.findMany({ where: { shopId: shop.id }, select: { fingerprint: true } }),
  ]);
  if (stored.length === rules && stored.every((row) => row.fingerprint === fingerprint)) return false;
  await countAndStore(db, shop, now, fingerprint);
  return true;
}

/** `ROOST_TAG_COUNTS_MS`: how often large shops' stale tag counts are recounted, default 30 s. */
export function tagCountsIntervalMs(env: Record<string, string | undefined> = process.env): number {
  const value = Number(env.ROOST_TAG_COUNTS_MS);
  return Number.isFinite(value) && value >= 1_000 ? value : DEFAULT_TAG_COUNTS_INTERVAL_MS;
}

/**
 * Recounts, more often than the page's max age, the shops whose count is slow and whose
 * snapshot went stale, so their Cohorts page reads a snapshot instead of counting. A shop that
 * counts fast is left to its page.
 */
export function tagCountsQueue(intervalMs: number = DEFAULT_TAG_COUNTS_INTERVAL_MS, slowMs = SLOW_COUNT_MS): QueueDefinition {
  return {
    queue: TAG_COUNTS_QUEUE,
    recurring: { key: "all" },
    async run(_jobs, { db, clock, logger }) {
      const slow = await db.ruleTagCount.findMany({ where: { countMs: { gte: slowMs } }, distinct: ["shopId"], select: { shopId: true } });
      const shops = await db.shop.findMany({ where: { id: { in: slow.map((row) => row.shopId) }, installed: true }, select: { id: true, settings: true } });
      for (const shop of shops) {
        try {
          await refreshTagCounts(db, shop, clock.now());
        } catch (error) {
          throttledLog(logger, "tag-counts").error({ err: error, shopId: shop.id }, "tag counts of a shop failed; recounted at the next run");
        }
      }
      return { again: new Date(clock.now().getTime() + intervalMs) };
    },
  };
}
