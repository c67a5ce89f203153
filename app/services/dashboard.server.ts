import type { Database } from "../db.server";
import type { Clock } from "../lib/clock";
import { type SyncHealth, syncHealth } from "./health/sync-health.server";
import { listDeliveries } from "./inbox/inbox.server";
import { type SetupChecklist, loadSetupChecklist } from "./setup/checklist.server";
import { findShop } from "./shops/shops.server";

export interface DashboardData {
  shop: { domain: string; name: string; installed: boolean; timezone: string; currency: string };
  health: SyncHealth;
  setup: SetupChecklist;
  recentDeliveries: {
    webhookId: string;
    topic: string;
    status: string;
    attempts: number;
    lastError: string | null;
    receivedAt: string;
  }[];
}

/** Everything the Dashboard shows, for one shop only. */
export async function loadDashboard(db: Database, shopDomain: string, clock: Clock): Promise<DashboardData> {
  // One lookup, shared by the header and the checklist (Prisma's query promises are lazy).
  const found = Promise.resolve(findShop(db, shopDomain));
  const [shop, setup, health, recent] = await Promise.all([
    found,
    found.then((row) => loadSetupChecklist(db, row)),
    syncHealth(db, shopDomain, clock),
    listDeliveries(db, { shopDomain, limit: 10 }),
  ]);
  return {
    shop: {
      domain: shopDomain,
      name: shop?.name ?? shopDomain,
      installed: shop?.installed ?? true,
      timezone: shop?.timezone ?? "UTC",
      currency: shop?.currency ?? "USD",
    },
    health,
    setup,
    recentDeliveries: recent.map((delivery) => ({
      webhookId: delivery.webhookId,
      topic: delivery.topic,
      status: delivery.status,
      attempts: delivery.attempts,
      lastError: delivery.lastError,
      receivedAt: delivery.receivedAt.toISOString(),
    })),
  };
}
