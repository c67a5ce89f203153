import type { Database } from "../../db.server";
import { addDays, shopDay } from "../../lib/shop-day";
import { queueCohortEvaluation } from "../cohorts/queue.server";
import { journey } from "../journeys/journeys.server";
import { queueMetafieldWrite } from "../outbox/metafields.server";
import { parseShopSettings } from "../program/settings";
import { lockMember } from "./grant.server";
import type { LedgerShop } from "./types";

// Points expiry (DESIGN, "Expiry"; docs/rewards.md): when the merchant sets N months, a member's
// points expire N months after their last order (their enrolment when they have none). The daily
// pass writes one `expiry` entry for what is left, and 14 days before sends `points_expiring`
// (the points and the date) so Klaviyo or Flow can remind the shopper. A refund after expiry
// claws back against the live balance, never below zero (clawback.server.ts).

/** `points_expiring` goes out this many days before the points expire. */
export const EXPIRY_NOTICE_DAYS = 14;

/** The kinds of entry an order writes: the member's last order is the latest of them. */
const ORDER_KINDS = ["earn", "held"];

export const expiryKey = (memberId: string, day: string) => `expiry:${memberId}:${day}`;

/** YYYY-MM-DD plus whole months, the day kept or clamped to the month's last (Jan 31 + 1 month = Feb 28/29). */
export function addMonths(day: string, months: number): string {
  const [year, month, date] = day.split("-").map(Number);
  const target = new Date(Date.UTC(year, month - 1 + months, 1));
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(date, last));
  return target.toISOString().slice(0, 10);
}

export interface ExpirySummary {
  expired: number;
  points: number;
  notified: number;
}

/**
 * One shop's daily pass: members with points whose last order is N months old lose them today;
 * those within 14 days of it are told. Safe to run more than once a day (the entries' and the
 * events' keys are per day and per expiry date).
 */
export async function expirePoints(deps: { db: Database; clock: { now(): Date } }, shop: LedgerShop): Promise<ExpirySummary> {
  const { db } = deps;
  const summary: ExpirySummary = { expired: 0, points: 0, notified: 0 };
  const { program } = parseShopSettings(shop.settings);
  const months = program.expiryMonths;
  if (!months) return summary;
  const now = deps.clock.now();
  const today = shopDay(now, shop.timezone);
  const members = await db.member.findMany({ where: { shopId: shop.id, balance: { gt: 0 }, redactedAt: null }, select: { id: true, createdAt: true } });
  if (members.length === 0) return summary;
  const lastOrders = new Map(
    (await db.ledgerEntry.groupBy({ by: ["memberId"], where: { shopId: shop.id, kind: { in: ORDER_KINDS } }, _max: { occurredAt: true } })).map((row) => [row.memberId, row._max.occurredAt]),
  );
  for (const member of members) {
    const anchor = lastOrders.get(member.id) ?? member.createdAt;
    const expiresOn = addMonths(shopDay(anchor, shop.timezone), months);
    if (today >= expiresOn) {
      const points = await expireMember(db, shop, member.id, { today, months, now });
      if (points > 0) {
        summary.expired += 1;
        summary.points += points;
      }
    } else if (today >= addDays(expiresOn, -EXPIRY_NOTICE_DAYS)) {
      const balance = (await db.member.findUniqueOrThrow({ where: { id: member.id }, select: { balance: true } })).balance;
      await journey(db, shop.id, member.id, "points_expiring", `points_expiring:${member.id}:${expiresOn}`, now, {
        points: balance,
        expiresOn,
        lastOrderOn: shopDay(anchor, shop.timezone),
      });
      summary.notified += 1;
    }
  }
  return summary;
}

/**
 * Writes the member's expiry under their lock, after checking again that no order came in since
 * the pass read the ledger. Returns the points expired (0 when nothing was left or it was done today).
 */
async function expireMember(db: Database, shop: LedgerShop, memberId: string, at: { today: string; months: number; now: Date }): Promise<number> {
  const key = expiryKey(memberId, at.today);
  if (await db.ledgerEntry.findUnique({ where: { shopId_idempotencyKey: { shopId: shop.id, idempotencyKey: key } }, select: { id: true } })) return 0;
  return db.$transaction(
    async (tx) => {
      const member = await lockMember(tx, memberId);
      const last = await tx.ledgerEntry.findFirst({ where: { shopId: shop.id, memberId, kind: { in: ORDER_KINDS } }, orderBy: { occurredAt: "desc" }, select: { occurredAt: true } });
      const anchor = shopDay(last?.occurredAt ?? member.createdAt, shop.timezone);
      if (at.today < addMonths(anchor, at.months) || member.balance <= 0) return 0;
      const points = member.balance;
      await tx.ledgerEntry.create({
        data: {
          shopId: shop.id,
          memberId,
          seq: member.ledgerSeq,
          kind: "expiry",
          points: -points,
          balanceAfter: 0,
          idempotencyKey: key,
          reason: `no order since ${anchor}: points expire ${at.months} month${at.months === 1 ? "" : "s"} after the last order`,
          occurredAt: at.now,
        },
      });
      await tx.member.update({ where: { id: memberId }, data: { balance: 0 } });
      await queueMetafieldWrite(tx, shop.id, member.customerGid, 0, member.tier, at.now);
      await queueCohortEvaluation(tx, shop, { memberIds: [memberId] }, at.now);
      return points;
    },
    { timeout: 30_000, maxWait: 10_000 },
  );
}
