import { afterEach, describe, expect, it } from 'vitest';

import type { Harness } from './helpers.js';
import { createHarness, gql, present } from './helpers.js';

const TAG = 'mutation Tag($id: ID!) { tagsAdd(id: $id, tags: ["t"]) { userErrors { message } } }';

let h: Harness | undefined;

afterEach(async () => {
  await h?.fake.dispose();
});

describe('leaky bucket', () => {
  it('throttles with HTTP 200 once drained, without side effects, and recovers as time passes', async () => {
    h = createHarness({ throttle: { maximumAvailable: 100, restoreRate: 10 } });
    const customerId = h.fake.store.addCustomer(h.shop, { email: 't@example.com' }).id;
    const available: number[] = [];
    for (let index = 0; index < 10; index += 1) {
      const { body } = await gql(h.fake, TAG, { id: customerId });
      available.push(body.extensions.cost.throttleStatus.currentlyAvailable);
    }
    expect(available).toEqual([90, 80, 70, 60, 50, 40, 30, 20, 10, 0]);

    const other = h.fake.store.addCustomer(h.shop, { email: 'other@example.com' }).id;
    const throttled = await gql(h.fake, TAG, { id: other });
    expect(throttled.status).toBe(200);
    expect(throttled.body).toEqual({
      errors: [{ message: 'Throttled', extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' } }],
      extensions: {
        cost: {
          requestedQueryCost: 10,
          actualQueryCost: null,
          throttleStatus: { maximumAvailable: 100, currentlyAvailable: 0, restoreRate: 10 },
        },
      },
    });
    expect(h.fake.store.customer(h.shop, other)?.tags).toEqual([]);

    h.clock.advance(500);
    const stillThrottled = await gql(h.fake, TAG, { id: other });
    expect(stillThrottled.body.errors?.[0]?.extensions?.code).toBe('THROTTLED');
    expect(stillThrottled.body.extensions.cost.throttleStatus.currentlyAvailable).toBe(5);

    h.clock.advance(500);
    const recovered = await gql<{ tagsAdd: { userErrors: unknown[] } }>(h.fake, TAG, { id: other });
    expect(recovered.body.errors).toBeUndefined();
    expect(present(recovered.body.data).tagsAdd.userErrors).toEqual([]);
    expect(recovered.body.extensions.cost.throttleStatus.currentlyAvailable).toBe(0);
    expect(h.fake.store.customer(h.shop, other)?.tags).toEqual(['t']);

    h.clock.advance(60_000);
    const { body } = await gql(h.fake, '{ shop { id } }');
    expect(body.extensions.cost.throttleStatus).toEqual({ maximumAvailable: 100, currentlyAvailable: 99, restoreRate: 10 });
  });

  it('uses Shopify standard-plan defaults and refunds requested minus actual cost', async () => {
    h = createHarness();
    h.fake.store.addCustomer(h.shop, { email: 'a@example.com' });
    const { body } = await gql(h.fake, '{ customers(first: 250) { nodes { id } } }');
    expect(body.extensions.cost).toEqual({
      requestedQueryCost: 252,
      actualQueryCost: 3,
      throttleStatus: { maximumAvailable: 2000, currentlyAvailable: 1997, restoreRate: 100 },
    });
  });

  it('checks the requested cost, not the actual one, against what is available', async () => {
    h = createHarness();
    h.fake.store.drainBucket(h.shop, 200);
    const { body } = await gql(h.fake, '{ customers(first: 250) { nodes { id } } }');
    expect(body.errors?.[0]?.extensions?.code).toBe('THROTTLED');
    expect(body.extensions.cost.requestedQueryCost).toBe(252);
    const small = await gql(h.fake, '{ customers(first: 100) { nodes { id } } }');
    expect(small.body.errors).toBeUndefined();
  });
});

describe('single query limit', () => {
  it('rejects a query whose requested cost exceeds 1000 before executing it', async () => {
    h = createHarness();
    const { status, body } = await gql(
      h.fake,
      '{ customers(first: 250) { nodes { id orders(first: 10) { nodes { id } } } } }',
    );
    expect(status).toBe(200);
    expect(body.data).toBeUndefined();
    expect(body.errors).toEqual([
      {
        message: expect.stringMatching(/^Query cost is 3252, which exceeds the single query max cost limit \(1000\)\./),
        extensions: { code: 'MAX_COST_EXCEEDED', cost: 3252, maxCost: 1000, documentation: 'https://shopify.dev/api/usage/rate-limits' },
      },
    ]);
    expect(body.extensions.cost).toEqual({
      requestedQueryCost: 3252,
      actualQueryCost: null,
      throttleStatus: { maximumAvailable: 2000, currentlyAvailable: 2000, restoreRate: 100 },
    });
  });
});
