import db from "../../app/db.server";
import { type IngestAnswer, type IngestLimits, MemoryWindowLimiter } from "../../app/http/ingest.server";
import { action } from "../../app/routes/ingest.events";
import { APP_URL } from "../support/constants";
import { installTestShop, uniqueShop } from "../support/shopify";

export { db };

export interface PixelShop {
  domain: string;
  id: string;
  orgId: string;
}

/** An installed shop, as the pixel knows it: by its public orgId. */
export async function pixelShop(options: { currency?: string } = {}): Promise<PixelShop> {
  const domain = uniqueShop("roost-pixel");
  await installTestShop(domain, { currency: options.currency ?? "USD" });
  const { id, orgId } = await db.shop.findUniqueOrThrow({ where: { domain } });
  return { domain, id, orgId };
}

let sequence = 0;
/** A fresh event id, as Shopify gives each event. */
export const eventId = () => `sh-${Date.now().toString(36)}-${(sequence += 1)}`;

/** A standard event as analytics.subscribe hands it over (trimmed as the pixel trims it). */
export function pixelEvent(name: string, overrides: Record<string, unknown> = {}, data: Record<string, unknown> = {}) {
  return {
    id: eventId(),
    name,
    type: "standard",
    clientId: "visitor-1",
    timestamp: "2026-12-05T08:15:30.123Z",
    seq: 1,
    context: { document: { location: { href: "https://shop.example.com/products/red-scarf?variant=1", pathname: "/products/red-scarf" } } },
    data,
    ...overrides,
  };
}

export const variantData = (variant: string | number, amount: number | string = 19.99, currencyCode = "USD", product: string | number = "9001") => ({
  productVariant: { id: variant, price: { amount, currencyCode }, product: { id: product, title: "Red scarf" }, title: "Red" },
});

export const cartLineData = (variant: string | number, quantity: number, amount: number | string = 19.99, currencyCode = "USD") => ({
  cartLine: { quantity, cost: { totalAmount: { amount: 39.98, currencyCode } }, merchandise: { id: variant, price: { amount, currencyCode }, product: { id: "9001" } } },
});

export const checkoutData = (token: string, orderId?: string) => ({
  checkout: { token, currencyCode: "USD", totalPrice: { amount: 120.5 }, order: orderId ? { id: orderId } : undefined, lineItems: [{ quantity: 1, variant: { id: "gid://shopify/ProductVariant/1" } }] },
});

let clients = 0;
/** A new client address per call, so the per-client limit never links two tests. */
export const nextClient = () => `198.51.100.${(clients = (clients % 250) + 1)}`;

export function ingestRequest(body: unknown, init: { method?: string; contentType?: string | null; headers?: Record<string, string> } = {}): Request {
  const headers = new Headers(init.headers);
  if (init.contentType !== null) headers.set("Content-Type", init.contentType ?? "text/plain;charset=UTF-8");
  const method = init.method ?? "POST";
  const text = typeof body === "string" ? body : JSON.stringify(body);
  // A string body would bring its own text/plain; a Blob without a type brings none.
  const payload = init.contentType === null ? new Blob([text]) : text;
  return new Request(new URL("/ingest/events", APP_URL), { method, headers, body: ["GET", "HEAD", "OPTIONS"].includes(method) ? undefined : payload });
}

export interface Posted {
  response: Response;
  json: IngestAnswer & { error?: string; message?: string };
}

/** Through the route, as server.mjs calls it (a client address in the load context). */
export async function post(body: unknown, init: Parameters<typeof ingestRequest>[1] & { client?: string } = {}): Promise<Posted> {
  const response = await action({ request: ingestRequest(body, init), params: {}, context: { clientAddress: init.client ?? nextClient() } });
  const text = await response.text();
  return { response, json: text ? JSON.parse(text) : {} };
}

/** Limits with a test's own sizes and clock. */
export function memoryLimits(options: { shop: number; client: number; windowMs?: number; clock: { now(): Date } }): IngestLimits {
  return {
    perShop: new MemoryWindowLimiter({ limit: options.shop, windowMs: options.windowMs ?? 10_000, clock: options.clock }),
    perClient: new MemoryWindowLimiter({ limit: options.client, windowMs: options.windowMs ?? 10_000, clock: options.clock }),
  };
}

export const storedCount = (shopId: string) => db.pixelEvent.count({ where: { shopId } });
