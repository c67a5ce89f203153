import { z } from "zod";
import {
  checkoutFromRest,
  customerFromRest,
  customerTagsFromRest,
  inventoryLevelFromRest,
  orderFromRest,
  productFromRest,
  purchasingSummaryFromRest,
  refundFromRest,
  restCheckout,
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
import { queueProgramMetafield } from "../outbox/program-metafield.server";
import { exportCustomerData, redactCustomer, redactShop } from "../privacy/privacy.server";
import { forgetShop, markShopUninstalled, type Shop, updateShopDetails, updateShopScopes } from "../shops/shops.server";
import { applyCheckout } from "../signals/checkouts.server";
import { applyInventoryLevel, applyProduct, applyProductDeletion } from "../signals/catalogue.server";
import { applyCustomer, applyCustomerDeletion, applyCustomerMerge, applyCustomerTags, applyPurchasingSummary } from "../signals/customers.server";
import type { SignalDeps } from "../signals/deps";
import { applyOrder, applyRefund } from "../signals/orders.server";
import { bulkOperationsFinishHandler } from "../sync/backfill.server";
import type { Db } from "../../db.server";
import { inTransaction } from "../../db.server";
import { activeShop, knownShop, parsePayload, refuseForeign, type SignalTopicHandler, type TopicContext, type TopicHandler } from "./context.server";
import { UnprocessableDeliveryError } from "./errors";
import { orderStatusUrlMismatch, shopGid, shopIdMismatch } from "./shop-identity";

export type { SignalTopicHandler, TopicContext, TopicHandler } from "./context.server";

/** Runs a record conversion, reporting bad values (e.g. an unparseable amount) as unprocessable. */
function convert<T>(context: TopicContext<Db>, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof RangeError) throw new UnprocessableDeliveryError(`${context.topic} payload is invalid: ${error.message}`);
    throw error;
  }
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

const signalDeps = (context: TopicContext<Db>): SignalDeps => ({ db: context.db, clock: context.clock, logger: context.logger, capStore: context.capStore });

/**
 * Applies a delivery's signal in one transaction, when it writes in more than one: an order or
 * a refund is the mirror's transaction and the ledger's in one (fewer statements, no state
 * where the mirror holds the order and the ledger has not settled it). Inside a batch's
 * transaction it joins that one. A signal of one or two autocommitted statements (a customer,
 * an inventory level) runs without one.
 */
function inOneTransaction<T>(context: TopicContext<Db>, apply: (deps: SignalDeps) => Promise<T>): Promise<T> {
  return inTransaction(context.db, (db) => apply({ ...signalDeps(context), db }));
}

const order: SignalTopicHandler = async (context) => {
  const payload = parsePayload(restOrder, context);
  const record = convert(context, () => orderFromRest(payload));
  const shop = await activeShop(context);
  if (!shop) return;
  refuseForeign(context, orderStatusUrlMismatch(shop, payload.order_status_url));
  const live = context.topic === "orders/create" || context.topic === "orders/paid";
  const { mirror, award } = await inOneTransaction(context, (deps) => applyOrder(deps, shop, record, { live }));
  context.logger.debug({ order: record.gid, mirror: mirror.outcome, award }, "order mirrored");
};

// A checkout's token and customer link the visitor the pixel saw check out (a guest checkout
// links nothing until an update names its customer).
const checkout: SignalTopicHandler = async (context) => {
  const record = checkoutFromRest(parsePayload(restCheckout, context));
  const shop = await activeShop(context);
  if (!shop) return;
  const links = await inOneTransaction(context, (deps) => applyCheckout(deps, shop, record));
  if (links.linkedClientIds.length > 0) context.logger.debug({ visitors: links.linkedClientIds.length }, "checkout linked its visitor");
};

const product: SignalTopicHandler = async (context) => {
  const shop = await activeShop(context);
  if (!shop) return;
  const record = convert(context, () => productFromRest(parsePayload(restProduct, context), shop.currency));
  await inOneTransaction(context, (deps) => applyProduct(deps, shop, record));
};

const customer: SignalTopicHandler = async (context) => {
  const shop = await activeShop(context);
  if (!shop) return;
  const record = convert(context, () => customerFromRest(parsePayload(restCustomer, context), shop.currency));
  await applyCustomer(signalDeps(context), shop, record);
};

const customerTags = (direction: "add" | "remove"): SignalTopicHandler => async (context) => {
  const change = customerTagsFromRest(parsePayload(restCustomerTags, context));
  const shop = await activeShop(context);
  if (!shop) return;
  await applyCustomerTags(signalDeps(context), shop, { gid: change.gid, [direction]: change.tags });
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
 * The store-signal topics (orders, refunds, checkouts, catalogue, customers): every write goes
 * through the signals seam on `context.db`, so the inbox worker applies several deliveries of
 * these in one transaction (app/services/inbox/worker.server.ts).
 */
export const signalTopicHandlers: Record<string, SignalTopicHandler> = {
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
  "checkouts/create": checkout,
  "checkouts/update": checkout,
  "refunds/create": async (context) => {
    const record = convert(context, () => refundFromRest(parsePayload(restRefund, context)));
    const shop = await activeShop(context);
    if (shop) await inOneTransaction(context, (deps) => applyRefund(deps, shop, record));
  },

  "products/create": product,
  "products/update": product,
  "products/delete": async (context) => {
    const { id } = parsePayload(restDeletion("Product"), context);
    const shop = await activeShop(context);
    if (shop) await inOneTransaction(context, (deps) => applyProductDeletion(deps, shop, `gid://shopify/Product/${id}`, context.triggeredAt));
  },
  "inventory_levels/update": async (context) => {
    const record = inventoryLevelFromRest(parsePayload(restInventoryLevel, context));
    const shop = await activeShop(context);
    if (shop) await applyInventoryLevel(signalDeps(context), shop, record);
  },

  "customers/create": customer,
  "customers/update": customer,
  "customers/delete": async (context) => {
    const { id } = parsePayload(restDeletion("Customer"), context);
    const shop = await activeShop(context);
    if (shop) await applyCustomerDeletion(signalDeps(context), shop, `gid://shopify/Customer/${id}`, context.triggeredAt);
  },
  "customer.tags_added": customerTags("add"),
  "customer.tags_removed": customerTags("remove"),
  "customers/purchasing_summary": async (context) => {
    const summary = convert(context, () => purchasingSummaryFromRest(parsePayload(restPurchasingSummary, context)));
    const shop = await activeShop(context);
    if (shop) await applyPurchasingSummary(signalDeps(context), shop, summary);
  },
  "customers/merge": async (context) => {
    const payload = parsePayload(restCustomerMerge, context);
    // A failed merge changed nothing in Shopify.
    if (payload.status !== "completed") return;
    const kept = payload.admin_graphql_api_customer_kept_id;
    const deleted = payload.admin_graphql_api_customer_deleted_id;
    const shop = await activeShop(context);
    if (shop) await inOneTransaction(context, (deps) => applyCustomerMerge(deps, shop, kept, deleted, context.triggeredAt));
  },
};

/**
 * Topic (as in X-Shopify-Topic) → the service call that applies it. Routes never call these
 * directly: every delivery goes through the inbox first. Store signals go through
 * app/services/signals, like every other source of them.
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
    const { shop, payload } = await shopResource(context);
    // The theme block's program facts name the shop currency: queued before the update, so a
    // retried delivery still sees the change and queues it.
    if (shop.installed && payload.currency && payload.currency !== shop.currency) await queueProgramMetafield(context.db, shop.id, context.clock.now());
    await updateShopDetails(context.db, context.shopDomain, {
      name: payload.name ?? undefined,
      timezone: payload.iana_timezone ?? undefined,
      currency: payload.currency ?? undefined,
      shopifyGid: shopGid(payload.id),
      primaryDomain: payload.domain ?? undefined,
    });
  },

  ...signalTopicHandlers,

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
