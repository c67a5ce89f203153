import type { Loyalty, Redemption } from "./types";

// Roost's shopper endpoints as the extension calls them: every request carries the customer's
// session token, answers are JSON, and every failure becomes one typed AccountApiError whose code
// the components translate. Nothing here touches the `shopify` global: the token getter, fetch
// and the clock are passed in, which is what the tests fake.

export type ApiErrorCode =
  | "unauthorized"
  | "not_a_member"
  | "insufficient_points"
  | "reward_unavailable"
  | "member_redacted"
  | "idempotency_key_reused"
  | "not_found"
  | "network"
  | "server"
  | "unexpected";

export class AccountApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    readonly status: number | null,
    readonly body: unknown = null,
  ) {
    super(`Roost account API: ${code}${status === null ? "" : ` (HTTP ${status})`}`);
    this.name = "AccountApiError";
  }
}

/** Codes the server names in `{ error }` that the extension shows as they are. */
const NAMED_ERRORS = new Set<ApiErrorCode>(["not_a_member", "insufficient_points", "reward_unavailable", "member_redacted", "idempotency_key_reused"]);

/** Failures worth another try: the request may not have reached Roost, or Roost failed. */
export const isTransient = (error: unknown) => error instanceof AccountApiError && (error.code === "network" || error.code === "server");

export const errorCodeOf = (error: unknown): ApiErrorCode => (error instanceof AccountApiError ? error.code : "unexpected");

/** Polling a pending redemption: every 2 s, at most 15 times (30 s), then the shopper is told to come back. */
export const POLL_INTERVAL_MS = 2_000;
export const POLL_ATTEMPTS = 15;
/** A redeem whose answer was lost is sent again with the same key (Roost answers the replay with 200). */
export const REDEEM_ATTEMPTS = 3;
export const REDEEM_RETRY_MS = 1_000;

export interface AccountApiOptions {
  /** Roost's URL (APP_URL at build time). */
  baseUrl: string;
  /** The customer's session token (shopify.sessionToken.get). */
  token: () => Promise<string>;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

export interface RedeemAnswer {
  redemption: Redemption;
  /** 200: Roost had already taken this key and answers with the same redemption. */
  replayed: boolean;
}

export interface PollOptions {
  intervalMs?: number;
  attempts?: number;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function accountApi(options: AccountApiOptions) {
  const base = options.baseUrl.replace(/\/+$/, "");
  const sleep = options.sleep ?? defaultSleep;

  async function request<T>(path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: T }> {
    if (!base) throw new AccountApiError("unexpected", null, "APP_URL was not set when the extension was built");
    const doFetch = options.fetch ?? fetch;
    let response: Response;
    try {
      const token = await options.token();
      response = await doFetch(`${base}${path}`, {
        method: init.method ?? "GET",
        headers: { Accept: "application/json", Authorization: `Bearer ${token}`, ...init.headers },
        body: init.body,
      });
    } catch (cause) {
      throw new AccountApiError("network", null, String(cause));
    }
    let body: unknown = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    if (response.ok) {
      if (body === null || typeof body !== "object") throw new AccountApiError("unexpected", response.status, body);
      return { status: response.status, body: body as T };
    }
    throw new AccountApiError(codeFor(response.status, body), response.status, body);
  }

  const loyalty = async () => (await request<Loyalty>("/account/loyalty")).body;

  async function redeem(rewardId: string, idempotencyKey: string): Promise<RedeemAnswer> {
    for (let attempt = 1; ; attempt++) {
      try {
        const { status, body } = await request<{ redemption: Redemption }>("/account/redemptions", {
          method: "POST",
          headers: { "Content-Type": "application/json", "Idempotency-Key": idempotencyKey },
          body: JSON.stringify({ rewardId }),
        });
        return { redemption: body.redemption, replayed: status === 200 };
      } catch (error) {
        // Same key: if the first request did reach Roost, the retry is its replay, never a second spend.
        if (!isTransient(error) || attempt >= REDEEM_ATTEMPTS) throw error;
        await sleep(REDEEM_RETRY_MS);
      }
    }
  }

  const redemption = async (id: string) => (await request<{ redemption: Redemption }>(`/account/redemptions/${encodeURIComponent(id)}`)).body.redemption;

  /** Reads a pending redemption until it is issued or failed, or the attempts run out; answers the last one read. */
  async function waitForCode(pending: Redemption, poll: PollOptions = {}): Promise<Redemption> {
    const attempts = poll.attempts ?? POLL_ATTEMPTS;
    let latest = pending;
    for (let attempt = 0; attempt < attempts && latest.status === "pending"; attempt++) {
      await sleep(poll.intervalMs ?? POLL_INTERVAL_MS);
      try {
        latest = await redemption(pending.id);
      } catch (error) {
        // A lost poll is one attempt spent; anything else (token refused, not found) ends the wait.
        if (!isTransient(error)) throw error;
      }
    }
    return latest;
  }

  return { loyalty, redeem, redemption, waitForCode };
}

export type AccountApi = ReturnType<typeof accountApi>;

function codeFor(status: number, body: unknown): ApiErrorCode {
  const named = body && typeof body === "object" && "error" in body ? String((body as { error: unknown }).error) : "";
  if (NAMED_ERRORS.has(named as ApiErrorCode)) return named as ApiErrorCode;
  if (status === 401 || status === 403) return "unauthorized";
  if (status === 404) return "not_found";
  if (status >= 500) return "server";
  return "unexpected";
}

/**
 * A fresh Idempotency-Key: crypto.randomUUID where the sandbox has it, otherwise a version 4 UUID
 * from getRandomValues, otherwise from Math.random (a key only has to be unique per customer).
 */
export function newIdempotencyKey(source: Partial<Pick<Crypto, "randomUUID" | "getRandomValues">> | undefined = typeof crypto === "undefined" ? undefined : crypto): string {
  if (typeof source?.randomUUID === "function") return source.randomUUID();
  const bytes = new Uint8Array(16);
  if (typeof source?.getRandomValues === "function") source.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Where a shopper's click on Redeem stands. */
export type RedeemState =
  | { status: "redeeming" }
  | { status: "waiting"; redemption: Redemption }
  | { status: "issued"; redemption: Redemption }
  | { status: "failed"; redemption: Redemption }
  /** Still pending after the polling bound: the code will show in the page's list later. */
  | { status: "pending"; redemption: Redemption }
  | { status: "error"; code: ApiErrorCode };

/**
 * One click on Redeem: one new Idempotency-Key, the POST (retried with that key if its answer is
 * lost), then polling until the code is issued. Every step is reported through onUpdate.
 */
export async function redeemClick(
  api: AccountApi,
  rewardId: string,
  options: { onUpdate?: (state: RedeemState) => void; newKey?: () => string; poll?: PollOptions } = {},
): Promise<RedeemState> {
  const report = (state: RedeemState) => {
    options.onUpdate?.(state);
    return state;
  };
  report({ status: "redeeming" });
  const key = (options.newKey ?? newIdempotencyKey)();
  try {
    let { redemption } = await api.redeem(rewardId, key);
    if (redemption.status === "pending") {
      report({ status: "waiting", redemption });
      redemption = await api.waitForCode(redemption, options.poll);
    }
    return report({ status: redemption.status, redemption });
  } catch (error) {
    return report({ status: "error", code: errorCodeOf(error) });
  }
}
