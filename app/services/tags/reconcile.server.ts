import type { Database } from "../../db.server";
import type { Clock } from "../../lib/clock";
import { TAGS_QUEUE } from "../cohorts/outbox";
import { cohortTag } from "../cohorts/templates";
import type { QueueDefinition } from "../jobs/runner.server";
import { parseShopSettings } from "../program/settings";
import { wantedTags } from "./desired.server";
import { queueTagSync } from "./sync.server";

// The cohort is the source of truth for Roost's tags on Shopify customers. The reconciliation
// compares Roost's tags as the mirror sees them on each customer (Customer.tags, kept from
// customers/* and customer.tags_added / tags_removed webhooks) with what the memberships want,
// and repairs drift by queueing a tag sync for the customers that differ. A tag is Roost's when
// it is `<prefix><rule key>` of one of the shop's rules (enabled or not) or Roost recorded
// writing it (CustomerTag); any other tag is never touched.

export const TAGS_RECONCILE_QUEUE = "tags-reconcile";
export const DEFAULT_TAGS_RECONCILE_MS = 3600_000;
const BATCH = 500;

/** ROOST_TAGS_RECONCILE_MS: how often the reconciliation runs, in milliseconds (default hourly). */
export function tagsReconcileIntervalMs(env: Record<string, string | undefined> = process.env): number {
  const raw = env.ROOST_TAGS_RECONCILE_MS?.trim();
  if (!raw) return DEFAULT_TAGS_RECONCILE_MS;
  if (!/^\d+$/.test(raw) || Number(raw) < 1000) throw new Error(`ROOST_TAGS_RECONCILE_MS must be a whole number of milliseconds, at least 1000, got "${raw}"`);
  return Number(raw);
}

export interface ReconcileCounts {
  /** Customers in the mirror whose Roost tags were compared. */
  customersChecked: number;
  /** Customers whose Roost tags differ from their memberships. */
  drifted: number;
  /** Tag syncs queued for them. */
  queued: number;
}

export interface ReconcileDeps {
  db: Database;
  clock: Clock;
}

function parseTags(json: string): string[] {
  try {
    const tags: unknown = JSON.parse(json);
    return Array.isArray(tags) ? tags.filter((tag): tag is string => typeof tag === "string") : [];
  } catch {
    return [];
  }
}

/**
 * One pass over the shop's mirrored customers, a batch at a time. A customer whose tag work is
 * in flight (a queued tag op, a tag being sent) or whose mirror has not heard back since Roost's
 * last write is left for the next pass: the writer is converging it already. For a drifted
 * customer, what Roost recorded is corrected to what the mirror shows (an applied tag that is
 * gone is forgotten, so the writer adds it again; a Roost tag on the customer that is not
 * wanted is recorded as possibly present, so the writer removes it) and a sync is queued, in
 * one transaction.
 */
export async function reconcileTags(deps: ReconcileDeps, shop: { id: string; settings: string }): Promise<ReconcileCounts> {
  const { db, clock } = deps;
  const settings = parseShopSettings(shop.settings);
  const prefix = settings.cohortTagPrefix;
  const rules = await db.cohortRule.findMany({ where: { shopId: shop.id }, select: { key: true } });
  const ruleTags = new Set(rules.map((rule) => cohortTag(prefix, rule.key).toLowerCase()));
  const busy = new Set<string>();
  for (const job of await db.job.findMany({ where: { shopId: shop.id, queue: TAGS_QUEUE, status: { in: ["pending", "running"] } }, select: { payload: true } })) {
    try {
      const gid = (JSON.parse(job.payload) as { customerGid?: unknown }).customerGid;
      if (typeof gid === "string") busy.add(gid);
    } catch {
      // Not a tag op the writer understands; it fails on its own.
    }
  }

  const counts: ReconcileCounts = { customersChecked: 0, drifted: 0, queued: 0 };
  let cursor: string | undefined;
  for (;;) {
    const customers = await db.customer.findMany({
      where: { shopId: shop.id, deletedAt: null, redactedAt: null },
      select: { id: true, gid: true, tags: true, updatedAt: true },
      orderBy: { id: "asc" },
      take: BATCH,
      ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
    });
    if (customers.length === 0) break;
    cursor = customers[customers.length - 1].id;
    const gids = customers.map((customer) => customer.gid);
    const [wanted, rows] = await Promise.all([
      wantedTags(db, shop.id, prefix, gids),
      db.customerTag.findMany({ where: { shopId: shop.id, customerGid: { in: gids } }, select: { customerGid: true, tag: true, state: true, updatedAt: true } }),
    ]);
    const rowsOf = new Map<string, typeof rows>();
    for (const row of rows) (rowsOf.get(row.customerGid) ?? rowsOf.set(row.customerGid, []).get(row.customerGid)!).push(row);

    const forget: { customerGid: string; tags: string[] }[] = [];
    const present: { customerGid: string; tag: string }[] = [];
    const drifted: string[] = [];
    for (const customer of customers) {
      counts.customersChecked += 1;
      const mine = rowsOf.get(customer.gid) ?? [];
      if (busy.has(customer.gid) || mine.some((row) => row.state === "sending")) continue;
      // The mirror has not caught up with Roost's last write yet.
      if (mine.some((row) => row.updatedAt > customer.updatedAt)) continue;
      const recorded = new Map(mine.map((row) => [row.tag.toLowerCase(), row]));
      const onCustomer = new Map<string, string>();
      for (const tag of parseTags(customer.tags)) {
        const lower = tag.toLowerCase();
        if (ruleTags.has(lower) || recorded.has(lower)) onCustomer.set(lower, tag);
      }
      const keep = (wanted.get(customer.gid) ?? []).slice(0, settings.cohortTagBudget).map((want) => want.tag);
      const keepLower = new Set(keep.map((tag) => tag.toLowerCase()));
      // Wanted and not on the customer; a tag Shopify refused stays failed with its reason.
      const missing = keep.filter((tag) => !onCustomer.has(tag.toLowerCase()) && recorded.get(tag.toLowerCase())?.state !== "failed");
      const extra = [...onCustomer].filter(([lower]) => !keepLower.has(lower)).map(([, tag]) => tag);
      if (missing.length === 0 && extra.length === 0) continue;
      drifted.push(customer.gid);
      const gone = missing.filter((tag) => recorded.get(tag.toLowerCase())?.state === "applied").map((tag) => recorded.get(tag.toLowerCase())!.tag);
      if (gone.length > 0) forget.push({ customerGid: customer.gid, tags: gone });
      for (const tag of extra) present.push({ customerGid: customer.gid, tag: recorded.get(tag.toLowerCase())?.tag ?? tag });
    }
    if (drifted.length > 0) {
      const now = clock.now();
      counts.drifted += drifted.length;
      counts.queued += await db.$transaction(async (tx) => {
        for (const { customerGid, tags } of forget) await tx.customerTag.deleteMany({ where: { shopId: shop.id, customerGid, tag: { in: tags }, state: "applied" } });
        for (const { customerGid, tag } of present) {
          await tx.customerTag.upsert({
            where: { shopId_customerGid_tag: { shopId: shop.id, customerGid, tag } },
            create: { shopId: shop.id, customerGid, tag, state: "sending", error: null, updatedAt: now },
            update: { state: "sending", error: null, updatedAt: now },
          });
        }
        return queueTagSync(tx, shop.id, now, drifted);
      });
    }
    if (customers.length < BATCH) break;
  }
  return counts;
}

/** `reconcileTags` over every installed shop as a recurring job: at the first start, then every interval. */
export function tagsReconcileQueue(intervalMs: number = DEFAULT_TAGS_RECONCILE_MS): QueueDefinition {
  return {
    queue: TAGS_RECONCILE_QUEUE,
    recurring: { key: "all" },
    async run(_jobs, { db, clock, logger }) {
      const shops = await db.shop.findMany({ where: { installed: true }, select: { id: true, domain: true, settings: true } });
      for (const shop of shops) {
        const counts = await reconcileTags({ db, clock }, shop);
        if (counts.drifted) logger.info({ shop: shop.domain, ...counts }, "cohort tag drift repaired");
      }
      return { again: new Date(clock.now().getTime() + intervalMs) };
    },
  };
}
