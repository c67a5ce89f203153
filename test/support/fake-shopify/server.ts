/**
 * HTTP front of the fake: routes Admin GraphQL requests and bulk result downloads.
 *
 * Shop selection (first match wins):
 *   1. a path prefix `/shops/<shop>.myshopify.com/admin/api/<version>/graphql.json`
 *   2. the `X-Forwarded-Host` header, when it is a `*.myshopify.com` host
 *   3. the request URL's host (`https://<shop>.myshopify.com/...`, as seen by `handle()` and
 *      the network guard), then the `Host` header, when it is a `*.myshopify.com` host
 * Bulk downloads (`GET /bulk/<id>.jsonl?sig=...`) and staged uploads (`POST /staged-uploads`,
 * `PUT /staged-uploads/<key>?sig=...`) need no shop and no token, like Shopify's signed storage URLs.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { GraphQLSchema } from 'graphql';

import type { AdminGraphQLResponse, GraphQLRequestBody } from './execute.js';
import { executeAdminGraphQL } from './execute.js';
import { createAdminSchema } from './schema.js';
import { receiveUpload, STAGED_UPLOAD_PATH } from './staged-uploads.js';
import type { BulkOperationRecord, FakeShopifyStoreOptions, PendingFailure, RecordedRequest, StagedUploadRecord } from './store.js';
import { FakeShopifyStore } from './store.js';
import { isoSeconds } from './time.js';

export const DEFAULT_API_VERSION = '2026-10';

export interface CreateFakeShopifyOptions extends FakeShopifyStoreOptions {
  /** Reuse an existing store (its own options win over the ones above). */
  store?: FakeShopifyStore;
  /** Versions served under /admin/api/<version>/; others get 404. Default ["2026-10"]. */
  apiVersions?: readonly string[];
}

/** Transport-neutral request: what `handle`, the HTTP server and the network guard all feed in. */
export interface FakeRequest {
  method: string;
  url: string;
  headers: Headers;
  body: string | null;
}

export interface FakeResponse {
  status: number;
  headers: Record<string, string>;
  /** Bulk results are kept as lines so they can be streamed. */
  body: string | { lines: readonly string[] };
}

export interface ListeningFakeShopify {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface GraphQLCallOptions {
  apiVersion?: string;
  /** Defaults to the shop's registered token. */
  accessToken?: string;
  operationName?: string;
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' } as const;
const INVALID_TOKEN = '[API] Invalid API key or access token (unrecognized login or wrong password)';

function json(status: number, body: unknown, headers: Record<string, string> = {}): FakeResponse {
  return { status, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

function myshopifyHost(value: string | null): string | null {
  if (!value) return null;
  const host = value.split(',')[0]?.trim().toLowerCase().replace(/:\d+$/, '') ?? '';
  return /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/.test(host) ? host : null;
}

function failureResponse(failure: PendingFailure): FakeResponse {
  const html = (title: string): FakeResponse => ({
    status: failure.status,
    headers: { 'content-type': 'text/html; charset=utf-8', ...failure.headers },
    body: failure.body ?? `<!DOCTYPE html><html><head><title>${title}</title></head><body><h1>${title}</h1></body></html>`,
  });
  switch (failure.status) {
    case 429:
      return {
        status: 429,
        headers: { ...JSON_HEADERS, 'retry-after': '2.0', ...failure.headers },
        body:
          failure.body ??
          JSON.stringify({ errors: 'Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.' }),
      };
    case 500:
      return {
        status: 500,
        headers: { ...JSON_HEADERS, ...failure.headers },
        body: failure.body ?? JSON.stringify({ errors: 'Internal Server Error' }),
      };
    case 502:
      return html('502 Bad Gateway');
    case 503:
      return html('503 Service Unavailable');
    case 504:
      return html('504 Gateway Timeout');
  }
}

function parseBody(request: FakeRequest): GraphQLRequestBody | null {
  const text = request.body ?? '';
  const contentType = request.headers.get('content-type') ?? '';
  if (contentType.includes('application/graphql')) {
    return text.trim() === '' ? null : { query: text };
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || !('query' in parsed) || typeof parsed.query !== 'string') {
      return null;
    }
    const variables = 'variables' in parsed ? parsed.variables : undefined;
    const operationName = 'operationName' in parsed ? parsed.operationName : undefined;
    return {
      query: parsed.query,
      variables: typeof variables === 'object' && variables !== null ? (variables as Record<string, unknown>) : null,
      operationName: typeof operationName === 'string' ? operationName : null,
    };
  } catch {
    return null;
  }
}

export class FakeShopify {
  readonly store: FakeShopifyStore;
  readonly schema: GraphQLSchema;
  readonly apiVersions: readonly string[];
  private server: Server | null = null;
  private listeningUrl: string | null = null;

  constructor(options: CreateFakeShopifyOptions = {}) {
    this.store = options.store ?? new FakeShopifyStore(options);
    this.schema = createAdminSchema(this.store);
    this.apiVersions = options.apiVersions ?? [DEFAULT_API_VERSION];
  }

  /** Base URL of the loopback server, or null before `listen()`. */
  get url(): string | null {
    return this.listeningUrl;
  }

  /** Where a finished bulk operation's JSONL can be downloaded. */
  bulkOperationUrl(operation: BulkOperationRecord): string {
    const base = this.listeningUrl ?? `https://${operation.shop}`;
    return `${base}/bulk/${operation.numericId}.jsonl?sig=${operation.signature}`;
  }

  /** Where a staged upload's file is posted (multipart form) or put. */
  stagedUploadUrl(upload: StagedUploadRecord): string {
    return `${this.listeningUrl ?? `https://${upload.shop}`}${STAGED_UPLOAD_PATH}`;
  }

  /** Fetch-style entry point; the response body of bulk downloads is streamed. */
  async handle(request: Request): Promise<Response> {
    const body = request.method === 'GET' || request.method === 'HEAD' ? null : await request.text();
    const response = this.dispatch({ method: request.method, url: request.url, headers: request.headers, body });
    if (typeof response.body === 'string') {
      return new Response(request.method === 'HEAD' ? null : response.body, { status: response.status, headers: response.headers });
    }
    const lines = response.body.lines;
    let index = 0;
    const encoder = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (index >= lines.length) {
          controller.close();
          return;
        }
        const chunk = lines.slice(index, index + 256);
        index += chunk.length;
        controller.enqueue(encoder.encode(`${chunk.join('\n')}\n`));
      },
    });
    return new Response(request.method === 'HEAD' ? null : stream, { status: response.status, headers: response.headers });
  }

  /** Synchronous core shared by `handle`, the HTTP server and the undici network guard. */
  dispatch(request: FakeRequest): FakeResponse {
    const requestId = randomUUID();
    const url = new URL(request.url);
    let path = url.pathname;
    let shopDomain: string | null = null;
    const prefixed = /^\/shops\/([^/]+)(\/.*)$/.exec(path);
    if (prefixed) {
      shopDomain = myshopifyHost(decodeURIComponent(prefixed[1] ?? ''));
      path = prefixed[2] ?? '/';
    }
    const entry: RecordedRequest = {
      requestId,
      at: isoSeconds(this.store.clock.now()),
      method: request.method,
      url: request.url,
      shop: null,
      apiVersion: null,
      kind: 'other',
      status: 0,
      operationName: null,
      query: null,
      variables: null,
      requestedQueryCost: null,
      actualQueryCost: null,
      errorCodes: [],
      injectedFailure: false,
    };
    const finish = (response: FakeResponse): FakeResponse => {
      entry.status = response.status;
      this.store.recordRequest(entry);
      response.headers['x-request-id'] = requestId;
      return response;
    };

    const bulk = /^\/bulk\/(\d+)\.jsonl$/.exec(path);
    if (bulk) {
      entry.kind = 'bulk-download';
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        return finish(json(405, { errors: 'Method Not Allowed' }, { allow: 'GET, HEAD' }));
      }
      const lines = this.store.bulkOperationFile(Number(bulk[1]), url.searchParams.get('sig') ?? '');
      if (!lines) {
        return finish({ status: 403, headers: { 'content-type': 'application/xml; charset=utf-8' }, body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access denied.</Message></Error>' });
      }
      return finish({ status: 200, headers: { 'content-type': 'application/jsonl' }, body: { lines } });
    }

    if (path === STAGED_UPLOAD_PATH || path.startsWith(`${STAGED_UPLOAD_PATH}/`)) {
      entry.kind = 'staged-upload';
      return finish(receiveUpload(this.store, request.method, url, path, request.headers, request.body));
    }

    shopDomain ??=
      myshopifyHost(request.headers.get('x-forwarded-host')) ?? myshopifyHost(url.host) ?? myshopifyHost(request.headers.get('host'));
    entry.shop = shopDomain;
    const admin = /^\/admin\/api\/([^/]+)\/graphql\.json$/.exec(path);
    if (!admin || !shopDomain) {
      return finish(json(404, { errors: 'Not Found' }));
    }
    entry.kind = 'graphql';
    const version = admin[1] ?? '';
    entry.apiVersion = version;
    const state = this.store.findState(shopDomain);
    if (!state || !this.apiVersions.includes(version)) {
      return finish(json(404, { errors: 'Not Found' }));
    }
    const failure = this.store.takeFailure(state);
    if (failure) {
      entry.injectedFailure = true;
      return finish(failureResponse(failure));
    }
    if (request.method !== 'POST') {
      return finish(json(405, { errors: 'Method Not Allowed' }, { allow: 'POST' }));
    }
    if (request.headers.get('x-shopify-access-token') !== state.shop.accessToken) {
      return finish(json(401, { errors: INVALID_TOKEN }));
    }
    const body = parseBody(request);
    if (!body) {
      return finish(json(400, { errors: { query: 'Required parameter missing or invalid' } }));
    }
    entry.query = body.query;
    entry.variables = body.variables ?? null;
    entry.operationName = body.operationName ?? null;
    const outcome = executeAdminGraphQL(body, {
      schema: this.schema,
      store: this.store,
      state,
      requestId,
      bulkOperationUrl: (operation) => this.bulkOperationUrl(operation),
      stagedUploadUrl: (upload) => this.stagedUploadUrl(upload),
    });
    entry.requestedQueryCost = outcome.requestedQueryCost;
    entry.actualQueryCost = outcome.actualQueryCost;
    entry.errorCodes = outcome.errorCodes;
    return finish(json(200, outcome.body, { 'x-shopify-api-version': version }));
  }

  /** Convenience for tests and scripts: one authenticated GraphQL call, no network involved. */
  graphql<TData = Record<string, unknown>>(
    shop: string,
    query: string,
    variables?: Record<string, unknown>,
    options: GraphQLCallOptions = {},
  ): { status: number; body: AdminGraphQLResponse & { data?: TData | null } } {
    const state = this.store.state(shop);
    const response = this.dispatch({
      method: 'POST',
      url: `https://${state.shop.domain}/admin/api/${options.apiVersion ?? this.apiVersions[0] ?? DEFAULT_API_VERSION}/graphql.json`,
      headers: new Headers({
        'content-type': 'application/json',
        'x-shopify-access-token': options.accessToken ?? state.shop.accessToken,
      }),
      body: JSON.stringify({ query, variables, operationName: options.operationName }),
    });
    const text = typeof response.body === 'string' ? response.body : response.body.lines.join('\n');
    return { status: response.status, body: JSON.parse(text) as AdminGraphQLResponse & { data?: TData | null } };
  }

  /** Starts a loopback-only HTTP server (127.0.0.1) on `port` (0 = random). */
  async listen(port = 0): Promise<ListeningFakeShopify> {
    if (this.server) {
      throw new Error('Fake Shopify: already listening');
    }
    const server = createServer((req, res) => {
      this.serveNode(req, res).catch((error: unknown) => {
        this.store.internalErrors.push(error);
        if (!res.headersSent) {
          res.writeHead(500, JSON_HEADERS);
        }
        res.end();
      });
    });
    this.server = server;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      this.server = null;
      throw error;
    }
    const address = server.address() as AddressInfo;
    this.listeningUrl = `http://127.0.0.1:${address.port}`;
    return { url: this.listeningUrl, port: address.port, close: () => this.close() };
  }

  /** Stops the HTTP server if one is running. */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    this.listeningUrl = null;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** Stops the server and pending bulk timers. */
  async dispose(): Promise<void> {
    this.store.dispose();
    await this.close();
  }

  private async serveNode(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
    }
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (Array.isArray(value)) {
        value.forEach((item) => headers.append(name, item));
      } else if (value !== undefined) {
        headers.set(name, value);
      }
    }
    const method = req.method ?? 'GET';
    const response = this.dispatch({
      method,
      url: `http://${req.headers.host ?? '127.0.0.1'}${req.url ?? '/'}`,
      headers,
      body: method === 'GET' || method === 'HEAD' ? null : Buffer.concat(chunks).toString('utf8'),
    });
    res.writeHead(response.status, response.headers);
    if (method === 'HEAD') {
      res.end();
      return;
    }
    if (typeof response.body === 'string') {
      res.end(response.body);
      return;
    }
    const lines = response.body.lines;
    for (let index = 0; index < lines.length; index += 256) {
      if (!res.write(`${lines.slice(index, index + 256).join('\n')}\n`)) {
        await once(res, 'drain');
      }
    }
    res.end();
  }
}

export function createFakeShopify(options: CreateFakeShopifyOptions = {}): FakeShopify {
  return new FakeShopify(options);
}
