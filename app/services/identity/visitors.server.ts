import type { PixelEvent } from "@prisma/client";
import type { Db } from "../../db.server";

// Storefront visitors (the pixel's clientId) and the customers they are. The pixel is unsigned:
// anyone holding a shop's public orgId can post events, so nothing it says about who the
// visitor is ever links them. A link is made only where a checkout token the pixel reported
// meets the same token in a signed webhook (checkouts/create, checkouts/update, orders/create),
// in either order. Both sides run on hot paths (the ingest transaction, every order): a few
// statements per distinct token, never per event.

type Shop = { id: string };

// The upserts below "update" a key to its own value: with something to update, Prisma issues one
// INSERT … ON CONFLICT DO UPDATE, so batches and webhooks racing on one token both succeed (with
// nothing to update it reads, then inserts, and the loser fails on the unique key). The update
// that matters follows, conditional, so the first visitor and the newest signed customer win.

/** A checkout token the pixel reported for a visitor (checkout_started, checkout_completed, …). */
export interface PixelCheckout {
  token: string;
  clientId: string;
  at: Date;
}

/** A checkout token a signed webhook carried, with its customer (null for a guest checkout). */
export interface SignedCheckout {
  token: string;
  customerGid: string | null;
  at: Date;
}

export interface CheckoutLinks {
  /** The customer the token belongs to now, as the signed webhooks say. */
  customerGid: string | null;
  /** Visitors now linked to that customer through this token. */
  linkedClientIds: string[];
}

/**
 * The pixel side: records each token's visitor. The first clientId reported for a token wins
 * and is never replaced by a later unsigned claim (a forged batch cannot take over a checkout
 * the real visitor started). Where the signed side is already there, the visitor is linked.
 */
export async function notePixelCheckouts(db: Db, shop: Shop, seen: readonly PixelCheckout[]): Promise<{ linkedClientIds: string[] }> {
  // Within a batch, the earliest report of a token is its first.
  const first = new Map<string, PixelCheckout>();
  for (const entry of seen) {
    if (!entry.token || !entry.clientId) continue;
    const known = first.get(entry.token);
    if (!known || entry.at < known.at) first.set(entry.token, entry);
  }
  const linked: string[] = [];
  for (const { token, clientId, at } of first.values()) {
    let row = await db.checkoutToken.upsert({
      where: { shopId_token: { shopId: shop.id, token } },
      create: { shopId: shop.id, token, clientId, pixelSeenAt: at },
      update: { token },
    });
    if (row.clientId === null) {
      // The signed side came first: this is the token's first visitor, unless another batch
      // claimed it a moment ago (the condition keeps theirs).
      const { count } = await db.checkoutToken.updateMany({ where: { shopId: shop.id, token, clientId: null }, data: { clientId, pixelSeenAt: at } });
      if (count === 1) row = { ...row, clientId, pixelSeenAt: at };
    }
    if (row.clientId !== clientId || !row.customerGid || !row.signedAt) continue;
    if (await link(db, shop, { clientId, customerGid: row.customerGid, token, at: row.signedAt })) linked.push(clientId);
  }
  return { linkedClientIds: linked };
}

/**
 * The signed side: records the token's customer (a later signed delivery replaces an earlier
 * one's, as when a guest checkout is logged into) and links the token's visitor, when the pixel
 * has reported one. A guest checkout (no customer) records and links nothing.
 */
export async function noteSignedCheckout(db: Db, shop: Shop, signed: SignedCheckout): Promise<CheckoutLinks> {
  const { token, customerGid, at } = signed;
  if (!token || !customerGid) return { customerGid: null, linkedClientIds: [] };
  let row = await db.checkoutToken.upsert({
    where: { shopId_token: { shopId: shop.id, token } },
    create: { shopId: shop.id, token, customerGid, signedAt: at },
    update: { token },
  });
  if (row.customerGid !== customerGid) {
    // Newer wins; a delivery older than the one recorded leaves it as it is.
    const { count } = await db.checkoutToken.updateMany({
      where: { shopId: shop.id, token, OR: [{ signedAt: null }, { signedAt: { lte: at } }] },
      data: { customerGid, signedAt: at },
    });
    if (count === 1) row = { ...row, customerGid, signedAt: at };
  }
  if (!row.clientId || !row.customerGid || !row.signedAt) return { customerGid: row.customerGid, linkedClientIds: [] };
  const linked = await link(db, shop, { clientId: row.clientId, customerGid: row.customerGid, token, at: row.signedAt });
  return { customerGid: row.customerGid, linkedClientIds: linked ? [row.clientId] : [] };
}

/**
 * Links a visitor to a customer. A visitor already linked to someone else by an earlier signed
 * checkout moves to the later one's customer (the person who checked out last on that browser
 * is the best guess for who is browsing now); an older signed checkout, arriving late, does not
 * take the visitor back. True when the visitor is linked to `customerGid` afterwards.
 */
async function link(db: Db, shop: Shop, pair: { clientId: string; customerGid: string; token: string; at: Date }): Promise<boolean> {
  const { clientId, customerGid, token, at } = pair;
  const row = await db.visitorLink.upsert({
    where: { shopId_clientId: { shopId: shop.id, clientId } },
    create: { shopId: shop.id, clientId, customerGid, checkoutToken: token, linkedAt: at },
    update: { clientId },
  });
  if (row.customerGid === customerGid) return true;
  const { count } = await db.visitorLink.updateMany({
    where: { shopId: shop.id, clientId, linkedAt: { lte: at } },
    data: { customerGid, checkoutToken: token, linkedAt: at },
  });
  return count === 1;
}

/** The visitors linked to a customer. */
export async function visitorsOf(db: Db, shop: Shop, customerGid: string): Promise<string[]> {
  const links = await db.visitorLink.findMany({ where: { shopId: shop.id, customerGid }, select: { clientId: true }, orderBy: { linkedAt: "asc" } });
  return links.map((row) => row.clientId);
}

export interface BrowsingEvent {
  id: string;
  name: string;
  /** ISO 8601. */
  occurredAt: string;
  /** What the visitor did, in words a merchant reads: product titles from the mirror, never ids. */
  sentence: string;
}

export interface BrowsingTimeline {
  /** Newest first, at most `limit`. */
  events: BrowsingEvent[];
  /** All the linked visitors' events, shown or not. */
  total: number;
  visitors: number;
}

export const TIMELINE_LIMIT = 50;

/** A customer's browsing: their linked visitors' recent storefront events, in sentences. */
export async function memberTimeline(db: Db, shop: Shop, customerGid: string | null, limit = TIMELINE_LIMIT): Promise<BrowsingTimeline> {
  const clientIds = customerGid ? await visitorsOf(db, shop, customerGid) : [];
  if (clientIds.length === 0) return { events: [], total: 0, visitors: 0 };
  const where = { shopId: shop.id, clientId: { in: clientIds } };
  const [rows, total] = await Promise.all([
    db.pixelEvent.findMany({ where, orderBy: [{ occurredAt: "desc" }, { eventId: "desc" }], take: limit }),
    db.pixelEvent.count({ where }),
  ]);
  const titles = await productTitles(db, shop, rows);
  const orderGids = [...new Set(rows.map((row) => row.orderGid).filter((gid): gid is string => !!gid))];
  const orders = orderGids.length ? await db.order.findMany({ where: { shopId: shop.id, gid: { in: orderGids } }, select: { gid: true, name: true } }) : [];
  const orderNames = new Map(orders.filter((order) => order.name).map((order) => [order.gid, order.name as string]));
  return {
    events: rows.map((row) => ({ id: row.id, name: row.name, occurredAt: row.occurredAt.toISOString(), sentence: describeEvent(row, titles, orderNames) })),
    total,
    visitors: clientIds.length,
  };
}

/** Product titles by product GID and by variant GID, for the events' products. */
async function productTitles(db: Db, shop: Shop, rows: readonly PixelEvent[]): Promise<Map<string, string>> {
  const variantGids = [...new Set(rows.map((row) => row.variantGid).filter((gid): gid is string => !!gid))];
  const variants = variantGids.length
    ? await db.variant.findMany({ where: { shopId: shop.id, gid: { in: variantGids } }, select: { gid: true, productGid: true } })
    : [];
  const productOfVariant = new Map(variants.map((variant) => [variant.gid, variant.productGid]));
  const productGids = [...new Set([...rows.map((row) => row.productGid), ...variants.map((variant) => variant.productGid)].filter((gid): gid is string => !!gid))];
  const products = productGids.length ? await db.product.findMany({ where: { shopId: shop.id, gid: { in: productGids } }, select: { gid: true, title: true } }) : [];
  const titles = new Map(products.map((product) => [product.gid, product.title]));
  for (const [variantGid, productGid] of productOfVariant) {
    const title = titles.get(productGid);
    if (title) titles.set(variantGid, title);
  }
  return titles;
}

type Describable = Pick<PixelEvent, "name" | "productGid" | "variantGid" | "quantity" | "stockAtIngest" | "pagePath" | "orderGid">;

/** One event as a sentence: "Viewed Merino Beanie (3 left)", "Added 2 × Merino Beanie to the cart". */
export function describeEvent(event: Describable, titles: ReadonlyMap<string, string>, orderNames: ReadonlyMap<string, string> = new Map()): string {
  const product = (event.productGid && titles.get(event.productGid)) || (event.variantGid && titles.get(event.variantGid)) || "a product";
  const stock = event.stockAtIngest == null ? "" : event.stockAtIngest <= 0 ? " (out of stock)" : ` (${event.stockAtIngest} left)`;
  const quantity = event.quantity ?? 1;
  const order = event.orderGid ? orderNames.get(event.orderGid) : undefined;
  switch (event.name) {
    case "product_viewed":
      return `Viewed ${product}${stock}`;
    case "product_added_to_cart":
      return `Added ${quantity} × ${product} to the cart${stock}`;
    case "product_removed_from_cart":
      return `Removed ${quantity} × ${product} from the cart`;
    case "collection_viewed":
      return event.pagePath ? `Viewed the collection at ${event.pagePath}` : "Viewed a collection";
    case "search_submitted":
      return "Searched the store";
    case "cart_viewed":
      return "Viewed the cart";
    case "page_viewed":
      return event.pagePath ? `Visited ${event.pagePath}` : "Visited a page";
    case "checkout_started":
      return "Started checkout";
    case "checkout_contact_info_submitted":
      return "Entered contact details at checkout";
    case "checkout_address_info_submitted":
      return "Entered an address at checkout";
    case "checkout_shipping_info_submitted":
      return "Chose shipping at checkout";
    case "payment_info_submitted":
      return "Entered payment details";
    case "checkout_completed":
      return order ? `Completed checkout (order ${order})` : "Completed checkout";
    default:
      return event.name.replaceAll("_", " ").replace(/^./, (letter) => letter.toUpperCase());
  }
}
