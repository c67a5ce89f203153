import { z } from "zod";
import { throttledLog } from "../lib/log-throttle.server";
import { recordTriggerUse } from "../services/flow/lifecycle.server";
import { isShopDomain } from "../services/shops/shops.server";
import { readBody } from "./body.server";
import type { WebhookDeps } from "./webhooks.server";

/** A lifecycle callback is five short properties: anything near this is not one. */
export const FLOW_LIFECYCLE_MAX_BYTES = 16 * 1024;

const LifecycleBody = z.object({
  flow_trigger_definition_id: z.string().min(1).max(255),
  has_enabled_flow: z.boolean(),
  shop_id: z.union([z.string().regex(/^\d+$/), z.number().int().positive()]),
  shopify_domain: z.string().refine(isShopDomain, "not a myshopify.com domain"),
  timestamp: z.string().datetime({ offset: true }),
});

const answer = (status: number, body?: string) => new Response(body ?? null, { status });

/**
 * Flow's trigger lifecycle callback (POST /flow/lifecycle, extensions/roost-flow-lifecycle):
 * 405 to non-POST, 413 past FLOW_LIFECYCLE_MAX_BYTES (unread), 401 without a valid
 * X-Shopify-Hmac-Sha256 (HMAC of the raw body with the app secret, checked by shopify-api's
 * `flow.validate`), 400 to a body that is not a lifecycle callback or names a trigger Roost does
 * not have, 404 for a shop Roost was never installed on; nothing is stored in any of those. A
 * non-2xx answer stops the merchant enabling the workflow, which is right for all of them: Roost
 * would never send that trigger there. An older notification than the one stored is answered
 * 200 and ignored, as Flow asks.
 */
export async function receiveFlowLifecycle(deps: WebhookDeps, request: Request): Promise<Response> {
  if (request.method !== "POST") return answer(405);
  const bytes = await readBody(request, FLOW_LIFECYCLE_MAX_BYTES);
  if (!bytes) return answer(413, `The body must be at most ${FLOW_LIFECYCLE_MAX_BYTES} bytes`);
  const rawBody = new TextDecoder().decode(bytes);
  if (rawBody.length === 0) return answer(400, "Empty body");
  const check = await deps.webhookValidator().flow.validate({ rawBody, rawRequest: request });
  if (!check.valid) return answer(401);
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    return answer(400, "The body is not JSON");
  }
  const parsed = LifecycleBody.safeParse(json);
  if (!parsed.success) return answer(400, `Not a Flow lifecycle callback: ${parsed.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`).join("; ")}`);
  const body = parsed.data;
  const result = await recordTriggerUse(deps.db, {
    triggerId: body.flow_trigger_definition_id,
    enabled: body.has_enabled_flow,
    shopNumericId: String(body.shop_id),
    shopDomain: body.shopify_domain,
    at: new Date(body.timestamp),
  });
  const log = throttledLog(deps.logger, "flow-lifecycle");
  switch (result.outcome) {
    case "unknown_trigger":
      log.warn({ shop: body.shopify_domain, trigger: body.flow_trigger_definition_id }, "flow lifecycle callback for a trigger Roost does not have");
      return answer(400, `Unknown trigger: ${body.flow_trigger_definition_id}`);
    case "unknown_shop":
      log.warn({ shop: body.shopify_domain }, "flow lifecycle callback for a shop Roost does not know");
      return answer(404, "Roost is not installed on this shop");
    case "shop_mismatch":
      log.warn({ shop: body.shopify_domain, shopId: body.shop_id }, "flow lifecycle callback names another shop's id");
      return answer(400, "shop_id does not match shopify_domain");
    default:
      deps.logger.info({ shop: body.shopify_domain, handle: result.handle, enabled: body.has_enabled_flow, outcome: result.outcome }, "flow trigger use");
      return answer(200);
  }
}
