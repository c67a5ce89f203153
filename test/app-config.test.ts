import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { apiVersion, appScopes, webhookApiVersion, webhookSubscriptions } from "../app/config.server";

describe("shopify.app.toml", () => {
  it("requests only the scopes shipped features use", () => {
    expect(appScopes).toEqual(["read_customer_events", "read_customers", "read_inventory", "read_orders", "read_products", "write_customers", "write_discounts", "write_pixels", "write_store_credit_account_transactions"]);
  });

  it("subscribes on the app's API version", () => {
    expect(webhookApiVersion).toBe(apiVersion);
  });

  it("routes every subscription to an existing route module, named in the comment above it", () => {
    const toml = fs.readFileSync("shopify.app.toml", "utf8");
    for (const subscription of webhookSubscriptions) {
      const route = `app/routes/${subscription.uri.slice(1).replaceAll("/", ".")}.tsx`;
      expect(fs.existsSync(path.resolve(route)), route).toBe(true);
      const [key, topics] = subscription.topics ? ["topics", subscription.topics] : ["compliance_topics", subscription.compliance_topics ?? []];
      expect(toml).toContain(`# Handled by ${route}\n  [[webhooks.subscriptions]]\n  ${key} = ${JSON.stringify(topics).replaceAll(",", ", ")}\n  uri = "${subscription.uri}"`);
      for (const topic of topics) expect(subscription.uri).toBe(`/webhooks/${topic.replaceAll(".", "/")}`);
    }
  });
});
