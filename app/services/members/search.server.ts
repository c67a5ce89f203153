import type { Database } from "../../db.server";

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
  redacted: boolean;
}

export interface MemberSearch {
  query: string;
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
  /** 1 when the words are matched against email and names; 0 for a GID, which matches exactly only. */
  words: number;
  /** One LIKE pattern per word, padded with "%" (matches anything) to MAX_TERMS. */
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
  const patterns = Array.from({ length: MAX_TERMS }, () => "%");
  if (CUSTOMER_GID.test(query)) {
    return { words: 0, patterns, customerGid: `gid://shopify/Customer/${query.slice(query.lastIndexOf("/") + 1)}`, externalId: query };
  }
  query
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, MAX_TERMS)
    .forEach((term, index) => (patterns[index] = likePattern(term)));
  return { words: 1, patterns, customerGid: NUMERIC_ID.test(query) ? `gid://shopify/Customer/${query}` : null, externalId: query || null };
}

/**
 * One page of matching member ids with the total. One static statement in SQL that SQLite and
 * PostgreSQL both run (LOWER, LIKE … ESCAPE, a window COUNT): Prisma's case-insensitive
 * `mode` exists only for PostgreSQL, and composed Prisma.sql fragments are tied to one
 * generated client. The email and names are joined by spaces, and words have none, so each
 * word still has to match within one of them.
 */
async function matchingPage(db: Database, shopId: string, match: Match, limit: number, offset: number) {
  const [p1, p2, p3, p4, p5, p6] = match.patterns;
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
      OR (${match.words} = 1
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

/** One page of the shop's members matching the query (email, name, customer id or GID), newest first. */
export async function searchMembers(
  db: Database,
  shopId: string,
  input: { query?: string | null; page?: number | null },
  perPage = MEMBERS_PER_PAGE,
): Promise<MemberSearch> {
  const query = (input.query ?? "").trim().slice(0, MAX_QUERY);
  const match = parseQuery(query);
  let page = Math.max(1, Math.floor(input.page ?? 1) || 1);
  // Without a query every member matches: the index's order and count, not the search's.
  const pageOf = (limit: number, offset: number) => (query ? matchingPage(db, shopId, match, limit, offset) : newestPage(db, shopId, limit, offset));
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
      redacted: !!row.redactedAt,
    }];
  });
  return { query, page, perPage, total, pageCount, hasPrevious: page > 1, hasNext: page < pageCount, members };
}
