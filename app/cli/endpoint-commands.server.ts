import { addEndpoint, endpointDeliveries, type EndpointView, getEndpoint, listEndpoints, removeEndpoint } from "../services/endpoints/endpoints.server";
import { CliError, type Command, type CommandContext, resolveShop, table } from "./command.server";

export const ENDPOINTS_USAGE = `  endpoints:add --url U        a webhook endpoint for journey events (docs/events.md): https and a
       --events a,b            public address (ROOST_ENDPOINTS_ALLOW_PRIVATE=true lifts both), the
       [--personal-data]       event types it receives, with the member's email if --personal-data;
                               prints its signing secret, once
  endpoints:list               the shop's endpoints with their delivery counts (never the secret)
  endpoints:remove <id>        remove an endpoint and its delivery log
  endpoints:deliveries <id>    an endpoint's delivery log, newest first (the newest N, default 50)
       [--limit N]`;

/** Who the audit log names for a change made from the CLI. */
const ACTOR = "system:roost-cli";

async function shopOf(db: CommandContext["db"], shop: string | undefined): Promise<{ id: string; domain: string }> {
  return db.shop.findUniqueOrThrow({ where: { domain: await resolveShop(db, shop) }, select: { id: true, domain: true } });
}

const endpointJson = (endpoint: EndpointView) => ({
  ...endpoint,
  createdAt: endpoint.createdAt.toISOString(),
  lastDelivery: endpoint.lastDelivery ? { ...endpoint.lastDelivery, at: endpoint.lastDelivery.at.toISOString() } : null,
});

const countsText = (endpoint: EndpointView) => `${endpoint.counts.delivered} delivered, ${endpoint.counts.pending} pending, ${endpoint.counts.failed} failed`;

export const endpointCommands: Record<string, Command> = {
  "endpoints:add": async ({ db, clock, flags }) => {
    const shop = await shopOf(db, flags.shop);
    const events = (flags.events ?? "").split(",").map((event) => event.trim()).filter((event) => event !== "");
    const result = await addEndpoint({ db, clock }, shop, { url: flags.url ?? "", events, personalData: flags["personal-data"] === true }, ACTOR);
    if (!result.ok) {
      const lines = Object.entries(result.errors).map(([field, message]) => `  ${field === "url" ? "--url" : "--events"}: ${message}`);
      throw new CliError(["the endpoint was not added:", ...lines].join("\n"));
    }
    const { endpoint, secret } = result;
    return {
      json: { ...endpointJson(endpoint), secret },
      text: [
        `Added endpoint ${endpoint.id}: ${endpoint.url}`,
        `  events: ${endpoint.events.join(", ")}${endpoint.personalData ? " (with the member's email)" : ""}`,
        `  signing secret (shown once, keep it now): ${secret}`,
      ].join("\n"),
    };
  },

  "endpoints:list": async ({ db, flags }) => {
    const shop = await shopOf(db, flags.shop);
    const endpoints = await listEndpoints(db, shop.id);
    return {
      json: { shop: shop.domain, endpoints: endpoints.map(endpointJson) },
      text: table(
        ["ID", "URL", "EVENTS", "STATE", "DELIVERIES"],
        endpoints.map((endpoint) => [endpoint.id, endpoint.url, endpoint.events.join(","), endpoint.enabled ? "enabled" : "disabled", countsText(endpoint)]),
      ),
    };
  },

  "endpoints:remove": async ({ db, clock, args, flags }) => {
    const id = args[0];
    if (!id) throw new CliError("endpoints:remove needs an endpoint id (endpoints:list shows them)");
    const shop = await shopOf(db, flags.shop);
    if (!(await removeEndpoint({ db, clock }, shop, id, ACTOR))) throw new CliError(`No endpoint ${id} in ${shop.domain}`);
    return { json: { removed: id }, text: `Removed endpoint ${id} and its delivery log` };
  },

  "endpoints:deliveries": async ({ db, args, flags }) => {
    const id = args[0];
    if (!id) throw new CliError("endpoints:deliveries needs an endpoint id (endpoints:list shows them)");
    const limit = flags.limit === undefined ? 50 : Number(flags.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new CliError("--limit takes a whole number of at least 1");
    const shop = await shopOf(db, flags.shop);
    const endpoint = await getEndpoint(db, shop.id, id);
    if (!endpoint) throw new CliError(`No endpoint ${id} in ${shop.domain}`);
    const deliveries = await endpointDeliveries(db, shop.id, id, { limit });
    const iso = (at: Date | null) => (at ? at.toISOString() : null);
    return {
      json: {
        endpoint: endpointJson(endpoint),
        deliveries: deliveries.map((delivery) => ({ ...delivery, createdAt: delivery.createdAt.toISOString(), lastAttemptAt: iso(delivery.lastAttemptAt), deliveredAt: iso(delivery.deliveredAt) })),
      },
      text: table(
        ["CREATED", "EVENT", "TYPE", "STATUS", "ATTEMPTS", "CODE", "MS", "ERROR"],
        deliveries.map((delivery) => [
          delivery.createdAt.toISOString(),
          delivery.eventId,
          delivery.eventType,
          delivery.status,
          String(delivery.attempts),
          delivery.responseCode === null ? "-" : String(delivery.responseCode),
          delivery.latencyMs === null ? "-" : String(delivery.latencyMs),
          delivery.error ?? "",
        ]),
      ),
    };
  },
};
