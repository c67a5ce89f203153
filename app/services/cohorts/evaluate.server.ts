import { randomUUID } from "node:crypto";
import type { CohortRule } from "@prisma/client";
import { Prisma } from "@prisma/client";
import { type Database, type Db, inTransaction, isSqlite, sqlTime } from "../../db.server";
import type { Clock } from "../../lib/clock";
import { parseShopSettings } from "../program/settings";
import { TAGS_QUEUE } from "./outbox";
import { storedParams } from "./rules-store";
import type { RuleParams } from "./templates";
import type { MembershipFacts } from "./why";

// Cohort evaluation, set-based: each template is one SQL query that gives the shoppers matching
// it now, one row each with the stored facts that put them there (the event, the stock then, the
// order, a count or an amount). Against the memberships held, that gives the entries and exits,
// which are written as transitions; the memberships, the members' journey events and the tag
// operations (the outbox) follow from the transitions in the same transaction. A whole shop is
// evaluated rule by rule (the periodic sweep); a signal's members and visitors all rules at once.
//
// A shopper is a member (`m:<memberId>`) or a visitor not linked to one (`v:<clientId>`): a
// visitor's events belong to the member once a signed checkout links its clientId
// (identity/visitors.server.ts), so its memberships move — the visitor leaves ("linked") and the
// member enters with the same facts.

export interface CohortDeps {
  db: Database;
  clock: Clock;
}

/** The shop as evaluation reads it: its settings hold the tag prefix. */
export interface CohortShop {
  id: string;
  settings: string;
}

/** Members and visitors a signal touched; evaluation looks at them and at whoever they are linked to. */
export interface CohortScope {
  memberIds?: readonly string[];
  clientIds?: readonly string[];
}

export interface RuleOutcome {
  ruleId: string;
  key: string;
  entered: number;
  exited: number;
}

export interface EvaluationSummary {
  entered: number;
  exited: number;
  rules: RuleOutcome[];
}

/** Paid orders count as purchases; cancelled, deleted and test orders do not. */
const PURCHASE = (alias: string) =>
  Prisma.raw(`${alias}."cancelledAt" IS NULL AND ${alias}."deletedAt" IS NULL AND ${alias}."test" = false AND ${alias}."financialStatus" IN ('paid', 'partially_paid', 'partially_refunded')`);

/** A subject's key from a (possibly) linked member and a clientId. */
const SUBJECT = Prisma.raw(`CASE WHEN m."id" IS NULL THEN 'v:' || e."clientId" ELSE 'm:' || m."id" END`);
/** An event's shopper: the member its clientId is linked to, if any. */
const EVENT_SHOPPER = Prisma.raw(`
  LEFT JOIN "VisitorLink" l ON l."shopId" = e."shopId" AND l."clientId" = e."clientId"
  LEFT JOIN "Member" m ON m."shopId" = l."shopId" AND m."customerGid" = l."customerGid" AND m."redactedAt" IS NULL`);

const NULL_TEXT = Prisma.raw("CAST(NULL AS TEXT)");
const NULL_INT = Prisma.raw("CAST(NULL AS INTEGER)");
const NULL_TIME = (db: Db) => Prisma.raw(isSqlite(db) ? "CAST(NULL AS TEXT)" : "CAST(NULL AS TIMESTAMP(3))");

/** `later` falls in the `hours` after `earlier` (hours: a validated integer). */
function withinHoursAfter(db: Db, later: string, earlier: string, hours: number): Prisma.Sql {
  const h = Math.trunc(hours);
  return isSqlite(db)
    ? // julianday is a double (about 50 µs resolution now): compare whole milliseconds.
      Prisma.raw(`${later} > ${earlier} AND round((julianday(${later}) - julianday(${earlier})) * 86400000) <= ${h * 3_600_000}`)
    : Prisma.raw(`${later} > ${earlier} AND ${later} <= ${earlier} + INTERVAL '${h} hours'`);
}

/** A fresh id per row, in SQL. */
const uuid = (db: Db) => Prisma.raw(isSqlite(db) ? "lower(hex(randomblob(16)))" : "gen_random_uuid()::text");

/**
 * A column SQLite's planner must not pick an index for (its unary plus), where it would otherwise
 * take the wrong one of two equally good-looking indexes: without statistics it cannot tell that
 * one visitor's events are a handful and one event name's are millions.
 */
const unindexed = (db: Db, column: string) => (isSqlite(db) ? `+${column}` : column);

const inList = (column: string, values: readonly string[]) => Prisma.sql`${Prisma.raw(column)} IN (${Prisma.join(values)})`;

/** The scope resolved both ways: members and their linked visitors, visitors and their members. */
interface ResolvedScope {
  memberIds: string[];
  clientIds: string[];
  subjectKeys: string[];
}

const hoursAgo = (now: Date, hours: number) => new Date(now.getTime() - hours * 3_600_000);
const daysAgo = (now: Date, days: number) => hoursAgo(now, days * 24);

/**
 * The shoppers a rule matches now, one row each: subjectKey, memberId, clientId (visitors only),
 * and the facts — eventId, eventAt, variantGid, stock, orderGid, value.
 */
export function matchQuery(db: Db, shopId: string, params: RuleParams, now: Date, scope: ResolvedScope | null): Prisma.Sql {
  // Scoped, the events are the visitors' own (by clientId), not every event of that name.
  const eventName = Prisma.raw(scope ? unindexed(db, `e."name"`) : `e."name"`);
  const cName = Prisma.raw(unindexed(db, `c."name"`));
  const orderAt = unindexed(db, `o."processedAt"`);
  const eventScope = scope ? Prisma.sql`AND ${scope.clientIds.length ? inList(`e."clientId"`, scope.clientIds) : Prisma.raw("1 = 0")}` : Prisma.empty;
  const memberScope = scope ? Prisma.sql`AND ${scope.memberIds.length ? inList(`m."id"`, scope.memberIds) : Prisma.raw("1 = 0")}` : Prisma.empty;
  switch (params.template) {
    case "cart-abandoned-low-stock": {
      // The latest low-stock add whose window has passed with no checkout completed in it and no
      // purchase of the variant since.
      const windowClosed = hoursAgo(now, params.hours);
      return Prisma.sql`
        SELECT x."subjectKey", x."memberId", x."clientId", x."eventId", x."eventAt", x."variantGid", x."stock", ${NULL_TEXT} AS "orderGid", ${NULL_INT} AS "value" FROM (
          SELECT ${SUBJECT} AS "subjectKey", m."id" AS "memberId", CASE WHEN m."id" IS NULL THEN e."clientId" END AS "clientId",
            e."eventId", e."occurredAt" AS "eventAt", e."variantGid", e."stockAtIngest" AS "stock",
            ROW_NUMBER() OVER (PARTITION BY ${SUBJECT} ORDER BY e."occurredAt" DESC, e."id") AS "rank"
          FROM "PixelEvent" e ${EVENT_SHOPPER}
          WHERE e."shopId" = ${shopId} AND ${eventName} = 'product_added_to_cart' AND e."lowStockAtIngest" = true AND e."variantGid" IS NOT NULL
            AND e."occurredAt" > ${daysAgo(now, params.lookbackDays)} AND e."occurredAt" <= ${windowClosed} ${eventScope}
            AND NOT EXISTS (SELECT 1 FROM "PixelEvent" c WHERE c."shopId" = e."shopId" AND c."clientId" = e."clientId" AND ${cName} = 'checkout_completed'
              AND ${withinHoursAfter(db, `c."occurredAt"`, `e."occurredAt"`, params.hours)})
            AND NOT EXISTS (SELECT 1 FROM "Order" o WHERE o."shopId" = e."shopId" AND o."customerGid" = l."customerGid" AND ${PURCHASE("o")}
              AND ${withinHoursAfter(db, orderAt, `e."occurredAt"`, params.hours)})
            AND NOT EXISTS (SELECT 1 FROM "Order" o JOIN "OrderLine" ol ON ol."orderId" = o."id"
              WHERE o."shopId" = e."shopId" AND o."customerGid" = l."customerGid" AND ${PURCHASE("o")} AND ${Prisma.raw(orderAt)} > e."occurredAt" AND ol."variantGid" = e."variantGid")
            AND NOT EXISTS (SELECT 1 FROM "PixelEvent" c JOIN "Order" o ON o."shopId" = c."shopId" AND o."gid" = c."orderGid" JOIN "OrderLine" ol ON ol."orderId" = o."id"
              WHERE c."shopId" = e."shopId" AND c."clientId" = e."clientId" AND ${cName} = 'checkout_completed' AND c."occurredAt" > e."occurredAt" AND ol."variantGid" = e."variantGid"
                AND ${PURCHASE("o")})
        ) x WHERE x."rank" = 1`;
    }
    case "vip-scarcity-shopper": {
      // The latest low-stock view followed, within the hours, by a purchase of that variant: the
      // member's order, or the order a checkout the visitor completed became.
      const since = daysAgo(now, params.days);
      return Prisma.sql`
        SELECT x."subjectKey", x."memberId", x."clientId", x."eventId", x."eventAt", x."variantGid", x."stock", x."orderGid", ${NULL_INT} AS "value" FROM (
          SELECT y.*, ROW_NUMBER() OVER (PARTITION BY y."subjectKey" ORDER BY y."eventAt" DESC, y."eventId") AS "rank" FROM (
            -- Materialized: the purchase lookups run once per view (inlined, the filter below
            -- and the selected column would each run them).
            WITH views AS MATERIALIZED (
            SELECT ${SUBJECT} AS "subjectKey", m."id" AS "memberId", CASE WHEN m."id" IS NULL THEN e."clientId" END AS "clientId",
              e."eventId", e."occurredAt" AS "eventAt", e."variantGid", e."stockAtIngest" AS "stock",
              COALESCE(
                (SELECT o."gid" FROM "Order" o JOIN "OrderLine" ol ON ol."orderId" = o."id"
                  WHERE o."shopId" = e."shopId" AND o."customerGid" = l."customerGid" AND ${PURCHASE("o")} AND ol."variantGid" = e."variantGid"
                    AND ${Prisma.raw(orderAt)} > ${since} AND ${withinHoursAfter(db, orderAt, `e."occurredAt"`, params.hours)}
                  ORDER BY ${Prisma.raw(orderAt)} LIMIT 1),
                (SELECT o."gid" FROM "PixelEvent" c JOIN "Order" o ON o."shopId" = c."shopId" AND o."gid" = c."orderGid" JOIN "OrderLine" ol ON ol."orderId" = o."id"
                  WHERE c."shopId" = e."shopId" AND c."clientId" = e."clientId" AND ${cName} = 'checkout_completed' AND ol."variantGid" = e."variantGid" AND ${PURCHASE("o")}
                    AND c."occurredAt" > ${since} AND ${withinHoursAfter(db, `c."occurredAt"`, `e."occurredAt"`, params.hours)}
                  ORDER BY c."occurredAt" LIMIT 1)) AS "orderGid"
            FROM "PixelEvent" e ${EVENT_SHOPPER}
            WHERE e."shopId" = ${shopId} AND ${eventName} = 'product_viewed' AND e."lowStockAtIngest" = true AND e."variantGid" IS NOT NULL
              AND e."occurredAt" > ${hoursAgo(since, params.hours)} ${eventScope}
            ) SELECT * FROM views
          ) y WHERE y."orderGid" IS NOT NULL
        ) x WHERE x."rank" = 1`;
    }
    case "first-purchase":
      return orderAggregate(shopId, scope, Prisma.empty, Prisma.sql`COUNT(*) = 1 AND MIN(o."processedAt") > ${daysAgo(now, params.days)}`, Prisma.raw(`MIN(o."processedAt")`), Prisma.raw("COUNT(*)"), true);
    case "repeat-purchaser":
      return orderAggregate(shopId, scope, Prisma.empty, Prisma.sql`COUNT(*) >= ${params.minOrders}`, Prisma.raw(`MAX(o."processedAt")`), Prisma.raw("COUNT(*)"), false);
    case "lapsed":
      return orderAggregate(shopId, scope, Prisma.empty, Prisma.sql`MAX(o."processedAt") <= ${daysAgo(now, params.days)}`, Prisma.raw(`MAX(o."processedAt")`), Prisma.raw("COUNT(*)"), false);
    case "high-value": {
      // The eligible amount net of the refunds applied to it, over the window. A whole shop's
      // refunds are summed per order once; a few members' are looked up per order.
      const refunds = scope
        ? Prisma.empty
        : Prisma.sql`LEFT JOIN (SELECT "orderGid", SUM("eligibleAmount") AS "refunded" FROM "Refund" WHERE "shopId" = ${shopId} AND "eligibleAmount" IS NOT NULL GROUP BY "orderGid") r ON r."orderGid" = o."gid"`;
      const refunded = scope
        ? `COALESCE((SELECT SUM(r."eligibleAmount") FROM "Refund" r WHERE r."shopId" = o."shopId" AND r."orderGid" = o."gid" AND r."eligibleAmount" IS NOT NULL), 0)`
        : `COALESCE(r."refunded", 0)`;
      const net = Prisma.raw(`SUM(o."eligibleAmount" - ${refunded})`);
      return orderAggregate(shopId, scope, Prisma.sql`AND o."processedAt" > ${daysAgo(now, params.days)}`, Prisma.sql`${net} >= ${params.minSpend}`, Prisma.raw(`MAX(o."processedAt")`), net, false, refunds);
    }
    case "tier":
      return memberQuery(db, shopId, memberScope, Prisma.sql`m."tier" = ${params.tier}`);
    case "points-balance":
      return memberQuery(db, shopId, memberScope, Prisma.sql`m."balance" >= ${params.minPoints}`);
  }
}

/**
 * A rule over each member's purchases: the orders grouped by customer first (one pass over the
 * shop's orders in customer order, on the (shopId, customerGid) index), then the groups joined to
 * their members. Scoped, only the scope's members' customers' orders are read.
 */
function orderAggregate(
  shopId: string,
  scope: ResolvedScope | null,
  where: Prisma.Sql,
  having: Prisma.Sql,
  at: Prisma.Sql,
  value: Prisma.Sql,
  withOrder: boolean,
  join: Prisma.Sql = Prisma.empty,
): Prisma.Sql {
  const customers = scope
    ? scope.memberIds.length
      ? Prisma.sql`AND o."customerGid" IN (SELECT s."customerGid" FROM "Member" s WHERE s."shopId" = ${shopId} AND ${inList(`s."id"`, scope.memberIds)})`
      : Prisma.raw("AND 1 = 0")
    : Prisma.empty;
  return Prisma.sql`
    SELECT 'm:' || m."id" AS "subjectKey", m."id" AS "memberId", ${NULL_TEXT} AS "clientId", ${NULL_TEXT} AS "eventId", g."at" AS "eventAt",
      ${NULL_TEXT} AS "variantGid", ${NULL_INT} AS "stock", g."orderGid" AS "orderGid", g."value" AS "value"
    FROM (
      SELECT o."customerGid", ${at} AS "at", ${withOrder ? Prisma.raw(`MIN(o."gid")`) : NULL_TEXT} AS "orderGid", ${value} AS "value"
      FROM "Order" o ${join}
      WHERE o."shopId" = ${shopId} AND o."customerGid" IS NOT NULL AND ${PURCHASE("o")} ${where} ${customers}
      GROUP BY o."customerGid" HAVING ${having}
    ) g
    JOIN "Member" m ON m."shopId" = ${shopId} AND m."customerGid" = g."customerGid" AND m."redactedAt" IS NULL`;
}

function memberQuery(db: Db, shopId: string, scope: Prisma.Sql, where: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`
    SELECT 'm:' || m."id" AS "subjectKey", m."id" AS "memberId", ${NULL_TEXT} AS "clientId", ${NULL_TEXT} AS "eventId", ${NULL_TIME(db)} AS "eventAt",
      ${NULL_TEXT} AS "variantGid", ${NULL_INT} AS "stock", ${NULL_TEXT} AS "orderGid", m."balance" AS "value"
    FROM "Member" m
    WHERE m."shopId" = ${shopId} AND m."redactedAt" IS NULL AND ${where} ${scope}`;
}

// ------------------------------------------------------------------- evaluating

/**
 * Evaluates a shop's enabled rules (or the ones given) and writes what changed. With a scope
 * (the members and visitors a signal touched) all rules run in one transaction, the caller's
 * when it passes one; without, the whole shop is swept one rule per transaction, so a large
 * shop never holds the write lock for all rules at once.
 */
export async function evaluateCohorts(
  deps: { db: Db; clock: Clock },
  shop: CohortShop,
  options: { scope?: CohortScope; rules?: readonly CohortRule[]; now?: Date } = {},
): Promise<EvaluationSummary> {
  const now = options.now ?? deps.clock.now();
  const rules = options.rules ?? (await deps.db.cohortRule.findMany({ where: { shopId: shop.id, enabled: true }, orderBy: { createdAt: "asc" } }));
  const summary: EvaluationSummary = { entered: 0, exited: 0, rules: [] };
  if (rules.length === 0) return summary;
  const prefix = parseShopSettings(shop.settings).cohortTagPrefix;
  const add = (outcomes: RuleOutcome[]) => {
    for (const outcome of outcomes) {
      summary.rules.push(outcome);
      summary.entered += outcome.entered;
      summary.exited += outcome.exited;
    }
  };
  if (options.scope) {
    const scope = options.scope;
    await inTransaction(deps.db, async (tx) => {
      const resolved = await resolveScope(tx, shop.id, scope);
      if (resolved.subjectKeys.length === 0) return;
      add(await evaluateRules(tx, shop.id, prefix, rules, now, resolved));
    });
    return summary;
  }
  for (const rule of rules) add(await inTransaction(deps.db, (tx) => evaluateRules(tx, shop.id, prefix, [rule], now, null)));
  return summary;
}

// ------------------------------------------------------------------- the sweep

/** Shoppers evaluated per transaction when a sweep has many. */
const SWEEP_CHUNK = 500;

const chunks = <T>(items: readonly T[], size: number): T[][] => Array.from({ length: Math.ceil(items.length / size) }, (_, index) => items.slice(index * size, (index + 1) * size));

/**
 * The periodic sweep of a shop: what changes with time alone. Everything a signal changes is
 * evaluated when the signal arrives, so a rule swept before only needs the shoppers whose
 * windows closed since (an abandonment window, a look-back, a lapse, a first purchase or a spend
 * leaving its days), found through the dates of their events and orders. A rule never swept
 * (just enabled, or changed) is evaluated over the whole shop.
 */
export async function sweepShop(deps: { db: Database; clock: Clock }, shop: CohortShop, options: { now?: Date } = {}): Promise<EvaluationSummary> {
  const now = options.now ?? deps.clock.now();
  const rules = await deps.db.cohortRule.findMany({ where: { shopId: shop.id, enabled: true }, orderBy: { createdAt: "asc" } });
  const summary: EvaluationSummary = { entered: 0, exited: 0, rules: [] };
  for (const rule of rules) {
    const params = storedParams(rule);
    const outcome: RuleOutcome = { ruleId: rule.id, key: rule.key, entered: 0, exited: 0 };
    if (!rule.sweptAt || !params) {
      const whole = await evaluateCohorts(deps, shop, { rules: [rule], now });
      outcome.entered = whole.entered;
      outcome.exited = whole.exited;
    } else if (rule.sweptAt < now) {
      const candidates = await timeCandidates(deps.db, shop.id, params, rule.sweptAt, now);
      const scopes = [
        ...chunks(candidates?.memberIds ?? [], SWEEP_CHUNK).map((memberIds) => ({ memberIds })),
        ...chunks(candidates?.clientIds ?? [], SWEEP_CHUNK).map((clientIds) => ({ clientIds })),
      ];
      for (const scope of scopes) {
        const part = await evaluateCohorts(deps, shop, { rules: [rule], scope, now });
        outcome.entered += part.entered;
        outcome.exited += part.exited;
      }
      await deps.db.cohortRule.updateMany({ where: { id: rule.id }, data: { sweptAt: now, lastEvaluatedAt: now } });
    }
    summary.rules.push(outcome);
    summary.entered += outcome.entered;
    summary.exited += outcome.exited;
  }
  return summary;
}

/**
 * The shoppers whose time-based conditions under a rule may have changed between `from` and
 * `now`: those with an event or order whose "N ago" boundary was crossed, i.e. dated in
 * (from − N, now − N]. Null for templates with no time condition (repeat-purchaser, tier,
 * points-balance change only with signals).
 */
export async function timeCandidates(db: Db, shopId: string, params: RuleParams, from: Date, now: Date): Promise<CohortScope | null> {
  const crossing = (hours: number) => ({ after: hoursAgo(from, hours), until: hoursAgo(now, hours) });
  const clientsWith = async (name: string, lowStock: boolean, ranges: { after: Date; until: Date }[]) => {
    const ids = new Set<string>();
    for (const range of ranges) {
      const rows = await db.$queryRaw<{ clientId: string }[]>`
        SELECT DISTINCT e."clientId" FROM "PixelEvent" e
        WHERE e."shopId" = ${shopId} AND e."name" = ${name} AND e."occurredAt" > ${range.after} AND e."occurredAt" <= ${range.until}
          ${lowStock ? Prisma.sql`AND e."lowStockAtIngest" = true` : Prisma.empty}`;
      for (const row of rows) ids.add(row.clientId);
    }
    return [...ids];
  };
  const membersOrdering = async (range: { after: Date; until: Date }) => {
    // The day's orders first (the date index), then their members by customer: never a probe per member.
    const rows = await db.$queryRaw<{ id: string }[]>`
      SELECT m."id" FROM "Member" m
      WHERE m."shopId" = ${shopId} AND m."customerGid" IN (
        SELECT o."customerGid" FROM "Order" o WHERE o."shopId" = ${shopId} AND o."processedAt" > ${range.after} AND o."processedAt" <= ${range.until})`;
    return rows.map((row) => row.id);
  };
  switch (params.template) {
    case "cart-abandoned-low-stock":
      return { clientIds: await clientsWith("product_added_to_cart", true, [crossing(params.hours), crossing(params.lookbackDays * 24)]) };
    case "vip-scarcity-shopper": {
      const window = crossing(params.days * 24);
      return { memberIds: await membersOrdering(window), clientIds: await clientsWith("checkout_completed", false, [window]) };
    }
    case "first-purchase":
    case "high-value":
    case "lapsed":
      return { memberIds: await membersOrdering(crossing(params.days * 24)) };
    case "repeat-purchaser":
    case "tier":
    case "points-balance":
      return null;
  }
}

/** Members of the given clientIds' links and visitors of the given members' links, both ways. */
async function resolveScope(db: Db, shopId: string, scope: CohortScope): Promise<ResolvedScope> {
  const memberIds = new Set(scope.memberIds ?? []);
  const clientIds = new Set(scope.clientIds ?? []);
  if (clientIds.size > 0) {
    const linked = await db.$queryRaw<{ id: string }[]>`
      SELECT m."id" FROM "VisitorLink" l JOIN "Member" m ON m."shopId" = l."shopId" AND m."customerGid" = l."customerGid"
      WHERE l."shopId" = ${shopId} AND ${inList(`l."clientId"`, [...clientIds])}`;
    for (const row of linked) memberIds.add(row.id);
  }
  if (memberIds.size > 0) {
    const visitors = await db.$queryRaw<{ clientId: string }[]>`
      SELECT l."clientId" FROM "Member" m JOIN "VisitorLink" l ON l."shopId" = m."shopId" AND l."customerGid" = m."customerGid"
      WHERE m."shopId" = ${shopId} AND ${inList(`m."id"`, [...memberIds])}`;
    for (const row of visitors) clientIds.add(row.clientId);
  }
  const subjectKeys = [...[...memberIds].map((id) => `m:${id}`), ...[...clientIds].map((id) => `v:${id}`)];
  return { memberIds: [...memberIds], clientIds: [...clientIds], subjectKeys };
}

async function evaluateRules(tx: Db, shopId: string, prefix: string, rules: readonly CohortRule[], now: Date, scope: ResolvedScope | null): Promise<RuleOutcome[]> {
  const evaluationId = randomUUID();
  const outcomes: RuleOutcome[] = [];
  let anyChange = false;
  for (const rule of rules) {
    const params = storedParams(rule);
    if (!params) continue;
    const match = matchQuery(tx, shopId, params, now, scope);
    const subjectScope = scope ? Prisma.sql`AND ${inList(`"subjectKey"`, scope.subjectKeys)}` : Prisma.empty;
    // A member the merchant excluded from the rule never matches it (and leaves it, "excluded").
    const excluded = (memberId: string) => Prisma.sql`EXISTS (SELECT 1 FROM "CohortExclusion" ex WHERE ex."ruleId" = ${rule.id} AND ex."memberId" = ${Prisma.raw(memberId)})`;
    // One pass of the match against the memberships held: a match without a membership enters,
    // a membership without a match leaves (the two sides of a full join; exactly one is present).
    const changed = await tx.$executeRaw`
      INSERT INTO "CohortTransition" ("id", "shopId", "ruleId", "ruleKey", "evaluationId", "subjectKey", "memberId", "clientId", "customerGid", "direction", "cause",
        "eventId", "eventAt", "variantGid", "stock", "orderGid", "value", "occurredAt")
      SELECT ${uuid(tx)}, ${shopId}, ${rule.id}, ${rule.key}, ${evaluationId}, COALESCE(x."subjectKey", c."subjectKey"), COALESCE(x."memberId", c."memberId"),
        COALESCE(x."clientId", c."clientId"), mm."customerGid",
        CASE WHEN c."subjectKey" IS NULL THEN 'in' ELSE 'out' END,
        CASE WHEN c."subjectKey" IS NULL THEN 'matched'
          WHEN c."clientId" IS NOT NULL AND EXISTS (
            SELECT 1 FROM "VisitorLink" l JOIN "Member" m ON m."shopId" = l."shopId" AND m."customerGid" = l."customerGid" AND m."redactedAt" IS NULL
            WHERE l."shopId" = ${shopId} AND l."clientId" = c."clientId") THEN 'linked'
          WHEN c."memberId" IS NOT NULL AND ${excluded(`c."memberId"`)} THEN 'excluded'
          ELSE 'no-longer-matches' END,
        COALESCE(x."eventId", c."eventId"), COALESCE(x."eventAt", c."eventAt"), COALESCE(x."variantGid", c."variantGid"), COALESCE(x."stock", c."stock"),
        COALESCE(x."orderGid", c."orderGid"), COALESCE(x."value", c."value"), ${sqlTime(tx, now)}
      FROM (SELECT * FROM (${match}) y WHERE y."memberId" IS NULL OR NOT ${excluded(`y."memberId"`)}) x
      FULL OUTER JOIN (SELECT * FROM "CohortMembership" WHERE "ruleId" = ${rule.id} ${subjectScope}) c ON c."subjectKey" = x."subjectKey"
      LEFT JOIN "Member" mm ON mm."id" = COALESCE(x."memberId", c."memberId")
      WHERE x."subjectKey" IS NULL OR c."subjectKey" IS NULL`;
    outcomes.push({ ruleId: rule.id, key: rule.key, entered: 0, exited: 0 });
    anyChange ||= changed > 0;
  }
  if (anyChange) {
    // How many of each rule's changes were entries and exits.
    const counts = await tx.$queryRaw<{ ruleId: string; direction: string; count: number | bigint }[]>`
      SELECT "ruleId", "direction", COUNT(*) AS "count" FROM "CohortTransition" WHERE "evaluationId" = ${evaluationId} GROUP BY "ruleId", "direction"`;
    for (const outcome of outcomes) {
      const of = (direction: string) => Number(counts.find((row) => row.ruleId === outcome.ruleId && row.direction === direction)?.count ?? 0);
      outcome.entered = of("in");
      outcome.exited = of("out");
    }
    await applyTransitions(tx, shopId, prefix, evaluationId, now);
  }
  // A whole-shop evaluation has looked at every time-based condition up to now (sweepShop).
  const swept = scope ? Prisma.empty : Prisma.sql`, "sweptAt" = ${now}`;
  await tx.$executeRaw`
    UPDATE "CohortRule" SET "size" = (SELECT COUNT(*) FROM "CohortMembership" c WHERE c."ruleId" = "CohortRule"."id"), "lastEvaluatedAt" = ${now} ${swept}
    WHERE "shopId" = ${shopId} AND ${inList(`"id"`, rules.map((rule) => rule.id))}`;
  return outcomes;
}

/**
 * What follows from an evaluation's transitions, in its transaction: the memberships, the
 * members' journey events (cohort_entered / cohort_exited, and cart_abandoned for an entry into a
 * cart-abandonment cohort) and one tag operation per transition of a Shopify customer, queued
 * for the tag writer (the outbox).
 */
export async function applyTransitions(tx: Db, shopId: string, prefix: string, evaluationId: string, now: Date): Promise<void> {
  await tx.$executeRaw`
    DELETE FROM "CohortMembership" WHERE "id" IN (
      SELECT c."id" FROM "CohortMembership" c JOIN "CohortTransition" t ON t."ruleId" = c."ruleId" AND t."subjectKey" = c."subjectKey"
      WHERE t."evaluationId" = ${evaluationId} AND t."direction" = 'out')`;
  await tx.$executeRaw`
    INSERT INTO "CohortMembership" ("id", "shopId", "ruleId", "subjectKey", "memberId", "clientId", "transitionId", "enteredAt", "eventId", "eventAt", "variantGid", "stock", "orderGid", "value")
    SELECT ${uuid(tx)}, t."shopId", t."ruleId", t."subjectKey", t."memberId", t."clientId", t."id", t."occurredAt", t."eventId", t."eventAt", t."variantGid", t."stock", t."orderGid", t."value"
    FROM "CohortTransition" t WHERE t."evaluationId" = ${evaluationId} AND t."direction" = 'in'`;
  // Rule keys are [a-z0-9-], prefixes [A-Za-z0-9_.:-], ids uuids and GIDs: nothing to escape in the JSON.
  await tx.$executeRaw`
    INSERT INTO "JourneyEvent" ("id", "shopId", "memberId", "type", "data", "dedupeKey", "occurredAt", "createdAt")
    SELECT ${uuid(tx)}, t."shopId", t."memberId", CASE WHEN t."direction" = 'in' THEN 'cohort_entered' ELSE 'cohort_exited' END,
      '{"cohort":"' || t."ruleKey" || '","tag":"' || ${prefix} || t."ruleKey" || '","cause":"' || t."cause" || '","transition":"' || t."id" || '"}',
      'cohort:' || t."id", t."occurredAt", ${sqlTime(tx, now)}
    FROM "CohortTransition" t WHERE t."evaluationId" = ${evaluationId} AND t."memberId" IS NOT NULL
    UNION ALL
    SELECT ${uuid(tx)}, t."shopId", t."memberId", 'cart_abandoned',
      '{"cohort":"' || t."ruleKey" || '","variant":"' || t."variantGid" || '","stock":' || COALESCE(CAST(t."stock" AS TEXT), 'null') || ',"addedAt":"' || ${isoText(tx, `t."eventAt"`)} || '","transition":"' || t."id" || '"}',
      'cart_abandoned:' || t."id", t."occurredAt", ${sqlTime(tx, now)}
    FROM "CohortTransition" t JOIN "CohortRule" r ON r."id" = t."ruleId"
    WHERE t."evaluationId" = ${evaluationId} AND t."memberId" IS NOT NULL AND t."direction" = 'in' AND r."template" = 'cart-abandoned-low-stock' AND t."variantGid" IS NOT NULL`;
  await tx.$executeRaw`
    INSERT INTO "Job" ("id", "shopId", "queue", "key", "payload", "status", "maxAttempts", "runAt", "createdAt", "updatedAt")
    SELECT ${uuid(tx)}, t."shopId", ${TAGS_QUEUE}, t."id",
      '{"transitionId":"' || t."id" || '","customerGid":"' || t."customerGid" || '","tag":"' || ${prefix} || t."ruleKey" || '","op":"' || CASE WHEN t."direction" = 'in' THEN 'add' ELSE 'remove' END || '"}',
      'pending', 8, ${sqlTime(tx, now)}, ${sqlTime(tx, now)}, ${sqlTime(tx, now)}
    FROM "CohortTransition" t WHERE t."evaluationId" = ${evaluationId} AND t."customerGid" IS NOT NULL
    ON CONFLICT ("queue", "key") DO NOTHING`;
}

/** A timestamp column as ISO-8601 text in UTC, as JavaScript writes it (2026-11-21T10:00:00.000Z). */
function isoText(db: Db, column: string): Prisma.Sql {
  return Prisma.raw(isSqlite(db) ? `strftime('%Y-%m-%dT%H:%M:%fZ', ${column})` : `to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);
}

/**
 * Everyone leaves a rule at once (it was disabled or is being deleted), with that cause:
 * transitions, journey events and tag removals as for any exit.
 */
export async function exitEveryone(tx: Db, shop: CohortShop, rule: CohortRule, cause: "rule-disabled" | "rule-deleted", now: Date): Promise<number> {
  const evaluationId = randomUUID();
  const exited = await tx.$executeRaw`
    INSERT INTO "CohortTransition" ("id", "shopId", "ruleId", "ruleKey", "evaluationId", "subjectKey", "memberId", "clientId", "customerGid", "direction", "cause",
      "eventId", "eventAt", "variantGid", "stock", "orderGid", "value", "occurredAt")
    SELECT ${uuid(tx)}, ${shop.id}, ${rule.id}, ${rule.key}, ${evaluationId}, c."subjectKey", c."memberId", c."clientId", mm."customerGid", 'out', ${cause},
      c."eventId", c."eventAt", c."variantGid", c."stock", c."orderGid", c."value", ${sqlTime(tx, now)}
    FROM "CohortMembership" c LEFT JOIN "Member" mm ON mm."id" = c."memberId" WHERE c."ruleId" = ${rule.id}`;
  if (exited > 0) await applyTransitions(tx, shop.id, parseShopSettings(shop.settings).cohortTagPrefix, evaluationId, now);
  await tx.cohortRule.updateMany({ where: { id: rule.id }, data: { size: 0 } });
  return exited;
}

/** One shopper a rule matches, with the facts that put them there. */
export interface MatchRow extends Omit<MembershipFacts, "enteredAt"> {
  subjectKey: string;
  memberId: string | null;
  clientId: string | null;
}

export interface Preview {
  members: number;
  visitors: number;
  sample: MatchRow[];
}

/**
 * Who a rule would match now, without writing anything: the counts of members and of anonymous
 * visitors, and a sample of ten (the most recent facts first). The admin shows it before a rule
 * is enabled.
 */
export async function previewMatches(db: Db, shopId: string, params: RuleParams, now: Date, sampleSize = 10): Promise<Preview> {
  const match = matchQuery(db, shopId, params, now, null);
  const [counts] = await db.$queryRaw<{ members: number | bigint | null; visitors: number | bigint | null }[]>`
    SELECT COUNT(x."memberId") AS "members", COUNT(*) - COUNT(x."memberId") AS "visitors" FROM (${match}) x`;
  const rows = await db.$queryRaw<MatchRow[]>`
    SELECT x.* FROM (${match}) x ORDER BY CASE WHEN x."eventAt" IS NULL THEN 1 ELSE 0 END, x."eventAt" DESC, x."subjectKey" LIMIT ${sampleSize}`;
  return {
    members: Number(counts?.members ?? 0),
    visitors: Number(counts?.visitors ?? 0),
    sample: rows.map((row) => ({ ...row, eventAt: row.eventAt ? new Date(row.eventAt) : null, stock: row.stock == null ? null : Number(row.stock), value: row.value == null ? null : Number(row.value) })),
  };
}
