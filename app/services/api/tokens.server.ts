import { createHash, randomBytes } from "node:crypto";
import type { Database } from "../../db.server";
import { type Clock, systemClock } from "../../lib/clock";
import { recordAudit } from "../audit.server";

/**
 * Bearer tokens for the external orders API (docs/api.md). A token is shown once, when it is
 * created; Roost keeps only its SHA-256, so a leaked database does not leak working tokens.
 * 32 random bytes make the hash safe to look up directly (no salt or slow hash needed).
 */

export const TOKEN_PREFIX = "roost_";
/** Characters of the token kept in clear to recognise it in the list: "roost_" + 6. */
const SHOWN_CHARACTERS = TOKEN_PREFIX.length + 6;

export type ApiToken = Awaited<ReturnType<Database["apiToken"]["findUniqueOrThrow"]>>;
export type ApiTokenSummary = Omit<ApiToken, "tokenHash">;
type ApiShop = Awaited<ReturnType<Database["shop"]["findUniqueOrThrow"]>>;

export function generateToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** Who did it, from the admin's session token (`sub` is the staff member's user id). */
export function adminActor(admin: { shop: string; userId?: string | null }): string {
  return admin.userId ? `shopify-user:${admin.userId}@${admin.shop}` : `shopify-admin@${admin.shop}`;
}

const summary = ({ tokenHash: _hash, ...token }: ApiToken): ApiTokenSummary => token;

/** A new token for the shop: the clear token is returned once and never stored. Audited. */
export async function createApiToken(
  db: Database,
  input: { shopId: string; name: string; actor: string },
  clock: Clock = systemClock,
): Promise<{ token: string; record: ApiTokenSummary }> {
  const token = generateToken();
  const record = await db.$transaction(async (tx) => {
    const created = await tx.apiToken.create({
      data: { shopId: input.shopId, name: input.name, tokenHash: hashToken(token), prefix: token.slice(0, SHOWN_CHARACTERS), createdAt: clock.now() },
    });
    await recordAudit(tx, { shopId: input.shopId, actor: input.actor, action: "api_token.created", details: { tokenId: created.id, name: created.name, prefix: created.prefix }, at: clock.now() });
    return created;
  });
  return { token, record: summary(record) };
}

/** The shop's tokens, newest first, without their hashes. */
export async function listApiTokens(db: Database, shopId: string): Promise<ApiTokenSummary[]> {
  const tokens = await db.apiToken.findMany({ where: { shopId }, orderBy: [{ createdAt: "desc" }, { id: "asc" }] });
  return tokens.map(summary);
}

/**
 * Revokes one of the shop's tokens (a token of another shop is "not found"). Revoking a revoked
 * token changes nothing and is not audited again.
 */
export async function revokeApiToken(
  db: Database,
  input: { shopId: string; tokenId: string; actor: string },
  clock: Clock = systemClock,
): Promise<ApiTokenSummary | null> {
  const now = clock.now();
  return db.$transaction(async (tx) => {
    const token = await tx.apiToken.findFirst({ where: { id: input.tokenId, shopId: input.shopId } });
    if (!token) return null;
    if (token.revokedAt) return summary(token);
    const { count } = await tx.apiToken.updateMany({ where: { id: token.id, revokedAt: null }, data: { revokedAt: now } });
    if (count === 1) {
      await recordAudit(tx, { shopId: input.shopId, actor: input.actor, action: "api_token.revoked", details: { tokenId: token.id, name: token.name, prefix: token.prefix }, at: now });
    }
    return summary({ ...token, revokedAt: now });
  });
}

/** Uninstall (DESIGN, "Lifecycle and privacy"): every live token of the shop stops working. */
export async function revokeShopTokens(
  db: Database,
  shopId: string,
  options: { actor?: string; clock?: Clock } = {},
): Promise<number> {
  const now = (options.clock ?? systemClock).now();
  return db.$transaction(async (tx) => {
    const live = await tx.apiToken.findMany({ where: { shopId, revokedAt: null }, select: { id: true } });
    if (live.length === 0) return 0;
    const { count } = await tx.apiToken.updateMany({ where: { shopId, id: { in: live.map((token) => token.id) }, revokedAt: null }, data: { revokedAt: now } });
    await recordAudit(tx, { shopId, actor: options.actor ?? "system:app/uninstalled", action: "api_token.revoked_all", details: { tokenIds: live.map((token) => token.id), count }, at: now });
    return count;
  });
}

/**
 * The shop a bearer token speaks for, or null when the token is unknown, revoked, or its shop
 * has uninstalled Roost. Records the use.
 */
export async function authenticateApiToken(
  db: Database,
  token: string,
  clock: Clock = systemClock,
): Promise<{ tokenId: string; shop: ApiShop } | null> {
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  const record = await db.apiToken.findUnique({ where: { tokenHash: hashToken(token) } });
  if (!record || record.revokedAt) return null;
  const shop = await db.shop.findUnique({ where: { id: record.shopId } });
  if (!shop?.installed) return null;
  await db.apiToken.update({ where: { id: record.id }, data: { lastUsedAt: clock.now() } });
  return { tokenId: record.id, shop };
}
