import type { Db } from "../../db.server";
import { TAGS_QUEUE } from "../cohorts/outbox";
import { enqueueMany } from "../jobs/queue.server";
import type { TagSync } from "./writer.server";

const ENQUEUE_CHUNK = 500;

/** One sync job per customer: queued again, it is due again (latest wins). */
export const tagSyncKey = (shopId: string, customerGid: string): string => `sync:${shopId}:${customerGid}`;

/**
 * Queues a sync of the shop's customers' cohort tags (all customers that carry one of Roost's
 * tags or are in an enabled cohort, or the ones given): each is compared with its memberships
 * and moved, so a changed prefix or rule key removes the old tags and adds the new ones.
 * Call it in the transaction that makes the change. Returns how many were queued.
 */
export async function queueTagSync(db: Db, shopId: string, now: Date, customerGids?: readonly string[]): Promise<number> {
  let gids = customerGids ? [...new Set(customerGids)] : null;
  if (!gids) {
    const [applied, members] = await Promise.all([
      db.customerTag.findMany({ where: { shopId }, select: { customerGid: true }, distinct: ["customerGid"] }),
      db.$queryRaw<{ customerGid: string }[]>`
        SELECT DISTINCT m."customerGid" AS "customerGid" FROM "CohortMembership" c
        JOIN "CohortRule" r ON r."id" = c."ruleId" AND r."enabled" = true
        JOIN "Member" m ON m."id" = c."memberId"
        WHERE c."shopId" = ${shopId} AND m."customerGid" IS NOT NULL`,
    ]);
    gids = [...new Set([...applied, ...members].map((row) => row.customerGid))];
  }
  for (let start = 0; start < gids.length; start += ENQUEUE_CHUNK) {
    const jobs = gids.slice(start, start + ENQUEUE_CHUNK).map((customerGid) => {
      const payload: TagSync = { customerGid, op: "sync" };
      return { queue: TAGS_QUEUE, key: tagSyncKey(shopId, customerGid), shopId, payload };
    });
    await enqueueMany(db, jobs, now);
  }
  return gids.length;
}
