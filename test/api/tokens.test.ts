import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { action as tokensAction, loader as tokensLoader } from "../../app/routes/app.api-tokens";
import { hashToken, revokeShopTokens } from "../../app/services/api/tokens.server";
import { markShopUninstalled } from "../../app/services/shops/shops.server";
import { adminRequest } from "../support/shopify";
import { type ApiShop, apiShop, db, enrol, expectLedgerOk, orderBody, postOrder, postRefund, refundBody } from "./helpers";

// getJwt's test user: the `sub` of every admin session token in these tests.
const USER = "12345";
const args = (request: Request) => ({ request, params: {}, context: {} });

let shop: ApiShop;

beforeEach(async () => {
  shop = await apiShop();
  await enrol(shop, 115310627, "ana.lima@example.com");
});

afterEach(() => {
  vi.useRealTimers();
});

async function admin(domain: string, form: Record<string, string>) {
  return tokensAction(args(await adminRequest("/app/api-tokens", domain, { method: "POST", body: new URLSearchParams(form) })));
}

describe("API authentication (401)", () => {
  it("refuses a request without a token, with a wrong one, or with a revoked one, as JSON", async () => {
    const missing = await postOrder(null, orderBody());
    const wrong = await postOrder(shop, orderBody(), { token: `${shop.token.slice(0, -2)}xx` });
    const notBearer = await postOrder(shop, orderBody(), { headers: { Authorization: `Basic ${shop.token}` }, token: null });
    await admin(shop.domain, { intent: "revoke", tokenId: shop.tokenId });
    const revoked = await postOrder(shop, orderBody());
    const refund = await postRefund(shop, refundBody("1"));

    for (const { response, json } of [missing, wrong, notBearer, revoked, refund]) {
      expect(response.status).toBe(401);
      expect(response.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
      expect(json).toMatchObject({ error: "unauthorized", message: expect.any(String) });
    }
    expect(await db.ledgerEntry.count({ where: { shopId: shop.id } })).toBe(0);
    expect(await db.apiIdempotency.count({ where: { shopId: shop.id } })).toBe(0);
  });

  it("checks the token before anything else (no key or body needed to get the 401)", async () => {
    const { response } = await postOrder(null, "not json", { key: null });
    expect(response.status).toBe(401);
  });

  it("records when a token was last used", async () => {
    expect((await db.apiToken.findUniqueOrThrow({ where: { id: shop.tokenId } })).lastUsedAt).toBeNull();
    const before = Date.now();
    await postOrder(shop, orderBody());
    const { lastUsedAt } = await db.apiToken.findUniqueOrThrow({ where: { id: shop.tokenId } });
    expect(lastUsedAt?.getTime()).toBeGreaterThanOrEqual(before - 1000);
  });

  it("stops every token when the shop uninstalls (revokeShopTokens), and audits it", async () => {
    const second = await admin(shop.domain, { intent: "create", name: "Marketplace" });
    expect(second.ok).toBe(true);

    expect(await revokeShopTokens(db, shop.id)).toBe(2);
    expect(await revokeShopTokens(db, shop.id)).toBe(0);

    expect((await postOrder(shop, orderBody())).response.status).toBe(401);
    if (second.intent === "create" && second.ok) expect((await postOrder({ ...shop, token: second.token }, orderBody())).response.status).toBe(401);
    const audit = await db.auditLog.findMany({ where: { shopId: shop.id, action: "api_token.revoked_all" } });
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0].details)).toMatchObject({ count: 2 });
  });

  it("refuses a live token of a shop that has uninstalled Roost", async () => {
    await markShopUninstalled(db, shop.domain);
    expect((await postOrder(shop, orderBody())).response.status).toBe(401);
  });
});

describe("tenant isolation", () => {
  it("a token of one shop cannot touch another shop's members or orders", async () => {
    const other = await apiShop();
    const ana = await db.member.findFirstOrThrow({ where: { shopId: shop.id } });
    await postOrder(shop, orderBody({ id: "T-1" }));

    // The other shop's token, aimed at this shop's member by every identifier it has.
    const byEmail = await postOrder(other, orderBody({ id: "T-2", buyer: { email: "ana.lima@example.com" } }));
    const byGid = await postOrder(other, orderBody({ id: "T-3", buyer: { customerId: ana.customerGid } }));
    const byMemberId = await postOrder(other, orderBody({ id: "T-4", buyer: { externalId: ana.id } }));
    const refund = await postRefund(other, refundBody("T-1"));

    expect([byEmail, byGid, byMemberId].map((result) => result.json.order.status)).toEqual(["unmatched", "unmatched", "unmatched"]);
    expect(refund.response.status).toBe(404);
    expect((await db.member.findUniqueOrThrow({ where: { id: ana.id } })).balance).toBe(123);
    expect(await db.member.count({ where: { shopId: other.id } })).toBe(0);
    expect(await db.ledgerEntry.count({ where: { shopId: other.id } })).toBe(0);
    await expectLedgerOk(shop.id);
    await expectLedgerOk(other.id);
  });
});

describe("the API tokens admin page", () => {
  it("creates a token, shows it once, stores only its hash, and audits who did it", async () => {
    const result = await admin(shop.domain, { intent: "create", name: "  Marketplace sync " });
    if (result.intent !== "create" || !result.ok) throw new Error("not created");

    expect(result.token).toMatch(/^roost_[A-Za-z0-9_-]{43}$/);
    expect(result.created).toMatchObject({ name: "Marketplace sync", prefix: result.token.slice(0, 12), lastUsedAt: null, revokedAt: null });
    const row = await db.apiToken.findUniqueOrThrow({ where: { id: result.created.id } });
    expect(row.tokenHash).toBe(hashToken(result.token));
    expect(JSON.stringify(row)).not.toContain(result.token.slice(12));

    const audit = await db.auditLog.findFirstOrThrow({ where: { shopId: shop.id, action: "api_token.created", actor: { not: "test" } } });
    expect(audit.actor).toBe(`shopify-user:${USER}@${shop.domain}`);
    expect(JSON.parse(audit.details)).toEqual({ tokenId: row.id, name: "Marketplace sync", prefix: row.prefix });

    // The new token works at once.
    const { json } = await postOrder({ ...shop, token: result.token }, orderBody());
    expect(json.order).toMatchObject({ status: "awarded", points: 123 });
  });

  it("lists the shop's tokens with name, prefix, created, last used and revoked, never a secret", async () => {
    await postOrder(shop, orderBody());
    await admin(shop.domain, { intent: "create", name: "Marketplace" });
    await admin(shop.domain, { intent: "revoke", tokenId: shop.tokenId });

    const { tokens } = await tokensLoader(args(await adminRequest("/app/api-tokens", shop.domain)));

    expect(tokens.map((token) => [token.name, token.lastUsedAt !== null, token.revokedAt !== null])).toEqual([
      ["Marketplace", false, false],
      ["Warehouse POS", true, true],
    ]);
    for (const token of tokens) {
      expect(Object.keys(token).sort()).toEqual(["createdAt", "id", "lastUsedAt", "name", "prefix", "revokedAt"]);
      expect(token.prefix).toMatch(/^roost_.{6}$/);
    }
  });

  it("revokes a token once, audited; another shop's token is not found and stays live", async () => {
    const first = await admin(shop.domain, { intent: "revoke", tokenId: shop.tokenId });
    const again = await admin(shop.domain, { intent: "revoke", tokenId: shop.tokenId });
    expect(first).toMatchObject({ intent: "revoke", ok: true, revoked: { id: shop.tokenId, revokedAt: expect.any(String) } });
    expect(again).toMatchObject({ ok: true });
    const audits = await db.auditLog.findMany({ where: { shopId: shop.id, action: "api_token.revoked" } });
    expect(audits.map((audit) => audit.actor)).toEqual([`shopify-user:${USER}@${shop.domain}`]);

    const other = await apiShop();
    const cross = await admin(shop.domain, { intent: "revoke", tokenId: other.tokenId });
    expect(cross).toMatchObject({ intent: "revoke", ok: false });
    expect((await db.apiToken.findUniqueOrThrow({ where: { id: other.tokenId } })).revokedAt).toBeNull();
    expect((await tokensLoader(args(await adminRequest("/app/api-tokens", shop.domain)))).tokens.map((token) => token.id)).not.toContain(other.tokenId);
  });

  it("asks for a name", async () => {
    const result = await admin(shop.domain, { intent: "create", name: "   " });
    expect(result).toMatchObject({ intent: "create", ok: false, error: expect.stringContaining("Enter a name") });
    expect(await db.apiToken.count({ where: { shopId: shop.id } })).toBe(1);
  });
});
