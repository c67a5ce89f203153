import { beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { action, loader } from "../../app/routes/app.rewards";
import { adminRequest } from "../support/shopify";
import { args, programShop, settle } from "../members/helpers";

// The Rewards page (docs/rewards.md, "The catalogue"): the list, adding and editing through
// RewardForm with parseReward's errors on their fields, enabling and disabling; each change audited.

let shop: string;
let shopId: string;

const load = async (asShop = shop) => loader(args(await adminRequest("/app/rewards", asShop)));
const post = async (fields: Record<string, string>, asShop = shop) =>
  settle(action(args(await adminRequest("/app/rewards", asShop, { method: "POST", body: new URLSearchParams(fields) }))));
const create = (fields: Record<string, string>) => post({ intent: "create", name: "", value: "", minimumSubtotal: "", ...fields });
const audit = async () =>
  (await db.auditLog.findMany({ where: { shopId, action: { startsWith: "reward." } }, orderBy: { createdAt: "asc" } })).map((row) => [row.action, row.actor, JSON.parse(row.details).name]);

beforeEach(async () => {
  ({ shop, shopId } = await programShop());
});

describe("the Rewards page", () => {
  it("starts empty and offers the four types", async () => {
    const page = await load();
    expect(page.rewards).toEqual([]);
    expect(page.currency).toBe("USD");
    expect(page.full).toBe(false);
    expect(page.types).toEqual([
      { value: "fixed_amount", label: "Amount off" },
      { value: "percentage", label: "Percentage off" },
      { value: "free_shipping", label: "Free shipping" },
      { value: "store_credit", label: "Store credit" },
    ]);
  });

  it("refuses a reward field by field, and saves nothing", async () => {
    expect(await create({ type: "fixed_amount", pointsCost: "", value: "0", minimumSubtotal: "abc" })).toEqual({
      ok: false,
      intent: "create",
      rewardId: "",
      errors: {
        pointsCost: "Enter the points it costs, a whole number such as 500",
        value: "Enter an amount in USD greater than 0, such as 5.00",
        minimumSubtotal: "Enter an amount in USD greater than 0, or leave it empty",
      },
    });
    expect(await create({ type: "percentage", pointsCost: "1.5", value: "150" })).toMatchObject({
      ok: false,
      errors: { pointsCost: "Enter the points it costs, a whole number such as 500", value: "Enter a whole percentage from 1 to 100" },
    });
    expect(await create({ type: "store_credit", pointsCost: "100", value: "5", minimumSubtotal: "20", name: "x".repeat(101) })).toMatchObject({
      ok: false,
      errors: { minimumSubtotal: "Store credit has no minimum order", name: "Keep the name under 100 characters" },
    });
    expect(await create({ type: "gift", pointsCost: "100" })).toMatchObject({ ok: false, errors: { type: "Choose a type: fixed_amount, percentage, free_shipping, store_credit" } });
    expect((await load()).rewards).toEqual([]);
    expect(await audit()).toEqual([]);
  });

  it("adds rewards and lists them with their type, what they give, cost, minimum and status", async () => {
    expect(await create({ type: "fixed_amount", name: "$5 off your next order", pointsCost: "500", value: "5", minimumSubtotal: "25" })).toEqual({
      ok: true,
      intent: "create",
      message: "$5 off your next order added to the rewards: 500 points.",
    });
    // An empty name is the reward described.
    expect(await create({ type: "free_shipping", pointsCost: "300" })).toMatchObject({ ok: true, message: "Free shipping added to the rewards: 300 points." });
    await create({ type: "percentage", name: "10% off", pointsCost: "1000", value: "10" });
    const { rewards } = await load();
    expect(rewards.map(({ id: _id, form: _form, ...row }) => row)).toEqual([
      { name: "Free shipping", type: "Free shipping", gives: "Free shipping", pointsCost: 300, minimum: null, enabled: true },
      { name: "$5 off your next order", type: "Amount off", gives: "$5.00 off", pointsCost: 500, minimum: "$25.00", enabled: true },
      { name: "10% off", type: "Percentage off", gives: "10% off", pointsCost: 1000, minimum: null, enabled: true },
    ]);
    // The form edits amounts as decimals of the shop's currency.
    expect(rewards[1].form).toEqual({ id: rewards[1].id, type: "fixed_amount", name: "$5 off your next order", pointsCost: "500", value: "5.00", minimumSubtotal: "25.00" });
    expect((await audit()).sort()).toEqual([
      ["reward.created", "staff user 12345 via admin", "$5 off your next order"],
      ["reward.created", "staff user 12345 via admin", "10% off"],
      ["reward.created", "staff user 12345 via admin", "Free shipping"],
    ]);
  });

  it("edits a reward without changing whether it is enabled, disables and enables it, audited", async () => {
    await create({ type: "fixed_amount", name: "$5 off", pointsCost: "500", value: "5" });
    const [{ id }] = (await load()).rewards;
    expect(await post({ intent: "disable", rewardId: id })).toEqual({ ok: true, intent: "disable", message: "$5 off is disabled: members can no longer redeem it." });
    expect(await post({ intent: "update", rewardId: id, type: "fixed_amount", name: "$7 off", pointsCost: "650", value: "7", minimumSubtotal: "" })).toEqual({
      ok: true,
      intent: "update",
      message: "$7 off saved. Codes already issued keep their terms.",
    });
    expect((await load()).rewards.map(({ name, gives, pointsCost, enabled }) => ({ name, gives, pointsCost, enabled }))).toEqual([
      { name: "$7 off", gives: "$7.00 off", pointsCost: 650, enabled: false },
    ]);
    // An edit's errors come back with the reward they belong to, so its form stays open.
    expect(await post({ intent: "update", rewardId: id, type: "fixed_amount", name: "$7 off", pointsCost: "0", value: "7" })).toMatchObject({
      ok: false,
      intent: "update",
      rewardId: id,
      errors: { pointsCost: "Enter the points it costs, a whole number such as 500" },
    });
    expect(await post({ intent: "enable", rewardId: id })).toMatchObject({ ok: true, message: "$7 off is enabled: members can redeem it." });
    expect((await load()).rewards[0].enabled).toBe(true);
    expect((await audit()).map(([action, , name]) => [action, name])).toEqual([
      ["reward.created", "$5 off"],
      ["reward.disabled", "$5 off"],
      ["reward.updated", "$7 off"],
      ["reward.updated", "$7 off"],
    ]);
  });

  it("answers 404 for another shop's reward and 400 for an unknown form", async () => {
    await create({ type: "free_shipping", pointsCost: "300" });
    const [{ id }] = (await load()).rewards;
    const { shop: other } = await programShop();
    for (const intent of ["disable", "update"]) {
      const answer = await post({ intent, rewardId: id, type: "free_shipping", pointsCost: "1" }, other);
      expect(answer).toBeInstanceOf(Response);
      expect((answer as Response).status).toBe(404);
    }
    expect((await load(other)).rewards).toEqual([]);
    expect((await load()).rewards[0]).toMatchObject({ pointsCost: 300, enabled: true });
    const unknown = await post({ intent: "delete", rewardId: id });
    expect((unknown as Response).status).toBe(400);
  });
});
