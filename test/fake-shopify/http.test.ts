import { request as httpRequest } from 'node:http';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { Harness } from './helpers.js';
import { API_URL, createHarness, gql, present, SHOP, TOKEN } from './helpers.js';

let h: Harness;

beforeEach(() => {
  h = createHarness();
});

afterEach(async () => {
  await h.fake.dispose();
});

async function post(url: string, init: { token?: string | null; body?: string; headers?: Record<string, string> } = {}): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...init.headers };
  if (init.token !== null) headers['x-shopify-access-token'] = init.token ?? TOKEN;
  return h.fake.handle(new Request(url, { method: 'POST', headers, body: init.body ?? JSON.stringify({ query: '{ shop { name } }' }) }));
}

describe('authentication and routing', () => {
  it('rejects a wrong or missing access token with 401', async () => {
    for (const token of ['shpat_wrong', null]) {
      const response = await post(API_URL, { token });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' });
    }
  });

  it('returns 404 for unknown shops, unsupported versions and other paths', async () => {
    expect((await post('https://nobody.myshopify.com/admin/api/2026-10/graphql.json')).status).toBe(404);
    expect((await post(`https://${SHOP}/admin/api/2019-04/graphql.json`)).status).toBe(404);
    const other = await post(`https://${SHOP}/admin/api/2026-10/products.json`);
    expect(other.status).toBe(404);
    expect(await other.json()).toEqual({ errors: 'Not Found' });
  });

  it('rejects a request without a query with 400', async () => {
    const response = await post(API_URL, { body: '{"variables":{}}' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ errors: { query: 'Required parameter missing or invalid' } });
  });

  it('accepts application/graphql bodies', async () => {
    const response = await post(API_URL, { body: '{ shop { name } }', headers: { 'content-type': 'application/graphql' } });
    expect(await response.json()).toMatchObject({ data: { shop: { name: 'Roost Test Store' } } });
    expect(response.headers.get('x-shopify-api-version')).toBe('2026-10');
  });
});

describe('fault injection and request log', () => {
  it('fails the next requests with the injected status, then recovers', async () => {
    const customerId = h.fake.store.addCustomer(h.shop, { email: 'f@example.com' }).id;
    h.fake.store.failNext(h.shop, { status: 503, times: 2 });
    const mutation = `mutation { tagsAdd(id: "${customerId}", tags: ["x"]) { userErrors { message } } }`;

    for (let attempt = 0; attempt < 2; attempt += 1) {
      const failed = await post(API_URL, { body: JSON.stringify({ query: mutation }) });
      expect(failed.status).toBe(503);
      expect(failed.headers.get('content-type')).toContain('text/html');
    }
    expect(h.fake.store.customer(h.shop, customerId)?.tags).toEqual([]);

    const ok = await gql(h.fake, mutation);
    expect(ok.status).toBe(200);
    expect(h.fake.store.customer(h.shop, customerId)?.tags).toEqual(['x']);

    h.fake.store.failNext(h.shop, { status: 500 });
    const serverError = await post(API_URL);
    expect(serverError.status).toBe(500);
    expect(await serverError.json()).toEqual({ errors: 'Internal Server Error' });

    expect(h.fake.store.requests.map((r) => [r.status, r.injectedFailure])).toEqual([
      [503, true],
      [503, true],
      [200, false],
      [500, true],
    ]);
  });

  it('records operation name, variables, costs and error codes', async () => {
    h.fake.store.clearRequests();
    await gql(h.fake, 'query ShopName { shop { name } }', undefined, { operationName: 'ShopName' });
    h.fake.store.drainBucket(h.shop, 0);
    await gql(h.fake, 'query Customers($n: Int!) { customers(first: $n) { nodes { id } } }', { n: 5 });
    expect(h.fake.store.requests).toEqual([
      expect.objectContaining({
        kind: 'graphql',
        shop: SHOP,
        apiVersion: '2026-10',
        status: 200,
        operationName: 'ShopName',
        requestedQueryCost: 1,
        actualQueryCost: 1,
        errorCodes: [],
      }),
      expect.objectContaining({
        variables: { n: 5 },
        requestedQueryCost: 7,
        actualQueryCost: null,
        errorCodes: ['THROTTLED'],
      }),
    ]);
  });
});

describe('loopback HTTP server', () => {
  it('serves 127.0.0.1 and picks the shop from a /shops/<domain> prefix or X-Forwarded-Host', async () => {
    const { url } = await h.fake.listen();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const body = JSON.stringify({ query: '{ shop { myshopifyDomain } }' });
    const headers = { 'content-type': 'application/json', 'x-shopify-access-token': TOKEN };

    const prefixed = await fetch(`${url}/shops/${SHOP}/admin/api/2026-10/graphql.json`, { method: 'POST', headers, body });
    expect(prefixed.status).toBe(200);
    expect(await prefixed.json()).toMatchObject({ data: { shop: { myshopifyDomain: SHOP } } });

    const forwarded = await fetch(`${url}/admin/api/2026-10/graphql.json`, {
      method: 'POST',
      headers: { ...headers, 'x-forwarded-host': SHOP },
      body,
    });
    expect(await forwarded.json()).toMatchObject({ data: { shop: { myshopifyDomain: SHOP } } });

    const noShop = await fetch(`${url}/admin/api/2026-10/graphql.json`, { method: 'POST', headers, body });
    expect(noShop.status).toBe(404);
  });

  it('picks the shop from the Host header', async () => {
    const { port } = await h.fake.listen();
    const payload = JSON.stringify({ query: '{ shop { name } }' });
    const result = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/admin/api/2026-10/graphql.json',
          headers: { host: SHOP, 'content-type': 'application/json', 'x-shopify-access-token': TOKEN },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
    expect(result.status).toBe(200);
    expect(present(JSON.parse(result.body) as { data?: unknown }).data).toEqual({ shop: { name: 'Roost Test Store' } });
  });
});
