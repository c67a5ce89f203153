import db from "../../app/db.server";
import { programSchema } from "../../app/services/program/settings";
import { updateShopSettings } from "../../app/services/shops/shops.server";
import { customerPayload } from "../fixtures/rest-payloads";
import { deliver } from "../support/deliver";
import { installTestShop, uniqueShop } from "../support/shopify";

export const args = (request: Request, params: Record<string, string> = {}) => ({ request, params, context: {} });

/** An installed shop whose program started on 2026-01-01 (the fixtures' orders are in November 2026). */
export async function programShop(options: { name?: string } = {}): Promise<{ shop: string; shopId: string }> {
  const shop = uniqueShop();
  await installTestShop(shop, options);
  await updateShopSettings(db, shop, { program: programSchema.parse({ startDate: "2026-01-01" }) });
  const { id: shopId } = await db.shop.findUniqueOrThrow({ where: { domain: shop } });
  return { shop, shopId };
}

/** A member made the way Shopify makes one: a customers/create delivery. */
export async function customer(shop: string, spec: { id: number; email: string | null; firstName?: string; lastName?: string }) {
  const { status } = await deliver({ topic: "customers/create", shop, payload: customerPayload(spec) });
  if (status !== "processed") throw new Error(`customers/create was ${status}`);
  const { id: shopId } = await db.shop.findUniqueOrThrow({ where: { domain: shop } });
  return db.member.findFirstOrThrow({ where: { shopId, customerGid: `gid://shopify/Customer/${spec.id}` } });
}

/** What a route threw (a Response for 404s), or what it returned. */
export async function settle<T>(promise: Promise<T>): Promise<T | Response> {
  return promise.catch((thrown: unknown) => {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  });
}
