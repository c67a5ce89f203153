import type { Database } from "../../db.server";
import type { Tx } from "../ledger/types";

/** A journey event on the member's timeline (DESIGN, "Journey events"); delivery outward comes with the outbox. */
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
