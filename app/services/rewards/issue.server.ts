import { CodeDiscountNodeByCodeQuery, type CodeDiscountNodeByCodeData } from "../../graphql/CodeDiscountNodeByCodeQuery";
import { DiscountCodeBasicCreateMutation, type DiscountCodeBasicCreateData } from "../../graphql/DiscountCodeBasicCreateMutation";
import { DiscountCodeFreeShippingCreateMutation, type DiscountCodeFreeShippingCreateData } from "../../graphql/DiscountCodeFreeShippingCreateMutation";
import { StoreCreditAccountCreditMutation, type StoreCreditAccountCreditData } from "../../graphql/StoreCreditAccountCreditMutation";
import { currencyExponent, formatMinorUnits } from "../../lib/money";
import { isTerminalError, type Job, LeaseLostError } from "../jobs/queue.server";
import { drainNow, type JobContext, type QueueDefinition } from "../jobs/runner.server";
import type { LedgerShop } from "../ledger/types";
import { ShopNotInstalledError } from "../outbox/metafields.server";
import { type AdminBudget, memoryAdminBudget, pacedAdminClient, realSleep, type Sleep } from "../shopify/admin-budget.server";
import { type AdminClient, AdminUserErrors, assertNoUserErrors } from "../shopify/admin-client.server";
import type { AdminClientFactory } from "../shopify/admin.server";
import { describeRedemption, markIssued, type Redemption, REDEMPTIONS_QUEUE, returnRedemption } from "./redeem.server";

// The `redemptions` queue: each reserved redemption becomes a discount code for that customer
// only, or store credit, at Shopify (docs/rewards.md). Shopify's `userErrors` and 401/402/403/
// 404/423 are terminal and return the points at once; throttling, 5xx and network failures are
// retried with the queue's back-off, and once the attempts are spent the points go back too.

export interface RedemptionWriterDeps {
  adminFor: AdminClientFactory;
  adminBudget?: AdminBudget;
  sleep?: Sleep;
}

/** A redemption that cannot be issued as it stands (its member lost the customer, say): the points go back. */
class RedemptionRefused extends Error {
  readonly terminal = true;
}

export function redemptionsQueue(deps: RedemptionWriterDeps): QueueDefinition {
  const budget = deps.adminBudget ?? memoryAdminBudget();
  const sleep = deps.sleep ?? realSleep;
  async function issueJob(job: Job, context: JobContext): Promise<void> {
    const redemption = await context.db.redemption.findUnique({ where: { id: redemptionIdOf(job) } });
    if (!redemption || redemption.status !== "pending") return;
    const shop = await context.db.shop.findUnique({ where: { id: redemption.shopId } });
    if (!shop?.installed) throw new ShopNotInstalledError();
    const member = await context.db.member.findUnique({ where: { id: redemption.memberId }, select: { customerGid: true, redactedAt: true } });
    if (!member?.customerGid || member.redactedAt) throw new RedemptionRefused("the member no longer has a Shopify customer");
    const admin = pacedAdminClient(await deps.adminFor(context.db, shop.domain), { shop: shop.domain, budget, clock: context.clock, sleep });
    if (context.signal.reason instanceof LeaseLostError) throw context.signal.reason;
    const issued = await issue(admin, redemption, member.customerGid, context, job.attempts > 1);
    await markIssued(context.db, shop, redemption.id, issued, context.clock.now());
    context.logger.info({ shop: shop.domain, redemption: redemption.id, type: redemption.rewardType }, "reward issued");
  }

  return {
    queue: REDEMPTIONS_QUEUE,
    async run([job], context) {
      // Answered per job, so a failure is this job's: retried, or its points returned (onFailed).
      try {
        await issueJob(job, context);
        return new Map([[job.id, undefined]]);
      } catch (error) {
        if (error instanceof LeaseLostError) throw error;
        return new Map([[job.id, error instanceof Error ? error : new Error(String(error))]]);
      }
    },
    async onFailed(job, error, context) {
      const redemption = await context.db.redemption.findUnique({ where: { id: redemptionIdOf(job) } });
      if (!redemption) return;
      const shop = await context.db.shop.findUnique({ where: { id: redemption.shopId } });
      if (!shop) return;
      const reason = isTerminalError(error) ? refusal(error) : `Shopify could not be reached after ${job.attempts} attempts`;
      if (await returnRedemption(context, shop as LedgerShop, redemption.id, reason)) {
        context.logger.warn({ shop: shop.domain, redemption: redemption.id, reason }, "reward not issued: the points were returned");
      }
    },
  };
}

function redemptionIdOf(job: Job): string {
  try {
    const payload = JSON.parse(job.payload) as { redemptionId?: unknown };
    if (typeof payload.redemptionId === "string") return payload.redemptionId;
  } catch {
    // reported below
  }
  return job.key;
}

/** What the merchant and the shopper read when Shopify said no. */
function refusal(error: unknown): string {
  if (error instanceof AdminUserErrors) return `Shopify refused the reward: ${error.userErrors.map((item) => item.message).join("; ")}`;
  if (error instanceof ShopNotInstalledError) return "Roost is not installed on the shop";
  return error instanceof Error ? error.message : String(error);
}

async function issue(admin: AdminClient, redemption: Redemption, customerGid: string, context: JobContext, retried: boolean): Promise<{ discountGid?: string; creditGid?: string }> {
  const exponent = currencyExponent(redemption.currency);
  const amount = (minor: number) => formatMinorUnits(minor, exponent);
  if (redemption.rewardType === "store_credit") {
    const data = await admin.request<StoreCreditAccountCreditData>(StoreCreditAccountCreditMutation, {
      id: customerGid,
      creditInput: { creditAmount: { amount: amount(redemption.value ?? 0), currencyCode: redemption.currency }, notify: true },
    });
    assertNoUserErrors(data.storeCreditAccountCredit);
    const transaction = data.storeCreditAccountCredit?.storeCreditAccountTransaction;
    if (!transaction) throw new Error("storeCreditAccountCredit returned no transaction");
    return { creditGid: transaction.id };
  }
  const code = redemption.code;
  if (!code) throw new RedemptionRefused("the redemption has no code");
  // An earlier attempt may have made the code and lost the answer: it is this redemption's (the
  // code is random and stored before the first call), so it is found rather than made twice.
  if (retried) {
    const existing = await admin.request<CodeDiscountNodeByCodeData>(CodeDiscountNodeByCodeQuery, { code });
    if (existing.codeDiscountNodeByCode) return { discountGid: existing.codeDiscountNodeByCode.id };
  }
  const common = {
    title: `Roost reward: ${describeRedemption(redemption)}`.slice(0, 255),
    code,
    startsAt: context.clock.now().toISOString(),
    // For this customer only, once.
    context: { customers: { add: [customerGid] } },
    usageLimit: 1,
    appliesOncePerCustomer: true,
    ...(redemption.minimumSubtotal ? { minimumRequirement: { subtotal: { greaterThanOrEqualToSubtotal: amount(redemption.minimumSubtotal) } } } : {}),
  };
  if (redemption.rewardType === "free_shipping") {
    const data = await admin.request<DiscountCodeFreeShippingCreateData>(DiscountCodeFreeShippingCreateMutation, {
      freeShippingCodeDiscount: { ...common, destination: { all: true } },
    });
    return { discountGid: created(data.discountCodeFreeShippingCreate) };
  }
  const value =
    redemption.rewardType === "percentage"
      ? { percentage: (redemption.value ?? 0) / 100 }
      : { discountAmount: { amount: amount(redemption.value ?? 0), appliesOnEachItem: false } };
  const data = await admin.request<DiscountCodeBasicCreateData>(DiscountCodeBasicCreateMutation, {
    basicCodeDiscount: { ...common, customerGets: { value, items: { all: true } } },
  });
  return { discountGid: created(data.discountCodeBasicCreate) };
}

function created(payload: { codeDiscountNode: { id: string } | null; userErrors: { field?: string[] | null; message: string; code?: string | null }[] } | null): string {
  assertNoUserErrors(payload);
  const id = payload?.codeDiscountNode?.id;
  if (!id) throw new Error("the discount create returned no discount");
  return id;
}

/** Issues what is due now, in this process (tests, the CLI); counts issued and failed. */
export async function issueRedemptionsNow(deps: Parameters<typeof drainNow>[1] & RedemptionWriterDeps, options: { shopId?: string } = {}) {
  return drainNow(redemptionsQueue(deps), deps, options);
}
