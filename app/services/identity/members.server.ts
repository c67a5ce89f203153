import { type Database, type Db, isTransaction } from "../../db.server";
import { queueSignupBonus } from "../ledger/bonus.server";
import type { LedgerShop, Member } from "../ledger/types";
import type { MirroredCustomer } from "../mirror/mirror.server";
import { parseShopSettings, type Program } from "../program/settings";
import { normaliseEmail } from "./email";

// Who a shopper is to Roost: a member matched by customer GID, external id or normalised email
// (DESIGN, "Members", "Identity"). Visitor links from the pixel join here.

export interface CustomerIdentity {
  gid: string;
  email: string | null;
  firstName?: string | null;
  lastName?: string | null;
  tags?: string[] | null;
}

/** Whether the shop's enrolment rule admits this customer. */
export function isEnrollable(program: Program, customer: CustomerIdentity): boolean {
  if (program.enrolment.mode === "email") return !!normaliseEmail(customer.email);
  const wanted = program.enrolment.tag.toLowerCase();
  return (customer.tags ?? []).some((tag) => tag.toLowerCase() === wanted);
}

/**
 * A member for a Shopify customer Roost has seen, when the enrolment rule admits them. An
 * existing member keeps its record; its contact details follow the customer.
 */
export async function enrolCustomer(db: Db, shop: LedgerShop, customer: CustomerIdentity): Promise<Member | null> {
  const existing = await db.member.findUnique({ where: { shopId_customerGid: { shopId: shop.id, customerGid: customer.gid } } });
  const email = normaliseEmail(customer.email);
  if (existing) {
    if (existing.redactedAt) return existing;
    const changed = {
      ...(email && email !== existing.email ? { email } : {}),
      ...(customer.firstName && customer.firstName !== existing.firstName ? { firstName: customer.firstName } : {}),
      ...(customer.lastName && customer.lastName !== existing.lastName ? { lastName: customer.lastName } : {}),
    };
    // Every order delivery passes through here: write only when the contact details moved.
    if (Object.keys(changed).length === 0) return existing;
    return db.member.update({ where: { id: existing.id }, data: changed });
  }
  const { program } = parseShopSettings(shop.settings);
  if (!isEnrollable(program, customer)) return null;
  // A member created through another channel with the same email becomes this customer's.
  const byEmail = email ? await db.member.findFirst({ where: { shopId: shop.id, email, customerGid: null } }) : null;
  if (byEmail) return db.member.update({ where: { id: byEmail.id }, data: { customerGid: customer.gid } });
  const data = {
    shopId: shop.id,
    customerGid: customer.gid,
    email,
    firstName: customer.firstName ?? null,
    lastName: customer.lastName ?? null,
    tier: program.tiers[0].name,
  };
  try {
    // In a caller's transaction the insert gets a savepoint (Prisma's nested transaction): on
    // PostgreSQL a failed statement would otherwise abort the whole transaction.
    const member = await (isTransaction(db) ? (db as Database).$transaction((inner) => inner.member.create({ data })) : db.member.create({ data }));
    // A new member: their sign-up bonus, when the shop gives one (queued, granted by the bonuses queue).
    await queueSignupBonus(db, shop, member.id, member.createdAt);
    return member;
  } catch {
    // Created concurrently by another delivery for the same customer.
    return db.member.findUnique({ where: { shopId_customerGid: { shopId: shop.id, customerGid: customer.gid } } });
  }
}

export interface Buyer {
  customerGid?: string | null;
  externalId?: string | null;
  email?: string | null;
}

/** DESIGN, "Members": by customer GID, then external id, then normalised email. Never guessed. */
export async function matchMember(db: Db, shopId: string, buyer: Buyer): Promise<Member | null> {
  if (buyer.customerGid) {
    const member = await db.member.findUnique({ where: { shopId_customerGid: { shopId, customerGid: buyer.customerGid } } });
    if (member) return member;
  }
  if (buyer.externalId) {
    const member = await db.member.findUnique({ where: { shopId_externalId: { shopId, externalId: buyer.externalId } } });
    if (member) return member;
  }
  const email = normaliseEmail(buyer.email);
  if (email) {
    const matches = await db.member.findMany({ where: { shopId, email }, take: 2 });
    // Two members sharing an email is ambiguous: no guess.
    if (matches.length === 1) return matches[0];
  }
  return null;
}

/** A member for a mirrored Shopify customer, when the enrolment rule admits them. */
export async function enrolFromMirror(db: Db, shop: LedgerShop, customerGid: string): Promise<Member | null> {
  return enrolMirrored(db, shop, await db.customer.findUnique({ where: { shopId_gid: { shopId: shop.id, gid: customerGid } } }));
}

/** The same for the customer row the mirror has just written or read (not read again): none, or a tombstone, enrols no one. */
export async function enrolMirrored(db: Db, shop: LedgerShop, customer: MirroredCustomer | null): Promise<Member | null> {
  if (!customer || customer.deletedAt) return null;
  return enrolCustomer(db, shop, {
    gid: customer.gid,
    email: customer.email,
    firstName: customer.firstName,
    lastName: customer.lastName,
    tags: JSON.parse(customer.tags) as string[],
  });
}
