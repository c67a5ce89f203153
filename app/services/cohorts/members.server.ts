import type { CohortRule } from "@prisma/client";
import type { Database } from "../../db.server";
import { storedParams } from "./rules-store";
import type { RuleParams } from "./templates";
import type { MembershipFacts } from "./why";

// Who is in a cohort, and who a member's cohorts are: the memberships with the facts that put
// each shopper there, for the admin's pages and `roost cohorts:members`.

export interface CohortMemberRow extends MembershipFacts {
  subjectKey: string;
  /** A member (with their customer, when Roost knows it), or an anonymous visitor. */
  kind: "member" | "visitor";
  memberId: string | null;
  customerGid: string | null;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  clientId: string | null;
  transitionId: string;
}

/** A cohort's members and visitors, the latest entries first. */
export async function cohortMembers(db: Database, shopId: string, ruleId: string, options: { limit?: number; offset?: number } = {}): Promise<CohortMemberRow[]> {
  const rows = await db.cohortMembership.findMany({
    where: { shopId, ruleId },
    orderBy: [{ enteredAt: "desc" }, { subjectKey: "asc" }],
    take: options.limit ?? 50,
    skip: options.offset ?? 0,
  });
  const memberIds = rows.flatMap((row) => (row.memberId ? [row.memberId] : []));
  const members = memberIds.length
    ? await db.member.findMany({ where: { shopId, id: { in: memberIds } }, select: { id: true, customerGid: true, email: true, firstName: true, lastName: true } })
    : [];
  const byId = new Map(members.map((member) => [member.id, member]));
  return rows.map((row) => {
    const member = row.memberId ? byId.get(row.memberId) : undefined;
    return {
      subjectKey: row.subjectKey,
      kind: row.memberId ? "member" : "visitor",
      memberId: row.memberId,
      customerGid: member?.customerGid ?? null,
      email: member?.email ?? null,
      firstName: member?.firstName ?? null,
      lastName: member?.lastName ?? null,
      clientId: row.clientId,
      transitionId: row.transitionId,
      enteredAt: row.enteredAt,
      eventId: row.eventId,
      eventAt: row.eventAt,
      variantGid: row.variantGid,
      stock: row.stock,
      orderGid: row.orderGid,
      value: row.value,
    };
  });
}

export interface MemberCohort {
  rule: CohortRule;
  params: RuleParams | null;
  facts: MembershipFacts;
  transitionId: string;
}

/** The cohorts a member is in now, each with the facts that put them there. */
export async function memberCohorts(db: Database, shopId: string, memberId: string): Promise<MemberCohort[]> {
  const memberships = await db.cohortMembership.findMany({ where: { shopId, memberId }, orderBy: { enteredAt: "desc" } });
  if (memberships.length === 0) return [];
  const rules = await db.cohortRule.findMany({ where: { shopId, id: { in: memberships.map((row) => row.ruleId) } } });
  const byId = new Map(rules.map((rule) => [rule.id, rule]));
  return memberships.flatMap((row) => {
    const rule = byId.get(row.ruleId);
    if (!rule) return [];
    const facts: MembershipFacts = { enteredAt: row.enteredAt, eventId: row.eventId, eventAt: row.eventAt, variantGid: row.variantGid, stock: row.stock, orderGid: row.orderGid, value: row.value };
    return [{ rule, params: storedParams(rule), facts, transitionId: row.transitionId }];
  });
}
