import type { Database } from "../../db.server";
import type { Clock } from "../../lib/clock";
import { systemClock } from "../../lib/clock";
import { recordAudit } from "../audit.server";
import { queueProgramMetafield } from "../outbox/program-metafield.server";
import { type CatchUpScope, catchUpFor, queueCatchUp } from "./catch-up.server";
import { parseShopSettings, type ShopSettings } from "./settings";
import { ensureShop, updateShopSettings } from "../shops/shops.server";
import type { ProgramSettings } from "./form";

export const PROGRAM_UPDATED = "program.updated";

export type ProgramChanges = Record<string, { before: unknown; after: unknown }>;

/** The fields that differ, as settings paths ("program.earnRate", "countShipping") with before and after. */
export function programChanges(before: ProgramSettings, after: ProgramSettings): ProgramChanges {
  const changes: ProgramChanges = {};
  const keys = new Set([...Object.keys(before.program), ...Object.keys(after.program)]) as Set<keyof ProgramSettings["program"]>;
  for (const key of keys) {
    if (JSON.stringify(before.program[key]) !== JSON.stringify(after.program[key])) {
      changes[`program.${key}`] = { before: before.program[key] ?? null, after: after.program[key] ?? null };
    }
  }
  if (before.countShipping !== after.countShipping) changes.countShipping = { before: before.countShipping, after: after.countShipping };
  return changes;
}

/**
 * Saves the loyalty program settings and audits the change: one AuditLog row ("program.updated")
 * with the actor and a before/after diff of the fields that changed, written in the same
 * transaction as the settings, so no change goes unaudited. Saving what is already there
 * changes nothing and audits nothing.
 *
 * A change that reaches into the orders Roost already stores (count shipping, retroactive awards
 * turned on, an earlier start date) also queues the background catch-up in that transaction
 * (ledger/catch-up.server.ts): settings, audit row and job are saved together or not at all.
 * Every change also queues the storefront's copy of the program (the app's `roost.program`
 * metafield, which the theme block reads) in that transaction.
 */
export async function updateProgramSettings(
  db: Database,
  domain: string,
  input: ProgramSettings,
  actor: string,
  clock: Clock = systemClock,
): Promise<{ settings: ShopSettings; changes: ProgramChanges; catchUp: CatchUpScope | null }> {
  const shop = await ensureShop(db, domain);
  return db.$transaction(async (tx) => {
    // Read inside the transaction so the diff is against what this write replaces.
    const fresh = await tx.shop.findUniqueOrThrow({ where: { id: shop.id }, select: { settings: true } });
    const current = parseShopSettings(fresh.settings);
    const before = { program: current.program, countShipping: current.countShipping };
    const changes = programChanges(before, input);
    if (Object.keys(changes).length === 0) return { settings: current, changes, catchUp: null };
    // The transaction client does what updateShopSettings needs of a Database (the program patch
    // leaves the low-stock threshold, and so its batch re-flagging, alone).
    const settings = await updateShopSettings(tx as unknown as Database, domain, { program: input.program, countShipping: input.countShipping });
    await recordAudit(tx, { shopId: shop.id, actor, action: PROGRAM_UPDATED, details: { changes }, at: clock.now() });
    const catchUp = catchUpFor(before, { program: settings.program, countShipping: settings.countShipping }, shop);
    if (catchUp) await queueCatchUp(tx, shop.id, catchUp, clock);
    await queueProgramMetafield(tx, shop.id, clock.now());
    return { settings, changes, catchUp };
  });
}

/** The shop's program settings audit trail, newest first. */
export async function listProgramAudit(db: Database, shopId: string, limit = 20) {
  const rows = await db.auditLog.findMany({ where: { shopId, action: PROGRAM_UPDATED }, orderBy: { createdAt: "desc" }, take: limit });
  return rows.map((row) => ({
    id: row.id,
    actor: row.actor,
    createdAt: row.createdAt.toISOString(),
    changes: (JSON.parse(row.details) as { changes?: ProgramChanges }).changes ?? {},
  }));
}
