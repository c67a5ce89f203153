/**
 * Routes every `https://*.myshopify.com` request made through undici (including Node's global
 * `fetch`, which honours undici's global dispatcher) into the fake, allows loopback traffic, and
 * makes any other outbound request fail with a MockNotMatchedError.
 */
import type { Dispatcher } from 'undici';
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
  /** The MockAgent routing requests (add interceptors here). */
  agent: MockAgent;
  /** What is installed as the global dispatcher: the agent behind a request-body buffer. */
  dispatcher: Dispatcher;
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
  // Streams and form data are buffered by bufferRequestBodies before they get here.
  throw new Error('Fake Shopify network: unbuffered request body; send a string, buffer or FormData body');
}

function isPlainBody(body: unknown): boolean {
  return body === null || body === undefined || typeof body === 'string' || body instanceof Uint8Array || body instanceof ArrayBuffer;
}

/**
 * Reads a body undici cannot pass on as is: Node's built-in fetch hands its own FormData, Blob or
 * URLSearchParams to the dispatcher, which the npm undici behind this guard does not recognise
 * (multipart uploads to staged targets failed), and MockAgent replies before a stream is read.
 */
async function bufferBody(body: unknown): Promise<{ bytes: Buffer; contentType: string | null }> {
  if (body instanceof FormData || body instanceof Blob || body instanceof URLSearchParams) {
    const response = new Response(body);
    return { bytes: Buffer.from(await response.arrayBuffer()), contentType: body instanceof FormData ? response.headers.get('content-type') : null };
  }
  if (typeof body === 'object' && body !== null && Symbol.asyncIterator in body) {
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<unknown>) {
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array));
    }
    return { bytes: Buffer.concat(chunks), contentType: null };
  }
  throw new Error(`Fake Shopify network: unsupported request body ${Object.prototype.toString.call(body)}`);
}

interface DispatchOptions {
  body?: unknown;
  headers?: unknown;
}

interface FailableHandler {
  onResponseError?: (controller: unknown, error: Error) => void;
  onError?: (error: Error) => void;
}

/** An undici interceptor that buffers request bodies before the guard (or the real network) sees them. */
function bufferRequestBodies(dispatch: (options: DispatchOptions, handler: FailableHandler) => boolean) {
  return (options: DispatchOptions, handler: FailableHandler): boolean => {
    if (isPlainBody(options.body)) {
      return dispatch(options, handler);
    }
    bufferBody(options.body).then(
      ({ bytes, contentType }) => {
        const headers = toHeaders(options.headers as RawHeaders);
        if (contentType !== null) headers.set('content-type', contentType);
        headers.delete('content-length');
        dispatch({ ...options, body: bytes, headers: Object.fromEntries(headers) }, handler);
      },
      (error: unknown) => {
        const failure = error instanceof Error ? error : new Error(String(error));
        if (handler.onResponseError) handler.onResponseError(null, failure);
        else handler.onError?.(failure);
      },
    );
    return true;
  };
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
  const dispatcher = agent.compose(bufferRequestBodies as unknown as Dispatcher.DispatcherComposeInterceptor);
  setGlobalDispatcher(dispatcher);
  return {
    agent,
    dispatcher,
    async uninstall() {
      setGlobalDispatcher(previous);
      await agent.close();
    },
  };
}
