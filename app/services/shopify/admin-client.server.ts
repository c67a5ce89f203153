import type { Clock } from "../../lib/clock";
import type { Logger } from "../../lib/logger.server";

/**
 * The narrow door through which services talk to the Shopify Admin GraphQL API. The real one
 * wraps the library's admin client for an offline session; tests use the fake Admin API
 * through the same code, so throttling and errors behave as they do against Shopify.
 */
export interface AdminClient {
  /** Runs one operation; resolves with `data`, after riding out throttling and transient errors. */
  request<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** The bucket as the last response reported it, and when (ms): writers pace themselves by it. */
  throttleStatus?(): ObservedThrottle | null;
  /** What the last response said it cost (requested up front, actual after the refund). */
  lastCost?(): QueryCost | null;
}

/** `extensions.cost` of one answer, without the throttle status. */
export interface QueryCost {
  requestedQueryCost?: number;
  actualQueryCost?: number;
}

/** Throttle state Shopify reports in `extensions.cost.throttleStatus`. */
export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export interface ObservedThrottle extends ThrottleStatus {
  /** When the response carrying it arrived (clock ms). */
  at: number;
}

interface GraphQLBody<T> {
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[] | string;
  extensions?: { cost?: QueryCost & { throttleStatus?: ThrottleStatus } };
}

/** A failure worth retrying later (network, 5xx, throttling that outlasted our patience). */
export class AdminTransientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AdminTransientError";
  }
}

/** A failure retrying cannot fix: 401/402/403/404/423, a GraphQL error in the query itself. */
export class AdminTerminalError extends Error {
  /** Never retried (the job queue's `isTerminalError`). */
  readonly terminal = true;
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = "AdminTerminalError";
  }
}

/** `userErrors` returned by a mutation: the request worked, Shopify refused the input. */
export class AdminUserErrors extends Error {
  /** Never retried (the job queue's `isTerminalError`): the same input is refused again. */
  readonly terminal = true;
  constructor(readonly userErrors: { field?: string[] | null; message: string; code?: string | null }[]) {
    super(`Shopify refused the input: ${userErrors.map((error) => error.message).join("; ")}`);
    this.name = "AdminUserErrors";
  }
}

export const TERMINAL_STATUSES = new Set([401, 402, 403, 404, 423]);

export interface HttpAdminClientOptions {
  shop: string;
  accessToken: string;
  apiVersion: string;
  clock: Clock;
  logger: Logger;
  /** How many times a throttled or transient failure is retried before giving up. */
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
  fetch?: typeof fetch;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Admin GraphQL over HTTP with an offline token. Reads the cost-based throttle from every
 * response: a THROTTLED answer (HTTP 200) waits exactly as long as the bucket needs to refill
 * for the query's cost, then retries; 5xx and network errors back off exponentially.
 */
export function createHttpAdminClient(options: HttpAdminClientOptions): AdminClient {
  const url = `https://${options.shop}/admin/api/${options.apiVersion}/graphql.json`;
  const sleep = options.sleep ?? defaultSleep;
  const maxAttempts = options.maxAttempts ?? 6;
  const doFetch = options.fetch ?? fetch;
  let observed: ObservedThrottle | null = null;
  let cost: QueryCost | null = null;

  return {
    throttleStatus: () => observed,
    lastCost: () => cost,
    async request<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
      for (let attempt = 1; ; attempt += 1) {
        let response: Response;
        try {
          response = await doFetch(url, {
            method: "POST",
            headers: { "Content-Type": "application/json", "X-Shopify-Access-Token": options.accessToken },
            body: JSON.stringify({ query, variables }),
          });
        } catch (error) {
          if (attempt >= maxAttempts) throw new AdminTransientError(`Admin API unreachable: ${(error as Error).message}`);
          await sleep(backoff(attempt));
          continue;
        }
        if (TERMINAL_STATUSES.has(response.status)) {
          throw new AdminTerminalError(`Admin API answered ${response.status} for ${options.shop}`, response.status);
        }
        if (response.status === 429 || response.status >= 500) {
          if (attempt >= maxAttempts) throw new AdminTransientError(`Admin API answered ${response.status}`);
          await sleep(Number(response.headers.get("Retry-After") ?? 0) * 1000 || backoff(attempt));
          continue;
        }
        const body = (await response.json()) as GraphQLBody<T>;
        const status = body.extensions?.cost?.throttleStatus;
        if (status) observed = { ...status, at: options.clock.now().getTime() };
        if (body.extensions?.cost) cost = { requestedQueryCost: body.extensions.cost.requestedQueryCost, actualQueryCost: body.extensions.cost.actualQueryCost };
        const errors = Array.isArray(body.errors) ? body.errors : body.errors ? [{ message: body.errors }] : [];
        if (errors.some((error) => error.extensions?.code === "THROTTLED")) {
          if (attempt >= maxAttempts) throw new AdminTransientError("Admin API still throttled");
          const wait = throttleWait(body.extensions?.cost?.requestedQueryCost, body.extensions?.cost?.throttleStatus);
          options.logger.debug({ shop: options.shop, wait }, "throttled by Shopify; waiting for the bucket");
          await sleep(wait);
          continue;
        }
        if (errors.length > 0) throw new AdminTerminalError(`Admin API error: ${errors.map((error) => error.message).join("; ")}`);
        if (!body.data) throw new AdminTransientError("Admin API answered without data");
        return body.data;
      }
    },
  };
}

function backoff(attempt: number): number {
  return Math.min(30_000, 500 * 2 ** (attempt - 1));
}

/** Milliseconds until the bucket holds `cost` points again. */
export function throttleWait(cost: number | undefined, status: ThrottleStatus | undefined): number {
  if (!status || !cost) return 1000;
  const missing = Math.max(0, cost - status.currentlyAvailable);
  return Math.ceil((missing / Math.max(1, status.restoreRate)) * 1000) + 50;
}

/** Throws when a mutation's payload carries userErrors. Always check them. */
export function assertNoUserErrors(payload: { userErrors?: { field?: string[] | null; message: string; code?: string | null }[] } | null | undefined): void {
  if (payload?.userErrors && payload.userErrors.length > 0) throw new AdminUserErrors(payload.userErrors);
}
