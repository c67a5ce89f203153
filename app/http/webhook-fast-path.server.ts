import type { ServerBuild } from "@remix-run/node";
import type { NextFunction, Request as ExpressRequest, Response as ExpressResponse } from "express";
import { httpDeps } from "../runtime.server";
import { type BodyLimit, BodyTooLargeError, hangUpIfUnread, readLimitedBody, requestUrl } from "./body-limit.mjs";
import { webhookPath, type WebhookRouteHandle } from "./webhook-route";
import { receiveUnroutedWebhook, receiveWebhook, type WebhookDeps, type WebhookRequest } from "./webhooks.server";

// Shopify's deliveries answered before compression, static files and Remix's router (server.mjs,
// production): the same receive() as the webhooks.<topic> routes, given Node's request instead of
// a Fetch Request. Anything it does not take (not POST, a query string, a path spelled otherwise)
// goes on to Remix, whose routes answer as before.

/** Path → the route's topic (null: the catch-all), and whether a catch-all takes the other /webhooks/ paths. */
export interface WebhookTable {
  topics: ReadonlyMap<string, string>;
  catchAll: boolean;
}

type RouteManifest = ServerBuild["routes"];

/**
 * The fast path's table, from the build's route manifest: every route whose `handle` names a
 * webhook topic (WebhookRouteHandle). Throws when the manifest and the handles disagree (a route
 * under /webhooks without a topic, a topic on another path, two routes for one path), so a server
 * never starts with a table that would answer a path differently from its route.
 */
export function webhookTable(routes: RouteManifest): WebhookTable {
  const topics = new Map<string, string>();
  let catchAll = false;
  // A route's path is relative to its parent's (app.webhooks.tsx is "webhooks" under /app).
  const fullPath = (id: string | undefined): string => {
    const route = id === undefined ? undefined : routes[id];
    if (!route) return "";
    const parent = fullPath(route.parentId);
    return [parent, route.path ?? ""].filter(Boolean).join("/");
  };
  for (const route of Object.values(routes)) {
    if (!route) continue;
    const path = fullPath(route.id);
    const handle = (route.module as { handle?: Partial<WebhookRouteHandle> }).handle;
    const isWebhookPath = path === "webhooks" || path.startsWith("webhooks/");
    if (!handle || !("webhookTopic" in handle)) {
      if (isWebhookPath) throw new Error(`route ${route.id} (/${path}) is under /webhooks but names no webhook topic in its handle`);
      continue;
    }
    if (route.parentId !== "root") throw new Error(`webhook route ${route.id} must be a child of the root route`);
    const topic = handle.webhookTopic;
    if (topic === null || topic === undefined) {
      if (path !== "webhooks/*") throw new Error(`the catch-all webhook route ${route.id} must be /webhooks/*, not /${path}`);
      catchAll = true;
      continue;
    }
    const expected = webhookPath(topic);
    if (`/${path}` !== expected) throw new Error(`webhook route ${route.id} accepts ${topic}, so its path must be ${expected}, not /${path}`);
    if (topics.has(expected)) throw new Error(`two webhook routes for ${expected}`);
    topics.set(expected, topic);
  }
  return { topics, catchAll };
}

/** The paths the fast path takes: /webhooks/ and plain segments, no query, no encoding, no trailing slash. */
const PLAIN_WEBHOOK_PATH = /^\/webhooks(?:\/[a-z0-9_]+)+$/i;

/**
 * The route a request's URL would reach, as Remix matches (static segments, case-insensitive):
 * a topic, null for the catch-all, undefined to leave the request to Remix.
 */
export function routeFor(table: WebhookTable, url: string): string | null | undefined {
  if (!PLAIN_WEBHOOK_PATH.test(url)) return undefined;
  const topic = table.topics.get(url.toLowerCase());
  if (topic !== undefined) return topic;
  return table.catchAll ? null : undefined;
}

/**
 * Express middleware for server.mjs: POSTs to a webhook route's path are received here. The body
 * is counted against the /webhooks limit as it is read (413 past it, app/http/body-limit.mjs).
 */
export function createWebhookFastPath(
  routes: RouteManifest,
  options: { logger: { warn(fields: object, message: string): void }; deps?: () => WebhookDeps; limits?: readonly BodyLimit[] },
) {
  const table = webhookTable(routes);
  const deps = options.deps ?? httpDeps;
  return (req: ExpressRequest, res: ExpressResponse, next: NextFunction): void => {
    if (req.method !== "POST") return next();
    const topic = routeFor(table, req.url);
    if (topic === undefined) return next();
    const request = new NodeWebhookRequest(req, () => readLimitedBody(req, res, { logger: options.logger, limits: options.limits }));
    const received = topic === null ? receiveUnroutedWebhook(deps(), request) : receiveWebhook(deps(), request, topic);
    received
      .catch((thrown: unknown) => {
        // 4xx are thrown Responses (as the routes throw them); past the body limit the 413 is sent.
        if (thrown instanceof Response) return thrown;
        throw thrown;
      })
      .then((response) => send(req, res, response))
      .catch((error: unknown) => {
        if (!(error instanceof BodyTooLargeError)) next(error);
      });
  };
}

/** Node's request as receive() reads it (WebhookRequest): headers as the Fetch Request server.mjs builds would carry them. */
class NodeWebhookRequest implements WebhookRequest {
  readonly headers: WebhookRequest["headers"];

  constructor(
    private readonly req: ExpressRequest,
    private readonly readBody: () => Promise<Buffer>,
  ) {
    const raw = req.headers;
    const value = (name: string) => {
      const header = raw[name];
      const joined = Array.isArray(header) ? header.join(", ") : header;
      // An empty header is left out, as limitedRequestHandler's Request leaves it out.
      return joined ? joined : null;
    };
    this.headers = {
      get: (name) => value(name.toLowerCase()),
      // What webhooks.validate converts (the adapter's headers.entries()): Shopify's headers only.
      // The library reads no others (X-Shopify-* for webhooks, Shopify-* for events), and it
      // canonicalises every header name it is given on each lookup.
      *entries() {
        for (const name of Object.keys(raw)) {
          if (!name.startsWith("x-shopify-") && !name.startsWith("shopify-")) continue;
          const joined = value(name);
          if (joined !== null) yield [name, joined];
        }
      },
    };
  }

  get method(): string {
    return this.req.method;
  }

  get url(): string {
    return requestUrl(this.req);
  }

  async text(): Promise<string> {
    // As Request.text(): UTF-8, a leading BOM dropped, invalid bytes replaced.
    return new TextDecoder().decode(await this.readBody());
  }
}

async function send(req: ExpressRequest, res: ExpressResponse, response: Response): Promise<void> {
  const body = response.body ? Buffer.from(await response.arrayBuffer()) : undefined;
  if (res.headersSent) return;
  hangUpIfUnread(req, res);
  res.statusCode = response.status;
  res.statusMessage = response.statusText;
  for (const [name, value] of response.headers) res.append(name, value);
  res.end(body);
}
