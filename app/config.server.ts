import fs from "node:fs";
import path from "node:path";
import { ApiVersion } from "@shopify/shopify-api";
import { parse } from "smol-toml";

interface AppToml {
  access_scopes: { scopes: string };
  webhooks: { api_version: string; subscriptions: { topics?: string[]; compliance_topics?: string[]; uri: string }[] };
}

// Read at start-up from the project root (where every Roost process runs).
const parsed = parse(fs.readFileSync(path.resolve("shopify.app.toml"), "utf8")) as unknown as AppToml;

/** Access scopes, read from shopify.app.toml: the one place they are declared. */
export const appScopes: string[] = parsed.access_scopes.scopes
  .split(",")
  .map((scope) => scope.trim())
  .filter(Boolean);

export const webhookSubscriptions = parsed.webhooks.subscriptions;
export const webhookApiVersion = parsed.webhooks.api_version;

/**
 * The Admin API version Roost is written against: the app's (app/shopify.server.ts), the Admin
 * API client's and the webhook validator's; the toml's webhook version must equal it.
 */
export const apiVersion = ApiVersion.October26;
