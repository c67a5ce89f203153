import type { Logger } from "../lib/logger.server";
import { type AccountDeps, buildAccountLimiter } from "./account.server";
import { type ApiDeps, AUTH_FAILURE_LIMIT, AUTH_FAILURE_WINDOW_MS } from "./api.server";
import { buildIngestLimits, type IngestDeps, type IngestLimits } from "./ingest.server";
import { FailureLimiter } from "./rate-limit";
import { createWebhookValidator, type WebhookDeps, type WebhookValidator } from "./webhooks.server";

/**
 * What the HTTP entry points keep between requests, built once per process by
 * app/runtime.server.ts (`httpEdge()`); a test builds its own.
 */
export interface HttpEdge {
  /** Failed API-token authentications per client, in this process's memory (docs/api.md, "Rate limit"). */
  apiAuthFailures: FailureLimiter;
  /** Shopify's webhook validation, built on the first delivery. */
  webhookValidator: () => WebhookValidator;
  /** The web pixel's batches per shop and per client (in Redis when REDIS_URL is set). */
  ingestLimits: IngestLimits;
  /** Requests per signed-in customer of the shopper surfaces, in this process's memory (docs/shopper.md). */
  accountRequests: AccountDeps["accountRequests"];
}

/** What the webhook and API routes take: the process's dependencies and its HTTP edge. */
export type HttpDeps = ApiDeps & WebhookDeps & IngestDeps & Omit<AccountDeps, "authenticate">;

export function buildHttpEdge(options: { logger: Logger; env?: Record<string, string | undefined> }): HttpEdge {
  const env = options.env ?? process.env;
  let validator: WebhookValidator | undefined;
  return {
    apiAuthFailures: new FailureLimiter({ limit: AUTH_FAILURE_LIMIT, windowMs: AUTH_FAILURE_WINDOW_MS }),
    webhookValidator: () => (validator ??= createWebhookValidator(env, options.logger)),
    ingestLimits: buildIngestLimits({ env, logger: options.logger }),
    accountRequests: buildAccountLimiter(),
  };
}
