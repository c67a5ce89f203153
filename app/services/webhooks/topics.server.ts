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
import type { LedgerDeps } from "../ledger/ledger.server";
import { currentCapStore } from "../ledger/runtime.server";
import { enrolFromMirror, settleShopifyOrder } from "../ledger/settle.server";
import { bulkOperationsFinishHandler } from "../sync/backfill.server";
import { exportCustomerData, redactCustomer, redactShop } from "../privacy/privacy.server";
import { cachedShop, forgetShop, markShopUninstalled, type Shop, updateShopDetails, updateShopScopes } from "../shops/shops.server";
import { UnprocessableDeliveryError } from "./errors";

export interface TopicContext {
  db: Database;
  clock: Clock;
  logger: Logger;
  shopDomain: string;
  topic: string;
  webhookId: string;
  /** When Shopify says the event happened (X-Shopify-Triggered-At), else when it arrived. */
  triggeredAt: Date;
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

/**
 * The shop a store-signal delivery (orders, refunds, catalogue, customers) applies to, or null
 * once it has uninstalled Roost: then nothing is written for it (DESIGN, "Lifecycle"). The
 * delivery stays in the inbox as processed, so an operator can replay it after a reinstall.
 * The row comes from the process's shop cache; uninstalling drops it, so the next delivery
 * here sees the uninstall at once.
 */
async function activeShop(context: TopicContext): Promise<Shop | null> {
  const shop = await cachedShop(context.db, context.shopDomain);
  if (shop.installed) return shop;
  context.logger.info("shop has uninstalled Roost: delivery kept, not applied");
  return null;
}

/** The shop for the compliance topics, which are honoured whether or not the shop is installed. */
const knownShop = (context: TopicContext) => cachedShop(context.db, context.shopDomain);

const ledgerDeps = (context: TopicContext): LedgerDeps => ({
  db: context.db,
  clock: context.clock,
  logger: context.logger,
  capStore: currentCapStore(),
});

const order: TopicHandler = async (context) => {
  const record = convert(context, () => orderFromRest(parsePayload(restOrder, context)));
  const shop = await activeShop(context);
  if (!shop) return;
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
const complianceCustomer = z.object({ id: numericId.nullish(), email: z.string().nullish() }).nullish();
const dataRequestPayload = z.object({
  customer: complianceCustomer,
  orders_requested: z.array(numericId).default([]),
  data_request: z.object({ id: numericId }).nullish(),
});
const customerRedactPayload = z.object({ customer: complianceCustomer, orders_to_redact: z.array(numericId).default([]) });

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
  "app/uninstalled": async ({ db, clock, logger, shopDomain }) => {
    const { sessionsDeleted } = await markShopUninstalled(db, shopDomain, clock);
    logger.info({ shop: shopDomain, sessionsDeleted }, "shop uninstalled");
  },
  "app/scopes_update": async (context) => {
    const { current } = parsePayload(scopesUpdatePayload, context);
    await updateShopScopes(context.db, context.shopDomain, current);
  },
  "shop/update": async (context) => {
    const payload = parsePayload(restShop, context);
    await updateShopDetails(context.db, context.shopDomain, {
      name: payload.name ?? undefined,
      timezone: payload.iana_timezone ?? undefined,
      currency: payload.currency ?? undefined,
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
    const { id } = parsePayload(restDeletion, context);
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
    const { id } = parsePayload(restDeletion, context);
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
    const shop = await knownShop(context);
    const request = { ...subject(payload.customer, payload.orders_requested), requestId: payload.data_request?.id ?? null };
    const { id } = await exportCustomerData(context.db, shop.id, request, context.clock);
    context.logger.info({ dataRequest: id }, "customer data export ready for the merchant");
  },
  "customers/redact": async (context) => {
    const payload = parsePayload(customerRedactPayload, context);
    const shop = await knownShop(context);
    // The redact's own payload carries the email too: it is scrubbed with the others, last.
    const erased = await redactCustomer(context.db, shop, subject(payload.customer, payload.orders_to_redact), context.clock, { webhookId: context.webhookId });
    context.logger.info(erased, "customer redacted");
  },
  "shop/redact": async (context) => {
    parsePayload(z.object({ shop_domain: z.string().optional() }), context);
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
