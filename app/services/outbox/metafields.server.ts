import type { Tx } from "../ledger/types";

/** Balance and tier go to the customer's metafields; the latest values replace queued ones. */
export async function queueMetafieldWrite(tx: Tx, shopId: string, customerGid: string | null, balance: number, tier: string): Promise<void> {
  if (!customerGid) return;
  await tx.metafieldSync.upsert({
    where: { shopId_customerGid: { shopId, customerGid } },
    create: { shopId, customerGid, balance, tier },
    update: { balance, tier, status: "pending", attempts: 0, nextAttemptAt: new Date(), lastError: null },
  });
}
