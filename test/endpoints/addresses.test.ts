import { afterEach, beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { systemClock } from "../../app/lib/clock";
import { isPrivateAddress, type Resolver } from "../../app/services/endpoints/address.server";
import { addEndpoint } from "../../app/services/endpoints/endpoints.server";
import { customerPayload, orderPayload } from "../fixtures/rest-payloads";
import { deliver } from "../support/deliver";
import { ALLOW, deliveriesOf, endpointFor, endpointShop, flush, receiver } from "./support";

const ANA = 115310627;
let shop: string;
let shopId: string;
let row: { id: string; domain: string };

beforeEach(async () => {
  ({ shop, shopId, row } = await endpointShop());
});

/** Names resolve as the test says (public first, a private address after a rebinding), never through DNS. */
function resolverOf(table: Record<string, string[]>): Resolver {
  return async (hostname) => (table[hostname] ?? []).map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
}

const add = (url: string, options: { env?: Record<string, string>; resolve?: Resolver } = {}) =>
  addEndpoint({ db, clock: systemClock, resolve: options.resolve ?? resolverOf({ localhost: ["127.0.0.1", "::1"], "hooks.example.com": ["93.184.216.34"] }) }, row, { url, events: ["points_earned"] }, "test", options.env ?? {});

async function earnPoints() {
  await deliver({ topic: "customers/create", shop, payload: customerPayload({ id: ANA }) });
  await deliver({ topic: "orders/paid", shop, payload: orderPayload({ id: 7001, customerId: ANA, lines: [{ id: 70010, price: "20.00", quantity: 1 }] }) });
}

describe("which addresses an endpoint may have", () => {
  it("classifies private, loopback, link-local, CGNAT, multicast and IPv4-mapped addresses", () => {
    for (const address of ["10.0.0.1", "172.16.5.4", "192.168.1.1", "127.0.0.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "::1", "::", "fe80::1", "fc00::1", "fd12::1", "::ffff:127.0.0.1", "::ffff:7f00:1", "::ffff:10.0.0.1", "ff02::1"]) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
    for (const address of ["93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111"]) expect(isPrivateAddress(address), address).toBe(false);
  });

  it("refuses http and private addresses at save unless ROOST_ENDPOINTS_ALLOW_PRIVATE=true", async () => {
    expect(await add("http://hooks.example.com/roost")).toEqual({ ok: false, errors: { url: "The URL must start with https://" } });
    for (const url of ["https://localhost/roost", "https://10.0.0.1/roost", "https://169.254.169.254/latest", "https://[::1]/roost", "https://[::ffff:127.0.0.1]/roost"]) {
      const result = await add(url);
      expect(result.ok, url).toBe(false);
      if (!result.ok) expect(result.errors.url, url).toMatch(/private, loopback or link-local/);
    }
    expect(await add("https://nowhere.example.com/roost")).toMatchObject({ ok: false, errors: { url: "The host nowhere.example.com could not be resolved" } });
    expect(await add("not a url")).toMatchObject({ ok: false, errors: { url: expect.stringMatching(/full URL/) } });
    expect(await addEndpoint({ db, clock: systemClock }, row, { url: "", events: ["nope"] }, "test", {})).toEqual({
      ok: false,
      errors: { url: "Enter the endpoint's URL", events: expect.stringMatching(/^Unknown event nope/) },
    });
    expect(await db.endpoint.count({ where: { shopId } })).toBe(0);

    expect((await add("https://hooks.example.com/roost")).ok).toBe(true);
    for (const url of ["http://localhost:3000/roost", "https://10.0.0.1/roost", "http://[::1]:8080/"]) expect((await add(url, { env: ALLOW })).ok, url).toBe(true);
    expect(await db.auditLog.count({ where: { shopId, action: "endpoint.added" } })).toBe(4);
  });

  describe("at send time", () => {
    let server: Awaited<ReturnType<typeof receiver>>;
    beforeEach(async () => {
      server = await receiver();
    });
    afterEach(() => server.close());

    it("a private address saved while allowed is refused when sending without the flag", async () => {
      await endpointFor(row, server.url, ["points_earned"]);
      await earnPoints();
      await flush({ env: {} });
      expect(server.received).toHaveLength(0);
      expect(await deliveriesOf(shopId)).toMatchObject([{ status: "failed", attempts: 1, responseCode: null, error: "The URL must start with https://" }]);
    });

    it("a name that resolved to a public address at save and to a private one at send (DNS rebinding) is refused", async () => {
      const saved = await add("https://hooks.example.com/roost", { resolve: resolverOf({ "hooks.example.com": ["93.184.216.34"] }) });
      expect(saved.ok).toBe(true);
      await earnPoints();
      await flush({ env: {}, resolve: resolverOf({ "hooks.example.com": ["169.254.169.254"] }) });
      expect(await deliveriesOf(shopId)).toMatchObject([{ status: "failed", error: expect.stringMatching(/hooks\.example\.com resolves to a private, loopback or link-local address/) }]);
    });

    it("connects to the address that was checked, with the URL's name as the Host", async () => {
      // hooks.test resolves (by the injected resolver only) to the receiver, allowed here.
      const port = new URL(server.url).port;
      const result = await addEndpoint({ db, clock: systemClock, resolve: resolverOf({ "hooks.test": ["127.0.0.1"] }) }, row, { url: `http://hooks.test:${port}/roost`, events: ["points_earned"] }, "test", ALLOW);
      expect(result.ok).toBe(true);
      await earnPoints();
      await flush({ resolve: resolverOf({ "hooks.test": ["127.0.0.1"] }) });
      expect(server.received.map((request) => request.headers.host)).toEqual([`hooks.test:${port}`]);
    });
  });
});
