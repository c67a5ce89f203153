import { afterEach, beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { runCli } from "../../app/cli/roost.server";
import { systemClock } from "../../app/lib/clock";
import { redactCustomer, redactShop } from "../../app/services/privacy/privacy.server";
import { customerPayload, orderPayload } from "../fixtures/rest-payloads";
import { captureCli } from "../support/cli";
import { deliver } from "../support/deliver";
import { deliveriesOf, endpointFor, endpointShop, flush, receiver } from "./support";

const ANA = 115310627;
let shop: string;
let shopId: string;
let row: { id: string; domain: string };
let server: Awaited<ReturnType<typeof receiver>>;

beforeEach(async () => {
  ({ shop, shopId, row } = await endpointShop());
  server = await receiver();
});
afterEach(() => server.close());

describe("roost endpoints:*", () => {
  it("adds (secret once), lists without the secret, shows deliveries and removes", async () => {
    const refused = captureCli();
    expect(await runCli(["endpoints:add", "--shop", shop, "--url", "http://10.0.0.1/x", "--events", "nope", "--json"], refused.io)).toBe(1);
    expect(refused.stderr().split("\n").filter((line) => line.startsWith("  --"))).toHaveLength(2);

    const added = captureCli();
    expect(await runCli(["endpoints:add", "--shop", shop, "--url", "https://93.184.216.34/roost", "--events", "points_earned,tier_changed", "--personal-data", "--json"], added.io)).toBe(0);
    const endpoint = added.json();
    expect(endpoint).toMatchObject({ url: "https://93.184.216.34/roost", events: ["points_earned", "tier_changed"], personalData: true, enabled: true, secret: expect.stringMatching(/^whsec_/) });

    const listed = captureCli();
    expect(await runCli(["endpoints:list", "--shop", shop, "--json"], listed.io)).toBe(0);
    expect(listed.stdout()).not.toContain(endpoint.secret);
    expect(listed.json().endpoints).toMatchObject([{ id: endpoint.id, counts: { delivered: 0, pending: 0, failed: 0 } }]);

    const log = captureCli();
    expect(await runCli(["endpoints:deliveries", endpoint.id, "--shop", shop, "--limit", "5", "--json"], log.io)).toBe(0);
    expect(log.json().deliveries).toEqual([]);

    const removed = captureCli();
    expect(await runCli(["endpoints:remove", endpoint.id, "--shop", shop], removed.io)).toBe(0);
    expect(await db.endpoint.count({ where: { shopId } })).toBe(0);
    expect(await db.auditLog.count({ where: { shopId, actor: "system:roost-cli", action: { in: ["endpoint.added", "endpoint.removed"] } } })).toBe(2);
  });
});

describe("privacy", () => {
  it("customers/redact erases the member's deliveries; shop/redact the endpoints and the log", async () => {
    await endpointFor(row, server.url, ["points_earned"]);
    await deliver({ topic: "customers/create", shop, payload: customerPayload({ id: ANA }) });
    await deliver({ topic: "orders/paid", shop, payload: orderPayload({ id: 9001, customerId: ANA, lines: [{ id: 90010, price: "20.00", quantity: 1 }] }) });
    await flush();
    expect(await deliveriesOf(shopId)).toHaveLength(1);
    await redactCustomer(db, row, { customerGid: `gid://shopify/Customer/${ANA}`, email: null, orderGids: [] }, systemClock);
    expect(await deliveriesOf(shopId)).toEqual([]);
    expect(await db.endpoint.count({ where: { shopId } })).toBe(1);
    await redactShop(db, shop, "none");
    expect(await db.endpoint.count({ where: { shopId } })).toBe(0);
  });
});
