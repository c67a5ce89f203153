import type { Database } from "../../db.server";
import type { Clock } from "../../lib/clock";
import type { Logger } from "../../lib/logger.server";
import { currencyExponent, safeAmount } from "../../lib/money";
import { recordAudit } from "../audit.server";
import { normaliseEmail } from "../mirror/records";
import { type Channel, parseShopSettings, type Program, type Tier } from "../shops/settings";
import { type CapStore, CapStoreUnavailableError, databaseCapStore, shopDay } from "./cap.server";
import { clawbackFor, pointsFor } from "./points";

export interface LedgerShop {
  id: string;
  currency: string;
  timezone: string;
  settings: string;
  installedAt: Date;
}

export interface LedgerDeps {
  db: Database;
  clock: Clock;
  logger: Logger;
  /** Redis when REDIS_URL is set; the database otherwise. */
  capStore?: CapStore;
}

type Tx = Parameters<Parameters<Database["$transaction"]>[0]>[0];
export type Member = Awaited<ReturnType<Database["member"]["findUniqueOrThrow"]>>;
export type LedgerEntry = Awaited<ReturnType<Database["ledgerEntry"]["findUniqueOrThrow"]>>;

const PAID_STATES = new Set(["paid", "partially_refunded", "refunded"]);

// ------------------------------------------------------------------- members

export interface CustomerIdentity {
  gid: string;
  email: string | null;
  firstName?: string | null;
  lastName?: string | null;
  tags?: string[] | null;
}

/** Whether the shop's enrolment rule admits this customer. */
export function isEnrollable(program: Program, customer: CustomerIdentity): boolean {
  if (program.enrolment.mode === "email") return !!normaliseEmail(customer.email);
  const wanted = program.enrolment.tag.toLowerCase();
  return (customer.tags ?? []).some((tag) => tag.toLowerCase() === wanted);
}

/**
 * A member for a Shopify customer Roost has seen, when the enrolment rule admits them. An
 * existing member keeps its record; its contact details follow the customer.
 */
export async function enrolCustomer(db: Database, shop: LedgerShop, customer: CustomerIdentity): Promise<Member | null> {
  const existing = await db.member.findUnique({ where: { shopId_customerGid: { shopId: shop.id, customerGid: customer.gid } } });
  const email = normaliseEmail(customer.email);
  if (existing) {
    if (existing.redactedAt) return existing;
    const changed = {
      ...(email && email !== existing.email ? { email } : {}),
      ...(customer.firstName && customer.firstName !== existing.firstName ? { firstName: customer.firstName } : {}),
      ...(customer.lastName && customer.lastName !== existing.lastName ? { lastName: customer.lastName } : {}),
    };
    // Every order delivery passes through here: write only when the contact details moved.
    if (Object.keys(changed).length === 0) return existing;
    return db.member.update({ where: { id: existing.id }, data: changed });
  }
  const { program } = parseShopSettings(shop.settings);
  if (!isEnrollable(program, customer)) return null;
  // A member created through another channel with the same email becomes this customer's.
  const byEmail = email ? await db.member.findFirst({ where: { shopId: shop.id, email, customerGid: null } }) : null;
  if (byEmail) return db.member.update({ where: { id: byEmail.id }, data: { customerGid: customer.gid } });
  try {
    return await db.member.create({
      data: {
        shopId: shop.id,
        customerGid: customer.gid,
        email,
        firstName: customer.firstName ?? null,
        lastName: customer.lastName ?? null,
        tier: program.tiers[0].name,
      },
    });
  } catch {
    // Created concurrently by another delivery for the same customer.
    return db.member.findUnique({ where: { shopId_customerGid: { shopId: shop.id, customerGid: customer.gid } } });
  }
}

export interface Buyer {
  customerGid?: string | null;
  externalId?: string | null;
  email?: string | null;
}

/** DESIGN, "Members": by customer GID, then external id, then normalised email. Never guessed. */
export async function matchMember(db: Database, shopId: string, buyer: Buyer): Promise<Member | null> {
  if (buyer.customerGid) {
    const member = await db.member.findUnique({ where: { shopId_customerGid: { shopId, customerGid: buyer.customerGid } } });
    if (member) return member;
  }
  if (buyer.externalId) {
    const member = await db.member.findUnique({ where: { shopId_externalId: { shopId, externalId: buyer.externalId } } });
    if (member) return member;
  }
  const email = normaliseEmail(buyer.email);
  if (email) {
    const matches = await db.member.findMany({ where: { shopId, email }, take: 2 });
    // Two members sharing an email is ambiguous: no guess.
    if (matches.length === 1) return matches[0];
  }
  return null;
}

// ------------------------------------------------------------------- tiers

export function tierByName(tiers: Tier[], name: string): Tier {
  return tiers.find((tier) => tier.name === name) ?? tiers[0];
}

export function tierForPoints(tiers: Tier[], points: number): Tier {
  let reached = tiers[0];
  for (const tier of tiers) if (points >= tier.threshold) reached = tier;
  return reached;
}

/** Points earned net of claw-backs over the trailing 365 days (adjustments excluded). */
export async function trailingEarned(db: Database | Tx, shopId: string, memberId: string, now: Date): Promise<number> {
  const since = new Date(now.getTime() - 365 * 24 * 3600_000);
  const sum = await db.ledgerEntry.aggregate({
    where: { shopId, memberId, kind: { in: ["earn", "released", "clawback"] }, occurredAt: { gte: since } },
    _sum: { points: true },
  });
  return sum._sum.points ?? 0;
}

// ------------------------------------------------------------------- earning

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
export async function awardOrder(deps: LedgerDeps, shop: LedgerShop, input: AwardInput): Promise<AwardResult> {
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

  // Redis answers outside the transaction; the database store answers inside it.
  let externallyGranted: number | null = null;
  if (program.dailyCap > 0 && deps.capStore && deps.capStore !== databaseCapStore) {
    try {
      externallyGranted = await deps.capStore.reserve(
        { shopId: shop.id, memberId: member.id, day, key: input.key, requested: points, cap: program.dailyCap },
        db,
      );
    } catch (error) {
      if (!(error instanceof CapStoreUnavailableError)) throw error;
      deps.logger.warn({ err: error, order: input.key }, "cap store unavailable: award held");
      return holdAward(deps, shop, member, input, points, terms, HELD_UNCHECKED_REASON);
    }
  }

  return db.$transaction(async (tx): Promise<AwardResult> => {
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
    balance = await finishGrant(tx, deps, shop, program, locked, { balance, granted, key: input.key, orderGid: input.orderGid ?? null, at: input.processedAt, clock, seq });
    return { status: "awarded", memberId: member.id, points: granted, capped };
  });
}

/**
 * Locks the member for this transaction and reserves the next ledger position: the returned
 * `ledgerSeq` is the `seq` of the first entry the transaction writes. A transaction that writes
 * a second entry (an award's capped sibling) uses `ledgerSeq + 1` and stores it with the member's
 * new balance. A rolled-back transaction reserved nothing; one that writes no entry after all
 * leaves a gap, which keeps the order monotonic.
 */
async function lockMember(tx: Tx, memberId: string): Promise<Member> {
  // An update takes the row lock on PostgreSQL (and the write lock on SQLite), so awards and
  // claw-backs for one member run one after the other.
  return tx.member.update({ where: { id: memberId }, data: { ledgerSeq: { increment: 1 }, updatedAt: new Date() } });
}

/** After points are granted: balance, journey, tier promotion, metafield write-back. */
async function finishGrant(
  tx: Tx,
  deps: LedgerDeps,
  shop: LedgerShop,
  program: Program,
  member: Member,
  grant: { balance: number; granted: number; key: string; orderGid: string | null; at: Date; clock: Clock; seq: number },
): Promise<number> {
  const purchases = await tx.ledgerEntry.count({ where: { shopId: shop.id, memberId: member.id, kind: { in: ["earn", "held"] } } });
  await journey(tx, shop.id, member.id, purchases <= 1 ? "first_purchase" : "repeat_purchase", `purchase:${grant.key}`, grant.at, {
    order: grant.orderGid,
    orderCount: purchases,
  });
  await journey(tx, shop.id, member.id, "points_earned", `points_earned:${grant.key}`, grant.at, { points: grant.granted, balance: grant.balance, order: grant.orderGid });
  const earned = await trailingEarned(tx, shop.id, member.id, deps.clock.now());
  const reached = tierForPoints(program.tiers, earned);
  const current = tierByName(program.tiers, member.tier);
  // Promotion happens on earn; demotion only in the daily sweep.
  const tier = reached.threshold > current.threshold ? reached.name : member.tier;
  if (tier !== member.tier) {
    await journey(tx, shop.id, member.id, "tier_changed", `tier_changed:${grant.key}`, grant.at, { from: member.tier, to: tier, earned365: earned });
  }
  await tx.member.update({ where: { id: member.id }, data: { balance: grant.balance, tier, ledgerSeq: grant.seq } });
  await queueWriteBack(tx, shop.id, member.customerGid, grant.balance, tier);
  return grant.balance;
}

/** Why an award is held: the cap store could not answer, or earlier held awards of the day come first. */
const HELD_UNCHECKED_REASON = "the daily cap could not be checked";
const HELD_BEHIND_REASON = "held behind earlier held awards of the day";

/**
 * Whether the member has a held award for this cap day that is not released yet: one round trip
 * over the member's entries (an index on memberId), each held one's release found by its unique
 * key. No held entry, the usual case, means nothing more to look up.
 */
async function hasUnreleasedHeld(db: Database, shopId: string, memberId: string, day: string): Promise<boolean> {
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
  deps: LedgerDeps,
  shop: LedgerShop,
  member: Member,
  input: AwardInput,
  points: number,
  terms: Record<string, unknown> & { occurredAt: Date },
  reason: string,
): Promise<AwardResult> {
  return deps.db.$transaction(async (tx): Promise<AwardResult> => {
    const locked = await lockMember(tx, member.id);
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

/** The reason on a claw-back recorded against an award that was still held. */
export const HELD_REFUND_REASON = "recorded while the award was held";

/** What refunds (and a cancellation) recorded while an award was held took off it. */
function heldReductions(entries: LedgerEntry[], key: string, held: number, orderEligible: number) {
  const whileHeld = entries.filter((entry) => entry.kind === "clawback" && entry.reason === HELD_REFUND_REASON);
  const reduced = whileHeld.reduce((sum, entry) => sum + entry.withheld, 0);
  const refunded = whileHeld.reduce((sum, entry) => sum + (entry.eligibleAmount ?? 0), 0);
  const cancelled = whileHeld.some((entry) => entry.idempotencyKey === `${key}:cancelled`);
  return {
    reduced,
    refunded,
    /** What is left to release. */
    remaining: cancelled ? 0 : Math.max(0, held - reduced),
    /** The eligible amount the released award stands for: later refunds are proportioned to it. */
    basis: cancelled ? 0 : Math.max(0, orderEligible - refunded),
  };
}

/**
 * Releases held awards once the cap store answers again (DESIGN, "Daily cap"). A held award is
 * reduced by the refunds recorded while it was held before it is released (DESIGN, "Refunds claw
 * back": `granted` is what was actually granted), then the cap is checked for what remains, all
 * in one transaction, so nothing is released twice and no refund is left behind.
 *
 * A member's held awards are released in the order they were held (`seq`), each reserving its
 * share of the day's cap before the next: the first held is the first granted. Caps are per
 * member and day, so the order across members does not matter. An award that stays held (the
 * cap store still cannot answer) keeps the member's later ones of that day behind it.
 */
export async function releaseHeldAwards(deps: LedgerDeps, shop: LedgerShop): Promise<{ released: number; stillHeld: number }> {
  const { db } = deps;
  const { program } = parseShopSettings(shop.settings);
  const [held, done] = await Promise.all([
    db.ledgerEntry.findMany({ where: { shopId: shop.id, kind: "held" }, orderBy: [{ memberId: "asc" }, { seq: "asc" }] }),
    db.ledgerEntry.findMany({ where: { shopId: shop.id, kind: "released" }, select: { awardKey: true } }),
  ]);
  const releasedKeys = new Set(done.map((entry) => entry.awardKey));
  // Member days with an award still held this pass: their later awards wait behind it.
  const blocked = new Set<string>();
  let released = 0;
  let stillHeld = 0;
  for (const entry of held) {
    const key = entry.awardKey ?? entry.idempotencyKey.replace(/:held$/, "");
    if (releasedKeys.has(key)) continue;
    const memberDay = `${entry.memberId}:${entry.capDay ?? ""}`;
    if (blocked.has(memberDay)) {
      stillHeld += 1;
      continue;
    }
    const { remaining } = heldReductions(await db.ledgerEntry.findMany({ where: { shopId: shop.id, awardKey: key } }), key, entry.withheld, entry.eligibleAmount ?? 0);
    let externallyGranted: number | null = null;
    if (remaining > 0 && program.dailyCap > 0 && deps.capStore && deps.capStore !== databaseCapStore) {
      try {
        externallyGranted = await deps.capStore.reserve(
          { shopId: shop.id, memberId: entry.memberId, day: entry.capDay ?? "", key, requested: remaining, cap: program.dailyCap },
          db,
        );
      } catch (error) {
        if (!(error instanceof CapStoreUnavailableError)) throw error;
        blocked.add(memberDay);
        stillHeld += 1;
        continue;
      }
    }
    const didRelease = await db.$transaction(async (tx): Promise<boolean> => {
      const member = await lockMember(tx, entry.memberId);
      const entries = await tx.ledgerEntry.findMany({ where: { shopId: shop.id, awardKey: key } });
      // Another process released it meanwhile (the member lock queued us behind it).
      if (entries.some((row) => row.kind === "released")) return false;
      // Read again under the lock: a refund may have arrived since the reservation. Redis then
      // holds a larger reservation than the grant, which only ever leaves room unused.
      const { reduced, remaining: due, basis } = heldReductions(entries, key, entry.withheld, entry.eligibleAmount ?? 0);
      let granted = due;
      if (due > 0 && program.dailyCap > 0) {
        granted = Math.min(
          due,
          externallyGranted ?? (await databaseCapStore.reserve({ shopId: shop.id, memberId: entry.memberId, day: entry.capDay ?? "", key, requested: due, cap: program.dailyCap }, tx as Database)),
        );
      }
      const capped = due - granted;
      const balance = safeAmount(member.balance + granted, "the member's balance");
      const terms = { orderGid: entry.orderGid, eligibleAmount: basis, rate: entry.rate, tier: entry.tier, multiplier: entry.multiplier, capDay: entry.capDay, awardKey: key, occurredAt: entry.occurredAt };
      let seq = member.ledgerSeq;
      await tx.ledgerEntry.create({
        data: {
          shopId: shop.id,
          memberId: entry.memberId,
          seq,
          kind: "released",
          points: granted,
          balanceAfter: balance,
          idempotencyKey: `${key}:released`,
          withheld: capped,
          ...terms,
          reason: reduced > 0 ? `reduced by ${Math.min(reduced, entry.withheld)} for refunds while held` : null,
        },
      });
      if (capped > 0) {
        seq += 1;
        await tx.ledgerEntry.create({
          data: { shopId: shop.id, memberId: entry.memberId, seq, kind: "capped", points: 0, balanceAfter: balance, idempotencyKey: `${key}:capped`, withheld: capped, ...terms, reason: `daily cap of ${program.dailyCap}` },
        });
      }
      await journey(tx, shop.id, entry.memberId, "points_released", `points_released:${key}`, deps.clock.now(), {
        points: granted,
        balance,
        order: entry.orderGid,
        ...(reduced > 0 ? { reducedBy: Math.min(reduced, entry.withheld) } : {}),
      });
      // A fully refunded or cancelled order releases nothing and is no purchase to celebrate.
      if (due > 0) await finishGrant(tx, deps, shop, program, member, { balance, granted, key, orderGid: entry.orderGid, at: entry.occurredAt, clock: deps.clock, seq });
      return true;
    });
    if (didRelease) released += 1;
  }
  return { released, stillHeld };
}

// ------------------------------------------------------------------- claw-back

export interface RefundInput {
  /** The award's key (the order's). */
  awardKey: string;
  /** shopify-refund:<gid> or external-refund:<channel>:<id>. */
  key: string;
  refundGid?: string | null;
  refundedEligible: number;
  at: Date;
}

export type ClawbackResult =
  | { status: "clawed"; memberId: string; points: number; shortfall: number }
  | { status: "duplicate" }
  | { status: "no-award" };

/** DESIGN, "Refunds claw back": proportional, cumulative, capped at what the award granted. */
export async function clawBackRefund(deps: LedgerDeps, shop: LedgerShop, input: RefundInput): Promise<ClawbackResult> {
  return settleClawback(deps, shop, input.awardKey, input);
}

/** A full cancellation claws back whatever the award still holds. */
export async function clawBackCancellation(deps: LedgerDeps, shop: LedgerShop, awardKey: string, at: Date): Promise<ClawbackResult> {
  return settleClawback(deps, shop, awardKey, { key: `${awardKey}:cancelled`, refundGid: null, refundedEligible: 0, at, cancel: true });
}

async function settleClawback(
  deps: LedgerDeps,
  shop: LedgerShop,
  awardKey: string,
  input: { key: string; refundGid?: string | null; refundedEligible: number; at: Date; cancel?: boolean },
): Promise<ClawbackResult> {
  const { db } = deps;
  const existing = await db.ledgerEntry.findUnique({ where: { shopId_idempotencyKey: { shopId: shop.id, idempotencyKey: input.key } } });
  if (existing) return { status: "duplicate" };
  const award = await db.ledgerEntry.findFirst({ where: { shopId: shop.id, awardKey, kind: { in: ["earn", "held"] } } });
  if (!award) return { status: "no-award" };

  return db.$transaction(async (tx): Promise<ClawbackResult> => {
    const member = await lockMember(tx, award.memberId);
    const entries = await tx.ledgerEntry.findMany({ where: { shopId: shop.id, awardKey } });
    const granted = entries.filter((entry) => entry.kind === "earn" || entry.kind === "released").reduce((sum, entry) => sum + entry.points, 0);
    const release = entries.find((entry) => entry.kind === "released");
    // Refunds recorded while the award was held reduced it before release; the released award
    // stands for what the order had left then, and later refunds are proportioned to that.
    const previous = entries.filter((entry) => entry.kind === "clawback" && entry.reason !== HELD_REFUND_REASON);
    // Each claw-back keeps its refund's eligible amount (0 for a cancellation).
    const refundedBefore = previous.reduce((sum, entry) => sum + (entry.eligibleAmount ?? 0), 0);
    const alreadyClawed = -previous.reduce((sum, entry) => sum + entry.points, 0) + previous.reduce((sum, entry) => sum + entry.shortfall, 0);
    const orderEligible = release ? release.eligibleAmount ?? 0 : award.eligibleAmount ?? 0;
    const refundedTotal = input.cancel ? orderEligible : refundedBefore + input.refundedEligible;
    const common = {
      shopId: shop.id,
      memberId: member.id,
      seq: member.ledgerSeq,
      kind: "clawback",
      idempotencyKey: input.key,
      awardKey,
      orderGid: award.orderGid,
      refundGid: input.refundGid ?? null,
      eligibleAmount: input.cancel ? 0 : input.refundedEligible,
      rate: award.rate,
      tier: award.tier,
      multiplier: award.multiplier,
      occurredAt: input.at,
    };
    if (award.kind === "held" && !release) {
      // Nothing granted yet: the held award is reduced (cumulatively, like a claw-back), and the
      // release grants what remains. The entry's `withheld` is this refund's reduction.
      const before = heldReductions(entries, awardKey, award.withheld, orderEligible);
      const reduction = clawbackFor({
        granted: award.withheld,
        orderEligible,
        refundedEligibleTotal: input.cancel ? orderEligible : before.refunded + input.refundedEligible,
        alreadyClawed: before.reduced,
      });
      await tx.ledgerEntry.create({ data: { ...common, points: 0, withheld: reduction, balanceAfter: member.balance, reason: HELD_REFUND_REASON } });
      return { status: "clawed", memberId: member.id, points: 0, shortfall: 0 };
    }
    const due = clawbackFor({ granted, orderEligible, refundedEligibleTotal: refundedTotal, alreadyClawed });
    // By default a balance never goes below zero: the rest is a recorded shortfall.
    const taken = Math.min(due, Math.max(0, member.balance));
    const shortfall = due - taken;
    const balance = member.balance - taken;
    await tx.ledgerEntry.create({
      data: { ...common, points: -taken, shortfall, balanceAfter: balance, reason: input.cancel ? "order cancelled" : null },
    });
    if (due > 0) {
      await journey(tx, shop.id, member.id, "points_clawed_back", `points_clawed_back:${input.key}`, input.at, { points: taken, shortfall, balance, order: award.orderGid });
    }
    await tx.member.update({ where: { id: member.id }, data: { balance } });
    await queueWriteBack(tx, shop.id, member.customerGid, balance, member.tier);
    return { status: "clawed", memberId: member.id, points: taken, shortfall };
  });
}

// ------------------------------------------------------------------- adjustments, sweeps

/** A manual adjustment by the merchant: a reason is required, and it is audited. */
export async function adjustPoints(
  deps: LedgerDeps,
  shop: LedgerShop,
  input: { memberId: string; points: number; reason: string; actor: string },
): Promise<LedgerEntry> {
  if (!Number.isInteger(input.points) || input.points === 0) throw new RangeError("an adjustment is a non-zero whole number of points");
  if (!input.reason.trim()) throw new RangeError("an adjustment needs a reason");
  return deps.db.$transaction(async (tx) => {
    const member = await lockMember(tx, input.memberId);
    if (member.shopId !== shop.id) throw new RangeError("no such member");
    const balance = safeAmount(member.balance + input.points, "the member's balance");
    if (balance < 0) throw new RangeError(`the balance is ${member.balance}: it cannot go below zero`);
    const now = deps.clock.now();
    const entry = await tx.ledgerEntry.create({
      data: {
        shopId: shop.id,
        memberId: member.id,
        seq: member.ledgerSeq,
        kind: "adjustment",
        points: input.points,
        balanceAfter: balance,
        idempotencyKey: `adjustment:${crypto.randomUUID()}`,
        reason: input.reason.trim(),
        actor: input.actor,
        occurredAt: now,
      },
    });
    await tx.member.update({ where: { id: member.id }, data: { balance } });
    await recordAudit(tx, { shopId: shop.id, actor: input.actor, action: "points.adjusted", details: { memberId: member.id, points: input.points, reason: input.reason.trim(), balance } });
    await queueWriteBack(tx, shop.id, member.customerGid, balance, member.tier);
    return entry;
  });
}

/** The daily tier sweep: members whose trailing 365-day points fell below their tier move down. */
export async function sweepTiers(deps: LedgerDeps, shop: LedgerShop): Promise<number> {
  const { program } = parseShopSettings(shop.settings);
  const members = await deps.db.member.findMany({ where: { shopId: shop.id }, select: { id: true, tier: true, balance: true, customerGid: true } });
  const now = deps.clock.now();
  let changed = 0;
  for (const member of members) {
    const earned = await trailingEarned(deps.db, shop.id, member.id, now);
    const reached = tierForPoints(program.tiers, earned);
    if (reached.name === member.tier) continue;
    await deps.db.$transaction(async (tx) => {
      await tx.member.update({ where: { id: member.id }, data: { tier: reached.name } });
      await journey(tx, shop.id, member.id, "tier_changed", `tier_changed:sweep:${shopDay(now, shop.timezone)}:${member.id}`, now, { from: member.tier, to: reached.name, earned365: earned });
      await queueWriteBack(tx, shop.id, member.customerGid, member.balance, reached.name);
    });
    changed += 1;
  }
  return changed;
}

// ------------------------------------------------------------------- journey, write-back

export async function journey(
  tx: Tx | Database,
  shopId: string,
  memberId: string,
  type: string,
  dedupeKey: string,
  occurredAt: Date,
  data: Record<string, unknown>,
): Promise<void> {
  // One event per cause: a replay is a no-op. Raw because Prisma's `upsert` with nothing to
  // update reads before it inserts, and an award writes two or three of these.
  await tx.$executeRaw`
    INSERT INTO "JourneyEvent" ("id", "shopId", "memberId", "type", "data", "dedupeKey", "occurredAt", "createdAt")
    VALUES (${crypto.randomUUID()}, ${shopId}, ${memberId}, ${type}, ${JSON.stringify(data)}, ${dedupeKey}, ${occurredAt}, ${new Date()})
    ON CONFLICT DO NOTHING`;
}

/** Balance and tier go to the customer's metafields; the latest values replace queued ones. */
async function queueWriteBack(tx: Tx, shopId: string, customerGid: string | null, balance: number, tier: string): Promise<void> {
  if (!customerGid) return;
  await tx.metafieldSync.upsert({
    where: { shopId_customerGid: { shopId, customerGid } },
    create: { shopId, customerGid, balance, tier },
    update: { balance, tier, status: "pending", attempts: 0, nextAttemptAt: new Date(), lastError: null },
  });
}
