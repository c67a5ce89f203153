import type { Database } from "../../app/db.server";
import type { Clock } from "../../app/lib/clock";
import { listCohorts } from "../../app/services/cohorts/reports.server";
import { plural } from "../../app/services/cohorts/why";
import { type SyncHealth, syncHealth } from "../../app/services/health/sync-health.server";
import { HEALTH_LABEL } from "../../app/services/health/wording";
import { REDEMPTIONS_QUEUE } from "../../app/services/rewards/redeem.server";
import { backfillProgress } from "../../app/services/sync/backfill.server";

/** What the demo prints once it is up, read from the database as the Dashboard reads it. */
export interface DemoFigures {
  health: SyncHealth;
  backfill: { customers: number; orders: number; refunds: number; seconds: number };
  members: { count: number; points: number };
  /** Rewards redeemed (not returned), and the points they took. */
  redemptions: { count: number; points: number };
  pixelEvents: number;
  /** The Cohorts page's figures. */
  cohorts: { key: string; tag: string; members: number; visitors: number }[];
}

/**
 * Queues whose pending work the summary waits for: cohort evaluations after deliveries and pixel
 * events (they change its figures), and the redemptions' codes (their log lines come before it).
 */
const SETTLING_QUEUES = ["cohorts", REDEMPTIONS_QUEUE];

/**
 * Waits (up to `timeoutMs`) until the inbox has nothing pending and no settling job is due,
 * so what is printed is what the Dashboard shows, then reads the figures: the Dashboard's sync health (counts, status), what the
 * shop's latest backfill imported (customers it read; orders it brought first, with their
 * refunds) and how long it took, the members' points and the stored pixel events.
 */
export async function demoFigures(db: Database, shopDomain: string, clock: Clock, timeoutMs = 30_000): Promise<DemoFigures> {
  const shop = await db.shop.findUniqueOrThrow({ where: { domain: shopDomain } });
  const deadline = Date.now() + timeoutMs;
  const busy = async () =>
    (await db.webhookDelivery.count({ where: { shopDomain, status: "pending" } })) +
    (await db.job.count({ where: { shopId: shop.id, queue: { in: SETTLING_QUEUES }, OR: [{ status: "running" }, { status: "pending", runAt: { lte: new Date() } }] } }));
  while ((await busy()) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  const health = await syncHealth(db, shopDomain, clock);
  const { runs } = await backfillProgress(db, shop.id);
  const started = Math.min(...runs.map((run) => Date.parse(run.startedAt)));
  const finished = Math.max(...runs.map((run) => Date.parse(run.finishedAt ?? run.startedAt)));
  const backfilledOrders = await db.order.findMany({ where: { shopId: shop.id, backfilled: true }, select: { gid: true } });
  const [refunds, members, redemptions, pixelEvents, cohorts] = await Promise.all([
    db.refund.count({ where: { shopId: shop.id, orderGid: { in: backfilledOrders.map((order) => order.gid) } } }),
    db.member.aggregate({ where: { shopId: shop.id, redactedAt: null }, _count: true, _sum: { balance: true } }),
    db.redemption.aggregate({ where: { shopId: shop.id, status: { not: "failed" } }, _count: true, _sum: { points: true } }),
    db.pixelEvent.count({ where: { shopId: shop.id } }),
    listCohorts(db, shop, clock.now()),
  ]);
  return {
    health,
    backfill: {
      customers: runs.find((run) => run.resource === "customers")?.recordsDone ?? 0,
      orders: backfilledOrders.length,
      refunds,
      seconds: runs.length > 0 ? (finished - started) / 1000 : 0,
    },
    members: { count: members._count, points: members._sum.balance ?? 0 },
    redemptions: { count: redemptions._count, points: redemptions._sum.points ?? 0 },
    pixelEvents,
    cohorts: cohorts.map((cohort) => ({ key: cohort.key, tag: cohort.tag, members: cohort.members, visitors: cohort.visitors })),
  };
}

/** The lines the demo prints about its figures (the test reads them back). */
export function figureLines(figures: DemoFigures, deliveries: { sent: number; rejected: number }): string[] {
  const { health, backfill, members } = figures;
  const size = (cohort: DemoFigures["cohorts"][number]) => [plural(cohort.members, "member"), cohort.visitors > 0 ? plural(cohort.visitors, "visitor") : null].filter(Boolean).join(", ");
  const { counts } = health;
  return [
    `The store sent ${plural(deliveries.sent, "webhook")}` + (deliveries.rejected ? ` (${deliveries.rejected} rejected: see the log above).` : "."),
    `The backfill imported ${plural(backfill.customers, "customer")}, ${plural(backfill.orders, "order")} and ${plural(backfill.refunds, "refund")} in ${backfill.seconds.toFixed(1)} s.`,
    `Sync health: ${HEALTH_LABEL[health.status]}; ${plural(counts.products, "product")}, ${plural(counts.variants, "variant")}, ${plural(counts.customers, "customer")}, ${plural(counts.orders, "order")}, ${plural(counts.refunds, "refund")}; ${health.inbox.processed} webhooks processed in the last 24 h.`,
    `${plural(members.count, "member")} hold ${plural(members.points, "point")}; ${plural(figures.redemptions.count, "reward")} redeemed for ${plural(figures.redemptions.points, "point")}; the storefront sent ${plural(figures.pixelEvents, "pixel event")}.`,
    ...(figures.cohorts.length > 0 ? [`Cohorts: ${figures.cohorts.map((cohort) => `${cohort.key} (${size(cohort)}, tag ${cohort.tag})`).join("; ")}.`] : []),
  ];
}
