import { describe, expect, it } from "vitest";
import { runCli } from "../app/cli/roost.server";
import db from "../app/db.server";
import { systemClock } from "../app/lib/clock";
import { logger } from "../app/lib/logger.server";
import { enrolCustomer } from "../app/services/identity/members.server";
import { adjustPoints } from "../app/services/ledger/adjustment.server";
import { markIssued, redeemReward, returnRedemption } from "../app/services/rewards/redeem.server";
import { captureCli } from "./support/cli";
import { installTestShop, uniqueShop } from "./support/shopify";

// rewards:create, rewards:list and redemptions:list (docs/rewards.md, "From the CLI").

const NOW = new Date("2026-12-05T12:30:00Z");
const clock = { now: () => NOW };

async function run(argv: string[]) {
  const cli = captureCli();
  const code = await runCli(argv, { ...cli.io, clock });
  return { code, ...cli };
}

async function newShop(currency = "USD") {
  const shop = uniqueShop("cli-rewards");
  await installTestShop(shop, { currency });
  return shop;
}

/** A member who is a Shopify customer, with `points` from an adjustment. */
async function member(shop: string, customerId: number, points: number) {
  const row = await db.shop.findUniqueOrThrow({ where: { domain: shop } });
  const enrolled = await enrolCustomer(db, row, { gid: `gid://shopify/Customer/${customerId}`, email: `member-${customerId}@example.com` });
  if (!enrolled) throw new Error("not enrolled");
  await adjustPoints({ db, clock: systemClock, logger }, row, { memberId: enrolled.id, points, reason: "test", actor: "test" });
  return enrolled.id;
}

const shopIdOf = async (domain: string) => (await db.shop.findUniqueOrThrow({ where: { domain } })).id;
const rewardCount = async (domain: string) => db.reward.count({ where: { shopId: await shopIdOf(domain) } });

async function createdReward(shop: string, flags: string[]) {
  const result = await run(["rewards:create", "--shop", shop, ...flags, "--json"]);
  expect(result.stderr()).toBe("");
  expect(result.code).toBe(0);
  return result.json().reward as { id: string; name: string; points_cost: number };
}

describe("npm run roost rewards:create", () => {
  it("adds each type of reward, printed as JSON with amounts as decimal strings of the shop's currency, and audited", async () => {
    const shop = await newShop();
    const fixed = await run(["rewards:create", "--shop", shop, "--type", "fixed_amount", "--value", "5", "--cost", "500", "--minimum", "25.00", "--json"]);

    expect(fixed.code).toBe(0);
    expect(fixed.stderr()).toBe("");
    const { reward } = fixed.json();
    expect(fixed.json()).toEqual({
      shop,
      reward: {
        id: reward.id,
        type: "fixed_amount",
        name: "$5.00 off",
        points_cost: 500,
        value: "5.00",
        minimum_subtotal: "25.00",
        currency: "USD",
        enabled: true,
        description: "$5.00 off on orders of $25.00 or more",
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      },
    });
    const row = await db.reward.findUniqueOrThrow({ where: { id: reward.id } });
    expect(row).toMatchObject({ type: "fixed_amount", pointsCost: 500, value: 500, minimumSubtotal: 2500, enabled: true });
    expect(await db.auditLog.findMany({ where: { shopId: row.shopId }, select: { action: true, actor: true } })).toEqual([{ action: "reward.created", actor: "system:roost-cli" }]);

    const percentage = await createdReward(shop, ["--type", "percentage", "--value", "10", "--cost", "800", "--name", "Ten percent off"]);
    const shipping = await createdReward(shop, ["--type", "free_shipping", "--cost", "300"]);
    const credit = await createdReward(shop, ["--type", "store_credit", "--value", "2.50", "--cost", "250"]);
    expect([percentage, shipping, credit]).toMatchObject([
      { type: "percentage", name: "Ten percent off", value: 10, points_cost: 800 },
      { type: "free_shipping", name: "Free shipping", value: null, minimum_subtotal: null, points_cost: 300 },
      { type: "store_credit", name: "$2.50 store credit", value: "2.50", points_cost: 250 },
    ]);
  });

  it("says what it created in words without --json", async () => {
    const shop = await newShop("JPY");
    const { code, stdout } = await run(["rewards:create", "--shop", shop, "--type", "fixed_amount", "--value", "500", "--cost", "50"]);

    expect(code).toBe(0);
    const reward = await db.reward.findFirstOrThrow({ where: { shopId: await shopIdOf(shop) } });
    expect(reward.value).toBe(500);
    expect(stdout()).toBe(`Created reward ${reward.id}: "¥500 off" (¥500 off) for 50 points\n`);
  });

  it("refuses an invalid reward on stderr, naming each flag at fault, with exit 1 and nothing written", async () => {
    const shop = await newShop();
    const cases: [string[], string][] = [
      [[], "error: the reward was not created:\n  --type: Choose a type: fixed_amount, percentage, free_shipping, store_credit\n  --cost: Enter the points it costs, a whole number such as 500\n"],
      [["--type", "percentage", "--value", "150", "--cost", "10"], "error: the reward was not created:\n  --value: Enter a whole percentage from 1 to 100\n"],
      [["--type", "fixed_amount", "--value", "5.001", "--cost", "0"], "error: the reward was not created:\n  --cost: Enter the points it costs, a whole number such as 500\n  --value: Enter an amount in USD greater than 0, such as 5.00\n"],
      [["--type", "free_shipping", "--value", "1", "--cost", "10"], "error: the reward was not created:\n  --value: Free shipping has no value\n"],
      [["--type", "store_credit", "--value", "5", "--cost", "10", "--minimum", "20"], "error: the reward was not created:\n  --minimum: Store credit has no minimum order\n"],
      [["--type", "gift", "--cost", "10"], "error: the reward was not created:\n  --type: Choose a type: fixed_amount, percentage, free_shipping, store_credit\n"],
    ];
    for (const [flags, message] of cases) {
      const result = await run(["rewards:create", "--shop", shop, ...flags, "--json"]);
      expect(result.code, flags.join(" ")).toBe(1);
      expect(result.stderr(), flags.join(" ")).toBe(message);
      expect(result.stdout()).toBe("");
    }
    expect(await rewardCount(shop)).toBe(0);
  });

  it("refuses an unknown shop with exit 1, and an unknown flag or a flag without its value with exit 2 and the usage", async () => {
    const unknown = await run(["rewards:create", "--shop", "nope.myshopify.com", "--type", "free_shipping", "--cost", "10"]);
    expect([unknown.code, unknown.stderr()]).toEqual([1, "error: Unknown shop nope.myshopify.com\n"]);

    const shop = await newShop();
    const unknownFlag = await run(["rewards:create", "--shop", shop, "--type", "free_shipping", "--cost", "10", "--points", "10"]);
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr()).toMatch(/Unknown option '--points'[\s\S]*rewards:create --type T/);
    const noValue = await run(["rewards:create", "--shop", shop, "--type", "free_shipping", "--cost"]);
    expect(noValue.code).toBe(2);
    expect(noValue.stderr()).toMatch(/--cost/);
    expect(await rewardCount(shop)).toBe(0);
  });
});

describe("npm run roost rewards:list", () => {
  it("lists the catalogue as JSON, enabled first and cheapest first, and as a table", async () => {
    const shop = await newShop();
    const dear = await createdReward(shop, ["--type", "percentage", "--value", "10", "--cost", "800"]);
    const cheap = await createdReward(shop, ["--type", "free_shipping", "--cost", "300"]);
    const off = await createdReward(shop, ["--type", "fixed_amount", "--value", "1", "--cost", "10", "--name", "Retired"]);
    await db.reward.update({ where: { id: off.id }, data: { enabled: false } });
    // Another shop's rewards are not listed.
    await createdReward(await newShop(), ["--type", "free_shipping", "--cost", "1"]);

    const listed = await run(["rewards:list", "--shop", shop, "--json"]);
    expect(listed.code).toBe(0);
    expect(listed.json().shop).toBe(shop);
    expect(listed.json().rewards.map((reward: { id: string; enabled: boolean }) => [reward.id, reward.enabled])).toEqual([
      [cheap.id, true],
      [dear.id, true],
      [off.id, false],
    ]);
    expect(Object.keys(listed.json().rewards[0]).sort()).toEqual(["created_at", "currency", "description", "enabled", "id", "minimum_subtotal", "name", "points_cost", "type", "value"]);

    const text = await run(["rewards:list", "--shop", shop]);
    const lines = text.stdout().trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID\s+NAME\s+TYPE\s+GIVES\s+COST\s+STATE$/);
    expect(lines.slice(1).map((line) => line.split(/\s{2,}/))).toEqual([
      [cheap.id, "Free shipping", "free_shipping", "Free shipping", "300", "enabled"],
      [dear.id, "10% off", "percentage", "10% off", "800", "enabled"],
      [off.id, "Retired", "fixed_amount", "$1.00 off", "10", "disabled"],
    ]);
  });

  it("prints (none) for an empty catalogue and [] as JSON, and needs --shop when several shops exist", async () => {
    const shop = await newShop();
    expect((await run(["rewards:list", "--shop", shop])).stdout()).toBe("(none)\n");
    expect((await run(["rewards:list", "--shop", shop, "--json"])).json()).toEqual({ shop, rewards: [] });

    await newShop();
    const ambiguous = await run(["rewards:list"]);
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr()).toMatch(/^error: \d+ shops exist: pass --shop <domain>\n$/);
  });
});

describe("npm run roost redemptions:list", () => {
  async function redemptions() {
    const shop = await newShop();
    const row = await db.shop.findUniqueOrThrow({ where: { domain: shop } });
    const ana = await member(shop, 9001, 1000);
    const ben = await member(shop, 9002, 1000);
    const fiveOff = await createdReward(shop, ["--type", "fixed_amount", "--value", "5", "--cost", "300"]);
    const shipping = await createdReward(shop, ["--type", "free_shipping", "--cost", "100"]);
    const deps = { db, clock: systemClock, logger };
    const redeem = async (memberId: string, rewardId: string, key: string) => {
      const result = await redeemReward(deps, row, { memberId, rewardId, idempotencyKey: key, actor: "test" });
      if (!result.ok) throw new Error(result.message);
      return result.redemption;
    };
    const issued = await redeem(ana, fiveOff.id, "admin:1");
    await markIssued(db, row, issued.id, { discountGid: "gid://shopify/DiscountCodeNode/1" }, new Date());
    // Newest first: the list orders by creation time.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const failed = await redeem(ana, shipping.id, "admin:2");
    await returnRedemption(deps, row, failed.id, "Shopify refused the reward: Customer does not exist");
    await new Promise((resolve) => setTimeout(resolve, 5));
    const pending = await redeem(ben, shipping.id, "api:3");
    return { shop, ana, ben, issued, failed, pending };
  }

  it("lists the shop's redemptions as JSON, newest first, with the code once issued and the reason a failed one gives", async () => {
    const { shop, ana, ben, issued, failed, pending } = await redemptions();
    const { code, json, stderr } = await run(["redemptions:list", "--shop", shop, "--json"]);

    expect(code).toBe(0);
    expect(stderr()).toBe("");
    expect(json().shop).toBe(shop);
    const listed = json().redemptions;
    expect(listed.map((redemption: { id: string }) => redemption.id)).toEqual([pending.id, failed.id, issued.id]);
    expect(listed[0]).toEqual({
      id: pending.id,
      status: "pending",
      points: 100,
      reward_id: pending.rewardId,
      reward_name: "Free shipping",
      reward_type: "free_shipping",
      description: "Free shipping",
      member_id: ben,
      created_at: pending.createdAt.toISOString(),
      issued_at: null,
    });
    expect(listed[1]).toMatchObject({ status: "failed", member_id: ana, failure_reason: "Shopify refused the reward: Customer does not exist" });
    expect(listed[1].code).toBeUndefined();
    expect(listed[2]).toMatchObject({ status: "issued", member_id: ana, points: 300, code: issued.code, description: "$5.00 off" });
    expect(listed[2].code).toMatch(/^ROOST-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);

    const ofBen = await run(["redemptions:list", "--shop", shop, "--member", ben, "--json"]);
    expect(ofBen.json().redemptions.map((redemption: { id: string }) => redemption.id)).toEqual([pending.id]);
    const newest = await run(["redemptions:list", "--shop", shop, "--limit", "2", "--json"]);
    expect(newest.json().redemptions.map((redemption: { id: string }) => redemption.id)).toEqual([pending.id, failed.id]);
  });

  it("prints a table without --json: the code of an issued one, the reason of a failed one", async () => {
    const { shop, ana, issued, failed } = await redemptions();
    const { code, stdout } = await run(["redemptions:list", "--shop", shop, "--member", ana]);

    expect(code).toBe(0);
    const lines = stdout().trimEnd().split("\n");
    expect(lines[0]).toMatch(/^CREATED\s+ID\s+MEMBER\s+REWARD\s+POINTS\s+STATUS\s+CODE \/ FAILURE$/);
    expect(lines.slice(1).map((line) => line.split(/\s{2,}/))).toEqual([
      [failed.createdAt.toISOString(), failed.id, ana, "Free shipping", "100", "failed", "Shopify refused the reward: Customer does not exist"],
      [issued.createdAt.toISOString(), issued.id, ana, "$5.00 off", "300", "issued", issued.code],
    ]);
  });

  it("refuses an unknown or another shop's member and a bad --limit on stderr with exit 1", async () => {
    const { shop } = await redemptions();
    const otherShop = await newShop();
    const stranger = await member(otherShop, 9003, 10);
    const cases: [string[], string][] = [
      [["--member", "no-such-member"], `error: No member no-such-member in ${shop}\n`],
      [["--member", stranger], `error: No member ${stranger} in ${shop}\n`],
      [["--limit", "0"], "error: --limit takes a whole number from 1 to 1000\n"],
      [["--limit", "ten"], "error: --limit takes a whole number from 1 to 1000\n"],
    ];
    for (const [flags, message] of cases) {
      const result = await run(["redemptions:list", "--shop", shop, ...flags, "--json"]);
      expect(result.code, flags.join(" ")).toBe(1);
      expect(result.stderr()).toBe(message);
      expect(result.stdout()).toBe("");
    }
    expect((await run(["redemptions:list", "--shop", otherShop, "--json"])).json()).toEqual({ shop: otherShop, redemptions: [] });
  });
});
