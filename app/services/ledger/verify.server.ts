import type { Database } from "../../db.server";
import { parseShopSettings } from "../program/settings";
import { CAP_KINDS } from "./cap.server";
import { HELD_REFUND_REASON } from "./held";

export interface LedgerViolation {
  shopId: string;
  memberId: string;
  rule: "balance" | "seq" | "running-balance" | "over-clawback" | "cap";
  detail: string;
}

/**
 * `roost ledger:verify`: every balance equals the sum of its entries; a member's entries, in
 * `seq` order (strictly increasing, never past the member's `ledgerSeq`), each carry the running
 * balance of the ones before; no award is clawed back beyond what it granted; and no member was
 * granted more than the daily cap on any day.
 */
export async function verifyLedger(db: Database, shopId?: string): Promise<{ members: number; entries: number; violations: LedgerViolation[] }> {
  const violations: LedgerViolation[] = [];
  const shops = await db.shop.findMany({ where: shopId ? { id: shopId } : {}, select: { id: true, settings: true } });
  let members = 0;
  let entries = 0;
  for (const shop of shops) {
    const { program } = parseShopSettings(shop.settings);
    const shopMembers = await db.member.findMany({ where: { shopId: shop.id }, select: { id: true, balance: true, ledgerSeq: true } });
    members += shopMembers.length;
    for (const member of shopMembers) {
      const rows = await db.ledgerEntry.findMany({ where: { shopId: shop.id, memberId: member.id }, orderBy: { seq: "asc" } });
      entries += rows.length;
      const sum = rows.reduce((total, row) => total + row.points, 0);
      if (sum !== member.balance) {
        violations.push({ shopId: shop.id, memberId: member.id, rule: "balance", detail: `balance ${member.balance} but entries sum to ${sum}` });
      }
      // The order the entries were written in: (memberId, seq) is unique, so a repeated or
      // unnumbered seq means a database without that index or rows written around the ledger.
      let previousSeq = 0;
      for (const row of rows) {
        if (row.seq <= previousSeq) {
          violations.push({ shopId: shop.id, memberId: member.id, rule: "seq", detail: `entry ${row.idempotencyKey} has seq ${row.seq}, not after ${previousSeq}` });
          break;
        }
        previousSeq = row.seq;
      }
      // The next entry takes ledgerSeq + 1: behind the last entry, it would collide.
      const lastSeq = rows.at(-1)?.seq ?? 0;
      if (member.ledgerSeq < lastSeq) {
        violations.push({ shopId: shop.id, memberId: member.id, rule: "seq", detail: `the member's ledgerSeq is ${member.ledgerSeq}, behind its last entry's seq ${lastSeq}` });
      }
      let running = 0;
      for (const row of rows) {
        running += row.points;
        if (row.balanceAfter !== running) {
          violations.push({ shopId: shop.id, memberId: member.id, rule: "running-balance", detail: `entry ${row.idempotencyKey} says ${row.balanceAfter}, the entries before it make ${running}` });
          break;
        }
      }
      const awards = new Map<string, { granted: number; clawed: number }>();
      const days = new Map<string, number>();
      for (const row of rows) {
        if (!row.awardKey) continue;
        const award = awards.get(row.awardKey) ?? { granted: 0, clawed: 0 };
        if (row.kind === "earn" || row.kind === "released") award.granted += row.points;
        if (CAP_KINDS.includes(row.kind) && row.capDay) days.set(row.capDay, (days.get(row.capDay) ?? 0) + row.points);
        if (row.kind === "clawback") award.clawed += -row.points;
        awards.set(row.awardKey, award);
      }
      for (const [key, award] of awards) {
        if (award.clawed > award.granted) {
          violations.push({ shopId: shop.id, memberId: member.id, rule: "over-clawback", detail: `${key} granted ${award.granted} but ${award.clawed} were clawed back` });
        }
      }
      if (program.dailyCap > 0) {
        for (const [day, granted] of days) {
          if (granted > program.dailyCap) {
            violations.push({ shopId: shop.id, memberId: member.id, rule: "cap", detail: `${granted} points granted on ${day}, over the daily cap of ${program.dailyCap}` });
          }
        }
      }
    }
  }
  return { members, entries, violations };
}

/** A member with balance, tier, held and capped points, and the ledger (for members:show and the admin). */
export async function memberSummary(db: Database, shopId: string, memberId: string) {
  const member = await db.member.findFirst({ where: { shopId, id: memberId } });
  if (!member) return null;
  const [entries, timeline] = await Promise.all([
    db.ledgerEntry.findMany({ where: { shopId, memberId }, orderBy: { seq: "asc" } }),
    db.journeyEvent.findMany({ where: { shopId, memberId }, orderBy: [{ occurredAt: "asc" }, { createdAt: "asc" }] }),
  ]);
  const releasedKeys = new Set(entries.filter((entry) => entry.kind === "released").map((entry) => entry.awardKey));
  // A held award shows what it would release now: refunds recorded while held have reduced it.
  const reducedWhileHeld = new Map<string | null, number>();
  for (const entry of entries) {
    if (entry.kind === "clawback" && entry.reason === HELD_REFUND_REASON) reducedWhileHeld.set(entry.awardKey, (reducedWhileHeld.get(entry.awardKey) ?? 0) + entry.withheld);
  }
  const held = entries
    .filter((entry) => entry.kind === "held" && !releasedKeys.has(entry.awardKey))
    .reduce((sum, entry) => sum + Math.max(0, entry.withheld - (reducedWhileHeld.get(entry.awardKey) ?? 0)), 0);
  const capped = entries.filter((entry) => entry.kind === "capped").reduce((sum, entry) => sum + entry.withheld, 0);
  return {
    id: member.id,
    customerGid: member.customerGid,
    externalId: member.externalId,
    email: member.email,
    firstName: member.firstName,
    lastName: member.lastName,
    balance: member.balance,
    tier: member.tier,
    held,
    capped,
    redacted: !!member.redactedAt,
    // In the order they were written (seq): an award's earn before its capped sibling.
    entries: entries.map((entry) => ({
      seq: entry.seq,
      kind: entry.kind,
      points: entry.points,
      balanceAfter: entry.balanceAfter,
      key: entry.idempotencyKey,
      orderGid: entry.orderGid,
      refundGid: entry.refundGid,
      eligibleAmount: entry.eligibleAmount,
      rate: entry.rate,
      tier: entry.tier,
      multiplier: entry.multiplier,
      withheld: entry.withheld,
      shortfall: entry.shortfall,
      capDay: entry.capDay,
      reason: entry.reason,
      actor: entry.actor,
      occurredAt: entry.occurredAt.toISOString(),
    })),
    timeline: timeline.map((event) => ({ type: event.type, occurredAt: event.occurredAt.toISOString(), data: JSON.parse(event.data) as Record<string, unknown> })),
  };
}
