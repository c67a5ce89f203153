import type { Database, Db } from "../../db.server";
import { safeAmount } from "../../lib/money";
import { shopDay } from "../../lib/shop-day";
import { queueCohortEvaluation } from "../cohorts/queue.server";
import { enqueue } from "../jobs/queue.server";
import type { QueueDefinition } from "../jobs/runner.server";
import { journey } from "../journeys/journeys.server";
import { queueMetafieldWrite } from "../outbox/metafields.server";
import { parseShopSettings } from "../program/settings";
import { type CapStore, databaseCapStore } from "./cap.server";
import { lockMember } from "./grant.server";
import type { LedgerShop } from "./types";

// Points earned beyond orders (docs/rewards.md, "Earning beyond orders"): a sign-up bonus once
// per member, and a birthday bonus once a year. Each is one `bonus` entry with its own key, and
// counts against the daily cap like an award: what the cap leaves is granted, the rest recorded
// as withheld on the entry. A cap store that cannot answer fails the job, which is retried:
// a bonus is never granted unchecked, and never dropped.

export const BONUSES_QUEUE = "bonuses";

export const signupBonusKey = (memberId: string) => `bonus:signup:${memberId}`;
export const birthdayBonusKey = (memberId: string, year: number) => `bonus:birthday:${memberId}:${year}`;

export interface BonusInput {
  memberId: string;
  key: string;
  points: number;
  /** "sign-up bonus", "birthday bonus". */
  reason: string;
  at: Date;
}

export type BonusResult = { status: "granted"; points: number; withheld: number } | { status: "duplicate" } | { status: "skipped"; reason: string };

/** Grants a bonus once per key, within the member's daily cap. */
export async function grantBonus(deps: { db: Database; capStore?: CapStore }, shop: LedgerShop, input: BonusInput): Promise<BonusResult> {
  const { db } = deps;
  const { program } = parseShopSettings(shop.settings);
  if (!program.enabled) return { status: "skipped", reason: "the program is off" };
  if (!Number.isSafeInteger(input.points) || input.points <= 0) return { status: "skipped", reason: "no bonus is set" };
  const existing = await db.ledgerEntry.findUnique({ where: { shopId_idempotencyKey: { shopId: shop.id, idempotencyKey: input.key } }, select: { id: true } });
  if (existing) return { status: "duplicate" };
  const member = await db.member.findFirst({ where: { shopId: shop.id, id: input.memberId }, select: { id: true, redactedAt: true } });
  if (!member || member.redactedAt) return { status: "skipped", reason: "no such member" };
  const day = shopDay(input.at, shop.timezone);
  const reservation = { shopId: shop.id, memberId: member.id, day, key: input.key, requested: input.points, cap: program.dailyCap };
  // Redis answers outside the transaction (its reservation is kept per key, so a retry gets the
  // same answer); the ledger's own count answers inside it, under the member's lock.
  const external = program.dailyCap > 0 && deps.capStore && deps.capStore !== databaseCapStore ? await deps.capStore.reserve(reservation, db) : null;
  return db.$transaction(
    async (tx): Promise<BonusResult> => {
      const locked = await lockMember(tx, member.id);
      const granted = program.dailyCap > 0 ? (external ?? (await databaseCapStore.reserve(reservation, tx as Database))) : input.points;
      const balance = safeAmount(locked.balance + granted, "the member's balance");
      await tx.ledgerEntry.create({
        data: {
          shopId: shop.id,
          memberId: member.id,
          seq: locked.ledgerSeq,
          kind: "bonus",
          points: granted,
          withheld: input.points - granted,
          balanceAfter: balance,
          idempotencyKey: input.key,
          awardKey: input.key,
          capDay: day,
          reason: input.points > granted ? `${input.reason} (daily cap of ${program.dailyCap})` : input.reason,
          occurredAt: input.at,
        },
      });
      await tx.member.update({ where: { id: member.id }, data: { balance } });
      if (granted > 0) {
        await journey(tx, shop.id, member.id, "points_earned", `points_earned:${input.key}`, input.at, { points: granted, balance, bonus: input.reason });
      }
      await queueMetafieldWrite(tx, shop.id, locked.customerGid, balance, locked.tier, input.at);
      await queueCohortEvaluation(tx, shop, { memberIds: [member.id] }, input.at);
      return { status: "granted", points: granted, withheld: input.points - granted };
    },
    { timeout: 30_000, maxWait: 10_000 },
  );
}

/**
 * Queues a new member's sign-up bonus, in the transaction that enrols them, when the shop gives
 * one: the `bonuses` queue grants it (the job's key and the entry's are both the member's).
 */
export async function queueSignupBonus(db: Db, shop: LedgerShop, memberId: string, now: Date): Promise<void> {
  const { program } = parseShopSettings(shop.settings);
  if (!program.enabled || program.signupBonus <= 0) return;
  await enqueue(db, { queue: BONUSES_QUEUE, key: signupBonusKey(memberId), shopId: shop.id, payload: { memberId, kind: "signup", at: now.toISOString() } }, now);
}

/** The `bonuses` queue: sign-up bonuses queued at enrolment. */
export function bonusesQueue(deps: { capStore?: CapStore }): QueueDefinition {
  return {
    queue: BONUSES_QUEUE,
    async run([job], { db, clock }) {
      const payload = JSON.parse(job.payload) as { memberId?: string; at?: string };
      if (!job.shopId || typeof payload.memberId !== "string") throw new RangeError(`not a bonus: ${job.payload.slice(0, 200)}`);
      const shop = await db.shop.findUnique({ where: { id: job.shopId } });
      if (!shop) return;
      const { program } = parseShopSettings(shop.settings);
      const at = payload.at ? new Date(payload.at) : clock.now();
      await grantBonus({ db, capStore: deps.capStore }, shop, { memberId: payload.memberId, key: signupBonusKey(payload.memberId), points: program.signupBonus, reason: "sign-up bonus", at });
    },
  };
}
