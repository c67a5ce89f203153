/**
 * Routes every `https://*.myshopify.com` request made through undici (including Node's global
 * `fetch`, which honours undici's global dispatcher) into the fake, allows loopback traffic, and
 * makes any other outbound request fail with a MockNotMatchedError.
 */
import { getGlobalDispatcher, MockAgent, setGlobalDispatcher } from 'undici';

import type { FakeRequest, FakeResponse } from './server.js';

export interface FakeShopifyDispatcher {
  dispatch(request: FakeRequest): FakeResponse;
}

export interface InstallNetworkOptions {
  /** Extra hosts (hostname or host:port) allowed to reach the real network. */
  allowHosts?: ReadonlyArray<string | RegExp>;
}

export interface FakeShopifyNetwork {
  agent: MockAgent;
  uninstall(): Promise<void>;
}

/** Structural view of undici's MockResponseCallbackOptions (not exported from the package root). */
interface InterceptedRequest {
  path: string;
  method: string;
  origin?: string;
  headers?: unknown;
  body?: unknown;
}

const SHOPIFY_ORIGIN = /^https:\/\/[a-z0-9][a-z0-9-]*\.myshopify\.com(:443)?$/;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

function hostnameOf(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end === -1 ? host : host.slice(0, end + 1);
  }
  return host.replace(/:\d+$/, '');
}

type RawHeaders = Record<string, string | string[] | undefined> | string[] | Iterable<[string, string]> | null | undefined;

function toHeaders(raw: RawHeaders): Headers {
  const headers = new Headers();
  if (!raw) return headers;
  if (Array.isArray(raw)) {
    for (let index = 0; index + 1 < raw.length; index += 2) {
      headers.append(String(raw[index]), String(raw[index + 1]));
    }
    return headers;
  }
  if (Symbol.iterator in raw) {
    for (const [name, value] of raw as Iterable<[string, string]>) headers.append(name, value);
    return headers;
  }
  for (const [name, value] of Object.entries(raw)) {
    if (Array.isArray(value)) value.forEach((item) => headers.append(name, item));
    else if (value !== undefined) headers.set(name, value);
  }
  return headers;
}

function toBodyText(body: unknown): string | null {
  if (body === null || body === undefined) return null;
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  if (body instanceof ArrayBuffer) return Buffer.from(body).toString('utf8');
  if (body instanceof URLSearchParams) return body.toString();
  // MockAgent replies synchronously, so streamed request bodies cannot be read here.
  throw new Error('Fake Shopify network: streamed request bodies are not supported; send a string or buffer body');
}

/**
 * Installs the guard as undici's global dispatcher. Call `uninstall()` (e.g. in afterEach) to
 * restore the previous dispatcher.
 */
export function installFakeShopifyNetwork(fake: FakeShopifyDispatcher, options: InstallNetworkOptions = {}): FakeShopifyNetwork {
  const previous = getGlobalDispatcher();
  const agent = new MockAgent();
  agent.disableNetConnect();
  const allowed = options.allowHosts ?? [];
  agent.enableNetConnect((host: string) => {
    if (LOOPBACK_HOSTS.has(hostnameOf(host))) return true;
    return allowed.some((rule) => (typeof rule === 'string' ? rule === host || rule === hostnameOf(host) : rule.test(host)));
  });
  agent
    .get((origin: string) => SHOPIFY_ORIGIN.test(origin))
    .intercept({ path: () => true, method: () => true })
    .reply((request: InterceptedRequest) => {
      const response = fake.dispatch({
        method: request.method,
        url: new URL(request.path, request.origin).toString(),
        headers: toHeaders(request.headers as RawHeaders),
        body: toBodyText(request.body),
      });
      const data = typeof response.body === 'string' ? response.body : `${response.body.lines.join('\n')}\n`;
      return { statusCode: response.status, data, responseOptions: { headers: response.headers } };
    })
    .persist();
  setGlobalDispatcher(agent);
  return {
    agent,
    async uninstall() {
      setGlobalDispatcher(previous);
      await agent.close();
    },
  };
}
