import { eventCounts, visitorReport } from "../services/pixel/reports.server";
import { CliError, type Command, resolveShop, table } from "./command.server";

export const PIXEL_USAGE = `  events:counts [--days N]     storefront events per name per hour over the last N days
                               (default 1), from the hourly roll-ups
  visitors:show --client-id ID a visitor (the pixel's clientId): its events (newest --limit,
                               default 100) and its link to a customer, if any`;

const MAX_DAYS = 366;

async function shopId(db: Parameters<Command>[0]["db"], domain: string): Promise<string> {
  return (await db.shop.findUniqueOrThrow({ where: { domain }, select: { id: true } })).id;
}

export const pixelCommands: Record<string, Command> = {
  "events:counts": async ({ db, clock, flags }) => {
    const domain = await resolveShop(db, flags.shop);
    const days = flags.days === undefined ? 1 : Number(flags.days);
    if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) throw new CliError(`--days must be a whole number from 1 to ${MAX_DAYS}`);
    const now = clock.now();
    // From the start of the hour N days ago: each roll-up row is a whole hour.
    const since = new Date(Math.floor((now.getTime() - days * 86_400_000) / 3_600_000) * 3_600_000);
    const { hours, totals } = await eventCounts(db, await shopId(db, domain), since);
    const text = [
      `${domain}: storefront events since ${since.toISOString()}`,
      "",
      table(["HOUR", "EVENT", "COUNT"], hours.map((row) => [row.hour, row.name, String(row.count)])),
      "",
      `totals: ${Object.entries(totals).map(([name, count]) => `${name} ${count}`).join(", ") || "none"}`,
    ].join("\n");
    return { json: { shop: domain, since: since.toISOString(), hours, totals }, text };
  },
  "visitors:show": async ({ db, flags }) => {
    const domain = await resolveShop(db, flags.shop);
    const clientId = flags["client-id"]?.trim();
    if (!clientId) throw new CliError("visitors:show needs --client-id <id>");
    const limit = flags.limit === undefined ? 100 : Number(flags.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new CliError("--limit must be a whole number from 1 to 1000");
    const visitor = await visitorReport(db, await shopId(db, domain), clientId, limit);
    if (!visitor) throw new CliError(`No visitor with client id ${clientId} in ${domain}`);
    const link = visitor.link;
    const text = [
      `visitor ${visitor.clientId}: ${visitor.eventCount} events${visitor.firstSeenAt ? `, ${visitor.firstSeenAt} to ${visitor.lastSeenAt}` : ""}`,
      link ? `linked to ${link.customerGid}${link.email ? ` (${link.email})` : ""} by checkout ${link.checkoutToken} at ${link.linkedAt}` : "not linked to a customer",
      "",
      table(
        ["OCCURRED", "EVENT", "PAGE", "VARIANT", "QTY", "STOCK"],
        visitor.events.map((event) => [
          event.occurredAt,
          event.name,
          event.pagePath ?? "",
          event.variantGid ?? "",
          event.quantity === null ? "" : String(event.quantity),
          event.stockAtIngest === null ? "" : `${event.stockAtIngest}${event.lowStockAtIngest ? " (low)" : ""}`,
        ]),
      ),
    ].join("\n");
    return { json: { shop: domain, visitor }, text };
  },
};
