import db from "../../app/db.server";
import { type Clock, systemClock } from "../../app/lib/clock";
import { logger } from "../../app/lib/logger.server";
import { TAGS_QUEUE } from "../../app/services/cohorts/outbox";
import { adjustPoints } from "../../app/services/ledger/adjustment.server";
import { programSchema } from "../../app/services/program/settings";
import { createHttpAdminClient } from "../../app/services/shopify/admin-client.server";
import { ADMIN_API_VERSION, type AdminClientFactory, adminClientFor } from "../../app/services/shopify/admin.server";
import { updateShopSettings } from "../../app/services/shops/shops.server";
import { writeTagsNow } from "../../app/services/tags/writer.server";
import { enabledRule, runQueuedEvaluations } from "../cohorts/helpers";
import { customerPayload } from "../fixtures/rest-payloads";
import { deliver } from "../support/deliver";
import { fakeShopify, installTestShop, uniqueShop } from "../support/shopify";

// A shop with members whose cohorts move by points (the points-balance template), and the fake
// Admin API that the tag writer calls.

export interface TagShop {
  shop: string;
  shopId: string;
}

export async function tagShop(): Promise<TagShop> {
  const shop = uniqueShop("roost-tags");
  await installTestShop(shop);
  const shopId = (await db.shop.findUniqueOrThrow({ where: { domain: shop } })).id;
  await updateShopSettings(db, shop, { program: programSchema.parse({ startDate: "2026-01-01" }) });
  // Ops other files of this worker left queued must not reach this file's claims and counts.
  await db.job.deleteMany({ where: { queue: TAGS_QUEUE, NOT: { shopId } } });
  return { shop, shopId };
}

let emails = 0;
/** A Shopify customer (with other apps' tags) and the member Roost made of it. */
export async function member(at: TagShop, tags: string[] = ["vip", "newsletter"]): Promise<{ customerGid: string; memberId: string }> {
  emails += 1;
  const email = `shopper-${emails}@example.com`;
  const customerGid = fakeShopify.store.addCustomer(at.shop, { email, firstName: "Ana", tags }).id;
  await deliver({ topic: "customers/create", shop: at.shop, payload: customerPayload({ id: Number(customerGid.split("/").pop()), email }) });
  const memberId = (await db.member.findFirstOrThrow({ where: { shopId: at.shopId, customerGid } })).id;
  return { customerGid, memberId };
}

/** Points for a member, and the cohort evaluation they queue, run now. */
export async function givePoints(at: TagShop, memberId: string, points: number): Promise<void> {
  const shopRow = await db.shop.findUniqueOrThrow({ where: { id: at.shopId } });
  await adjustPoints({ db, clock: systemClock, logger }, shopRow, { memberId, points, reason: "test", actor: "test" });
  await runQueuedEvaluations(at.shopId, new Date().toISOString());
}

export const shopifyTags = (at: TagShop, customerGid: string): string[] => fakeShopify.store.customer(at.shop, customerGid)?.tags ?? [];

/** The tagsAdd / tagsRemove calls that reached the fake for the shop, with what they carried and how they were answered. */
export function tagCalls(at: TagShop) {
  return fakeShopify.store.requests
    .filter((request) => request.shop === at.shop && request.kind === "graphql" && /tags(Add|Remove)\(/.test(request.query ?? ""))
    .map((request) => ({
      op: request.query?.includes("tagsAdd(") ? "add" : "remove",
      id: (request.variables as { id: string }).id,
      tags: (request.variables as { tags: string[] }).tags,
      status: request.status,
      errorCodes: request.errorCodes,
    }));
}
export const tagWrites = (at: TagShop) => tagCalls(at).filter((call) => call.status === 200 && call.errorCodes.length === 0);

export const tagJobs = (at: TagShop) => db.job.findMany({ where: { shopId: at.shopId, queue: TAGS_QUEUE }, orderBy: { createdAt: "asc" } });

export const writeNow = (at: TagShop, options: { clock?: Clock; adminFor?: AdminClientFactory } = {}) =>
  writeTagsNow({ db, clock: options.clock ?? systemClock, logger, adminFor: options.adminFor ?? adminClientFor }, { shopId: at.shopId });

/** An Admin client that gives up after two tries without waiting: a failure reaches the queue. */
export const impatient: AdminClientFactory = async (database, domain) => {
  const session = await database.session.findFirstOrThrow({ where: { shop: domain, isOnline: false } });
  return createHttpAdminClient({ shop: domain, accessToken: session.accessToken, apiVersion: ADMIN_API_VERSION, clock: systemClock, logger, maxAttempts: 2, sleep: async () => undefined });
};

export const later = (ms: number): Clock => ({ now: () => new Date(Date.now() + ms) });

/** An enabled points-balance rule on the shop: members with at least `minPoints` are in it. */
export const balanceRule = (at: TagShop, key: string, minPoints = 100) =>
  enabledRule(at.shopId, "points-balance", { minPoints: String(minPoints) }, new Date().toISOString(), key);

/** The shop's row as the services take it. */
export const shopRowOf = (at: TagShop) => db.shop.findUniqueOrThrow({ where: { id: at.shopId } });
