import { type Database, type Db, inTransaction } from "../../db.server";
import { safeAmount, currencyExponent } from "../../lib/money";
import { shopDay } from "../../lib/shop-day";
import { normaliseEmail } from "../identity/email";
import { type Buyer, matchMember } from "../identity/members.server";
import { journey } from "../journeys/journeys.server";
import { type Channel, parseShopSettings, type Program } from "../program/settings";
import { CapStoreUnavailableError, databaseCapStore } from "./cap.server";
import { finishGrant, laterOrderTime, lockMember, noteOrderTime } from "./grant.server";
import { pointsFor } from "./points";
import { tierByName } from "./tiers.server";
import { type LedgerDeps, type LedgerShop, type Member, PAID_STATES } from "./types";

export interface AwardInput {
  /** shopify-order:<gid> or external-order:<channel>:<id>. */
  key: string;
  orderGid?: string | null;
  eligibleAmount: number;
  currency: string;
  processedAt: Date;
  channel: Channel;
  test: boolean;
  financialStatus: string | null;
  backfilled: boolean;
  buyer: Buyer;
  /** The member `buyer` matches, when the caller already has it (saves the look-up). */
  member?: Member | null;
}

export type AwardResult =
  | { status: "awarded"; memberId: string; points: number; capped: number }
  | { status: "held"; memberId: string; points: number }
  | { status: "duplicate"; memberId: string }
  | { status: "unmatched" }
  | { status: "ineligible"; reason: string };

/** Why an order does not earn, or null when it does. */
export function ineligibility(program: Program, shop: LedgerShop, input: AwardInput): string | null {
  if (!program.enabled) return "the program is off";
  if (input.test) return "test order";
  if (!PAID_STATES.has(input.financialStatus ?? "")) return `not paid (${input.financialStatus ?? "unknown"})`;
  if (!program.channels.includes(input.channel)) return `the ${input.channel} channel does not earn`;
  if (input.currency !== shop.currency) return `order currency ${input.currency} is not the shop currency ${shop.currency}`;
  if (input.backfilled && !program.retroactive) return "imported by a backfill (retroactive awards are off)";
  const start = program.startDate ?? shopDay(shop.installedAt, shop.timezone);
  if (shopDay(input.processedAt, shop.timezone) < start && !(input.backfilled && program.retroactive)) {
    return `processed before the program started (${start})`;
  }
  return null;
}

/**
 * A paid order becomes points on its member, exactly once (DESIGN, "Earning", "Daily cap").
 * The multiplier is the member's tier before this order; the entry keeps the terms.
 */
export async function awardOrder(deps: LedgerDeps<Db>, shop: LedgerShop, input: AwardInput): Promise<AwardResult> {
  const { db, clock } = deps;
  const { program } = parseShopSettings(shop.settings);
  const reason = ineligibility(program, shop, input);
  if (reason) return { status: "ineligible", reason };

  // The caller may already hold the buyer's member (enrolled from this order's customer).
  const member = input.member?.shopId === shop.id && !input.member.redactedAt ? input.member : await matchMember(db, shop.id, input.buyer);
  if (!member) {
    await db.unmatchedOrder.upsert({
      where: { shopId_orderKey: { shopId: shop.id, orderKey: input.key } },
      create: { shopId: shop.id, orderKey: input.key, email: normaliseEmail(input.buyer.email), occurredAt: input.processedAt },
      update: {},
    });
    return { status: "unmatched" };
  }
  const existing = await db.ledgerEntry.findFirst({
    where: { shopId: shop.id, idempotencyKey: { in: [input.key, `${input.key}:held`] } },
  });
  if (existing) return { status: "duplicate", memberId: member.id };

  const tier = tierByName(program.tiers, member.tier);
  const exponent = currencyExponent(shop.currency);
  const points = pointsFor(input.eligibleAmount, exponent, program.earnRate, tier.multiplier);
  const day = shopDay(input.processedAt, shop.timezone);
  const terms = {
    orderGid: input.orderGid ?? null,
    eligibleAmount: input.eligibleAmount,
    rate: program.earnRate,
    tier: tier.name,
    multiplier: tier.multiplier,
    capDay: day,
    occurredAt: input.processedAt,
    awardKey: input.key,
  };

  // Held awards are first in line for their day's cap: while the member has some, this one
  // waits behind them (held too), even though the cap store answers now, and the release
  // grants them in the order they were held.
  if (program.dailyCap > 0 && (await hasUnreleasedHeld(db, shop.id, member.id, day))) {
    deps.logger.info({ order: input.key }, "award held behind the member's earlier held awards of the day");
    return holdAward(deps, shop, member, input, points, terms, HELD_BEHIND_REASON);
  }

  // Redis answers outside the award's transaction (inside a caller's, when it opened one: the
  // reservation is kept per award key, so a rolled-back attempt gets the same answer again); the
  // database store answers inside it.
  let externallyGranted: number | null = null;
  if (program.dailyCap > 0 && deps.capStore && deps.capStore !== databaseCapStore) {
    try {
      externallyGranted = await deps.capStore.reserve(
        { shopId: shop.id, memberId: member.id, day, key: input.key, requested: points, cap: program.dailyCap },
        db as Database,
      );
    } catch (error) {
      if (!(error instanceof CapStoreUnavailableError)) throw error;
      deps.logger.warn({ err: error, order: input.key }, "cap store unavailable: award held");
      return holdAward(deps, shop, member, input, points, terms, HELD_UNCHECKED_REASON);
    }
  }

  return inTransaction(db, async (tx): Promise<AwardResult> => {
    const locked = await lockMember(tx, member.id);
    let granted = points;
    if (program.dailyCap > 0) {
      granted = externallyGranted ?? (await databaseCapStore.reserve({ shopId: shop.id, memberId: member.id, day, key: input.key, requested: points, cap: program.dailyCap }, tx as Database));
    }
    const capped = points - granted;
    let balance = safeAmount(locked.balance + granted, "the member's balance");
    let seq = locked.ledgerSeq;
    await tx.ledgerEntry.create({
      data: { shopId: shop.id, memberId: member.id, seq, kind: "earn", points: granted, balanceAfter: balance, idempotencyKey: input.key, withheld: capped, ...terms },
    });
    if (capped > 0) {
      seq += 1;
      await tx.ledgerEntry.create({
        data: { shopId: shop.id, memberId: member.id, seq, kind: "capped", points: 0, balanceAfter: balance, idempotencyKey: `${input.key}:capped`, withheld: capped, ...terms, reason: `daily cap of ${program.dailyCap}` },
      });
    }
    const lastOrderAt = laterOrderTime(locked, input.processedAt);
    balance = await finishGrant(tx, deps, shop, program, locked, { balance, granted, key: input.key, orderGid: input.orderGid ?? null, at: input.processedAt, clock, seq, lastOrderAt });
    return { status: "awarded", memberId: member.id, points: granted, capped };
  });
}

/** Why an award is held: the cap store could not answer, or earlier held awards of the day come first. */
const HELD_UNCHECKED_REASON = "the daily cap could not be checked";
const HELD_BEHIND_REASON = "held behind earlier held awards of the day";

/**
 * Whether the member has a held award for this cap day that is not released yet: one round trip
 * over the member's entries (an index on memberId), each held one's release found by its unique
 * key. No held entry, the usual case, means nothing more to look up.
 */
async function hasUnreleasedHeld(db: Db, shopId: string, memberId: string, day: string): Promise<boolean> {
  const rows = await db.$queryRaw<unknown[]>`
    SELECT 1 FROM "LedgerEntry" AS "held"
    WHERE "held"."shopId" = ${shopId} AND "held"."memberId" = ${memberId} AND "held"."kind" = 'held' AND "held"."capDay" = ${day}
      AND NOT EXISTS (
        SELECT 1 FROM "LedgerEntry" AS "released"
        WHERE "released"."shopId" = "held"."shopId" AND "released"."idempotencyKey" = "held"."awardKey" || ':released'
      )
    LIMIT 1`;
  return rows.length > 0;
}

async function holdAward(
  deps: LedgerDeps<Db>,
  shop: LedgerShop,
  member: Member,
  input: AwardInput,
  points: number,
  terms: Record<string, unknown> & { occurredAt: Date },
  reason: string,
): Promise<AwardResult> {
  return inTransaction(deps.db, async (tx): Promise<AwardResult> => {
    const locked = await lockMember(tx, member.id);
    await noteOrderTime(tx, locked, input.processedAt);
    await tx.ledgerEntry.create({
      data: {
        shopId: shop.id,
        memberId: member.id,
        seq: locked.ledgerSeq,
        kind: "held",
        points: 0,
        balanceAfter: locked.balance,
        idempotencyKey: `${input.key}:held`,
        withheld: points,
        reason,
        ...(terms as object),
        occurredAt: terms.occurredAt,
      },
    });
    await journey(tx, shop.id, member.id, "points_held", `points_held:${input.key}`, input.processedAt, { points, order: input.orderGid ?? null });
    return { status: "held", memberId: member.id, points };
  });
}
