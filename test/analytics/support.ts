import db from "../../app/db.server";
import type { Clock } from "../../app/lib/clock";
import { daysBetween } from "../../app/services/analytics/range";
import { type Program, programSchema, shopSettingsSchema } from "../../app/services/program/settings";
import { uniqueShop } from "../support/shopify";

// Hand-built shops and ledgers for the analytics tests: rows written directly, so every figure
// can be worked out by hand.

export interface TestShop {
  id: string;
  domain: string;
  timezone: string;
  currency: string;
  settings: string;
}

export async function analyticsShop(options: { timezone?: string; program?: Partial<Program> } = {}): Promise<TestShop> {
  const settings = JSON.stringify(shopSettingsSchema.parse({ program: programSchema.parse({ startDate: "2026-01-01", ...options.program }) }));
  return db.shop.create({
    data: { domain: uniqueShop("roost-analytics"), timezone: options.timezone ?? "UTC", currency: "USD", settings },
    select: { id: true, domain: true, timezone: true, currency: true, settings: true },
  });
}

let customers = 0;
export async function member(shop: TestShop, data: { balance?: number; tier?: string; customerGid?: string } = {}) {
  customers += 1;
  return db.member.create({ data: { shopId: shop.id, customerGid: data.customerGid ?? `gid://shopify/Customer/${7_000_000 + customers}`, balance: data.balance ?? 0, tier: data.tier ?? "Bronze" } });
}

let keys = 0;
/** One entry; `seq` per member in call order. The member's balance is not touched (set it yourself). */
export async function entry(shop: TestShop, memberId: string, kind: string, points: number, occurredAt: string, key?: string) {
  keys += 1;
  const seq = (await db.ledgerEntry.count({ where: { memberId } })) + 1;
  return db.ledgerEntry.create({
    data: { shopId: shop.id, memberId, seq, kind, points, balanceAfter: 0, idempotencyKey: key ?? `analytics:${keys}`, occurredAt: new Date(occurredAt) },
  });
}

export const fixedClock = (iso: string): Clock => ({ now: () => new Date(iso) });

export const range = (from: string, to: string) => ({
  from,
  to,
  days: daysBetween(from, to),
  preset: "custom" as const,
});
