import { createHash } from "node:crypto";
import { Prisma } from "@prisma/client";
import { type Database, type Db, sqlTime } from "../../db.server";
import { currencyExponent, formatMinorUnits } from "../../lib/money";
import { startOfShopDay } from "../../lib/shop-day";
import { memberName } from "../members/search.server";
import { parseShopSettings } from "../program/settings";
import { type CohortMemberRow, cohortMembers, memberCohorts } from "./members.server";
import { type MatchRow, previewMatches } from "./evaluate.server";
import { storedParams } from "./rules-store";
import { cohortTag, isTemplateKey, type RuleParams, TEMPLATES } from "./templates";
import { type MembershipFacts, plural, whySentences, type WhyLabels } from "./why";
import { cohortTagCounts } from "../tags/counts.server";

// What the admin's cohort pages show: the list with each cohort's size over the last 30 days,
// a rule with its members, a preview's sample, a member's cohorts, each "why" in sentences with
// product titles and order names from the mirror (merchants never see GIDs).

export const SPARKLINE_DAYS = 30;

export interface ShopRef {
  id: string;
  settings: string;
  currency: string;
  timezone: string;
}

export interface CohortListRow {
  id: string;
  key: string;
  template: string;
  title: string;
  tag: string;
  enabled: boolean;
  members: number;
  visitors: number;
  summary: string;
  /** The cohort's size at the end of each of the last 30 shop-local days, oldest first; the last is now. */
  sparkline: number[];
  /** Its customer tags: on the customers, still to write (add or remove), kept failed with a reason. */
  tags: { applied: number; pending: number; failed: number };
  /** When `tags` were counted, if something changed since (a large shop's snapshot); null when they are current. */
  tagsAsOf: string | null;
}

/**
 * The ends of the last `days` days in the shop's time zone, newest first: now (today is not
 * over), then each local midnight before it (a day is 23 or 25 hours across a clock change).
 */
export function dayEnds(now: Date, days = SPARKLINE_DAYS, timezone = "UTC"): Date[] {
  const ends = [now];
  while (ends.length < days) ends.push(startOfShopDay(new Date(ends[ends.length - 1].getTime() - 1), timezone));
  return ends;
}

interface TransitionCount {
  ruleId: string;
  bucket: number | bigint;
  direction: string;
  count: number | bigint;
}

/**
 * Sizes at each day's end from the size now, walking back: a transition after an end is undone
 * (an entry taken off, an exit put back). `counts` are per bucket, bucket k holding the
 * transitions between ends[k + 1] and ends[k].
 */
export function sparklineFrom(sizeNow: number, counts: readonly { bucket: number; entered: number; exited: number }[], days = SPARKLINE_DAYS): number[] {
  const net = new Array<number>(days).fill(0);
  for (const count of counts) if (count.bucket >= 0 && count.bucket < days) net[count.bucket] += count.entered - count.exited;
  const sizes: number[] = [];
  let size = sizeNow;
  for (let index = 0; index < days; index += 1) {
    sizes.push(size);
    size -= net[index];
  }
  return sizes.reverse();
}

/** Each rule's transitions since the oldest day's end, counted per day and direction: one query. */
async function transitionBuckets(db: Db, shopId: string, ends: Date[]): Promise<TransitionCount[]> {
  // Bucket k: after ends[k + 1]; the first end that is still later than the transition names it.
  const cases = Prisma.join(
    ends.slice(1).map((end, index) => Prisma.sql`WHEN t."occurredAt" > ${sqlTime(db, end)} THEN ${index}`),
    " ",
  );
  return db.$queryRaw<TransitionCount[]>`
    SELECT b."ruleId", b."bucket", b."direction", COUNT(*) AS "count" FROM (
      SELECT t."ruleId", t."direction", CASE ${cases} END AS "bucket" FROM "CohortTransition" t
      WHERE t."shopId" = ${shopId} AND t."occurredAt" > ${sqlTime(db, ends[ends.length - 1])}
    ) b GROUP BY b."ruleId", b."bucket", b."direction"`;
}

type DayCounts = { bucket: number; entered: number; exited: number };

/** Each rule's transitions per bucket and direction, from the rows of `transitionBuckets`. */
function perRule(rows: readonly TransitionCount[]): Map<string, DayCounts[]> {
  const byRule = new Map<string, Map<number, DayCounts>>();
  for (const row of rows) {
    if (row.bucket === null) continue;
    const bucket = Number(row.bucket);
    const buckets = byRule.get(row.ruleId) ?? new Map<number, DayCounts>();
    const entry = buckets.get(bucket) ?? { bucket, entered: 0, exited: 0 };
    if (row.direction === "in") entry.entered += Number(row.count);
    else entry.exited += Number(row.count);
    buckets.set(bucket, entry);
    byRule.set(row.ruleId, buckets);
  }
  return new Map([...byRule].map(([ruleId, buckets]) => [ruleId, [...buckets.values()]]));
}

/**
 * The sparklines' transition counts per rule and day: stored on the rule's RuleTagCount row
 * (`chart`) under `chartKey`, the tag counts' fingerprint with the shop's past day ends. A
 * transition is stamped when it is written and only deletion (redaction, a rule deleted) takes
 * one away, both of which move the fingerprint's transition count and latest time; the day ends
 * fix the buckets. So while the key matches, the stored counts are the live ones, today's
 * bucket included; otherwise they are counted (after the fingerprint was read: a transition
 * written meanwhile makes the next key differ) and stored.
 */
async function chartCounts(db: Database, shopId: string, ruleIds: readonly string[], ends: Date[], fingerprint: string): Promise<Map<string, DayCounts[]>> {
  const chartKey = createHash("sha256")
    .update(JSON.stringify([fingerprint, ends.slice(1).map((end) => end.getTime())]))
    .digest("hex");
  const stored = await db.ruleTagCount.findMany({ where: { shopId, ruleId: { in: [...ruleIds] } }, select: { ruleId: true, chartKey: true, chart: true } });
  if (stored.length === ruleIds.length && stored.every((row) => row.chartKey === chartKey && row.chart !== null)) {
    return new Map(stored.map((row) => [row.ruleId, (JSON.parse(row.chart!) as [number, number, number][]).map(([bucket, entered, exited]) => ({ bucket, entered, exited }))]));
  }
  const counted = perRule(await transitionBuckets(db, shopId, ends));
  const chart = (ruleId: string) => JSON.stringify((counted.get(ruleId) ?? []).map((day) => [day.bucket, day.entered, day.exited]));
  // A rule without a row (its tag counts not stored yet) is counted again on the next load.
  await db.$transaction(ruleIds.map((ruleId) => db.ruleTagCount.updateMany({ where: { ruleId, shopId }, data: { chartKey, chart: chart(ruleId) } })));
  return counted;
}

/** The shop's cohorts for the list page, oldest first. */
export async function listCohorts(db: Database, shop: ShopRef, now: Date): Promise<CohortListRow[]> {
  const rules = await db.cohortRule.findMany({ where: { shopId: shop.id }, orderBy: { createdAt: "asc" } });
  if (rules.length === 0) return [];
  const counts = await db.cohortMembership.groupBy({ by: ["ruleId"], where: { shopId: shop.id }, _count: { _all: true, memberId: true } });
  const tagCounts = await cohortTagCounts(db, shop, now, { memberships: new Map(counts.map((row) => [row.ruleId, row._count.memberId])) });
  const charts = await chartCounts(db, shop.id, rules.map((rule) => rule.id), dayEnds(now, SPARKLINE_DAYS, shop.timezone), tagCounts.fingerprint);
  const tagsOf = new Map(tagCounts.rows.map((row) => [row.ruleId, { applied: row.applied, pending: row.pending, failed: row.failed }]));
  const tagsAsOf = tagCounts.asOf?.toISOString() ?? null;
  const sizes = new Map(counts.map((row) => [row.ruleId, { all: row._count._all, members: row._count.memberId }]));
  const prefix = parseShopSettings(shop.settings).cohortTagPrefix;
  return rules.map((rule) => {
    const size = sizes.get(rule.id) ?? { all: 0, members: 0 };
    const params = storedParams(rule);
    return {
      id: rule.id,
      key: rule.key,
      template: rule.template,
      title: isTemplateKey(rule.template) ? TEMPLATES[rule.template].title : rule.template,
      tag: cohortTag(prefix, rule.key),
      enabled: rule.enabled,
      members: size.members,
      visitors: size.all - size.members,
      summary: params ? paramsSummary(params, shop.currency) : "Settings this version of Roost cannot read",
      sparkline: sparklineFrom(size.all, charts.get(rule.id) ?? []),
      tags: tagsOf.get(rule.id) ?? { applied: 0, pending: 0, failed: 0 },
      tagsAsOf,
    };
  });
}

/** A rule's parameters in a line of words. */
export function paramsSummary(params: RuleParams, currency: string): string {
  switch (params.template) {
    case "cart-abandoned-low-stock":
      return `Low-stock add to cart with no checkout within ${plural(params.hours, "hour")}, in the last ${plural(params.lookbackDays, "day")}`;
    case "vip-scarcity-shopper":
      return `Bought within ${plural(params.hours, "hour")} of a low-stock view, in the last ${plural(params.days, "day")}`;
    case "first-purchase":
      return `One paid order, placed in the last ${plural(params.days, "day")}`;
    case "repeat-purchaser":
      return `At least ${plural(params.minOrders, "paid order")}`;
    case "high-value":
      return `Spent at least ${formatMinorUnits(params.minSpend, currencyExponent(currency))} ${currency} in the last ${plural(params.days, "day")}`;
    case "lapsed":
      return `No paid order for ${plural(params.days, "day")}`;
    case "tier":
      return `In the ${params.tier} tier`;
    case "points-balance":
      return `At least ${plural(params.minPoints, "point")}`;
  }
}

// ------------------------------------------------------------------- labels for "why"

export interface Labels {
  variants: Record<string, string>;
  orders: Record<string, string>;
}

/** Variant titles ("Merino Beanie — Oat") and order names ("#1001") from the mirror. */
export async function mirrorLabels(db: Database, shopId: string, variantGids: Iterable<string | null>, orderGids: Iterable<string | null>): Promise<Labels> {
  const variantList = [...new Set([...variantGids].filter((gid): gid is string => !!gid))];
  const orderList = [...new Set([...orderGids].filter((gid): gid is string => !!gid))];
  const [variants, orders] = await Promise.all([
    variantList.length ? db.variant.findMany({ where: { shopId, gid: { in: variantList } }, select: { gid: true, title: true, productGid: true } }) : [],
    orderList.length ? db.order.findMany({ where: { shopId, gid: { in: orderList } }, select: { gid: true, name: true } }) : [],
  ]);
  const productGids = [...new Set(variants.map((variant) => variant.productGid))];
  const products = productGids.length ? await db.product.findMany({ where: { shopId, gid: { in: productGids } }, select: { gid: true, title: true } }) : [];
  const productTitles = new Map(products.map((product) => [product.gid, product.title]));
  const variantTitle = (variant: (typeof variants)[number]) => {
    const product = productTitles.get(variant.productGid);
    const own = variant.title && variant.title !== "Default Title" ? variant.title : null;
    return [product, own].filter(Boolean).join(" — ") || "a product no longer in the catalogue";
  };
  return {
    variants: Object.fromEntries(variants.map((variant) => [variant.gid, variantTitle(variant)])),
    orders: Object.fromEntries(orders.flatMap((order) => (order.name ? [[order.gid, order.name]] : []))),
  };
}

/** The labels `whySentences` takes; an id the mirror does not know is "an item" / "an order", never a GID. */
export function whyLabels(labels: Labels, currency: string): WhyLabels {
  return {
    variant: (gid) => labels.variants[gid] ?? "an item",
    order: (gid) => labels.orders[gid] ?? "an order",
    currency,
  };
}

/** The why sentences, the storefront event's id last (support traces it in `roost visitors:show`). */
function merchantWhy(params: RuleParams, facts: MembershipFacts, labels: WhyLabels): string[] {
  return whySentences(params, facts, labels);
}

// ------------------------------------------------------------------- a shopper in a list

export interface ShopperRow {
  subjectKey: string;
  kind: "member" | "visitor";
  memberId: string | null;
  /** A member's name or email, or "Visitor 1a2b3c4d". */
  name: string;
  email: string | null;
  enteredAt: string | null;
  why: string[];
}

/** "Visitor 1a2b3c4d": the start of a visitor's clientId, enough to tell two apart. */
export const visitorLabel = (clientId: string | null) => `Visitor ${(clientId ?? "").replace(/^demo-visitor-/, "").slice(0, 8) || "unknown"}`;

function shopperName(member: { firstName: string | null; lastName: string | null; email: string | null } | undefined, clientId: string | null): string {
  if (!member) return visitorLabel(clientId);
  return memberName(member) ?? member.email ?? "Member";
}

export interface RulePage {
  rule: { id: string; key: string; template: string; title: string; description: string; tag: string; enabled: boolean; size: number; lastEvaluatedAt: string | null };
  params: RuleParams | null;
  members: ShopperRow[];
}

/** A rule with its latest 50 entries (members and visitors), each with its why. */
export async function cohortRulePage(db: Database, shop: ShopRef, ruleId: string, limit = 50): Promise<RulePage | null> {
  const rule = await db.cohortRule.findFirst({ where: { id: ruleId, shopId: shop.id } });
  if (!rule) return null;
  const params = storedParams(rule);
  const rows = await cohortMembers(db, shop.id, rule.id, { limit });
  const size = await db.cohortMembership.count({ where: { shopId: shop.id, ruleId: rule.id } });
  const labels = whyLabels(await mirrorLabels(db, shop.id, rows.map((row) => row.variantGid), rows.map((row) => row.orderGid)), shop.currency);
  const template = isTemplateKey(rule.template) ? TEMPLATES[rule.template] : null;
  return {
    rule: {
      id: rule.id,
      key: rule.key,
      template: rule.template,
      title: template?.title ?? rule.template,
      description: template?.description ?? "",
      tag: cohortTag(parseShopSettings(shop.settings).cohortTagPrefix, rule.key),
      enabled: rule.enabled,
      size,
      lastEvaluatedAt: rule.lastEvaluatedAt?.toISOString() ?? null,
    },
    params,
    members: rows.map((row: CohortMemberRow) => ({
      subjectKey: row.subjectKey,
      kind: row.kind,
      memberId: row.memberId,
      name: row.kind === "member" ? (memberName(row) ?? row.email ?? "Member") : visitorLabel(row.clientId),
      email: row.email,
      enteredAt: row.enteredAt.toISOString(),
      why: params ? merchantWhy(params, row, labels) : [],
    })),
  };
}

export interface PreviewView {
  members: number;
  visitors: number;
  sample: ShopperRow[];
}

/** Who the parameters match now, with a sample of ten named and explained. */
export async function previewCohort(db: Database, shop: ShopRef, params: RuleParams, now: Date): Promise<PreviewView> {
  const preview = await previewMatches(db, shop.id, params, now);
  const memberIds = preview.sample.flatMap((row) => (row.memberId ? [row.memberId] : []));
  const members = memberIds.length
    ? await db.member.findMany({ where: { shopId: shop.id, id: { in: memberIds } }, select: { id: true, email: true, firstName: true, lastName: true } })
    : [];
  const byId = new Map(members.map((member) => [member.id, member]));
  const labels = whyLabels(await mirrorLabels(db, shop.id, preview.sample.map((row) => row.variantGid), preview.sample.map((row) => row.orderGid)), shop.currency);
  return {
    members: preview.members,
    visitors: preview.visitors,
    sample: preview.sample.map((row: MatchRow) => {
      const member = row.memberId ? byId.get(row.memberId) : undefined;
      return {
        subjectKey: row.subjectKey,
        kind: row.memberId ? "member" : "visitor",
        memberId: row.memberId,
        name: shopperName(member, row.clientId),
        email: member?.email ?? null,
        enteredAt: null,
        why: merchantWhy(params, { ...row, enteredAt: now }, labels),
      };
    }),
  };
}

export interface MemberCohortView {
  ruleId: string;
  key: string;
  title: string;
  tag: string;
  enteredAt: string;
  why: string[];
}

/**
 * A member's cohorts now, with why, and the titles of the variants their timeline's abandoned
 * carts name (`timelineVariants`), so the page shows neither as GIDs.
 */
export async function memberCohortsView(db: Database, shop: ShopRef, memberId: string, timelineVariants: readonly string[] = []): Promise<{ cohorts: MemberCohortView[]; variantNames: Record<string, string> }> {
  const cohorts = await memberCohorts(db, shop.id, memberId);
  const labels = await mirrorLabels(db, shop.id, [...cohorts.map((cohort) => cohort.facts.variantGid), ...timelineVariants], cohorts.map((cohort) => cohort.facts.orderGid));
  const why = whyLabels(labels, shop.currency);
  const prefix = parseShopSettings(shop.settings).cohortTagPrefix;
  return {
    cohorts: cohorts.map((cohort) => ({
      ruleId: cohort.rule.id,
      key: cohort.rule.key,
      title: isTemplateKey(cohort.rule.template) ? TEMPLATES[cohort.rule.template].title : cohort.rule.key,
      tag: cohortTag(prefix, cohort.rule.key),
      enteredAt: cohort.facts.enteredAt.toISOString(),
      why: cohort.params ? merchantWhy(cohort.params, cohort.facts, why) : [],
    })),
    variantNames: labels.variants,
  };
}
