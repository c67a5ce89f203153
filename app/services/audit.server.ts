import type { Database } from "../db.server";

/** A database or a transaction: anything that can write the audit log. */
export type AuditWriter = Pick<Database, "auditLog">;

/**
 * One audit-trail row: who did what to the shop, with its details as JSON. Called inside the
 * transaction of the change it records, so no change goes unaudited.
 */
export async function recordAudit(
  db: AuditWriter,
  entry: { shopId: string; actor: string; action: string; details: Record<string, unknown>; at?: Date },
): Promise<void> {
  await db.auditLog.create({
    data: { shopId: entry.shopId, actor: entry.actor, action: entry.action, details: JSON.stringify(entry.details), ...(entry.at ? { createdAt: entry.at } : {}) },
  });
}
