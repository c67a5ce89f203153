import type { Database, Tx } from "../../db.server";
import { cohortTag } from "../cohorts/templates";

/** A tag Roost wants on a customer: a cohort the customer's member is in, and since when. */
export interface WantedTag {
  tag: string;
  ruleKey: string;
  enteredAt: Date;
}

/**
 * The cohort tags each customer should carry now: one per membership of an enabled rule of its
 * member, `<prefix><rule key>`, earliest entered first (ties by key), the order the tag budget
 * keeps. Memberships are the truth; the tag ops in the outbox only say whom to look at.
 */
export async function wantedTags(db: Database | Tx, shopId: string, prefix: string, customerGids: readonly string[]): Promise<Map<string, WantedTag[]>> {
  const wanted = new Map<string, WantedTag[]>(customerGids.map((gid) => [gid, []]));
  if (customerGids.length === 0) return wanted;
  const members = await db.member.findMany({ where: { shopId, customerGid: { in: [...customerGids] } }, select: { id: true, customerGid: true } });
  if (members.length === 0) return wanted;
  const rules = await db.cohortRule.findMany({ where: { shopId, enabled: true }, select: { id: true, key: true } });
  const ruleKeys = new Map(rules.map((rule) => [rule.id, rule.key]));
  const gidOf = new Map(members.map((member) => [member.id, member.customerGid]));
  const memberships = await db.cohortMembership.findMany({
    where: { shopId, memberId: { in: members.map((member) => member.id) }, ruleId: { in: rules.map((rule) => rule.id) } },
    select: { memberId: true, ruleId: true, enteredAt: true },
  });
  for (const membership of memberships) {
    const gid = gidOf.get(membership.memberId ?? "");
    const key = ruleKeys.get(membership.ruleId);
    if (!gid || !key) continue;
    wanted.get(gid)?.push({ tag: cohortTag(prefix, key), ruleKey: key, enteredAt: membership.enteredAt });
  }
  for (const tags of wanted.values()) tags.sort((a, b) => a.enteredAt.getTime() - b.enteredAt.getTime() || a.ruleKey.localeCompare(b.ruleKey));
  return wanted;
}

/** The sentence a tag over the shop's budget is kept with (the member page and `tags:status` show it). */
export const overBudgetReason = (budget: number): string =>
  `Not written: this customer is in more cohorts than the shop's limit of ${budget} Roost tags per customer; the earliest entered cohorts keep their tags, and this one is written when a place frees up or the limit is raised.`;
