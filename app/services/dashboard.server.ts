import type { Database } from "../db.server";
import { inboxCounts, listDeliveries } from "./inbox/inbox.server";
import { findShop } from "./shops/shops.server";

export interface DashboardData {
  shop: { domain: string; name: string; installed: boolean; timezone: string; currency: string };
  inbox: Awaited<ReturnType<typeof inboxCounts>>;
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
export async function loadDashboard(db: Database, shopDomain: string): Promise<DashboardData> {
  const [shop, inbox, recent] = await Promise.all([
    findShop(db, shopDomain),
    inboxCounts(db, shopDomain),
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
    inbox,
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
