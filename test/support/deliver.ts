import db from "../../app/db.server";
import { inboxWorker } from "../../app/runtime.server";
import { signedWebhook, type WebhookOptions } from "./shopify";

type RouteModule = { action: (args: { request: Request; params: Record<string, string>; context: object }) => Promise<Response> };

/** Sends a signed delivery through the topic's own route module, then lets the worker process it. */
export async function deliver(options: WebhookOptions & { route?: string }): Promise<{ response: Response; status: string | null; error: string | null }> {
  const file = options.route ?? `webhooks.${options.topic.replaceAll("/", ".")}`;
  const routes = import.meta.glob<RouteModule>("../../app/routes/webhooks.*.tsx");
  const load = routes[`../../app/routes/${file}.tsx`];
  if (!load) throw new Error(`no route module app/routes/${file}.tsx`);
  const { action } = await load();
  const webhookId = options.webhookId ?? crypto.randomUUID();
  const request = signedWebhook({ ...options, webhookId });
  const response = await action({ request, params: {}, context: {} }).catch((thrown: unknown) => {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  });
  await inboxWorker().idle();
  const row = await db.webhookDelivery.findUnique({ where: { webhookId } });
  return { response, status: row?.status ?? null, error: row?.lastError ?? null };
}
