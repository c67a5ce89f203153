import { beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { systemClock } from "../../app/lib/clock";
import { excludeMember, includeMember, memberExclusions } from "../../app/services/cohorts/exclusions.server";
import { deleteRule, renameRule } from "../../app/services/cohorts/rules.server";
import { exportCustomerData, redactCustomer } from "../../app/services/privacy/privacy.server";
import { enabledRule } from "../cohorts/helpers";
import { givePoints, member, shopifyTags, type TagShop, tagShop, tagWrites, writeNow } from "./support";

// A merchant's hand on a cohort: excluding a member from it (the member page, cohorts:exclude)
// and renaming its key; both move the customer's tags like any other change.

let at: TagShop;
let ana: { customerGid: string; memberId: string };
const deps = { db, clock: systemClock };

beforeEach(async () => {
  at = await tagShop();
  ana = await member(at);
});

const rule = (key: string) => enabledRule(at.shopId, "points-balance", { minPoints: "100" }, new Date().toISOString(), key);
const shopRow = () => db.shop.findUniqueOrThrow({ where: { id: at.shopId } });
const inCohort = async (ruleId: string) => (await db.cohortMembership.count({ where: { ruleId, memberId: ana.memberId } })) === 1;
const lastTransition = (ruleId: string) => db.cohortTransition.findFirst({ where: { ruleId, memberId: ana.memberId }, orderBy: { occurredAt: "desc" } });

describe("excluding a member from a cohort", () => {
  it("takes them out at once (cause excluded, tag removed) and keeps them out while they still match", async () => {
    const big = await rule("big-balance");
    await givePoints(at, ana.memberId, 150);
    await writeNow(at);
    expect(shopifyTags(at, ana.customerGid)).toContain("roost-big-balance");

    expect(await excludeMember(deps, await shopRow(), big.id, ana.memberId, "staff:1")).toEqual({ ok: true, changed: true });
    expect(await inCohort(big.id)).toBe(false);
    expect(await lastTransition(big.id)).toMatchObject({ direction: "out", cause: "excluded" });
    await writeNow(at);
    expect(shopifyTags(at, ana.customerGid)).toEqual(["newsletter", "vip"]);

    // More points: they match even better, and stay out.
    await givePoints(at, ana.memberId, 100);
    expect(await inCohort(big.id)).toBe(false);
    expect(await db.cohortTransition.count({ where: { ruleId: big.id, memberId: ana.memberId } })).toBe(2);
    expect(await memberExclusions(db, at.shopId, ana.memberId)).toEqual([expect.objectContaining({ ruleId: big.id, ruleKey: "big-balance", actor: "staff:1" })]);
    expect(await db.auditLog.count({ where: { shopId: at.shopId, action: "cohort.member.excluded" } })).toBe(1);

    // Excluding twice changes nothing.
    expect(await excludeMember(deps, await shopRow(), big.id, ana.memberId, "staff:1")).toEqual({ ok: true, changed: false });
  });

  it("lets them back in when included again, if they still match", async () => {
    const big = await rule("big-balance");
    await givePoints(at, ana.memberId, 150);
    await excludeMember(deps, await shopRow(), big.id, ana.memberId, "staff:1");
    expect(await includeMember(deps, await shopRow(), big.id, ana.memberId, "staff:2")).toEqual({ ok: true, changed: true });
    expect(await inCohort(big.id)).toBe(true);
    expect(await lastTransition(big.id)).toMatchObject({ direction: "in", cause: "matched" });
    await writeNow(at);
    expect(shopifyTags(at, ana.customerGid)).toContain("roost-big-balance");
    expect(await memberExclusions(db, at.shopId, ana.memberId)).toEqual([]);
    expect(await includeMember(deps, await shopRow(), big.id, ana.memberId, "staff:2")).toEqual({ ok: true, changed: false });
  });

  it("refuses another shop's rule or member, and forgets exclusions with the rule and on redact", async () => {
    const big = await rule("big-balance");
    const other = await tagShop();
    const bo = await member(other);
    expect(await excludeMember(deps, await shopRow(), big.id, bo.memberId, "staff:1")).toEqual({ ok: false, error: "That cohort or member no longer exists" });
    expect(await db.cohortExclusion.count({ where: { ruleId: big.id } })).toBe(0);

    await excludeMember(deps, await shopRow(), big.id, ana.memberId, "staff:1");
    const exported = await exportCustomerData(db, at.shopId, { requestId: "dr-1", customerGid: ana.customerGid, email: null, orderGids: [] }, systemClock);
    expect(exported.export.cohortExclusions).toEqual([expect.objectContaining({ cohort: "big-balance", memberId: ana.memberId })]);
    await redactCustomer(db, await shopRow(), { customerGid: ana.customerGid, email: null, orderGids: [] }, systemClock);
    expect(await db.cohortExclusion.count({ where: { shopId: at.shopId } })).toBe(0);

    const cleo = await member(at);
    await excludeMember(deps, await shopRow(), big.id, cleo.memberId, "staff:1");
    await deleteRule(deps, await shopRow(), big.id, "staff:1");
    expect(await db.cohortExclusion.count({ where: { ruleId: big.id } })).toBe(0);
  });
});

describe("renaming a cohort's key", () => {
  it("moves its tag on every member's customer: the old one removed, the new one added, other tags untouched", async () => {
    const big = await rule("big-balance");
    await givePoints(at, ana.memberId, 150);
    await writeNow(at);
    const result = await renameRule(deps, await shopRow(), big.id, "high-points", "staff:1");
    expect(result).toMatchObject({ ok: true, rule: { key: "high-points" } });
    await writeNow(at);
    expect(shopifyTags(at, ana.customerGid)).toEqual(["newsletter", "roost-high-points", "vip"]);
    expect(tagWrites(at).map((call) => [call.op, call.tags])).toEqual([["add", ["roost-big-balance"]], ["remove", ["roost-big-balance"]], ["add", ["roost-high-points"]]]);
    expect(await inCohort(big.id)).toBe(true);
    expect(await db.auditLog.findFirst({ where: { shopId: at.shopId, action: "cohort.renamed" } })).toMatchObject({ details: JSON.stringify({ from: "big-balance", to: "high-points" }) });
  });

  it("refuses a key that is taken or not a valid tag suffix, and keeps the old one", async () => {
    const big = await rule("big-balance");
    await rule("taken");
    expect(await renameRule(deps, await shopRow(), big.id, "taken", "staff:1")).toEqual({ ok: false, errors: { key: 'A cohort with the key "taken" exists already: choose another key' } });
    const bad = await renameRule(deps, await shopRow(), big.id, "Not A Key!", "staff:1");
    expect(bad.ok).toBe(false);
    expect((await db.cohortRule.findUniqueOrThrow({ where: { id: big.id } })).key).toBe("big-balance");
  });
});
