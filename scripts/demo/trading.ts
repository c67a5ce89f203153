import db from "../../app/db.server";
import { systemClock } from "../../app/lib/clock";
import type { PixelEventInput } from "../../app/services/events/schema";
import { applyPixelBatch } from "../../app/services/signals/pixel.server";
import type { createFakeShopify, OrderSnapshot } from "../../test/support/fake-shopify";
import type { HistoryVariant, StoreHistory } from "./history";
import { memberName } from "../../app/services/members/search.server";
import { formatMoney } from "../../app/services/rewards/catalogue.server";
import { enabledRewards, membersWhoCanAfford, redeemAsShopper } from "./redemptions";
import { sendWebhook } from "./seed";
import { pixelEvent, productLine } from "./storefront";

type Fake = ReturnType<typeof createFakeShopify>;

/** `ROOST_DEMO_TRADE_EVERY_MS`: how often the store trades while the demo runs (default 20 s; 0: never). */
export function tradeEveryMs(env: Record<string, string | undefined> = process.env): number {
  const value = Number(env.ROOST_DEMO_TRADE_EVERY_MS ?? 20_000);
  return Number.isFinite(value) && value > 0 ? value : 0;
}

const NEW_FIRST = ["Alma", "Bruno", "Chiara", "Dev", "Esme", "Finn", "Gaia", "Hugo"];
const NEW_LAST = ["Ardent", "Bell", "Cruz", "Dahl", "Ekwueme", "Frost", "Grant", "Holm"];

/**
 * The store keeps trading: every `everyMs` a shopper browses (through the pixel's seam) and pays
 * for an order, now and then a new customer's; now and then an earlier trade is partly
 * refunded, or a shopper with the points redeems a reward (scripts/demo/redemptions.ts). Each change reaches Roost as the signed webhooks Shopify would send, and each trade
 * is logged in one line. Returns the function that stops it.
 */
export function startTrading(options: { fake: Fake; shop: string; shopId: string; appUrl: string; history: StoreHistory; everyMs: number; log: (line: string) => void }): () => void {
  const { fake, shop, shopId, appUrl, history, everyMs, log } = options;
  const store = fake.store;
  const stopWebhooks = store.onWebhook((event) => {
    if (event.shop === shop) void sendWebhook(appUrl, event).catch(() => undefined);
  });
  const placed: OrderSnapshot[] = [];
  const shoppers = [...history.shoppers];
  let trades = 0;
  const pick = <T>(values: readonly T[]) => values[Math.floor(Math.random() * values.length)];

  const trade = async () => {
    trades += 1;
    if (Math.random() < 0.1 && (await redeem())) return;
    const earlier = placed.filter((order) => order.lineItems.some((line) => line.currentQuantity > 0));
    if (earlier.length > 0 && Math.random() < 0.15) {
      const order = pick(earlier);
      const line = order.lineItems.find((item) => item.currentQuantity > 0)!;
      const refunded = store.addRefund(shop, order.id, { lineItems: [{ lineItemId: line.id, quantity: 1 }] });
      placed[placed.indexOf(order)] = refunded;
      log(`Trade: ${order.name} refunded one ${line.title}.`);
      return;
    }
    let shopper = pick(shoppers);
    if (Math.random() < 0.2) {
      const [first, last] = [pick(NEW_FIRST), pick(NEW_LAST)];
      const customer = store.addCustomer(shop, { email: `${first}.${last}.${Date.now().toString(36)}@example.com`.toLowerCase(), firstName: first, lastName: last });
      shopper = { id: customer.id, name: `${first} ${last}` };
      shoppers.push(shopper);
    }
    const items = [...new Set(Array.from({ length: 1 + Math.floor(Math.random() * 2) }, () => pick(history.variants)))];
    const token = `demo-trade-${Date.now().toString(36)}-${trades}`;
    await browse(shopId, `demo-trader-${token}`, token, items);
    const order = store.addOrder(shop, { customerId: shopper.id, financialStatus: "PAID", checkoutToken: token, lineItems: items.map((item) => ({ variantId: item.variantGid, quantity: 1 })) });
    placed.push(order);
    log(`Trade: ${shopper.name} paid ${order.name} for ${formatMoney(items.reduce((sum, item) => sum + item.price, 0), "USD")} (${order.lineItems.map((line) => line.title).join(", ")}).`);
  };
  /** A shopper who can afford a reward spends points on it from their account page; false when none can. */
  const redeem = async (): Promise<boolean> => {
    const reward = pick(await enabledRewards(shopId));
    if (!reward) return false;
    const member = pick(await membersWhoCanAfford(shopId, shoppers.map((shopper) => shopper.id), reward.pointsCost, 20));
    if (!member?.customerGid) return false;
    const status = await redeemAsShopper(appUrl, shop, { customerGid: member.customerGid, rewardId: reward.id, key: `demo-trade-${Date.now().toString(36)}-${trades}` });
    if (status !== 201) throw new Error(`a shopper's redemption answered ${status}`);
    log(`Trade: ${memberName(member) ?? "a shopper"} spent ${reward.pointsCost} points on "${reward.name}".`);
    return true;
  };
  const timer = setInterval(() => void trade().catch((error: unknown) => log(`Trade failed: ${error instanceof Error ? error.message : String(error)}`)), everyMs);
  return () => {
    clearInterval(timer);
    stopWebhooks();
  };
}

/** A visitor's few minutes before paying, sent through the pixel's seam as the pixel would. */
async function browse(shopId: string, visitor: string, checkoutToken: string, items: HistoryVariant[]): Promise<void> {
  const now = Date.now();
  const events: PixelEventInput[] = [];
  const add = (name: PixelEventInput["name"], fields: Partial<PixelEventInput>) => events.push(pixelEvent(events, visitor, name, new Date(now - (10 - events.length) * 30_000), fields));
  add("page_viewed", { pagePath: "/" });
  for (const item of items) {
    add("product_viewed", productLine(item));
    add("product_added_to_cart", productLine(item, 1));
  }
  add("checkout_started", { checkoutToken });
  add("checkout_completed", { checkoutToken, currency: "USD" });
  await applyPixelBatch({ db, clock: systemClock }, { id: shopId }, events);
}
