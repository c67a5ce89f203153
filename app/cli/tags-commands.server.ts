import { Prisma } from "@prisma/client";
import type { Database } from "../db.server";
import { parseShopSettings } from "../services/program/settings";
import { reconcileTags } from "../services/tags/reconcile.server";
import { ruleTagCounts, shopTagStatus } from "../services/tags/status.server";
import { CliError, type Command, resolveShop, table } from "./command.server";

export const TAGS_USAGE = `  tags:status [--limit N]      cohort tags on Shopify customers: pending (to add, to remove),
                               applied and failed tags with customer GID and reason (the newest
                               N of each, default 100), customers at the tag budget, per-cohort counts
  tags:reconcile               compare Roost's tags on the shop's customers (the mirror) with the
                               cohorts now and queue a sync for each customer that drifted`;

interface TagLine {
  customerGid: string;
  tag: string;
  reason: string | null;
}

// Wanted: a membership of an enabled rule whose member is a customer, tagged `<prefix><key>`.
const wanted = (prefix: string) => Prisma.sql`
  SELECT 1 FROM "CohortMembership" c
  JOIN "CohortRule" r ON r."id" = c."ruleId" AND r."enabled" = true
  JOIN "Member" m ON m."id" = c."memberId"
  WHERE c."shopId" = t."shopId" AND m."customerGid" = t."customerGid" AND ${prefix} || r."key" = t."tag"`;

/** The shop's tag lines, the first `limit` of each kind, set-based on both databases. */
async function tagLines(db: Database, shopId: string, prefix: string, limit: number): Promise<{ pending: TagLine[]; applied: TagLine[] }> {
  const [adding, removing, applied] = await Promise.all([
    db.$queryRaw<{ customerGid: string; tag: string }[]>`
      SELECT m."customerGid" AS "customerGid", ${prefix} || r."key" AS "tag" FROM "CohortMembership" c
      JOIN "CohortRule" r ON r."id" = c."ruleId" AND r."enabled" = true
      JOIN "Member" m ON m."id" = c."memberId"
      LEFT JOIN "CustomerTag" t ON t."shopId" = c."shopId" AND t."customerGid" = m."customerGid" AND t."tag" = ${prefix} || r."key"
      WHERE c."shopId" = ${shopId} AND m."customerGid" IS NOT NULL AND (t."state" IS NULL OR t."state" = 'sending')
      ORDER BY m."customerGid", r."key" LIMIT ${limit}`,
    db.$queryRaw<{ customerGid: string; tag: string }[]>`
      SELECT t."customerGid" AS "customerGid", t."tag" AS "tag" FROM "CustomerTag" t
      WHERE t."shopId" = ${shopId} AND t."state" <> 'failed' AND NOT EXISTS (${wanted(prefix)})
      ORDER BY t."customerGid", t."tag" LIMIT ${limit}`,
    db.$queryRaw<{ customerGid: string; tag: string }[]>`
      SELECT t."customerGid" AS "customerGid", t."tag" AS "tag" FROM "CustomerTag" t
      WHERE t."shopId" = ${shopId} AND t."state" = 'applied' AND EXISTS (${wanted(prefix)})
      ORDER BY t."customerGid", t."tag" LIMIT ${limit}`,
  ]);
  return {
    pending: [...adding.map((row) => ({ ...row, reason: "to add" })), ...removing.map((row) => ({ ...row, reason: "to remove" }))]
      .sort((a, b) => a.customerGid.localeCompare(b.customerGid) || a.tag.localeCompare(b.tag))
      .slice(0, limit),
    applied: applied.map((row) => ({ ...row, reason: null })),
  };
}

async function shopRow(db: Database, shop: string | undefined) {
  return db.shop.findUniqueOrThrow({ where: { domain: await resolveShop(db, shop) } });
}

export const tagsCommands: Record<string, Command> = {
  "tags:status": async ({ db, flags }) => {
    const shop = await shopRow(db, flags.shop);
    const limit = flags.limit ? Number(flags.limit) : 100;
    if (!Number.isInteger(limit) || limit < 1) throw new CliError("--limit must be a positive integer");
    const settings = parseShopSettings(shop.settings);
    // Counted live, never from the Cohorts page's snapshot: support runs this to see what the
    // writer owes right now, and a second's wait in a terminal is no page load.
    const [status, lines, rules] = await Promise.all([shopTagStatus(db, shop, { limit }), tagLines(db, shop.id, settings.cohortTagPrefix, limit), ruleTagCounts(db, shop)]);
    const json = {
      shop: shop.domain,
      prefix: settings.cohortTagPrefix,
      budget: settings.cohortTagBudget,
      queued: status.queued,
      pending: lines.pending,
      applied: lines.applied.map(({ customerGid, tag }) => ({ customerGid, tag })),
      failed: status.failed.map((line) => ({ customerGid: line.customerGid, tag: line.tag, reason: line.reason, at: line.at.toISOString() })),
      atBudget: status.atBudget,
      rules: rules.map(({ key, tag, applied, pending, failed }) => ({ key, tag, applied, pending, failed })),
    };
    const ops = [
      ...json.pending.map((line) => ["pending", line.tag, line.customerGid, line.reason ?? ""]),
      ...json.applied.map((line) => ["applied", line.tag, line.customerGid, ""]),
      ...json.failed.map((line) => ["failed", line.tag, line.customerGid, line.reason ?? ""]),
    ];
    const text = [
      `${shop.domain}: ${json.queued} tag op(s) queued; prefix ${json.prefix}, at most ${json.budget} Roost tags per customer`,
      "",
      table(["STATUS", "TAG", "CUSTOMER", "REASON"], ops),
      "",
      `at the tag budget: ${json.atBudget.length ? json.atBudget.join(", ") : "none"}`,
      "",
      table(["COHORT", "TAG", "APPLIED", "PENDING", "FAILED"], json.rules.map((rule) => [rule.key, rule.tag, String(rule.applied), String(rule.pending), String(rule.failed)])),
    ].join("\n");
    return { json, text };
  },

  "tags:reconcile": async ({ db, clock, flags }) => {
    const shop = await shopRow(db, flags.shop);
    if (!shop.installed) throw new CliError(`${shop.domain} has uninstalled Roost: nothing is written for it`);
    const counts = await reconcileTags({ db, clock }, shop);
    return {
      json: { shop: shop.domain, ...counts },
      text: `${shop.domain}: checked ${counts.customersChecked} customer(s); ${counts.drifted} drifted; queued ${counts.queued} tag sync(s) for the server's tag writer.`,
    };
  },
};
