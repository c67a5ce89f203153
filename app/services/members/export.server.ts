import type { Database } from "../../db.server";
import { shopDay } from "../../lib/shop-day";
import { cohortTag } from "../cohorts/templates";
import { numericId } from "../flow/triggers";
import { parseShopSettings } from "../program/settings";
import { memberName } from "./search.server";

/**
 * The Members page's CSV export: every member of one shop, read in batches through the
 * (shopId, createdAt) index so a shop of 100,000 members is never held in memory at once.
 */

// Under SQLite's 999 bound parameters, with the batch's ids in one IN list.
export const EXPORT_BATCH = 500;

export const EXPORT_COLUMNS = ["name", "email", "shopify_customer_id", "tier", "balance", "lifetime_earned", "last_order_date", "enrolled_date", "cohorts"] as const;

/** Ledger kinds that make up "lifetime earned": order points net of claw-backs, plus bonuses. */
const EARNED_KINDS = ["earn", "released", "clawback", "bonus"];

interface ExportShop {
  id: string;
  domain: string;
  timezone: string;
  settings: string;
}

// A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV field: text that could run as a formula gets a leading apostrophe, then RFC 4180 quoting. */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "";
  // Numbers are Roost's own figures (a negative balance is not a formula).
  if (typeof value === "number") return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const csvRow = (fields: (string | number | null)[]) => `${fields.map(csvField).join(",")}\r\n`;

/** The download's name: the shop's handle and the shop-local day. */
export function exportFilename(shop: Pick<ExportShop, "domain" | "timezone">, now: Date): string {
  const handle = shop.domain.replace(/\.myshopify\.com$/i, "").replace(/[^A-Za-z0-9-]/g, "-");
  return `roost-members-${handle}-${shopDay(now, shop.timezone)}.csv`;
}

/**
 * The CSV, header first, one chunk per batch of members (enrolment order). Redacted members keep
 * their tier and points but no name, email, customer id or last order.
 */
export async function* membersCsv(db: Database, shop: ExportShop, options: { batchSize?: number } = {}): AsyncGenerator<string> {
  const batchSize = options.batchSize ?? EXPORT_BATCH;
  const prefix = parseShopSettings(shop.settings).cohortTagPrefix;
  const rules = await db.cohortRule.findMany({ where: { shopId: shop.id }, select: { id: true, key: true } });
  const tagOf = new Map(rules.map((rule) => [rule.id, cohortTag(prefix, rule.key)]));

  yield csvRow([...EXPORT_COLUMNS]);
  let after: { createdAt: Date; id: string } | null = null;
  for (;;) {
    const members: Awaited<ReturnType<typeof db.member.findMany>> = await db.member.findMany({
      where: { shopId: shop.id, ...(after ? { OR: [{ createdAt: { gt: after.createdAt } }, { createdAt: after.createdAt, id: { gt: after.id } }] } : {}) },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      take: batchSize,
    });
    if (members.length === 0) return;
    const ids = members.map((member) => member.id);
    const gids = members.flatMap((member) => (member.customerGid && !member.redactedAt ? [member.customerGid] : []));
    const [earned, orders, memberships] = await Promise.all([
      db.ledgerEntry.groupBy({ by: ["memberId"], where: { shopId: shop.id, memberId: { in: ids }, kind: { in: EARNED_KINDS } }, _sum: { points: true } }),
      gids.length
        ? db.order.groupBy({ by: ["customerGid"], where: { shopId: shop.id, customerGid: { in: gids }, deletedAt: null, test: false }, _max: { processedAt: true } })
        : Promise.resolve([]),
      db.cohortMembership.findMany({ where: { shopId: shop.id, memberId: { in: ids } }, select: { memberId: true, ruleId: true } }),
    ]);
    const earnedBy = new Map(earned.map((row) => [row.memberId, row._sum.points ?? 0]));
    const lastOrderBy = new Map(orders.map((row) => [row.customerGid, row._max.processedAt]));
    const tagsBy = new Map<string, string[]>();
    for (const { memberId, ruleId } of memberships) {
      const tag = tagOf.get(ruleId);
      if (!memberId || !tag) continue;
      tagsBy.set(memberId, [...(tagsBy.get(memberId) ?? []), tag]);
    }

    let chunk = "";
    for (const member of members) {
      const redacted = !!member.redactedAt;
      const lastOrder = member.customerGid && !redacted ? lastOrderBy.get(member.customerGid) : null;
      chunk += csvRow([
        redacted ? null : memberName(member),
        redacted ? null : member.email,
        redacted || !member.customerGid ? null : numericId(member.customerGid),
        member.tier,
        member.balance,
        earnedBy.get(member.id) ?? 0,
        lastOrder ? shopDay(lastOrder, shop.timezone) : null,
        shopDay(member.createdAt, shop.timezone),
        (tagsBy.get(member.id) ?? []).sort().join(";"),
      ]);
    }
    yield chunk;
    if (members.length < batchSize) return;
    const last = members[members.length - 1];
    after = { createdAt: last.createdAt, id: last.id };
  }
}
