import { beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../app/cli/roost.server";
import db from "../app/db.server";
import { customerPayload, orderPayload } from "./fixtures/rest-payloads";
import { deliver } from "./support/deliver";
import { captureCli } from "./support/cli";
import { ANA, ANA_GID, CHARCOAL, CHARCOAL_GID, pixelEvent, shopWithCatalogue } from "./identity/helpers";
import { clockAt, hoursAfter, tagOps, transitionsOf } from "./cohorts/helpers";

// Cohorts from the ops CLI (DESIGN "Cohorts", "Interfaces"): rules created with the admin form's
// validation, listed, their members with the facts that put them there, the sweep run with an
// explicit clock, and rules enabled and disabled.

const ADDED = "2026-11-21T10:00:00.000Z";

let shop: string;
let shopId: string;

beforeEach(async () => {
  ({ shop, shopId } = await shopWithCatalogue());
});

/** Runs the CLI against the test shop with the clock at `at`. */
async function roost(argv: string[], at = hoursAfter(ADDED, 1)) {
  const cli = captureCli();
  const code = await runCli([...argv, "--shop", shop], { ...cli.io, clock: clockAt(at) });
  return { code, ...cli };
}

describe("roost cohorts:create", () => {
  it("creates a rule from a template with parameters given as text, disabled unless --enable", async () => {
    const created = await roost(["cohorts:create", "repeat-purchaser", "--set", "minOrders=3", "--json"]);
    expect(created.stderr()).toBe("");
    expect(created.code).toBe(0);
    const rule = await db.cohortRule.findUniqueOrThrow({ where: { shopId_key: { shopId, key: "repeat-purchaser" } } });
    expect(created.json()).toEqual({ id: rule.id, key: "repeat-purchaser", tag: "roost-repeat-purchaser", template: "repeat-purchaser", params: { minOrders: 3 }, enabled: false, size: 0 });

    // Money as a decimal (stored in minor units), an own key, enabled at once; the change audited.
    const vip = await roost(["cohorts:create", "high-value", "--key", "big-spenders", "--set", "minSpend=250.50", "--set", "days=30", "--enable", "--json"]);
    expect(vip.code).toBe(0);
    expect(vip.json()).toMatchObject({ key: "big-spenders", tag: "roost-big-spenders", template: "high-value", params: { minSpend: 25050, days: 30 }, enabled: true, size: 0 });
    expect(await db.auditLog.findMany({ where: { shopId, action: { startsWith: "cohort." } }, select: { action: true, actor: true }, orderBy: { createdAt: "asc" } })).toEqual([
      { action: "cohort.created", actor: "system:roost-cli" },
      { action: "cohort.created", actor: "system:roost-cli" },
      { action: "cohort.enabled", actor: "system:roost-cli" },
    ]);

    const text = await roost(["cohorts:create", "lapsed"]);
    expect(text.code).toBe(0);
    expect(text.stdout()).toBe("Created lapsed (lapsed, tag roost-lapsed): days=90\nDisabled: cohorts:enable lapsed starts it.\n");
  });

  it("refuses what the admin form refuses, each field error on its own line on stderr, and creates nothing", async () => {
    await roost(["cohorts:create", "lapsed"]);
    for (const [argv, lines] of [
      [["cohorts:create", "cart-abandoned"], [/^ {2}<template>: Choose a template: cart-abandoned-low-stock, vip-scarcity-shopper, /]],
      [
        ["cohorts:create", "cart-abandoned-low-stock", "--set", "hours=0", "--set", "lookbackDays=91"],
        [/^ {2}--set hours: Enter 1 or more$/, /^ {2}--set lookbackDays: Enter 90 or less$/],
      ],
      [["cohorts:create", "high-value", "--set", "minSpend=ten"], [/^ {2}--set minSpend: Enter an amount such as 250 or 250.00 \(USD\)$/]],
      [["cohorts:create", "lapsed", "--set", "days=30"], [/^ {2}--key: A cohort with the key "lapsed" exists already: choose another key$/]],
      [["cohorts:create", "lapsed", "--key", "Lapsed Shoppers"], [/^ {2}--key: Use lower-case letters, digits and single hyphens/]],
      [["cohorts:create", "cart-abandoned-low-stock", "--key", "cart", "--set", "hour=4"], [/^ {2}--set hour: Not a setting of abandoned a cart while the item was low on stock; settings: hours, lookbackDays$/]],
      [["cohorts:create", "tier", "--set", "tier=Platinum"], [/^ {2}--set tier: Choose one of the program's tiers: /]],
    ] as const) {
      const refused = await roost([...argv, "--json"]);
      expect(refused.code, argv.join(" ")).toBe(1);
      expect(refused.stdout()).toBe("");
      const [heading, ...rest] = refused.stderr().trimEnd().split("\n");
      expect(heading).toBe("error: the cohort was not created:");
      expect(rest).toHaveLength(lines.length);
      lines.forEach((line, index) => expect(rest[index]).toMatch(line));
    }
    for (const [argv, error] of [
      [["cohorts:create", "lapsed", "--key", "old", "--set", "days"], /--set takes name=value, such as --set hours=24 \(got "days"\)/],
      [["cohorts:create", "lapsed", "--key", "old", "--set", "days=1", "--set", "days=2"], /--set days is given twice/],
      [["cohorts:create"], /cohorts:create needs a template: cart-abandoned-low-stock, /],
    ] as const) {
      const refused = await roost([...argv]);
      expect(refused.code, argv.join(" ")).toBe(1);
      expect(refused.stderr()).toMatch(error);
    }
    expect(await db.cohortRule.findMany({ where: { shopId }, select: { key: true } })).toEqual([{ key: "lapsed" }]);
  });
});

describe("roost cohorts:list, cohorts:members, cohorts:sweep, cohorts:enable, cohorts:disable", () => {
  it("a low-stock add enters its anonymous visitor at the sweep once its window passes; list and members show it with the reasons", async () => {
    await pixelEvent(shopId, "visitor-1", { name: "product_added_to_cart", at: ADDED, variantGid: CHARCOAL_GID, stock: 3 });
    expect((await roost(["cohorts:create", "cart-abandoned-low-stock", "--set", "hours=4", "--enable"])).code).toBe(0);
    const rule = await db.cohortRule.findUniqueOrThrow({ where: { shopId_key: { shopId, key: "cart-abandoned-low-stock" } } });

    // Three hours after the add the window is still open; five hours after, it has passed.
    const early = await roost(["cohorts:sweep", "--now", hoursAfter(ADDED, 3), "--json"]);
    expect(early.code).toBe(0);
    expect(early.json()).toEqual({ now: hoursAfter(ADDED, 3), shop, shops: [{ shop, entered: 0, exited: 0, rules: [{ key: "cart-abandoned-low-stock", entered: 0, exited: 0 }] }] });
    const swept = await roost(["cohorts:sweep", "--now", "2026-11-21T15:00:00Z", "--json"]);
    expect(swept.json()).toEqual({ now: hoursAfter(ADDED, 5), shop, shops: [{ shop, entered: 1, exited: 0, rules: [{ key: "cart-abandoned-low-stock", entered: 1, exited: 0 }] }] });
    const again = await roost(["cohorts:sweep", "--now", hoursAfter(ADDED, 6)]);
    expect(again.stdout()).toBe(
      [
        `Swept ${shop} as of ${hoursAfter(ADDED, 6)}: 1 shop(s) with an enabled cohort.`,
        "",
        "SHOP" + " ".repeat(shop.length - 2) + "COHORT                    ENTERED  EXITED",
        `${shop}  cart-abandoned-low-stock  0        0`,
        "",
      ].join("\n"),
    );
    const [entry] = await transitionsOf(shopId, rule.id);
    expect(entry).toMatchObject({ direction: "in", cause: "matched", subjectKey: "v:visitor-1", clientId: "visitor-1", memberId: null, stock: 3 });
    expect(await tagOps(shopId)).toEqual([]); // an anonymous visitor has no customer to tag

    const list = await roost(["cohorts:list", "--json"]);
    expect(list.json()).toEqual({
      shop,
      cohorts: [
        {
          id: rule.id,
          key: "cart-abandoned-low-stock",
          tag: "roost-cart-abandoned-low-stock",
          template: "cart-abandoned-low-stock",
          params: { hours: 4, lookbackDays: 14 },
          enabled: true,
          size: 1,
          members: 0,
          visitors: 1,
          lastEvaluatedAt: hoursAfter(ADDED, 6),
        },
      ],
    });
    expect((await roost(["cohorts:list"])).stdout()).toBe(
      [
        "KEY                       TAG                             TEMPLATE                  ENABLED  MEMBERS  VISITORS  LAST EVALUATED            PARAMS",
        `cart-abandoned-low-stock  roost-cart-abandoned-low-stock  cart-abandoned-low-stock  yes      0        1         ${hoursAfter(ADDED, 6)}  hours=4 lookbackDays=14`,
        "",
      ].join("\n"),
    );

    const members = await roost(["cohorts:members", "cart-abandoned-low-stock", "--json"]);
    expect(members.code).toBe(0);
    const why = [
      "Added Merino Beanie — Charcoal to the cart on 2026-11-21 10:00 UTC, when 3 units were left.",
      "No checkout was completed within 4 hours, by 2026-11-21 14:00 UTC.",
      expect.stringMatching(/^Storefront event id: sh-.+\.$/),
    ];
    expect(members.json()).toEqual({
      shop,
      cohort: expect.objectContaining({ key: "cart-abandoned-low-stock", size: 1 }),
      members: [
        {
          kind: "visitor",
          customerGid: null,
          memberId: null,
          email: null,
          clientId: "visitor-1",
          enteredAt: hoursAfter(ADDED, 5),
          facts: { eventId: entry.eventId, eventAt: ADDED, variantGid: CHARCOAL_GID, stock: 3, orderGid: null, value: null },
          why,
        },
      ],
    });
    const text = (await roost(["cohorts:members", "cart-abandoned-low-stock"])).stdout();
    expect(text).toContain("cart-abandoned-low-stock (cart-abandoned-low-stock, tag roost-cart-abandoned-low-stock, enabled): 1 in it\n");
    expect(text).toMatch(/\nvisitor {2}visitor-1 {2}2026-11-21T15:00:00\.000Z {2}Added Merino Beanie — Charcoal to the cart on 2026-11-21 10:00 UTC, when 3 units were left\. No checkout/);
  });

  it("members shows customers by GID and email; enable and disable move everyone, and name an unknown cohort", async () => {
    await deliver({ topic: "customers/create", shop, payload: customerPayload({ id: ANA }) });
    await deliver({ topic: "orders/paid", shop, payload: orderPayload({ id: 501, customerId: ANA, processedAt: "2026-11-20T10:15:00-05:00", lines: [{ id: 5010, price: "32.00", quantity: 1, variantId: CHARCOAL }] }) });
    const member = await db.member.findFirstOrThrow({ where: { shopId, customerGid: ANA_GID } });
    await db.member.update({ where: { id: member.id }, data: { tier: "Gold", balance: 750 } });
    expect((await roost(["cohorts:create", "points-balance", "--set", "minPoints=500"])).code).toBe(0);

    const enabled = await roost(["cohorts:enable", "points-balance", "--json"]);
    expect(enabled.code).toBe(0);
    expect(enabled.json()).toMatchObject({ shop, changed: true, cohort: { key: "points-balance", enabled: true, size: 1 } });
    expect((await roost(["cohorts:enable", "points-balance"])).stdout()).toBe("points-balance is enabled already.\n");

    const members = await roost(["cohorts:members", "points-balance", "--json"]);
    expect(members.json().members).toEqual([
      {
        kind: "member",
        customerGid: ANA_GID,
        memberId: member.id,
        email: member.email,
        clientId: null,
        enteredAt: hoursAfter(ADDED, 1),
        facts: { eventId: null, eventAt: null, variantGid: null, stock: null, orderGid: null, value: 750 },
        why: ["Held 750 points (at least 500)."],
      },
    ]);
    expect((await roost(["cohorts:members", "points-balance"])).stdout()).toContain(`member  ${ANA_GID} (${member.email})  ${hoursAfter(ADDED, 1)}  Held 750 points (at least 500).`);

    // The order by its name in the mirror.
    expect((await roost(["cohorts:create", "first-purchase", "--enable", "--json"])).json()).toMatchObject({ enabled: true, size: 1 });
    expect((await roost(["cohorts:members", "first-purchase", "--json"])).json().members).toMatchObject([
      { kind: "member", customerGid: ANA_GID, facts: { orderGid: "gid://shopify/Order/501", eventAt: "2026-11-20T15:15:00.000Z", value: 1 }, why: ["First paid order #1501 on 2026-11-20 15:15 UTC, within the last 30 days."] },
    ]);
    expect((await roost(["cohorts:disable", "first-purchase"], hoursAfter(ADDED, 2))).code).toBe(0);

    const disabled = await roost(["cohorts:disable", "points-balance"], hoursAfter(ADDED, 2));
    expect(disabled.code).toBe(0);
    expect(disabled.stdout()).toBe("Disabled points-balance: everyone left it; removing the tag roost-points-balance from its customers is queued.\n");
    expect(await db.cohortMembership.count({ where: { shopId } })).toBe(0);
    // Queued at the same clock time, the two cohorts' operations have no order between them.
    const ops = (await tagOps(shopId)).map((op) => [op.customerGid, op.tag, op.op]);
    expect(ops.filter(([, tag]) => tag === "roost-points-balance")).toEqual([
      [ANA_GID, "roost-points-balance", "add"],
      [ANA_GID, "roost-points-balance", "remove"],
    ]);
    expect(ops.filter(([, tag]) => tag === "roost-first-purchase")).toEqual([
      [ANA_GID, "roost-first-purchase", "add"],
      [ANA_GID, "roost-first-purchase", "remove"],
    ]);
    expect((await roost(["cohorts:list", "--json"])).json().cohorts).toMatchObject([
      { key: "points-balance", enabled: false, size: 0, members: 0, visitors: 0 },
      { key: "first-purchase", enabled: false, size: 0, members: 0, visitors: 0 },
    ]);

    for (const [argv, error] of [
      [["cohorts:enable", "vip"], new RegExp(`^error: unknown cohort "vip" in ${shop.replace(/\./g, "\\.")} \\(cohorts:list shows the keys\\)\n$`)],
      [["cohorts:disable", "vip"], /unknown cohort "vip"/],
      [["cohorts:members", "vip"], /unknown cohort "vip"/],
      [["cohorts:disable"], /cohorts:disable needs a cohort key/],
      [["cohorts:members", "points-balance", "--limit", "0"], /--limit must be a whole number from 1 to 1000/],
      [["cohorts:sweep", "--now", "yesterday"], /--now must be an ISO 8601 time with its offset, such as 2026-12-05T12:00:00Z \(got "yesterday"\)/],
      [["cohorts:sweep", "--now", "2026-11-21T10:00:00"], /--now must be an ISO 8601 time with its offset/],
      [["cohorts:sweep", "--now", "2026-13-40T10:00:00Z"], /--now must be an ISO 8601 time/],
    ] as const) {
      const refused = await roost([...argv, "--json"]);
      expect(refused.code, argv.join(" ")).toBe(1);
      expect(refused.stdout()).toBe("");
      expect(refused.stderr()).toMatch(error);
    }
  });
});

describe("roost cohorts:rename, cohorts:exclude, cohorts:include", () => {
  it("renames a cohort's key (its tag moves on the customers) and takes a member out and back in by email", async () => {
    await deliver({ topic: "customers/create", shop, payload: customerPayload({ id: ANA }) });
    const member = await db.member.findFirstOrThrow({ where: { shopId, customerGid: ANA_GID } });
    await db.member.update({ where: { id: member.id }, data: { balance: 750 } });
    expect((await roost(["cohorts:create", "points-balance", "--set", "minPoints=500", "--enable"])).code).toBe(0);

    const renamed = await roost(["cohorts:rename", "points-balance", "big-balance", "--json"]);
    expect(renamed.code).toBe(0);
    expect(renamed.json()).toMatchObject({ shop, from: "points-balance", cohort: { key: "big-balance", tag: "roost-big-balance", size: 1 } });
    expect((await db.job.findMany({ where: { shopId, queue: "tags", key: { startsWith: "sync:" } } })).map((job) => JSON.parse(job.payload))).toEqual([{ customerGid: ANA_GID, op: "sync" }]);
    expect((await roost(["cohorts:rename", "big-balance", "Big Balance"])).stderr()).toMatch(/^error: the cohort was not renamed: Use lower-case letters/);

    const excluded = await roost(["cohorts:exclude", "big-balance", "--email", member.email!.toUpperCase(), "--json"]);
    expect(excluded.code).toBe(0);
    expect(excluded.json()).toEqual({ shop, cohort: "big-balance", tag: "roost-big-balance", email: member.email, customerGid: ANA_GID, excluded: true, changed: true, inCohort: false });
    expect((await roost(["cohorts:exclude", "big-balance", "--email", member.email!])).stdout()).toBe(`${member.email} is excluded from big-balance already.\n`);
    const included = await roost(["cohorts:include", "big-balance", "--email", member.email!]);
    expect(included.stdout()).toBe(`${member.email} may enter big-balance again: in it now, the tag roost-big-balance is being written.\n`);
    // At one clock time: entered, left (excluded), entered again.
    expect((await transitionsOf(shopId, (await db.cohortRule.findFirstOrThrow({ where: { shopId } })).id)).map((t) => `${t.direction} ${t.cause}`).sort()).toEqual(["in matched", "in matched", "out excluded"]);
    for (const [argv, error] of [
      [["cohorts:exclude", "big-balance"], /cohorts:exclude needs --email <address> of the member/],
      [["cohorts:exclude", "big-balance", "--email", "nobody@example.com"], /No member with email nobody@example.com/],
      [["cohorts:include", "vip", "--email", "nobody@example.com"], /unknown cohort "vip"/],
      [["cohorts:rename", "big-balance"], /cohorts:rename needs the new key/],
    ] as const) {
      const refused = await roost([...argv]);
      expect(refused.code, argv.join(" ")).toBe(1);
      expect(refused.stderr()).toMatch(error);
    }
  });
});
