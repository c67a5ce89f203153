import type { Database } from "../../db.server";
import type { Clock } from "../../lib/clock";
import { recordAudit } from "../audit.server";
import { evaluateCohorts } from "./evaluate.server";
import type { RuleShop } from "./rules.server";

// A merchant takes a member out of a cohort by hand: the member leaves at once ("excluded", the
// tag removed like any exit) and evaluation never lets them back in while the exclusion stands.
// Including them again lifts it and evaluates them: they re-enter if they still match. The
// cohort stays the source of truth for the tag either way (a tag removed by hand in Shopify is
// put back by the reconciliation; this is how a merchant says "not this customer").

export interface ExclusionDeps {
  db: Database;
  clock: Clock;
}

export type ExclusionResult = { ok: true; changed: boolean } | { ok: false; error: string };

export interface MemberExclusion {
  ruleId: string;
  ruleKey: string;
  actor: string;
  createdAt: Date;
}

async function ruleAndMember(db: Database, shopId: string, ruleId: string, memberId: string) {
  const [rule, member] = await Promise.all([
    db.cohortRule.findFirst({ where: { id: ruleId, shopId } }),
    db.member.findFirst({ where: { id: memberId, shopId, redactedAt: null }, select: { id: true } }),
  ]);
  return rule && member ? rule : null;
}

/** Takes the member out of the rule's cohort and keeps them out. Idempotent. */
export function excludeMember(deps: ExclusionDeps, shop: RuleShop, ruleId: string, memberId: string, actor: string): Promise<ExclusionResult> {
  return setExclusion(deps, shop, ruleId, memberId, actor, true);
}

/** Lifts an exclusion: the member is evaluated again and re-enters if they match. Idempotent. */
export function includeMember(deps: ExclusionDeps, shop: RuleShop, ruleId: string, memberId: string, actor: string): Promise<ExclusionResult> {
  return setExclusion(deps, shop, ruleId, memberId, actor, false);
}

/** Writes or lifts the exclusion, audits it and evaluates the member under the rule, in one transaction. */
async function setExclusion(deps: ExclusionDeps, shop: RuleShop, ruleId: string, memberId: string, actor: string, exclude: boolean): Promise<ExclusionResult> {
  const rule = await ruleAndMember(deps.db, shop.id, ruleId, memberId);
  if (!rule) return { ok: false, error: "That cohort or member no longer exists" };
  const now = deps.clock.now();
  return deps.db.$transaction(async (tx) => {
    const existing = await tx.cohortExclusion.findUnique({ where: { ruleId_memberId: { ruleId, memberId } }, select: { id: true } });
    const changed = exclude !== (existing !== null);
    if (changed && exclude) await tx.cohortExclusion.create({ data: { shopId: shop.id, ruleId, memberId, actor, createdAt: now } });
    if (changed && !exclude) await tx.cohortExclusion.delete({ where: { ruleId_memberId: { ruleId, memberId } } });
    if (!changed) return { ok: true as const, changed: false };
    await recordAudit(tx, { shopId: shop.id, actor, action: exclude ? "cohort.member.excluded" : "cohort.member.included", details: { key: rule.key, memberId }, at: now });
    if (rule.enabled) await evaluateCohorts({ db: tx, clock: deps.clock }, shop, { rules: [rule], scope: { memberIds: [memberId] }, now });
    return { ok: true as const, changed: true };
    // The member's evaluation runs inside: on a loaded PostgreSQL it can outlast Prisma's 5 s
    // default, which would fail the merchant's click instead of waiting (as the dispatcher does).
  }, { timeout: 30_000, maxWait: 10_000 });
}

/** The cohorts a member is kept out of, newest first. */
export async function memberExclusions(db: Database, shopId: string, memberId: string): Promise<MemberExclusion[]> {
  const rows = await db.cohortExclusion.findMany({ where: { shopId, memberId }, orderBy: { createdAt: "desc" } });
  if (rows.length === 0) return [];
  const rules = await db.cohortRule.findMany({ where: { shopId, id: { in: rows.map((row) => row.ruleId) } }, select: { id: true, key: true } });
  const keys = new Map(rules.map((rule) => [rule.id, rule.key]));
  return rows.flatMap((row) => {
    const ruleKey = keys.get(row.ruleId);
    return ruleKey ? [{ ruleId: row.ruleId, ruleKey, actor: row.actor, createdAt: row.createdAt }] : [];
  });
}
