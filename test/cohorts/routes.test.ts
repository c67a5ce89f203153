import { beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { action as ruleAction, loader as ruleLoader } from "../../app/routes/app.cohorts.$id";
import { action as newAction, loader as newLoader } from "../../app/routes/app.cohorts.new";
import { action as listAction, loader as listLoader } from "../../app/routes/app.cohorts";
import { action as memberAction, loader as memberLoader } from "../../app/routes/app.members.$id";
import { timelineSentence } from "../../app/services/members/format";
import { orderPayload } from "../fixtures/rest-payloads";
import { CHARCOAL_GID, pixelEvent } from "../identity/helpers";
import { deliver } from "../support/deliver";
import { adminRequest } from "../support/shopify";
import { args, customer, programShop, settle } from "../members/helpers";

// The cohort pages' loaders and actions with real requests; the routes run on the app's clock,
// so the facts are placed relative to now.

const ANA = 115310627;
let shop: string;
let shopId: string;

const ago = (hours: number) => new Date(Date.now() - hours * 3_600_000).toISOString();
const post = async (path: string, fields: Record<string, string>, asShop = shop) => adminRequest(path, asShop, { method: "POST", body: new URLSearchParams(fields) });
const data = async <T>(promise: Promise<T>): Promise<Exclude<T, Response>> => {
  const result = await settle(promise);
  if (result instanceof Response) throw new Error(`route answered ${result.status}: ${await result.text()}`);
  return result as Exclude<T, Response>;
};

beforeEach(async () => {
  ({ shop, shopId } = await programShop());
});

describe("cohort routes", () => {
  it("the list is empty before any rule; the new page offers the program's tiers", async () => {
    expect(await data(listLoader(args(await adminRequest("/app/cohorts", shop))))).toEqual({ cohorts: [], tagPrefix: "roost-", timezone: "America/New_York", days: 30 });
    expect(await data(newLoader(args(await adminRequest("/app/cohorts/new", shop))))).toMatchObject({ tiers: ["Bronze", "Silver", "Gold"], currency: "USD", tagPrefix: "roost-" });
  });

  it("new: a bad parameter and a bad key are field errors; a preview counts and explains; saving redirects to the rule", async () => {
    await db.product.create({ data: { shopId, gid: "gid://shopify/Product/632910392", title: "Merino Beanie", shopifyUpdatedAt: new Date() } });
    await db.variant.create({ data: { shopId, gid: CHARCOAL_GID, productGid: "gid://shopify/Product/632910392", title: "Charcoal", price: 3200, shopifyUpdatedAt: new Date() } });
    await pixelEvent(shopId, "c0ffee12-3456", { name: "product_added_to_cart", at: ago(10), variantGid: CHARCOAL_GID, stock: 2 });

    const bad = await data(newAction(args(await post("/app/cohorts/new", { intent: "preview", template: "cart-abandoned-low-stock", key: "Bad Key", hours: "0", lookbackDays: "14" }))));
    expect(bad).toMatchObject({ preview: null, errors: { hours: "Enter 1 or more", key: expect.stringContaining("lower-case") } });

    const preview = await data(newAction(args(await post("/app/cohorts/new", { intent: "preview", template: "cart-abandoned-low-stock", key: "", hours: "4", lookbackDays: "14" }))));
    expect(preview.errors).toEqual({});
    expect(preview.preview).toMatchObject({ members: 0, visitors: 1, sample: [{ kind: "visitor", name: "Visitor c0ffee12" }] });
    expect(preview.preview?.sample[0].why[0]).toMatch(/^Added Merino Beanie — Charcoal to the cart on .*, when 2 units were left\.$/);
    expect(await db.cohortRule.count({ where: { shopId } })).toBe(0);

    const saved = await settle(newAction(args(await post("/app/cohorts/new", { intent: "save-enable", template: "cart-abandoned-low-stock", key: "", hours: "4", lookbackDays: "14" }))));
    expect(saved).toBeInstanceOf(Response);
    const rule = await db.cohortRule.findFirstOrThrow({ where: { shopId } });
    expect((saved as Response).status).toBe(302);
    expect(new URL((saved as Response).headers.get("Location") ?? "", "http://x").pathname).toBe(`/app/cohorts/${rule.id}`);
    expect(rule).toMatchObject({ key: "cart-abandoned-low-stock", enabled: true, size: 1 });

    const page = await data(ruleLoader(args(await adminRequest(`/app/cohorts/${rule.id}`, shop), { id: rule.id })));
    expect(page.rule).toMatchObject({ tag: "roost-cart-abandoned-low-stock", enabled: true, size: 1 });
    expect(page.form).toEqual({ hours: "4", lookbackDays: "14" });
    expect(page.members).toEqual([expect.objectContaining({ kind: "visitor", name: "Visitor c0ffee12" })]);

    const list = await data(listLoader(args(await adminRequest("/app/cohorts", shop))));
    expect(list.cohorts).toEqual([expect.objectContaining({ key: "cart-abandoned-low-stock", members: 0, visitors: 1, enabled: true })]);
    expect(list.cohorts[0].sparkline.slice(-2)).toEqual([0, 1]);
  });

  it("a rule's page: 404 for another shop's rule; edit, disable, enable and delete", async () => {
    const member = await customer(shop, { id: ANA, email: "ana.lima@example.com", firstName: "Ana", lastName: "Lima" });
    await deliver({ topic: "orders/paid", shop, payload: orderPayload({ id: 501, customerId: ANA, processedAt: ago(48), lines: [{ id: 5011, price: "32.00", quantity: 2 }] }) });
    const created = await settle(newAction(args(await post("/app/cohorts/new", { intent: "save-enable", template: "first-purchase", key: "new-buyers", days: "30" }))));
    expect(created).toBeInstanceOf(Response);
    const rule = await db.cohortRule.findFirstOrThrow({ where: { shopId, key: "new-buyers" } });

    const other = await programShop();
    const foreign = await settle(ruleLoader(args(await adminRequest(`/app/cohorts/${rule.id}`, other.shop), { id: rule.id })));
    expect(foreign).toBeInstanceOf(Response);
    expect((foreign as Response).status).toBe(404);
    const foreignDelete = await settle(ruleAction(args(await post(`/app/cohorts/${rule.id}`, { intent: "delete" }, other.shop), { id: rule.id })));
    expect((foreignDelete as Response).status).toBe(404);
    expect(await db.cohortRule.count({ where: { id: rule.id } })).toBe(1);

    // The member's page: the Cohorts card and the entry on the timeline, in words.
    const detail = await data(memberLoader(args(await adminRequest(`/app/members/${member.id}`, shop), { id: member.id })));
    expect(detail.cohorts).toEqual([
      expect.objectContaining({ ruleId: rule.id, key: "new-buyers", title: "First purchase", tag: "roost-new-buyers", why: [expect.stringMatching(/^First paid order #1501 on .*, within the last 30 days\.$/)] }),
    ]);
    // Its tag on the Shopify customer: owed until the tag writer runs; a refusal is shown with its reason.
    expect(detail.customerTags).toEqual([{ tag: "roost-new-buyers", status: "pending", reason: "to add" }]);
    await db.customerTag.create({ data: { shopId, customerGid: `gid://shopify/Customer/${ANA}`, tag: "roost-new-buyers", state: "failed", error: "The customer has 250 tags, Shopify's limit: remove some to make room.", updatedAt: new Date() } });
    const refused = await data(memberLoader(args(await adminRequest(`/app/members/${member.id}`, shop), { id: member.id })));
    expect(refused.customerTags).toEqual([{ tag: "roost-new-buyers", status: "failed", reason: "The customer has 250 tags, Shopify's limit: remove some to make room." }]);
    await db.customerTag.deleteMany({ where: { shopId } });

    const entered = detail.member.timeline.find((event) => event.type === "cohort_entered");
    expect(entered && timelineSentence(entered, { variant: () => undefined, timezone: "UTC" })).toBe("Entered the cohort new-buyers, tagged roost-new-buyers (matched the cohort's rule).");

    const badEdit = await data(ruleAction(args(await post(`/app/cohorts/${rule.id}`, { intent: "update", days: "lots" }), { id: rule.id })));
    expect(badEdit.errors).toEqual({ days: "Enter a whole number" });
    const preview = await data(ruleAction(args(await post(`/app/cohorts/${rule.id}`, { intent: "preview", days: "1" }), { id: rule.id })));
    expect(preview.preview).toMatchObject({ members: 0, visitors: 0 });
    const edit = await data(ruleAction(args(await post(`/app/cohorts/${rule.id}`, { intent: "update", days: "1" }), { id: rule.id })));
    expect(edit).toMatchObject({ errors: {}, message: "Settings saved and the cohort evaluated again." });
    expect(await db.cohortMembership.count({ where: { ruleId: rule.id } })).toBe(0);
    await data(ruleAction(args(await post(`/app/cohorts/${rule.id}`, { intent: "update", days: "30" }), { id: rule.id })));

    const disabled = await data(ruleAction(args(await post(`/app/cohorts/${rule.id}`, { intent: "disable" }), { id: rule.id })));
    expect(disabled.message).toMatch(/^Cohort disabled/);
    const exits = await db.journeyEvent.findMany({ where: { shopId, memberId: member.id, type: "cohort_exited" }, orderBy: { occurredAt: "asc" } });
    expect(exits.map((event) => timelineSentence({ type: event.type, data: JSON.parse(event.data) }, { variant: () => undefined, timezone: "UTC" }))).toEqual([
      "Left the cohort new-buyers, tag roost-new-buyers removed (no longer matches the cohort's rule).",
      "Left the cohort new-buyers, tag roost-new-buyers removed (the cohort was disabled).",
    ]);
    await data(ruleAction(args(await post(`/app/cohorts/${rule.id}`, { intent: "enable" }), { id: rule.id })));
    expect(await db.cohortMembership.count({ where: { ruleId: rule.id } })).toBe(1);

    const deleted = await settle(ruleAction(args(await post(`/app/cohorts/${rule.id}`, { intent: "delete" }), { id: rule.id })));
    expect(deleted).toBeInstanceOf(Response);
    expect(new URL((deleted as Response).headers.get("Location") ?? "", "http://x").pathname).toBe("/app/cohorts");
    expect(await db.cohortRule.count({ where: { id: rule.id } })).toBe(0);
    expect(((await settle(ruleLoader(args(await adminRequest(`/app/cohorts/${rule.id}`, shop), { id: rule.id })))) as Response).status).toBe(404);
  });

  it("the member page excludes and includes a member (404 for another shop's), and the rule page renames the key", async () => {
    const member = await customer(shop, { id: ANA, email: "ana.lima@example.com", firstName: "Ana", lastName: "Lima" });
    await deliver({ topic: "orders/paid", shop, payload: orderPayload({ id: 501, customerId: ANA, processedAt: ago(48), lines: [{ id: 5011, price: "32.00", quantity: 2 }] }) });
    await settle(newAction(args(await post("/app/cohorts/new", { intent: "save-enable", template: "first-purchase", key: "new-buyers", days: "30" }))));
    const rule = await db.cohortRule.findFirstOrThrow({ where: { shopId, key: "new-buyers" } });
    const memberPage = (fields: Record<string, string>, asShop = shop) => post(`/app/members/${member.id}`, fields, asShop).then((request) => memberAction(args(request, { id: member.id })));

    const other = await programShop();
    expect(((await settle(memberPage({ intent: "exclude", ruleId: rule.id }, other.shop))) as Response).status).toBe(404);
    expect(((await settle(memberPage({ intent: "exclude", ruleId: "no-such-rule" }))) as Response).status).toBe(404);
    expect(await db.cohortExclusion.count({ where: { shopId } })).toBe(0);

    expect(await data(memberPage({ intent: "exclude", ruleId: rule.id }))).toEqual({ ok: true, cohort: "exclude" });
    const excluded = await data(memberLoader(args(await adminRequest(`/app/members/${member.id}`, shop), { id: member.id })));
    expect(excluded.cohorts).toEqual([]);
    expect(excluded.excluded).toEqual([{ ruleId: rule.id, tag: "roost-new-buyers", createdAt: expect.any(String) }]);
    expect(await data(memberPage({ intent: "include", ruleId: rule.id }))).toEqual({ ok: true, cohort: "include" });
    const included = await data(memberLoader(args(await adminRequest(`/app/members/${member.id}`, shop), { id: member.id })));
    expect(included).toMatchObject({ cohorts: [expect.objectContaining({ ruleId: rule.id })], excluded: [] });
    // Without an intent the form is the points adjustment, validated as before.
    expect(await data(memberPage({ points: "", reason: "" }))).toMatchObject({ ok: false, errors: { points: expect.any(String) } });

    const badKey = await data(ruleAction(args(await post(`/app/cohorts/${rule.id}`, { intent: "rename", key: "New Buyers" }), { id: rule.id })));
    expect(badKey.errors.key).toMatch(/lower-case/);
    const renamed = await data(ruleAction(args(await post(`/app/cohorts/${rule.id}`, { intent: "rename", key: "first-timers" }), { id: rule.id })));
    expect(renamed).toMatchObject({ errors: {}, message: "Key saved: the tag roost-first-timers replaces the old one on every member's customer." });
    expect(((await settle(ruleAction(args(await post(`/app/cohorts/${rule.id}`, { intent: "rename", key: "x-y" }, other.shop), { id: rule.id })))) as Response).status).toBe(404);
  });

  it("the tag prefix form: a field error, then saved", async () => {
    const refused = await data(listAction(args(await post("/app/cohorts", { cohortTagPrefix: "a b" }))));
    expect(refused).toEqual({ ok: false, errors: { cohortTagPrefix: "Use letters, digits and - _ : . only" } });
    expect(await data(listAction(args(await post("/app/cohorts", { cohortTagPrefix: "loyal_" }))))).toEqual({ ok: true, prefix: "loyal_", changed: true });
    expect((await data(listLoader(args(await adminRequest("/app/cohorts", shop))))).tagPrefix).toBe("loyal_");
    expect(await db.auditLog.count({ where: { shopId, action: "cohorts.tagPrefix.updated" } })).toBe(1);
  });

  it("an abandoned cart on the timeline names the product, never its GID", () => {
    const sentence = timelineSentence(
      { type: "cart_abandoned", data: { cohort: "cart-abandoned-low-stock", variant: CHARCOAL_GID, stock: 1, addedAt: "2026-12-01T10:00:00.000Z", transition: "t" } },
      { variant: (gid) => (gid === CHARCOAL_GID ? "Merino Beanie — Charcoal" : undefined), timezone: "UTC" },
    );
    expect(sentence).toBe("Left Merino Beanie — Charcoal in the cart after adding it on Dec 1, 2026, 10:00 AM, when 1 unit was left, without checking out (cohort cart-abandoned-low-stock).");
    expect(timelineSentence({ type: "something_new", data: { points: 5 } }, { variant: () => undefined, timezone: "UTC" })).toBeNull();
  });
});
