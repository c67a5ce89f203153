import { z } from "zod";
import type { Database } from "../../db.server";
import type { Clock } from "../../lib/clock";
import type { Logger } from "../../lib/logger.server";
import {
  applyInventoryLevel,
  changeCustomerTags,
  deleteCustomer,
  deleteProduct,
  mergeCustomers,
  recordRefund,
  upsertCustomer,
  upsertOrder,
  updatePurchasingSummary,
  upsertProduct,
} from "../mirror/mirror.server";
import {
  customerFromRest,
  customerTagsFromRest,
  inventoryLevelFromRest,
  orderFromRest,
  productFromRest,
  purchasingSummaryFromRest,
  refundFromRest,
  restCustomer,
  restCustomerMerge,
  restCustomerTags,
  restDeletion,
  restInventoryLevel,
  restOrder,
  restProduct,
  restPurchasingSummary,
  restRefund,
  restShop,
} from "../mirror/rest";
import type { LedgerDeps } from "../ledger/types";
import { currentCapStore } from "../ledger/runtime.server";
import { enrolFromMirror } from "../identity/members.server";
import { settleShopifyOrder } from "../ledger/settle.server";
import { bulkOperationsFinishHandler } from "../sync/backfill.server";
import { exportCustomerData, redactCustomer, redactShop } from "../privacy/privacy.server";
import { cachedShop, forgetShop, markShopUninstalled, type Shop, updateShopDetails, updateShopScopes } from "../shops/shops.server";
import { ShopNotKnownError, UnprocessableDeliveryError } from "./errors";
import { orderStatusUrlMismatch, shopGid, shopIdMismatch } from "./shop-identity";

export interface TopicContext {
  db: Database;
  clock: Clock;
  logger: Logger;
  shopDomain: string;
  topic: string;
  webhookId: string;
  /** When Shopify says the event happened (X-Shopify-Triggered-At), else when it arrived. */
  triggeredAt: Date;
  /** When Roost stored the delivery (its own clock, unlike the header above). */
  receivedAt: Date;
  payload: unknown;
}

export type TopicHandler = (context: TopicContext) => Promise<void>;

/** Validates a payload, turning a schema mismatch into a terminal, explained failure. */
export function parsePayload<S extends z.ZodType>(schema: S, context: TopicContext): z.output<S> {
  const result = schema.safeParse(context.payload);
  if (!result.success) {
    const issues = result.error.issues
      .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
      .join("; ");
    throw new UnprocessableDeliveryError(`${context.topic} payload is invalid: ${issues}`);
  }
  return result.data;
}

/** Runs a record conversion, reporting bad values (e.g. an unparseable amount) as unprocessable. */
function convert<T>(context: TopicContext, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof RangeError) throw new UnprocessableDeliveryError(`${context.topic} payload is invalid: ${error.message}`);
    throw error;
  }
}

/** A signed payload that names a shop other than the delivery's header: kept as failed, applied nowhere. */
function refuseForeign(context: TopicContext, problem: string | null): void {
  if (problem) throw new UnprocessableDeliveryError(`${context.topic} payload names another shop: ${problem}`);
}

/**
 * The delivery's shop, from the process's shop cache. The header's domain is unsigned, so the
 * row must already exist (only an install creates one: a domain without one is parked, see
 * ShopNotKnownError), and a `shop_id` in the signed payload must be the shop's once Roost has
 * learned it (docs/security.md). The compliance topics use this directly: they are honoured
 * whether or not the shop is installed.
 */
async function knownShop(context: TopicContext): Promise<Shop> {
  const shop = await cachedShop(context.db, context.shopDomain);
  if (!shop) throw new ShopNotKnownError(context.shopDomain);
  const payload = context.payload;
  if (payload && typeof payload === "object" && "shop_id" in payload) refuseForeign(context, shopIdMismatch(shop, payload.shop_id));
  return shop;
}

/**
 * The shop a store-signal delivery (orders, refunds, catalogue, customers) applies to, or null
 * once it has uninstalled Roost: then nothing is written for it (DESIGN, "Lifecycle"). The
 * delivery stays in the inbox as processed, so an operator can replay it after a reinstall.
 * Uninstalling drops the cached row, so the next delivery here sees the uninstall at once.
 */
async function activeShop(context: TopicContext): Promise<Shop | null> {
  const shop = await knownShop(context);
  if (shop.installed) return shop;
  context.logger.info("shop has uninstalled Roost: delivery kept, not applied");
  return null;
}

/**
 * The shop resource (shop/update, app/uninstalled) must be the header's shop: its
 * `myshopify_domain`, and its `id` once learned. A still-unknown id and primary domain are
 * learned from it (a signed body naming this myshopify domain names this shop).
 */
async function shopResource(context: TopicContext): Promise<{ shop: Shop; payload: z.output<typeof restShop> }> {
  const payload = parsePayload(restShop, context);
  if (payload.myshopify_domain !== context.shopDomain) refuseForeign(context, `myshopify_domain ${payload.myshopify_domain} is not ${context.shopDomain}`);
  const shop = await knownShop(context);
  refuseForeign(context, shopIdMismatch(shop, payload.id));
  return { shop, payload };
}

/**
 * A compliance request's shop: its `shop_domain` must be the header's, its `shop_id` the
 * shop's (learned here if Roost did not know it yet, unless the shop is about to be erased).
 */
async function complianceShop(context: TopicContext, payload: { shop_id: string; shop_domain: string }, learn = true): Promise<Shop> {
  if (payload.shop_domain !== context.shopDomain) refuseForeign(context, `shop_domain ${payload.shop_domain} is not ${context.shopDomain}`);
  const shop = await knownShop(context);
  if (learn && !shop.shopifyGid) await updateShopDetails(context.db, context.shopDomain, { shopifyGid: shopGid(payload.shop_id) });
  return shop;
}

const ledgerDeps = (context: TopicContext): LedgerDeps => ({
  db: context.db,
  clock: context.clock,
  logger: context.logger,
  capStore: currentCapStore(),
});

const order: TopicHandler = async (context) => {
  const payload = parsePayload(restOrder, context);
  const record = convert(context, () => orderFromRest(payload));
  const shop = await activeShop(context);
  if (!shop) return;
  refuseForeign(context, orderStatusUrlMismatch(shop, payload.order_status_url));
  const live = context.topic === "orders/create" || context.topic === "orders/paid";
  const result = await upsertOrder(context.db, shop, record, { live });
  const award = await settleShopifyOrder(ledgerDeps(context), shop, record.gid);
  context.logger.debug({ order: record.gid, mirror: result.outcome, award }, "order mirrored");
};

const product: TopicHandler = async (context) => {
  const shop = await activeShop(context);
  if (!shop) return;
  const record = convert(context, () => productFromRest(parsePayload(restProduct, context), shop.currency));
  await upsertProduct(context.db, shop, record);
};

const customer: TopicHandler = async (context) => {
  const shop = await activeShop(context);
  if (!shop) return;
  const record = convert(context, () => customerFromRest(parsePayload(restCustomer, context), shop.currency));
  await upsertCustomer(context.db, shop, record);
  await enrolFromMirror(context.db, shop, record.gid);
};

const customerTags = (direction: "add" | "remove"): TopicHandler => async (context) => {
  const change = customerTagsFromRest(parsePayload(restCustomerTags, context));
  const shop = await activeShop(context);
  if (!shop) return;
  await changeCustomerTags(context.db, shop, { gid: change.gid, [direction]: change.tags });
  // With tag-based enrolment, gaining the tag makes the customer a member.
  await enrolFromMirror(context.db, shop, change.gid);
};

const scopesUpdatePayload = z.object({ current: z.array(z.string()) });

const numericId = z.union([z.number().int(), z.string().regex(/^\d+$/)]).transform(String);
// Every compliance payload names its shop; a body without both is not one.
const complianceShopFields = { shop_id: numericId, shop_domain: z.string() };
const complianceCustomer = z.object({ id: numericId.nullish(), email: z.string().nullish() }).nullish();
const dataRequestPayload = z.object({
  ...complianceShopFields,
  customer: complianceCustomer,
  orders_requested: z.array(numericId).default([]),
  data_request: z.object({ id: numericId }).nullish(),
});
const customerRedactPayload = z.object({ ...complianceShopFields, customer: complianceCustomer, orders_to_redact: z.array(numericId).default([]) });
const shopRedactPayload = z.object(complianceShopFields);

function subject(customer: z.infer<typeof complianceCustomer>, orderIds: string[]) {
  return {
    customerGid: customer?.id ? `gid://shopify/Customer/${customer.id}` : null,
    email: customer?.email ?? null,
    orderGids: orderIds.map((id) => `gid://shopify/Order/${id}`),
  };
}

/**
 * Topic (as in X-Shopify-Topic) → the service call that applies it. Routes never call these
 * directly: every delivery goes through the inbox first. Compliance and backfill topics are
 * registered by their own modules (see registerTopicHandlers).
 */
export const topicHandlers: Record<string, TopicHandler> = {
  "app/uninstalled": async (context) => {
    const { shop, payload } = await shopResource(context);
    // Parked before this installation was recorded: it ended an earlier one.
    if (context.receivedAt < shop.installedAt) {
      context.logger.info("uninstall received before the current installation: not applied");
      return;
    }
    const { sessionsDeleted } = await markShopUninstalled(context.db, context.shopDomain, context.clock);
    if (!shop.shopifyGid) await updateShopDetails(context.db, context.shopDomain, { shopifyGid: shopGid(payload.id), primaryDomain: payload.domain ?? undefined });
    context.logger.info({ shop: context.shopDomain, sessionsDeleted }, "shop uninstalled");
  },
  "app/scopes_update": async (context) => {
    const { current } = parsePayload(scopesUpdatePayload, context);
    await knownShop(context);
    await updateShopScopes(context.db, context.shopDomain, current);
  },
  "shop/update": async (context) => {
    const { payload } = await shopResource(context);
    await updateShopDetails(context.db, context.shopDomain, {
      name: payload.name ?? undefined,
      timezone: payload.iana_timezone ?? undefined,
      currency: payload.currency ?? undefined,
      shopifyGid: shopGid(payload.id),
      primaryDomain: payload.domain ?? undefined,
    });
  },

  "orders/create": order,
  "orders/updated": order,
  "orders/paid": order,
  "orders/fulfilled": order,
  "orders/cancelled": order,
  // An edit is followed by orders/updated carrying the edited order; the edit itself only
  // needs to reference a real order.
  "orders/edited": async (context) => {
    parsePayload(z.object({ order_edit: z.object({ order_id: z.union([z.number(), z.string()]) }) }), context);
  },
  "refunds/create": async (context) => {
    const record = convert(context, () => refundFromRest(parsePayload(restRefund, context)));
    const shop = await activeShop(context);
    if (!shop) return;
    const result = await recordRefund(context.db, shop, record);
    if (!result.applied) context.logger.info({ refund: record.gid, order: record.orderGid }, "refund parked until its order arrives");
    else await settleShopifyOrder(ledgerDeps(context), shop, record.orderGid);
  },

  "products/create": product,
  "products/update": product,
  "products/delete": async (context) => {
    const { id } = parsePayload(restDeletion("Product"), context);
    const shop = await activeShop(context);
    if (shop) await deleteProduct(context.db, shop, `gid://shopify/Product/${id}`, context.triggeredAt);
  },
  "inventory_levels/update": async (context) => {
    const record = inventoryLevelFromRest(parsePayload(restInventoryLevel, context));
    const shop = await activeShop(context);
    if (shop) await applyInventoryLevel(context.db, shop, record);
  },

  "customers/create": customer,
  "customers/update": customer,
  "customers/delete": async (context) => {
    const { id } = parsePayload(restDeletion("Customer"), context);
    const shop = await activeShop(context);
    if (shop) await deleteCustomer(context.db, shop, `gid://shopify/Customer/${id}`, context.triggeredAt);
  },
  "customer.tags_added": customerTags("add"),
  "customer.tags_removed": customerTags("remove"),
  "customers/purchasing_summary": async (context) => {
    const summary = convert(context, () => purchasingSummaryFromRest(parsePayload(restPurchasingSummary, context)));
    const shop = await activeShop(context);
    if (shop) await updatePurchasingSummary(context.db, shop, summary);
  },
  "customers/merge": async (context) => {
    const payload = parsePayload(restCustomerMerge, context);
    // A failed merge changed nothing in Shopify.
    if (payload.status !== "completed") return;
    const kept = payload.admin_graphql_api_customer_kept_id;
    const deleted = payload.admin_graphql_api_customer_deleted_id;
    const shop = await activeShop(context);
    if (shop) await mergeCustomers(context.db, shop, kept, deleted, context.triggeredAt);
  },

  "bulk_operations/finish": bulkOperationsFinishHandler,

  // Mandatory compliance topics.
  "customers/data_request": async (context) => {
    const payload = parsePayload(dataRequestPayload, context);
    const shop = await complianceShop(context, payload);
    const request = { ...subject(payload.customer, payload.orders_requested), requestId: payload.data_request?.id ?? null };
    const { id } = await exportCustomerData(context.db, shop.id, request, context.clock);
    context.logger.info({ dataRequest: id }, "customer data export ready for the merchant");
  },
  "customers/redact": async (context) => {
    const payload = parsePayload(customerRedactPayload, context);
    const shop = await complianceShop(context, payload);
    // The redact's own payload carries the email too: it is scrubbed with the others, last.
    const erased = await redactCustomer(context.db, shop, subject(payload.customer, payload.orders_to_redact), context.clock, { webhookId: context.webhookId });
    context.logger.info(erased, "customer redacted");
  },
  "shop/redact": async (context) => {
    const shop = await complianceShop(context, parsePayload(shopRedactPayload, context), false);
    // Shopify sends it 48 hours after an uninstall; for a shop that is installed it can only be
    // a replayed or misdirected body, and erasing on it would destroy a live shop.
    if (shop.installed) throw new UnprocessableDeliveryError("shop/redact for a shop that is installed: nothing erased");
    await redactShop(context.db, context.shopDomain, context.webhookId);
    // The row is gone: a cached copy would hand its id to the next delivery.
    forgetShop(context.shopDomain);
    context.logger.info("shop redacted");
  },
};

/** Lets feature modules (backfill, privacy) add their topics without a dependency cycle. */
export function registerTopicHandlers(handlers: Record<string, TopicHandler>): void {
  Object.assign(topicHandlers, handlers);
}
