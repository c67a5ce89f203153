import type { Database } from "../../db.server";
import { TAGS_QUEUE } from "../cohorts/outbox";
import { parseShopSettings } from "../program/settings";
import { wantedTags } from "./desired.server";

// What the tag writer has done and still owes, for the member page, the Cohorts page and
// `roost tags:status`: read from memberships (wanted) and CustomerTag (applied, failed).

export type TagStatus = "applied" | "pending" | "failed";

export interface CustomerTagLine {
  tag: string;
  status: TagStatus;
  /** pending: "to add" or "to remove"; failed: the sentence the writer kept. */
  reason: string | null;
}

/** One customer's Roost tags: applied, pending (to add or to remove) and failed with the reason. */
export async function customerTagStatus(db: Database, shop: { id: string; settings: string }, customerGid: string): Promise<CustomerTagLine[]> {
  const prefix = parseShopSettings(shop.settings).cohortTagPrefix;
  const wanted = new Set(((await wantedTags(db, shop.id, prefix, [customerGid])).get(customerGid) ?? []).map((wanted) => wanted.tag));
  const rows = await db.customerTag.findMany({ where: { shopId: shop.id, customerGid }, orderBy: { tag: "asc" } });
  const lines: CustomerTagLine[] = [];
  for (const row of rows) {
    if (row.state === "failed") lines.push({ tag: row.tag, status: "failed", reason: row.error });
    else if (!wanted.has(row.tag)) lines.push({ tag: row.tag, status: "pending", reason: "to remove" });
    else lines.push({ tag: row.tag, status: row.state === "applied" ? "applied" : "pending", reason: row.state === "applied" ? null : "to add" });
  }
  const known = new Set(rows.map((row) => row.tag));
  for (const tag of wanted) if (!known.has(tag)) lines.push({ tag, status: "pending", reason: "to add" });
  return lines.sort((a, b) => a.tag.localeCompare(b.tag));
}

export interface RuleTagCounts {
  ruleId: string;
  key: string;
  tag: string;
  /** On the customers now. */
  applied: number;
  /** Members with a customer whose tag is not written yet, plus tags still to remove. */
  pending: number;
  /** Kept failed with a reason (the tag budget, Shopify's 250). */
  failed: number;
}

/** Per rule of the shop: how many of its tags are applied, pending and failed (set-based, both databases). */
export async function ruleTagCounts(db: Database, shop: { id: string; settings: string }): Promise<RuleTagCounts[]> {
  const prefix = parseShopSettings(shop.settings).cohortTagPrefix;
  // "removing" finds each tag's member by (shopId, customerGid), then its membership by
  // (shopId, memberId): the other way round it scanned the rule's memberships once per tag.
  const rows = await db.$queryRaw<{ ruleId: string; key: string; applied: bigint | number; failed: bigint | number; adding: bigint | number; removing: bigint | number }[]>`
    SELECT r."id" AS "ruleId", r."key" AS "key",
      (SELECT COUNT(*) FROM "CustomerTag" t WHERE t."shopId" = r."shopId" AND t."tag" = ${prefix} || r."key" AND t."state" = 'applied') AS "applied",
      (SELECT COUNT(*) FROM "CustomerTag" t WHERE t."shopId" = r."shopId" AND t."tag" = ${prefix} || r."key" AND t."state" = 'failed') AS "failed",
      (SELECT COUNT(*) FROM "CohortMembership" c JOIN "Member" m ON m."id" = c."memberId"
        WHERE c."ruleId" = r."id" AND r."enabled" = true AND m."customerGid" IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM "CustomerTag" t WHERE t."shopId" = r."shopId" AND t."customerGid" = m."customerGid" AND t."tag" = ${prefix} || r."key" AND t."state" IN ('applied', 'failed'))) AS "adding",
      (SELECT COUNT(*) FROM "CustomerTag" t WHERE t."shopId" = r."shopId" AND t."tag" = ${prefix} || r."key" AND t."state" <> 'failed'
          AND NOT EXISTS (SELECT 1 FROM "Member" m JOIN "CohortMembership" c ON c."shopId" = m."shopId" AND c."memberId" = m."id" AND c."ruleId" = r."id"
            WHERE m."shopId" = r."shopId" AND m."customerGid" = t."customerGid" AND r."enabled" = true)) AS "removing"
    FROM "CohortRule" r WHERE r."shopId" = ${shop.id} ORDER BY r."key"`;
  return rows.map((row) => ({
    ruleId: row.ruleId,
    key: row.key,
    tag: `${prefix}${row.key}`,
    applied: Number(row.applied),
    pending: Number(row.adding) + Number(row.removing),
    failed: Number(row.failed),
  }));
}

export interface ShopTagStatus {
  /** Tag ops in the outbox not yet worked. */
  queued: number;
  failed: { customerGid: string; tag: string; reason: string | null; at: Date }[];
  /** Customers holding the shop's budget of Roost tags. */
  atBudget: string[];
}

/** The shop's tag write-back at a glance (`roost tags:status`): queued ops, failed tags with reasons, customers at the budget. */
export async function shopTagStatus(db: Database, shop: { id: string; settings: string }, options: { limit?: number } = {}): Promise<ShopTagStatus> {
  const budget = parseShopSettings(shop.settings).cohortTagBudget;
  const limit = options.limit ?? 100;
  const [queued, failed, full] = await Promise.all([
    db.job.count({ where: { shopId: shop.id, queue: TAGS_QUEUE, status: { in: ["pending", "running"] } } }),
    db.customerTag.findMany({ where: { shopId: shop.id, state: "failed" }, orderBy: { updatedAt: "desc" }, take: limit }),
    db.customerTag.groupBy({ by: ["customerGid"], where: { shopId: shop.id, state: { not: "failed" } }, _count: { _all: true }, having: { customerGid: { _count: { gte: budget } } }, take: limit, orderBy: { customerGid: "asc" } }),
  ]);
  return {
    queued,
    failed: failed.map((row) => ({ customerGid: row.customerGid, tag: row.tag, reason: row.error, at: row.updatedAt })),
    atBudget: full.map((row) => row.customerGid),
  };
}
