import { expect } from "vitest";
import db from "../../app/db.server";
import { action as ordersAction } from "../../app/routes/api.v1.orders";
import { action as refundsAction } from "../../app/routes/api.v1.refunds";
import type { ExternalOrderResult, ExternalRefundResult } from "../../app/services/api/external-orders.server";
import { createApiToken } from "../../app/services/api/tokens.server";
import { enrolCustomer } from "../../app/services/identity/members.server";
import { verifyLedger } from "../../app/services/ledger/verify.server";
import { type Program, programSchema } from "../../app/services/program/settings";
import { updateShopSettings } from "../../app/services/shops/shops.server";
import { APP_URL } from "../support/constants";
import { installTestShop, uniqueShop } from "../support/shopify";

export { db };

export interface ApiShop {
  domain: string;
  id: string;
  token: string;
  tokenId: string;
}

/** An installed shop whose program started on 2026-01-01, with one API token. */
export async function apiShop(options: { currency?: string; timezone?: string; program?: Partial<Program> } = {}): Promise<ApiShop> {
  const domain = uniqueShop("roost-api");
  await installTestShop(domain, { currency: options.currency ?? "USD", timezone: options.timezone ?? "America/New_York" });
  await setProgram(domain, options.program ?? {});
  const { id } = await db.shop.findUniqueOrThrow({ where: { domain } });
  const { token, record } = await createApiToken(db, { shopId: id, name: "Warehouse POS", actor: "test" });
  return { domain, id, token, tokenId: record.id };
}

export async function setProgram(domain: string, patch: Partial<Program>): Promise<void> {
  await updateShopSettings(db, domain, { program: programSchema.parse({ startDate: "2026-01-01", ...patch }) });
}

/** A member enrolled from a Shopify customer, as the customers/create webhook would. */
export async function enrol(shop: ApiShop, customerId: number, email: string) {
  const row = await db.shop.findUniqueOrThrow({ where: { id: shop.id } });
  const member = await enrolCustomer(db, row, { gid: `gid://shopify/Customer/${customerId}`, email });
  if (!member) throw new Error("not enrolled");
  return member;
}

export interface Call {
  token?: string | null;
  key?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
  method?: string;
  /**
   * The client's address, as server.mjs puts it in the load context; by default a new one per
   * request, so the per-client limit on failed authentications never links two tests. `null`
   * sends no load context at all (the route falls back to one shared key).
   */
  client?: string | null;
}

export function apiRequest(path: string, call: Call): Request {
  const headers = new Headers({ "Content-Type": "application/json", ...call.headers });
  if (call.token) headers.set("Authorization", `Bearer ${call.token}`);
  if (call.key) headers.set("Idempotency-Key", call.key);
  const body: BodyInit = typeof call.body === "string" ? call.body : call.body instanceof Uint8Array ? new Blob([new Uint8Array(call.body)]) : JSON.stringify(call.body ?? {});
  return new Request(new URL(path, APP_URL), { method: call.method ?? "POST", headers, body });
}

/** Any answer of the API: a success or an error. */
export interface ApiBody {
  order: ExternalOrderResult;
  refund: ExternalRefundResult;
  error?: string;
  message?: string;
  fields?: Record<string, string>;
}

let clients = 0;
/** The route's arguments, with the load context server.mjs would give it. */
export function args(request: Request, client?: string | null) {
  const clientAddress = client === undefined ? `192.0.2.${(clients += 1)}` : client;
  return { request, params: {}, context: clientAddress === null ? {} : { clientAddress } };
}

export async function postOrder(shop: ApiShop | null, body: unknown, call: Omit<Call, "body"> = {}): Promise<{ response: Response; json: ApiBody }> {
  const response = await ordersAction(args(apiRequest("/api/v1/orders", { token: shop?.token, key: crypto.randomUUID(), ...call, body }), call.client));
  return { response, json: await response.clone().json() };
}

export async function postRefund(shop: ApiShop | null, body: unknown, call: Omit<Call, "body"> = {}): Promise<{ response: Response; json: ApiBody }> {
  const response = await refundsAction(args(apiRequest("/api/v1/refunds", { token: shop?.token, key: crypto.randomUUID(), ...call, body }), call.client));
  return { response, json: await response.clone().json() };
}

let sequence = 1000;
export const nextId = () => String((sequence += 1));

/** A valid order body; `buyer` and any field can be replaced. */
export function orderBody(overrides: Record<string, unknown> = {}) {
  return {
    id: nextId(),
    channel: "pos-legacy",
    buyer: { email: "ana.lima@example.com" },
    eligibleAmount: "123.45",
    currency: "USD",
    occurredAt: "2026-11-20T10:00:00-05:00",
    ...overrides,
  };
}

export function refundBody(orderId: string, overrides: Record<string, unknown> = {}) {
  return {
    id: nextId(),
    orderId,
    channel: "pos-legacy",
    refundedAmount: "41.15",
    currency: "USD",
    occurredAt: "2026-11-22T10:00:00-05:00",
    ...overrides,
  };
}

export async function expectLedgerOk(shopId: string): Promise<void> {
  const result = await verifyLedger(db, shopId);
  expect(result.violations).toEqual([]);
}
