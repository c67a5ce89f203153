import { afterAll, beforeEach, vi } from "vitest";
import { guardEndpointConnections } from "../app/services/endpoints/address.server";
import { installFakeShopifyNetwork } from "./support/fake-shopify";
import { prepareWorkerDatabase } from "./support/database";
import { fakeShopify } from "./support/shopify";

// Must happen before any test imports app/db.server.ts, which connects at import.
process.env.DATABASE_URL = await prepareWorkerDatabase(process.env.DATABASE_URL, process.env.VITEST_POOL_ID ?? "1");

// Shopify's servers are unreachable: *.myshopify.com goes to the fake Admin API, loopback is
// allowed, and any other outbound request fails the test.
const network = installFakeShopifyNetwork(fakeShopify);
afterAll(() => network.uninstall());
// Webhook sends to merchants' endpoints open their own sockets (pinned to the vetted address),
// past undici's dispatcher above: only loopback may be connected to.
guardEndpointConnections((address) => address === "127.0.0.1" || address === "::1");

// An unexpected console.error is a failure, not noise.
beforeEach(() => {
  vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
    throw new Error(`console.error called: ${args.map(String).join(" ")}`);
  });
});
