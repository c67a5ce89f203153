import { randomBytes } from "node:crypto";
import { type Database, isUniqueViolation } from "../../db.server";
import { currencyExponent, formatMinorUnits } from "../../lib/money";
import { recordAudit } from "../audit.server";
import { queueCohortEvaluation } from "../cohorts/queue.server";
import { enqueue } from "../jobs/queue.server";
import { journey } from "../journeys/journeys.server";
import { lockMember } from "../ledger/grant.server";
import type { LedgerDeps, LedgerShop } from "../ledger/types";
import { queueMetafieldWrite } from "../outbox/metafields.server";
import { describeReward } from "./catalogue.server";

// Redeeming points for a reward (DESIGN, "Rewards"; docs/rewards.md). The request reserves the
// points at once — a `redemption` entry written in the member's lock with the Redemption row and
// the job that creates the code — so two requests can never spend the same points. The
// `redemptions` queue (issue.server.ts) then makes the code or the store credit at Shopify; if
// Shopify refuses, or stays unreachable through the retries, one `returned` entry gives the
// points back. Each request carries its own idempotency key: the same key never spends twice.

export const REDEMPTIONS_QUEUE = "redemptions";
/** Attempts at Shopify before the points go back: 10 s, 1, 5 and 15 minutes apart (about 21 minutes). */
export const REDEMPTION_MAX_ATTEMPTS = 5;

export type Redemption = Awaited<ReturnType<Database["redemption"]["findUniqueOrThrow"]>>;

export const redemptionEntryKey = (redemptionId: string) => `redemption:${redemptionId}`;
export const returnedEntryKey = (redemptionId: string) => `redemption:${redemptionId}:returned`;

export interface RedeemInput {
  memberId: string;
  rewardId: string;
  /** Namespaced by where the request came from: admin:<uuid>, api:<Idempotency-Key>, customer:<key>. */
  idempotencyKey: string;
  actor: string;
}

export type RedeemResult =
  | { ok: true; redemption: Redemption; replayed: boolean }
  | { ok: false; reason: "no-member" | "no-reward" | "reward-disabled" | "no-customer" | "redacted"; message: string }
  | { ok: false; reason: "insufficient"; message: string; balance: number; cost: number }
  | { ok: false; reason: "key-reused"; message: string };

/** Discount codes: 12 characters of an alphabet without look-alikes (no 0/O, 1/I/L), after ROOST-. */
const CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

export function newDiscountCode(): string {
  const bytes = randomBytes(12);
  let code = "";
  for (const byte of bytes) code += CODE_ALPHABET[byte % CODE_ALPHABET.length];
  return `ROOST-${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`;
}

/**
 * Reserves a member's points for a reward and queues its code. A key already used for the same
 * member and reward answers with that redemption (`replayed`); for another, `key-reused`. A
 * balance short of the cost is refused and writes nothing.
 */
export async function redeemReward(deps: LedgerDeps, shop: LedgerShop, input: RedeemInput): Promise<RedeemResult> {
  const { db, clock } = deps;
  const prior = await db.redemption.findUnique({ where: { shopId_idempotencyKey: { shopId: shop.id, idempotencyKey: input.idempotencyKey } } });
  if (prior) return replay(prior, input);
  try {
    return await db.$transaction(
      async (tx): Promise<RedeemResult> => {
        const found = await tx.member.findFirst({ where: { shopId: shop.id, id: input.memberId }, select: { id: true } });
        if (!found) return { ok: false, reason: "no-member", message: "No such member" };
        const reward = await tx.reward.findFirst({ where: { shopId: shop.id, id: input.rewardId } });
        if (!reward) return { ok: false, reason: "no-reward", message: "No such reward" };
        if (!reward.enabled) return { ok: false, reason: "reward-disabled", message: `"${reward.name}" is not available` };
        // The member's lock: concurrent redemptions, awards and claw-backs run one after another.
        const member = await lockMember(tx, found.id);
        // The same key sent twice at once: the second waits here for the first, then answers its
        // redemption (checked before the balance, which the first has just spent).
        const raced = await tx.redemption.findUnique({ where: { shopId_idempotencyKey: { shopId: shop.id, idempotencyKey: input.idempotencyKey } } });
        if (raced) return replay(raced, input);
        if (member.redactedAt) return { ok: false, reason: "redacted", message: "The member's personal data was erased: nothing can be redeemed" };
        if (!member.customerGid) return { ok: false, reason: "no-customer", message: "The member has no Shopify customer to give a code to" };
        if (member.balance < reward.pointsCost) {
          return { ok: false, reason: "insufficient", message: `The balance is ${member.balance} points; "${reward.name}" costs ${reward.pointsCost}`, balance: member.balance, cost: reward.pointsCost };
        }
        const now = clock.now();
        const balance = member.balance - reward.pointsCost;
        const redemption = await tx.redemption.create({
          data: {
            shopId: shop.id,
            memberId: member.id,
            rewardId: reward.id,
            idempotencyKey: input.idempotencyKey,
            points: reward.pointsCost,
            rewardType: reward.type,
            rewardName: reward.name,
            value: reward.value,
            minimumSubtotal: reward.minimumSubtotal,
            currency: shop.currency,
            code: reward.type === "store_credit" ? null : newDiscountCode(),
            actor: input.actor,
            createdAt: now,
          },
        });
        await tx.ledgerEntry.create({
          data: {
            shopId: shop.id,
            memberId: member.id,
            seq: member.ledgerSeq,
            kind: "redemption",
            points: -reward.pointsCost,
            balanceAfter: balance,
            idempotencyKey: redemptionEntryKey(redemption.id),
            reason: reward.name,
            actor: input.actor,
            occurredAt: now,
          },
        });
        await tx.member.update({ where: { id: member.id }, data: { balance } });
        await enqueue(tx, { queue: REDEMPTIONS_QUEUE, key: redemption.id, shopId: shop.id, payload: { redemptionId: redemption.id }, maxAttempts: REDEMPTION_MAX_ATTEMPTS }, now);
        await recordAudit(tx, {
          shopId: shop.id,
          actor: input.actor,
          action: "reward.redeemed",
          details: { memberId: member.id, redemptionId: redemption.id, rewardId: reward.id, points: reward.pointsCost, balance },
          at: now,
        });
        await queueMetafieldWrite(tx, shop.id, member.customerGid, balance, member.tier, now);
        await queueCohortEvaluation(tx, shop, { memberIds: [member.id] }, now);
        return { ok: true, redemption, replayed: false };
      },
      { timeout: 30_000, maxWait: 10_000 },
    );
  } catch (error) {
    // The same key, written by a request that got there first.
    if (!isUniqueViolation(error)) throw error;
    const winner = await db.redemption.findUnique({ where: { shopId_idempotencyKey: { shopId: shop.id, idempotencyKey: input.idempotencyKey } } });
    if (!winner) throw error;
    return replay(winner, input);
  }
}

/** What a redemption gives, in words, on the terms it was redeemed with. */
export const describeRedemption = (redemption: Redemption): string =>
  describeReward({ type: redemption.rewardType, value: redemption.value, minimumSubtotal: redemption.minimumSubtotal }, redemption.currency);

function replay(prior: Redemption, input: RedeemInput): RedeemResult {
  if (prior.memberId !== input.memberId || prior.rewardId !== input.rewardId) {
    return { ok: false, reason: "key-reused", message: "This idempotency key was already used for another redemption" };
  }
  return { ok: true, redemption: prior, replayed: true };
}

/**
 * Shopify made the code (or the credit): the redemption is issued, with what Shopify returned,
 * and the member's timeline gets `reward_redeemed`. Only a pending redemption moves.
 */
export async function markIssued(db: Database, shop: { id: string; currency: string }, redemptionId: string, issued: { discountGid?: string | null; creditGid?: string | null }, now: Date): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const { count } = await tx.redemption.updateMany({
      where: { id: redemptionId, shopId: shop.id, status: "pending" },
      data: { status: "issued", discountGid: issued.discountGid ?? null, creditGid: issued.creditGid ?? null, issuedAt: now, failureReason: null },
    });
    if (count === 0) return false;
    const redemption = await tx.redemption.findUniqueOrThrow({ where: { id: redemptionId } });
    await journey(tx, shop.id, redemption.memberId, "reward_redeemed", `reward_redeemed:${redemption.id}`, now, {
      redemption: redemption.id,
      reward: redemption.rewardName,
      rewardType: redemption.rewardType,
      points: redemption.points,
      code: redemption.code,
      description: describeRedemption(redemption),
    });
    return true;
  });
}

/**
 * Shopify refused, or stayed unreachable through the retries: the redemption fails and one
 * `returned` entry gives the points back (its key makes a second return a no-op).
 */
export async function returnRedemption(deps: Pick<LedgerDeps, "db" | "clock">, shop: LedgerShop, redemptionId: string, reason: string): Promise<boolean> {
  const { db, clock } = deps;
  return db.$transaction(
    async (tx) => {
      const redemption = await tx.redemption.findFirst({ where: { id: redemptionId, shopId: shop.id } });
      if (!redemption || redemption.status !== "pending") return false;
      const member = await lockMember(tx, redemption.memberId);
      const now = clock.now();
      const balance = member.balance + redemption.points;
      await tx.ledgerEntry.create({
        data: {
          shopId: shop.id,
          memberId: member.id,
          seq: member.ledgerSeq,
          kind: "returned",
          points: redemption.points,
          balanceAfter: balance,
          idempotencyKey: returnedEntryKey(redemption.id),
          reason: `${redemption.rewardName}: ${reason}`.slice(0, 500),
          occurredAt: now,
        },
      });
      await tx.member.update({ where: { id: member.id }, data: { balance } });
      await tx.redemption.update({ where: { id: redemption.id }, data: { status: "failed", failureReason: reason.slice(0, 1000), failedAt: now } });
      await queueMetafieldWrite(tx, shop.id, member.customerGid, balance, member.tier, now);
      await queueCohortEvaluation(tx, shop, { memberIds: [member.id] }, now);
      return true;
    },
    { timeout: 30_000, maxWait: 10_000 },
  );
}

/** A redemption as the API, the CLI and the shopper surfaces print it. */
export function redemptionJson(redemption: Redemption) {
  const exponent = currencyExponent(redemption.currency);
  return {
    id: redemption.id,
    status: redemption.status as "pending" | "issued" | "failed",
    points: redemption.points,
    reward_id: redemption.rewardId,
    reward_name: redemption.rewardName,
    reward_type: redemption.rewardType,
    description: describeRedemption(redemption),
    ...(redemption.status === "issued" && redemption.code ? { code: redemption.code } : {}),
    ...(redemption.rewardType === "store_credit" && redemption.value !== null ? { credit: formatMinorUnits(redemption.value, exponent), currency: redemption.currency } : {}),
    ...(redemption.failureReason ? { failure_reason: redemption.failureReason } : {}),
    member_id: redemption.memberId,
    created_at: redemption.createdAt.toISOString(),
    issued_at: redemption.issuedAt?.toISOString() ?? null,
  };
}

export async function listRedemptions(db: Database, shopId: string, options: { memberId?: string; take?: number } = {}): Promise<Redemption[]> {
  return db.redemption.findMany({
    where: { shopId, ...(options.memberId ? { memberId: options.memberId } : {}) },
    orderBy: { createdAt: "desc" },
    take: options.take ?? 100,
  });
}

