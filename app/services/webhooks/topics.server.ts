import { z } from "zod";
import type { Database } from "../../db.server";
import type { Clock } from "../../lib/clock";
import type { Logger } from "../../lib/logger.server";
import { markShopUninstalled, updateShopScopes } from "../shops/shops.server";
import { UnprocessableDeliveryError } from "./errors";

export interface TopicContext {
  db: Database;
  clock: Clock;
  logger: Logger;
  shopDomain: string;
  topic: string;
  webhookId: string;
  payload: unknown;
}

export type TopicHandler = (context: TopicContext) => Promise<void>;

/** Validates a payload, turning a schema mismatch into a terminal, explained failure. */
export function parsePayload<T>(schema: z.ZodType<T>, context: TopicContext): T {
  const result = schema.safeParse(context.payload);
  if (!result.success) {
    const issues = result.error.issues
      .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
      .join("; ");
    throw new UnprocessableDeliveryError(`${context.topic} payload is invalid: ${issues}`);
  }
  return result.data;
}

const scopesUpdatePayload = z.object({ current: z.array(z.string()) });

/**
 * Topic (as in X-Shopify-Topic) → the service call that applies it. Routes never call these
 * directly: every delivery goes through the inbox first.
 */
export const topicHandlers: Record<string, TopicHandler> = {
  "app/uninstalled": async ({ db, clock, logger, shopDomain }) => {
    const { sessionsDeleted } = await markShopUninstalled(db, shopDomain, clock);
    logger.info({ shop: shopDomain, sessionsDeleted }, "shop uninstalled");
  },
  "app/scopes_update": async (context) => {
    const { current } = parsePayload(scopesUpdatePayload, context);
    await updateShopScopes(context.db, context.shopDomain, current);
  },
};
