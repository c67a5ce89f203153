import { createReward, listRewards, parseReward, type RewardErrors, rewardJson } from "../services/rewards/catalogue.server";
import { listRedemptions, redemptionJson } from "../services/rewards/redeem.server";
import { CliError, type Command, type CommandContext, resolveShop, table } from "./command.server";

export const REWARDS_USAGE = `  rewards:create --type T      add a reward to the catalogue (docs/rewards.md). T: fixed_amount,
       --cost P [--value V]    percentage, free_shipping or store_credit; P its points cost; V an
       [--name N]              amount in the shop's currency (fixed_amount, store_credit) or a whole
       [--minimum M]           percent (percentage), none for free_shipping; N the name shoppers see
                               (default: what it gives); M a minimum order subtotal (codes only)
  rewards:list                 the catalogue, enabled first, cheapest first
  redemptions:list             redemptions, newest first (the newest N, default 100), with status,
       [--member ID]           points and, once issued, the code; --member: that member's only
       [--limit N]`;

/** Who the audit log names for a change made from the CLI. */
const ACTOR = "system:roost-cli";

/** Each field of the reward, as the flag that sets it. */
const FLAG_OF: Record<keyof RewardErrors, string> = {
  type: "--type",
  name: "--name",
  pointsCost: "--cost",
  value: "--value",
  minimumSubtotal: "--minimum",
  form: "reward",
};

async function shopOf(db: CommandContext["db"], shop: string | undefined) {
  return db.shop.findUniqueOrThrow({ where: { domain: await resolveShop(db, shop) }, select: { id: true, domain: true, currency: true } });
}

const points = (count: number) => `${count.toLocaleString("en-US")} point${count === 1 ? "" : "s"}`;

export const rewardsCommands: Record<string, Command> = {
  "rewards:create": async ({ db, flags }) => {
    const shop = await shopOf(db, flags.shop);
    const parsed = parseReward({ type: flags.type ?? "", name: flags.name, pointsCost: flags.cost ?? "", value: flags.value, minimumSubtotal: flags.minimum }, shop.currency);
    if (!parsed.ok) {
      const lines = Object.entries(parsed.errors).map(([field, message]) => `  ${FLAG_OF[field as keyof RewardErrors]}: ${message}`);
      throw new CliError(["the reward was not created:", ...lines].join("\n"));
    }
    let reward;
    try {
      reward = await createReward(db, shop, parsed.value, ACTOR);
    } catch (error) {
      // The catalogue is full.
      if (error instanceof RangeError) throw new CliError(`the reward was not created: ${error.message}`);
      throw error;
    }
    const json = rewardJson(reward, shop.currency);
    return {
      json: { shop: shop.domain, reward: json },
      text: `Created reward ${reward.id}: "${reward.name}" (${json.description}) for ${points(reward.pointsCost)}`,
    };
  },

  "rewards:list": async ({ db, flags }) => {
    const shop = await shopOf(db, flags.shop);
    const rewards = (await listRewards(db, shop.id)).map((reward) => rewardJson(reward, shop.currency));
    return {
      json: { shop: shop.domain, rewards },
      text: table(
        ["ID", "NAME", "TYPE", "GIVES", "COST", "STATE"],
        rewards.map((reward) => [reward.id, reward.name, reward.type, reward.description, String(reward.points_cost), reward.enabled ? "enabled" : "disabled"]),
      ),
    };
  },

  "redemptions:list": async ({ db, flags }) => {
    const shop = await shopOf(db, flags.shop);
    const limit = flags.limit === undefined ? 100 : Number(flags.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new CliError("--limit takes a whole number from 1 to 1000");
    if (flags.member !== undefined && !(await db.member.findFirst({ where: { shopId: shop.id, id: flags.member }, select: { id: true } }))) {
      throw new CliError(`No member ${flags.member} in ${shop.domain}`);
    }
    const redemptions = (await listRedemptions(db, shop.id, { memberId: flags.member, take: limit })).map(redemptionJson);
    return {
      json: { shop: shop.domain, redemptions },
      text: table(
        ["CREATED", "ID", "MEMBER", "REWARD", "POINTS", "STATUS", "CODE / FAILURE"],
        redemptions.map((redemption) => [
          redemption.created_at,
          redemption.id,
          redemption.member_id,
          redemption.reward_name,
          String(redemption.points),
          redemption.status,
          redemption.code ?? (redemption.status === "failed" ? (redemption.failure_reason ?? "") : ""),
        ]),
      ),
    };
  },
};
