import { parseShopSettings } from "../program/settings";
import { type Database, isSqlite } from "../../db.server";

export const MEMBERS_PER_PAGE = 25;

/** Longest query, and most words, a search looks at. */
const MAX_QUERY = 200;
const MAX_TERMS = 6;

const CUSTOMER_GID = /^gid:\/\/shopify\/Customer\/\d+$/i;
const NUMERIC_ID = /^\d+$/;

export interface MemberListItem {
  id: string;
  email: string | null;
  name: string | null;
  customerGid: string | null;
  externalId: string | null;
  tier: string;
  balance: number;
  /** When their latest paid order was processed (ISO), or null before their first. */
  lastOrderAt: string | null;
  redacted: boolean;
}

/**
 * The list's orders; "newest" is the default. Tier order is the program's, lowest first for
 * "tier-asc". By last order, members without one come last either way.
 */
export const MEMBER_SORTS = ["newest", "balance-desc", "balance-asc", "tier-desc", "tier-asc", "last-order-desc", "last-order-asc"] as const;
export type MemberSort = (typeof MEMBER_SORTS)[number];

export interface MemberFilterOptions {
  tiers: string[];
  cohorts: { key: string; label: string }[];
}

export interface MemberSearch {
  query: string;
  sort: MemberSort;
  /** The tier and cohort (rule key) the list is filtered by, once known to the shop. */
  tier: string | null;
  cohort: string | null;
  /** What the merchant asked for that the shop does not have, in a sentence each. */
  ignored: string[];
  options: MemberFilterOptions;
  page: number;
  perPage: number;
  total: number;
  pageCount: number;
  hasPrevious: boolean;
  hasNext: boolean;
  members: MemberListItem[];
}

export function memberName(member: { firstName: string | null; lastName: string | null }): string | null {
  const name = [member.firstName, member.lastName].filter(Boolean).join(" ").trim();
  return name || null;
}

// LIKE patterns: the merchant's text is matched literally, never as a wildcard.
const likePattern = (term: string) => `%${term.replace(/[\\%_]/g, "\\$&")}%`;

interface Match {
  /** One LIKE pattern per word (at most MAX_TERMS), matched against email and names; none for a GID, which matches exactly only. */
  patterns: string[];
  customerGid: string | null;
  externalId: string | null;
}

/**
 * What a merchant's query means: a customer GID or a numeric customer id matches that customer
 * (and an external id, exactly); any other text matches when every word appears in the email,
 * first name or last name, case-insensitively.
 */
function parseQuery(query: string): Match {
  if (CUSTOMER_GID.test(query)) {
    return { patterns: [], customerGid: `gid://shopify/Customer/${query.slice(query.lastIndexOf("/") + 1)}`, externalId: query };
  }
  const patterns = query.toLowerCase().split(/\s+/).filter(Boolean).slice(0, MAX_TERMS).map(likePattern);
  return { patterns, customerGid: NUMERIC_ID.test(query) ? `gid://shopify/Customer/${query}` : null, externalId: query || null };
}

/**
 * One page of matching member ids with the total. One static statement in SQL that SQLite and
 * PostgreSQL both run (LOWER, LIKE … ESCAPE, a window COUNT): Prisma's case-insensitive
 * `mode` exists only for PostgreSQL, and composed Prisma.sql fragments are tied to one
 * generated client. The email and names are joined by spaces, and words have none, so each
 * word still has to match within one of them.
 */
async function matchingPage(db: Database, shopId: string, match: Match, limit: number, offset: number) {
  // The statement has MAX_TERMS slots: the words fill the first, "%" (matches anything) the rest.
  const [p1, p2, p3, p4, p5, p6] = [...match.patterns, ...Array.from({ length: MAX_TERMS }, () => "%")];
  const words = match.patterns.length > 0 ? 1 : 0;
  const rows = await db.$queryRaw<{ id: string; total: bigint | number }[]>`
    SELECT "id", COUNT(*) OVER () AS "total"
    FROM (
      SELECT "id", "createdAt", "customerGid", "externalId",
        LOWER(COALESCE("email", '') || ' ' || COALESCE("firstName", '') || ' ' || COALESCE("lastName", '')) AS "haystack"
      FROM "Member"
      WHERE "shopId" = ${shopId}
    ) AS "candidates"
    WHERE "customerGid" = ${match.customerGid}
      OR "externalId" = ${match.externalId}
      OR (${words} = 1
        AND "haystack" LIKE ${p1} ESCAPE '\\' AND "haystack" LIKE ${p2} ESCAPE '\\' AND "haystack" LIKE ${p3} ESCAPE '\\'
        AND "haystack" LIKE ${p4} ESCAPE '\\' AND "haystack" LIKE ${p5} ESCAPE '\\' AND "haystack" LIKE ${p6} ESCAPE '\\')
    ORDER BY "createdAt" DESC, "id" ASC
    LIMIT ${limit} OFFSET ${offset}`;
  return { ids: rows.map((row) => row.id), total: rows.length ? Number(rows[0].total) : null };
}

/**
 * The unfiltered list (every member matches): the page through the (shopId, createdAt) index and
 * an index-only count, instead of matchingPage's window count over every member.
 */
async function newestPage(db: Database, shopId: string, limit: number, offset: number) {
  const [rows, total] = await Promise.all([
    db.member.findMany({ where: { shopId }, orderBy: [{ createdAt: "desc" }, { id: "asc" }], skip: offset, take: limit, select: { id: true } }),
    db.member.count({ where: { shopId } }),
  ]);
  return { ids: rows.map((row) => row.id), total: rows.length ? total : null };
}

interface Filter {
  tier: string | null;
  ruleId: string | null;
}

const ORDER_BY: Record<Exclude<MemberSort, "tier-desc" | "tier-asc">, string> = {
  newest: `"createdAt" DESC, "id" ASC`,
  "balance-desc": `"balance" DESC, "id" ASC`,
  "balance-asc": `"balance" ASC, "id" ASC`,
  // SQLite and PostgreSQL put NULLs at opposite ends by default: say where.
  "last-order-desc": `"lastOrderAt" DESC NULLS LAST, "id" ASC`,
  "last-order-asc": `"lastOrderAt" ASC NULLS LAST, "id" ASC`,
};

/**
 * One page of filtered (and, with a query, matching) member ids with the total. The ORDER BY is
 * one of a fixed set and every value is a bound parameter. Sorts by balance walk the
 * (shopId, balance) or (shopId, tier, balance) index, by last order the (shopId, lastOrderAt)
 * one; a tier sort ranks the program's tiers (at most a handful) and sorts by balance within each.
 */
async function filteredPage(db: Database, shopId: string, match: Match | null, filter: Filter, sort: MemberSort, tiers: string[], limit: number, offset: number) {
  const pg = !isSqlite(db);
  const values: unknown[] = [];
  const param = (value: unknown) => {
    values.push(value);
    return pg ? `$${values.length}` : "?";
  };
  const where = [`"shopId" = ${param(shopId)}`];
  if (filter.tier !== null) where.push(`"tier" = ${param(filter.tier)}`);
  if (filter.ruleId !== null) {
    // The cohort's members from its (shopId, ruleId, memberId) index, each member then found by id:
    // the planner walks the cohort, not every member of the shop with a lookup each.
    where.push(`"id" IN (SELECT "cm"."memberId" FROM "CohortMembership" AS "cm" WHERE "cm"."shopId" = ${param(shopId)} AND "cm"."ruleId" = ${param(filter.ruleId)})`);
  }
  if (match) {
    const haystack = `LOWER(COALESCE("email", '') || ' ' || COALESCE("firstName", '') || ' ' || COALESCE("lastName", ''))`;
    // Placeholders are numbered in the order they are made: the same order as in the text.
    const ids = `"customerGid" = ${param(match.customerGid)} OR "externalId" = ${param(match.externalId)}`;
    // One LIKE a word: each lowers and joins the row's text again.
    const words = match.patterns.length > 0 ? match.patterns.map((pattern) => `${haystack} LIKE ${param(pattern)} ESCAPE '\\'`).join(" AND ") : "1 = 0";
    where.push(`(${ids} OR (${words}))`);
  }
  const condition = where.join(" AND ");
  const conditionValues = values.slice();
  let orderBy: string;
  if (sort === "tier-desc" || sort === "tier-asc") {
    const rank = `CASE "tier" ${tiers.map((tier, index) => `WHEN ${param(tier)} THEN ${index}`).join(" ")} ELSE -1 END`;
    const direction = sort === "tier-desc" ? "DESC" : "ASC";
    orderBy = `${rank} ${direction}, "balance" ${direction}, "id" ASC`;
  } else orderBy = ORDER_BY[sort];
  if (match) {
    // A search reads every candidate's text whatever the order, so the count rides on the same
    // pass (a window count) instead of a second statement reading them all again.
    const searched = `SELECT "id", COUNT(*) OVER () AS "total" FROM "Member" WHERE ${condition} ORDER BY ${orderBy} LIMIT ${param(limit)} OFFSET ${param(offset)}`;
    const rows = await db.$queryRawUnsafe<{ id: string; total: bigint | number }[]>(searched, ...values);
    return { ids: rows.map((row) => row.id), total: rows.length ? Number(rows[0].total) : null };
  }
  // Without one, a sort can stop at the page along its index while the count stays index-only.
  const page = `SELECT "id" FROM "Member" WHERE ${condition} ORDER BY ${orderBy} LIMIT ${param(limit)} OFFSET ${param(offset)}`;
  const [rows, counted] = await Promise.all([
    db.$queryRawUnsafe<{ id: string }[]>(page, ...values),
    db.$queryRawUnsafe<{ total: bigint | number }[]>(`SELECT COUNT(*) AS "total" FROM "Member" WHERE ${condition}`, ...conditionValues),
  ]);
  return { ids: rows.map((row) => row.id), total: rows.length ? Number(counted[0]?.total ?? 0) : null };
}

/** The shop's tiers (the program's order) and cohorts, for the filters. */
async function filterOptions(db: Database, shopId: string): Promise<MemberFilterOptions & { ruleIds: Map<string, string> }> {
  const [shop, rules] = await Promise.all([
    db.shop.findUnique({ where: { id: shopId }, select: { settings: true } }),
    db.cohortRule.findMany({ where: { shopId }, select: { id: true, key: true }, orderBy: { key: "asc" } }),
  ]);
  const tiers = shop ? parseShopSettings(shop.settings).program.tiers.map((tier) => tier.name) : [];
  return { tiers, cohorts: rules.map((rule) => ({ key: rule.key, label: rule.key })), ruleIds: new Map(rules.map((rule) => [rule.key, rule.id])) };
}

/**
 * One page of the shop's members matching the query (email, name, customer id or GID), in the
 * tier and cohort asked for, in the order asked for (newest first by default). A sort, tier or
 * cohort the shop does not know is ignored and said so in `ignored`.
 */
export async function searchMembers(
  db: Database,
  shopId: string,
  input: { query?: string | null; page?: number | null; sort?: string | null; tier?: string | null; cohort?: string | null },
  perPage = MEMBERS_PER_PAGE,
): Promise<MemberSearch> {
  const query = (input.query ?? "").trim().slice(0, MAX_QUERY);
  const match = parseQuery(query);
  const { ruleIds, ...options } = await filterOptions(db, shopId);
  const ignored: string[] = [];
  let sort: MemberSort = "newest";
  if (input.sort) {
    if ((MEMBER_SORTS as readonly string[]).includes(input.sort)) sort = input.sort as MemberSort;
    else ignored.push(`There is no sort "${input.sort.slice(0, 40)}": the list is newest first.`);
  }
  let tier: string | null = null;
  if (input.tier) {
    if (options.tiers.includes(input.tier)) tier = input.tier;
    else ignored.push(`There is no tier "${input.tier.slice(0, 40)}": showing every tier.`);
  }
  let cohort: string | null = null;
  if (input.cohort) {
    if (ruleIds.has(input.cohort)) cohort = input.cohort;
    else ignored.push(`There is no cohort "${input.cohort.slice(0, 40)}": showing every member.`);
  }
  const filter: Filter = { tier, ruleId: cohort ? (ruleIds.get(cohort) ?? null) : null };
  const plain = sort === "newest" && tier === null && cohort === null;
  let page = Math.max(1, Math.floor(input.page ?? 1) || 1);
  // Without a query, sort or filter every member matches: the index's order and count, not the search's.
  const pageOf = (limit: number, offset: number) =>
    plain
      ? query
        ? matchingPage(db, shopId, match, limit, offset)
        : newestPage(db, shopId, limit, offset)
      : filteredPage(db, shopId, query ? match : null, filter, sort, options.tiers, limit, offset);
  let { ids, total } = await pageOf(perPage, (page - 1) * perPage);
  if (total === null && page > 1) {
    // Past the end (a stale link): count from the first page and show the last one.
    total = (await pageOf(1, 0)).total ?? 0;
    page = Math.max(1, Math.ceil(total / perPage));
    if (total > 0) ({ ids } = await pageOf(perPage, (page - 1) * perPage));
  }
  total ??= 0;
  const pageCount = Math.max(1, Math.ceil(total / perPage));
  const rows = ids.length ? await db.member.findMany({ where: { shopId, id: { in: ids } } }) : [];
  const byId = new Map(rows.map((row) => [row.id, row]));
  const members = ids.flatMap((id) => {
    const row = byId.get(id);
    if (!row) return [];
    return [{
      id: row.id,
      email: row.email,
      name: memberName(row),
      customerGid: row.customerGid,
      externalId: row.externalId,
      tier: row.tier,
      balance: row.balance,
      lastOrderAt: row.lastOrderAt?.toISOString() ?? null,
      redacted: !!row.redactedAt,
    }];
  });
  return { query, sort, tier, cohort, ignored, options, page, perPage, total, pageCount, hasPrevious: page > 1, hasNext: page < pageCount, members };
}
