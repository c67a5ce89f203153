import { beforeAll, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { loader } from "../../app/routes/app.members";
import { searchMembers } from "../../app/services/members/search.server";
import { adminRequest } from "../support/shopify";
import { args, customer, programShop } from "./helpers";

// Six members with set balances and tiers (written directly: the ledger's own tests cover how
// they get there), two of them in the "vip" cohort, one in another shop's.
let shop: string;
let shopId: string;
let other: string;

const list = async (query = "", asShop = shop) => (await loader(args(await adminRequest(`/app/members${query}`, asShop)))).search;
const emails = (search: { members: { email: string | null }[] }) => search.members.map((member) => member.email?.split("@")[0]);

beforeAll(async () => {
  ({ shop, shopId } = await programShop());
  ({ shop: other } = await programShop());
  const people: [number, string, string, number, string][] = [
    [8001, "ana", "Lima", 120, "Silver"],
    [8002, "bo", "Chen", 40, "Bronze"],
    [8003, "cleo", "Ward", 2600, "Gold"],
    [8004, "dev", "Lima", 900, "Silver"],
    [8005, "eve", "Park", 0, "Bronze"],
    [8006, "finn", "Lima", 3100, "Gold"],
  ];
  const members: Record<string, string> = {};
  for (const [id, first, last, balance, tier] of people) {
    const member = await customer(shop, { id, email: `${first}@example.com`, firstName: first, lastName: last });
    await db.member.update({ where: { id: member.id }, data: { balance, tier } });
    members[first] = member.id;
  }
  const vip = await db.cohortRule.create({ data: { shopId, key: "vip", template: "spend-threshold" } });
  await db.cohortRule.create({ data: { shopId, key: "lapsed", template: "lapsed" } });
  for (const first of ["cleo", "ana", "eve"]) {
    await db.cohortMembership.create({ data: { shopId, ruleId: vip.id, subjectKey: `m:${members[first]}`, memberId: members[first], transitionId: `t-${first}`, enteredAt: new Date("2026-11-01T00:00:00Z") } });
  }
  const theirs = await customer(other, { id: 9001, email: "zed@example.com", firstName: "Zed", lastName: "Lima" });
  const theirRule = await db.cohortRule.create({ data: { shopId: (await db.shop.findUniqueOrThrow({ where: { domain: other } })).id, key: "vip", template: "spend-threshold" } });
  await db.cohortMembership.create({ data: { shopId: theirRule.shopId, ruleId: theirRule.id, subjectKey: `m:${theirs.id}`, memberId: theirs.id, transitionId: "t-zed", enteredAt: new Date("2026-11-01T00:00:00Z") } });
});

describe("sorting the Members list", () => {
  it("sorts by balance, highest or lowest first", async () => {
    expect(emails(await list("?sort=balance-desc"))).toEqual(["finn", "cleo", "dev", "ana", "bo", "eve"]);
    expect(emails(await list("?sort=balance-asc"))).toEqual(["eve", "bo", "ana", "dev", "cleo", "finn"]);
  });

  it("sorts by tier in the program's order, by balance within a tier", async () => {
    expect(emails(await list("?sort=tier-desc"))).toEqual(["finn", "cleo", "dev", "ana", "bo", "eve"]);
    expect(emails(await list("?sort=tier-asc"))).toEqual(["eve", "bo", "ana", "dev", "cleo", "finn"]);
    // Ranked, not alphabetical: Silver sits between Bronze and Gold.
    const tiers = (await list("?sort=tier-asc")).members.map((member) => member.tier);
    expect(tiers).toEqual(["Bronze", "Bronze", "Silver", "Silver", "Gold", "Gold"]);
  });

  it("keeps newest first by default", async () => {
    expect(emails(await list())).toEqual(["finn", "eve", "dev", "cleo", "bo", "ana"]);
    expect((await list()).sort).toBe("newest");
  });
});

describe("filtering the Members list", () => {
  it("filters by tier", async () => {
    const gold = await list("?tier=Gold");
    expect(gold).toMatchObject({ tier: "Gold", total: 2, ignored: [] });
    expect(emails(gold)).toEqual(["finn", "cleo"]);
    expect(emails(await list("?tier=Silver&sort=balance-asc"))).toEqual(["ana", "dev"]);
  });

  it("filters by cohort: the members with a current membership of the shop's rule", async () => {
    const vip = await list("?cohort=vip");
    expect(vip).toMatchObject({ cohort: "vip", total: 3 });
    expect(emails(vip)).toEqual(["eve", "cleo", "ana"]);
    expect(emails(await list("?cohort=vip&sort=balance-desc"))).toEqual(["cleo", "ana", "eve"]);
    expect(await list("?cohort=lapsed")).toMatchObject({ total: 0, members: [] });
    // The other shop's vip holds only its own member.
    expect(emails(await list("?cohort=vip", other))).toEqual(["zed"]);
  });

  it("combines tier, cohort, search, sort and paging", async () => {
    expect(emails(await list("?cohort=vip&tier=Silver"))).toEqual(["ana"]);
    expect(emails(await list("?q=lima&sort=balance-desc"))).toEqual(["finn", "dev", "ana"]);
    expect(emails(await list("?q=lima&tier=Silver&sort=balance-asc"))).toEqual(["ana", "dev"]);
    expect(emails(await list("?q=lima&cohort=vip"))).toEqual(["ana"]);
    expect(emails(await list("?q=8003&cohort=vip"))).toEqual(["cleo"]);
    // Every word has to match, in any order; the count is the matches', not the filter's.
    expect(await list("?q=LIMA%20finn&sort=balance-desc")).toMatchObject({ total: 1, members: [{ email: "finn@example.com" }] });
    expect(await list("?q=lima%20ward&tier=Gold")).toMatchObject({ total: 0, members: [] });
    expect(await list("?q=%25&tier=Gold")).toMatchObject({ total: 0, members: [] });

    const first = await searchMembers(db, shopId, { sort: "balance-desc", page: 1 }, 4);
    const second = await searchMembers(db, shopId, { sort: "balance-desc", page: 2 }, 4);
    expect(first).toMatchObject({ total: 6, pageCount: 2, hasNext: true });
    expect([...emails(first), ...emails(second)]).toEqual(["finn", "cleo", "dev", "ana", "bo", "eve"]);
    const lima = await searchMembers(db, shopId, { query: "lima", sort: "tier-desc", page: 2 }, 2);
    expect(lima).toMatchObject({ total: 3, page: 2, pageCount: 2, hasPrevious: true });
    expect(emails(lima)).toEqual(["ana"]);
    // A page past the end shows the last one, still sorted and filtered.
    expect(emails(await searchMembers(db, shopId, { tier: "Bronze", sort: "balance-desc", page: 9 }, 1))).toEqual(["eve"]);
  });
});

describe("bad sort and filter parameters", () => {
  it("ignores an unknown sort, tier or cohort and says so, never failing", async () => {
    const search = await list("?sort=points&tier=Platinum&cohort=nope");
    expect(search).toMatchObject({ sort: "newest", tier: null, cohort: null, total: 6 });
    expect(search.ignored).toEqual([
      'There is no sort "points": the list is newest first.',
      'There is no tier "Platinum": showing every tier.',
      'There is no cohort "nope": showing every member.',
    ]);
    // Quotes, SQL and long text are only ever values.
    const hostile = await list(`?sort=${encodeURIComponent('"balance"; DROP TABLE "Member"')}&tier=${encodeURIComponent("' OR 1=1 --")}&cohort=${"x".repeat(500)}`);
    expect(hostile).toMatchObject({ sort: "newest", tier: null, cohort: null, total: 6 });
    expect(await db.member.count({ where: { shopId } })).toBe(6);
    // Another shop's cohort key is not this shop's cohort id.
    expect((await list("?cohort=vip&tier=Gold", other))).toMatchObject({ total: 0, tier: "Gold" });
  });

  it("offers the shop's tiers in program order and its cohorts", async () => {
    expect((await list()).options).toEqual({ tiers: ["Bronze", "Silver", "Gold"], cohorts: [{ key: "lapsed", label: "lapsed" }, { key: "vip", label: "vip" }] });
  });
});
