import { fetch as undiciFetch, getGlobalDispatcher } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { FakeShopifyNetwork } from '../support/fake-shopify/index.js';
import { installFakeShopifyNetwork } from '../support/fake-shopify/index.js';
import type { Harness } from './helpers.js';
import { API_URL, createHarness, present, TOKEN } from './helpers.js';

let h: Harness;
let network: FakeShopifyNetwork;
let previousDispatcher: ReturnType<typeof getGlobalDispatcher>;

beforeEach(() => {
  h = createHarness();
  previousDispatcher = getGlobalDispatcher();
  network = installFakeShopifyNetwork(h.fake);
});

afterEach(async () => {
  await network.uninstall();
  await h.fake.dispose();
});

function shopQuery(): RequestInit {
  return {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Shopify-Access-Token': TOKEN },
    body: JSON.stringify({ query: '{ shop { myshopifyDomain } }' }),
  };
}

describe('installFakeShopifyNetwork', () => {
  it("routes Node's global fetch to *.myshopify.com into the fake", async () => {
    const response = await fetch(API_URL, shopQuery());
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(await response.json()).toMatchObject({
      data: { shop: { myshopifyDomain: 'roost-test.myshopify.com' } },
      extensions: { cost: { requestedQueryCost: 1, actualQueryCost: 1 } },
    });
    expect(h.fake.store.requests.at(-1)).toMatchObject({ shop: 'roost-test.myshopify.com', status: 200 });
  });

  it("routes undici's own fetch too, including auth failures", async () => {
    const response = await undiciFetch(API_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ shop { id } }' }),
    });
    expect(response.status).toBe(401);
  });

  it('fails any other outbound request loudly', async () => {
    const failure = await fetch('https://example.com/').then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(TypeError);
    const cause = (failure as TypeError & { cause?: { code?: string; message?: string } }).cause;
    expect(cause?.code).toBe('UND_MOCK_ERR_MOCK_NOT_MATCHED');
    expect(cause?.message).toContain('https://example.com');

    await expect(fetch('http://roost-test.myshopify.com/admin/api/2026-10/graphql.json', shopQuery())).rejects.toThrow();
  });

  it('lets loopback traffic through, e.g. to the fake HTTP server and its bulk downloads', async () => {
    const { url } = await h.fake.listen();
    const response = await fetch(`${url}/shops/roost-test.myshopify.com/admin/api/2026-10/graphql.json`, shopQuery());
    expect(response.status).toBe(200);
  });

  it('serves bulk results through the guard when no server is listening', async () => {
    h.fake.store.addCustomer(h.shop, { email: 'net@example.com' });
    h.fake.store.autoCompleteBulkOperations = false;
    const run = await fetch(API_URL, {
      ...shopQuery(),
      body: JSON.stringify({ query: 'mutation { bulkOperationRunQuery(query: "{ customers { nodes { id email } } }") { bulkOperation { id } } }' }),
    });
    const { data } = (await run.json()) as { data: { bulkOperationRunQuery: { bulkOperation: { id: string } } } };
    h.fake.store.completeBulkOperations();
    const poll = await fetch(API_URL, {
      ...shopQuery(),
      body: JSON.stringify({
        query: 'query($id: ID!) { bulkOperation(id: $id) { url } }',
        variables: { id: data.bulkOperationRunQuery.bulkOperation.id },
      }),
    });
    const url = present(((await poll.json()) as { data: { bulkOperation: { url: string | null } } }).data.bulkOperation.url);
    expect(url.startsWith('https://roost-test.myshopify.com/bulk/')).toBe(true);
    const jsonl = await (await fetch(url)).text();
    expect(JSON.parse(jsonl.trim())).toEqual({ id: expect.any(String), email: 'net@example.com' });
  });

  it('restores the previous global dispatcher on uninstall', async () => {
    expect(getGlobalDispatcher()).toBe(network.dispatcher);
    await network.uninstall();
    expect(getGlobalDispatcher()).toBe(previousDispatcher);
    network = installFakeShopifyNetwork(h.fake);
  });
});
