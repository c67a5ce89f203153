import { safeAmount } from "../../lib/money";
import { type Database, type Db, inTransaction } from "../../db.server";
import { journey } from "../journeys/journeys.server";
import { parseShopSettings } from "../program/settings";
import { CapStoreUnavailableError, databaseCapStore } from "./cap.server";
import { finishGrant, lockMember } from "./grant.server";
import { heldReductions } from "./held";
import type { LedgerDeps, LedgerShop } from "./types";
import { queueCohortEvaluation } from "../cohorts/queue.server";


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
export async function releaseHeldAwards(deps: LedgerDeps<Db>, shop: LedgerShop): Promise<{ released: number; stillHeld: number }> {
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
          db as Database,
        );
      } catch (error) {
        if (!(error instanceof CapStoreUnavailableError)) throw error;
        blocked.add(memberDay);
        stillHeld += 1;
        continue;
      }
    }
    const didRelease = await inTransaction(db, async (tx): Promise<boolean> => {
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
      await queueCohortEvaluation(tx, shop, { memberIds: [member.id] }, deps.clock.now());
      return true;
    });
    if (didRelease) released += 1;
  }
  return { released, stillHeld };
}
