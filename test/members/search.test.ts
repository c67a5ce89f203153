import { beforeAll, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { loader } from "../../app/routes/app.members";
import { searchMembers } from "../../app/services/members/search.server";
import { adminRequest } from "../support/shopify";
import { args, customer, programShop } from "./helpers";

let shop: string;
let shopId: string;
let other: string;

const list = async (query = "", asShop = shop) => {
  const data = await loader(args(await adminRequest(`/app/members${query}`, asShop)));
  return data.search;
};
const emails = (search: Awaited<ReturnType<typeof list>>) => search.members.map((member) => member.email);

beforeAll(async () => {
  ({ shop, shopId } = await programShop());
  ({ shop: other } = await programShop());
  await customer(shop, { id: 7001, email: "ana.lima@example.com", firstName: "Ana", lastName: "Lima" });
  await customer(shop, { id: 7002, email: "bo.chen@example.com", firstName: "Bo", lastName: "Chen" });
  await customer(shop, { id: 7003, email: "cleo.ward@example.com", firstName: "Cleo", lastName: "Ward" });
  await customer(shop, { id: 7004, email: "percent_100%@example.com", firstName: "Dana", lastName: "Analyst" });
  // The same person in another shop: never visible from this one.
  await customer(other, { id: 9001, email: "ana.lima@example.com", firstName: "Ana", lastName: "Lima" });
});

describe("the Members page", () => {
  it("lists the shop's members, newest first, with email, name, tier and balance", async () => {
    const search = await list();
    expect(search).toMatchObject({ query: "", page: 1, total: 4, pageCount: 1, hasPrevious: false, hasNext: false });
    expect(emails(search)).toEqual(["percent_100%@example.com", "cleo.ward@example.com", "bo.chen@example.com", "ana.lima@example.com"]);
    expect(search.members[3]).toMatchObject({
      email: "ana.lima@example.com",
      name: "Ana Lima",
      tier: "Bronze",
      balance: 0,
      customerGid: "gid://shopify/Customer/7001",
      redacted: false,
    });
  });

  it("finds a member by email, in any case, and by part of it", async () => {
    expect(emails(await list("?q=ana.lima%40example.com"))).toEqual(["ana.lima@example.com"]);
    expect(emails(await list("?q=%20ANA.LIMA%40Example.com%20"))).toEqual(["ana.lima@example.com"]);
    expect(emails(await list("?q=chen"))).toEqual(["bo.chen@example.com"]);
  });

  it("finds a member by first name, last name or both, case-insensitively", async () => {
    expect(emails(await list("?q=Cleo"))).toEqual(["cleo.ward@example.com"]);
    expect(emails(await list("?q=lima"))).toEqual(["ana.lima@example.com"]);
    expect(emails(await list("?q=ANA+LIMA"))).toEqual(["ana.lima@example.com"]);
    // "ana" is in Ana's name and in Dana Analyst's: both, as a merchant would expect.
    expect(emails(await list("?q=ana")).sort()).toEqual(["ana.lima@example.com", "percent_100%@example.com"]);
  });

  it("finds a member by numeric customer id or GID, exactly", async () => {
    expect(emails(await list("?q=7002"))).toEqual(["bo.chen@example.com"]);
    expect(emails(await list(`?q=${encodeURIComponent("gid://shopify/Customer/7003")}`))).toEqual(["cleo.ward@example.com"]);
    // Part of an id is not an id.
    expect(emails(await list("?q=700"))).toEqual([]);
  });

  it("treats % and _ as text, not wildcards", async () => {
    expect(emails(await list(`?q=${encodeURIComponent("%")}`))).toEqual(["percent_100%@example.com"]);
    expect(emails(await list(`?q=${encodeURIComponent("_")}`))).toEqual(["percent_100%@example.com"]);
  });

  it("answers an honest empty result when nothing matches", async () => {
    const search = await list("?q=nobody%40example.com");
    expect(search).toMatchObject({ query: "nobody@example.com", total: 0, members: [], hasNext: false });
  });

  it("pages through members", async () => {
    const first = await searchMembers(db, shopId, { query: "", page: 1 }, 3);
    const second = await searchMembers(db, shopId, { query: "", page: 2 }, 3);
    expect(first).toMatchObject({ page: 1, pageCount: 2, total: 4, hasPrevious: false, hasNext: true });
    expect(second).toMatchObject({ page: 2, pageCount: 2, hasPrevious: true, hasNext: false });
    expect([...emails(first), ...emails(second)]).toEqual(emails(await list()));
    // A page past the end shows the last one; a nonsense page the first.
    expect((await searchMembers(db, shopId, { page: 9 }, 3)).page).toBe(2);
    expect((await list("?page=abc")).page).toBe(1);
  });

  it("shows a token for another shop only that shop's members", async () => {
    const theirs = await list("", other);
    expect(theirs.total).toBe(1);
    const [ana] = theirs.members;
    const mine = (await list("?q=ana.lima")).members[0];
    expect(ana.email).toBe("ana.lima@example.com");
    expect(ana.id).not.toBe(mine.id);
    expect(emails(await list("?q=7001", other))).toEqual([]);
    expect(emails(await list("?q=chen", other))).toEqual([]);
  });
});
