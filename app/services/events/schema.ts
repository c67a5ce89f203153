import { z } from "zod";
import { currencyExponent, toMinorUnits } from "../../lib/money";

/**
 * The web pixel's batch (`POST /ingest/events`): Shopify's standard events as
 * `analytics.subscribe` hands them over, trimmed by the pixel. Unknown fields are ignored; each
 * event is validated on its own, so one bad event is reported by its index and the rest are kept.
 */

/** The standard events Roost stores (DESIGN, "Behavioural events"); any other name is rejected. */
export const PIXEL_EVENT_NAMES = [
  "page_viewed",
  "product_viewed",
  "collection_viewed",
  "search_submitted",
  "product_added_to_cart",
  "product_removed_from_cart",
  "cart_viewed",
  "checkout_started",
  "payment_info_submitted",
  "checkout_completed",
] as const;
export type PixelEventName = (typeof PIXEL_EVENT_NAMES)[number];

/** More than the pixel ever sends (it batches 20); the body limit (64 KiB) bounds it too. */
export const MAX_EVENTS_PER_BATCH = 200;
const MAX_ID = 128;
const MAX_PATH = 2048;

/** The batch's envelope; the events are checked one by one (`parsePixelEvent`). */
export const pixelBatchSchema = z.object({
  orgId: z.string().min(1).max(MAX_ID),
  events: z.array(z.unknown()).min(1).max(MAX_EVENTS_PER_BATCH),
});

/** One event, normalised: GIDs as strings, money as integer minor units. */
export interface PixelEventInput {
  eventId: string;
  clientId: string;
  name: PixelEventName;
  occurredAt: Date;
  pagePath: string | null;
  productGid: string | null;
  variantGid: string | null;
  quantity: number | null;
  /** Unit price in minor units of `currency`. */
  price: number | null;
  currency: string | null;
  cartToken: string | null;
  checkoutToken: string | null;
  orderGid: string | null;
}

const id = z.union([z.string().trim().min(1).max(MAX_ID), z.number().int().nonnegative()]).transform(String);
const amount = z.union([z.number().finite().nonnegative(), z.string().trim().regex(/^\d+(\.\d+)?$/)]);
const currencyCode = z.string().regex(/^[A-Z]{3}$/, "a three-letter ISO 4217 code");
const money = z.object({ amount, currencyCode: currencyCode.optional() });
const product = z.object({ id: id.optional() });
const variant = z.object({ id: id.optional(), price: money.nullish(), product: product.nullish() });

const eventSchema = z
  .object({
    id: z.string().trim().min(1).max(MAX_ID),
    name: z.string(),
    clientId: z.string().trim().min(1).max(MAX_ID),
    timestamp: z.iso.datetime({ offset: true }),
    context: z
      .object({
        document: z
          .object({ location: z.object({ href: z.string().max(8192).optional(), pathname: z.string().max(MAX_PATH).optional() }).nullish() })
          .nullish(),
      })
      
      .nullish(),
    data: z
      .object({
        productVariant: variant.nullish(),
        cartLine: z.object({ quantity: z.number().int().min(0).max(100_000).optional(), merchandise: variant.nullish() }).nullish(),
        cart: z.object({ id: z.string().trim().max(512).optional() }).nullish(),
        checkout: z
          .object({
            token: z.string().trim().min(1).max(512).nullish(),
            currencyCode: currencyCode.nullish(),
            order: z.object({ id: id.nullish() }).nullish(),
          })
          .nullish(),
      })
      
      .nullish(),
  });

export type PixelEventParse = { ok: true; event: PixelEventInput } | { ok: false; reason: string };

/** Validates and normalises one event; a refusal says why, for the batch's `rejected` list. */
export function parsePixelEvent(value: unknown): PixelEventParse {
  const parsed = eventSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `${issue.path.join(".") || "event"}: ${issue.message}` };
  }
  const raw = parsed.data;
  if (!(PIXEL_EVENT_NAMES as readonly string[]).includes(raw.name)) return { ok: false, reason: `name: "${raw.name.slice(0, 64)}" is not a standard event Roost stores` };
  const name = raw.name as PixelEventName;
  try {
    const data = raw.data ?? {};
    const line = data.cartLine ?? null;
    const merchandise = line?.merchandise ?? data.productVariant ?? null;
    const variantGid = merchandise?.id != null ? toGid("ProductVariant", merchandise.id, "variant id") : null;
    const productGid = merchandise?.product?.id != null ? toGid("Product", merchandise.product.id, "product id") : null;
    const checkout = data.checkout ?? null;
    let price: number | null = null;
    let currency: string | null = checkout?.currencyCode ?? null;
    if (merchandise?.price) {
      currency = merchandise.price.currencyCode ?? currency;
      if (!currency) return { ok: false, reason: "price: no currencyCode" };
      price = minorUnits(merchandise.price.amount, currency);
    }
    const orderId = checkout?.order?.id;
    return {
      ok: true,
      event: {
        eventId: raw.id,
        clientId: raw.clientId,
        name,
        occurredAt: new Date(raw.timestamp),
        pagePath: pagePath(raw.context?.document?.location ?? null),
        productGid,
        variantGid,
        quantity: line?.quantity ?? null,
        price,
        currency,
        cartToken: data.cart?.id || null,
        checkoutToken: checkout?.token ?? null,
        orderGid: orderId != null ? toGid("Order", orderId, "order id", ["OrderIdentity"]) : null,
      },
    };
  } catch (error) {
    if (error instanceof RangeError) return { ok: false, reason: error.message };
    throw error;
  }
}

/**
 * Shopify sends ids as numeric strings in some events and GIDs in others; Roost keeps GIDs.
 * `aliases` are other resource names Shopify uses for the same id (a checkout's order is an
 * `OrderIdentity`).
 */
export function toGid(resource: string, value: string, what: string, aliases: readonly string[] = []): string {
  if (/^\d+$/.test(value)) return `gid://shopify/${resource}/${value}`;
  const match = /^gid:\/\/shopify\/([A-Za-z]+)\/(\d+)$/.exec(value);
  if (match && (match[1] === resource || aliases.includes(match[1]))) return `gid://shopify/${resource}/${match[2]}`;
  throw new RangeError(`${what}: "${value.slice(0, 80)}" is not a Shopify ${resource} id`);
}

/**
 * A decimal amount in the currency's minor units. A number is read through its shortest
 * round-trip text ("19.99", never 19.989999…), then converted exactly.
 */
function minorUnits(value: number | string, currency: string): number {
  const text = typeof value === "number" ? String(value) : value;
  if (!/^\d+(\.\d+)?$/.test(text)) throw new RangeError(`price: "${text}" is not a decimal amount`);
  try {
    return toMinorUnits(text, currencyExponent(currency));
  } catch (error) {
    throw new RangeError(`price: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function pagePath(location: { href?: string; pathname?: string } | null): string | null {
  if (!location) return null;
  if (location.pathname) return location.pathname.slice(0, MAX_PATH);
  if (!location.href) return null;
  try {
    return new URL(location.href).pathname.slice(0, MAX_PATH);
  } catch {
    return null;
  }
}
