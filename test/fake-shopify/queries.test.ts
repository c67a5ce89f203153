import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { Connection, Harness, Money } from './helpers.js';
import { createHarness, gql, present } from './helpers.js';

interface CustomerNode {
  id: string;
  email: string | null;
  firstName: string | null;
  displayName: string;
  tags: string[];
  numberOfOrders: string;
  amountSpent: Money;
  createdAt: string;
  updatedAt: string;
}

let h: Harness;

beforeEach(() => {
  h = createHarness();
});

afterEach(async () => {
  await h.fake.dispose();
});

describe('shop', () => {
  it('returns the registered shop', async () => {
    const { status, body } = await gql<{ shop: Record<string, string> }>(
      h.fake,
      '{ shop { id name myshopifyDomain ianaTimezone currencyCode email } }',
    );
    expect(status).toBe(200);
    expect(body.data?.shop).toEqual({
      id: expect.stringMatching(/^gid:\/\/shopify\/Shop\/\d+$/),
      name: 'Roost Test Store',
      myshopifyDomain: 'roost-test.myshopify.com',
      ianaTimezone: 'America/New_York',
      currencyCode: 'USD',
      email: expect.any(String),
    });
  });
});

describe('customers', () => {
  function seed(count: number): string[] {
    const ids: string[] = [];
    for (let index = 1; index <= count; index += 1) {
      ids.push(h.fake.store.addCustomer(h.shop, { email: `c${index}@example.com`, firstName: `C${index}` }).id);
      h.clock.advance(60_000);
    }
    return ids;
  }

  it('pages forward with cursors and reports pageInfo', async () => {
    const ids = seed(5);
    const query = `query Page($after: String) {
      customers(first: 2, after: $after) {
        edges { cursor node { id } }
        pageInfo { hasNextPage hasPreviousPage endCursor }
      }
    }`;
    const seen: string[] = [];
    let after: string | null = null;
    const pages: boolean[] = [];
    do {
      const result = await gql<{ customers: Connection<{ id: string }> }>(h.fake, query, { after });
      const page: Connection<{ id: string }> = present(result.body.data).customers;
      seen.push(...page.edges.map((edge) => edge.node.id));
      expect(page.pageInfo.endCursor).toBe(page.edges[page.edges.length - 1]?.cursor);
      pages.push(page.pageInfo.hasNextPage);
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after !== null);
    expect(seen).toEqual(ids);
    expect(pages).toEqual([true, true, false]);
  });

  it('supports nodes, last/before, reverse, aliases, fragments and variables', async () => {
    const ids = seed(4);
    const { body } = await gql<{
      newest: Connection<{ id: string }>;
      tail: Connection<{ id: string; email: string }>;
    }>(
      h.fake,
      `query Q($n: Int!) {
        newest: customers(first: $n, reverse: true) { nodes { id } }
        tail: customers(last: 2) { nodes { ...Basic } pageInfo { hasPreviousPage hasNextPage } }
      }
      fragment Basic on Customer { id email }`,
      { n: 3 },
    );
    const data = present(body.data);
    expect(data.newest.nodes.map((c) => c.id)).toEqual([ids[3], ids[2], ids[1]]);
    expect(data.tail.nodes).toEqual([
      { id: ids[2], email: 'c3@example.com' },
      { id: ids[3], email: 'c4@example.com' },
    ]);
    expect(data.tail.pageInfo).toEqual({ hasPreviousPage: true, hasNextPage: false });
  });

  it('filters on updated_at and email like Shopify search', async () => {
    const [first, second] = seed(3);
    h.clock.set('2026-04-01T10:00:00Z');
    h.fake.store.updateCustomer(h.shop, present(second), { note: 'changed' });
    const query = 'query Q($q: String) { customers(first: 10, query: $q) { nodes { id email updatedAt } } }';

    const updated = await gql<{ customers: Connection<{ id: string; updatedAt: string }> }>(h.fake, query, {
      q: "updated_at:>'2026-03-31T00:00:00Z'",
    });
    expect(present(updated.body.data).customers.nodes).toEqual([
      { id: second, email: 'c2@example.com', updatedAt: '2026-04-01T10:00:00Z' },
    ]);

    // Timestamps are whole seconds, so `>` the last seen value excludes the record itself.
    const strict = await gql<{ customers: Connection<{ id: string }> }>(h.fake, query, {
      q: "updated_at:>'2026-04-01T10:00:00Z'",
    });
    expect(present(strict.body.data).customers.nodes).toEqual([]);

    const byEmail = await gql<{ customers: Connection<{ id: string }> }>(h.fake, query, { q: 'email:c1@example.com' });
    expect(present(byEmail.body.data).customers.nodes.map((c) => c.id)).toEqual([first]);

    const combined = await gql<{ customers: Connection<{ id: string }> }>(h.fake, query, {
      q: "email:c1@example.com OR updated_at:>='2026-04-01'",
    });
    expect(present(combined.body.data).customers.nodes.map((c) => c.id)).toEqual([first, second]);
  });

  it('ignores unknown search fields with a warning in extensions.search', async () => {
    seed(2);
    const { body } = await gql<{ customers: Connection<{ id: string }> }>(
      h.fake,
      '{ customers(first: 10, query: "favourite_colour:blue") { nodes { id } } }',
    );
    expect(present(body.data).customers.nodes).toHaveLength(2);
    expect(body.extensions.search).toEqual([
      {
        path: ['customers'],
        query: 'favourite_colour:blue',
        warnings: [{ field: 'favourite_colour', message: 'Invalid search field for this query.' }],
      },
    ]);
  });

  it('derives numberOfOrders and amountSpent from orders, as Shopify strings', async () => {
    const customer = h.fake.store.addCustomer(h.shop, { email: 'buyer@example.com', firstName: 'Bea', lastName: 'Buyer', tags: ['vip'] });
    h.fake.store.addOrder(h.shop, { customerId: customer.id, lineItems: [{ title: 'Mug', quantity: 2, price: '12.50' }] });
    h.fake.store.addOrder(h.shop, {
      customerId: customer.id,
      lineItems: [{ title: 'Tee', quantity: 1, price: '20' }],
      refunds: [{ amount: '5' }],
    });
    const { body } = await gql<{ customer: CustomerNode }>(
      h.fake,
      `query C($id: ID!) { customer(id: $id) {
        id email firstName displayName tags numberOfOrders amountSpent { amount currencyCode } createdAt updatedAt
      } }`,
      { id: customer.id },
    );
    expect(present(body.data).customer).toEqual({
      id: customer.id,
      email: 'buyer@example.com',
      firstName: 'Bea',
      displayName: 'Bea Buyer',
      tags: ['vip'],
      numberOfOrders: '2',
      amountSpent: { amount: '40.0', currencyCode: 'USD' },
      createdAt: '2026-03-01T12:00:00Z',
      updatedAt: '2026-03-01T12:00:00Z',
    });
  });

  it('reads metafields by namespace and key', async () => {
    const customer = h.fake.store.addCustomer(h.shop, {
      email: 'm@example.com',
      metafields: [
        { namespace: 'roost', key: 'points', type: 'number_integer', value: '120' },
        { namespace: 'roost', key: 'cohort', type: 'single_line_text_field', value: 'loyal' },
        { namespace: 'other', key: 'xy', type: 'json', value: '{"a": 1}' },
      ],
    });
    const { body } = await gql<{
      customer: {
        points: { value: string; type: string; jsonValue: number } | null;
        missing: null;
        metafields: Connection<{ key: string; value: string }>;
      };
    }>(
      h.fake,
      `query C($id: ID!) { customer(id: $id) {
        points: metafield(namespace: "roost", key: "points") { value type jsonValue }
        missing: metafield(namespace: "roost", key: "nope") { value }
        metafields(first: 10, namespace: "roost") { nodes { key value } }
      } }`,
      { id: customer.id },
    );
    const data = present(body.data).customer;
    expect(data.points).toEqual({ value: '120', type: 'number_integer', jsonValue: 120 });
    expect(data.missing).toBeNull();
    expect(data.metafields.nodes).toEqual([
      { key: 'points', value: '120' },
      { key: 'cohort', value: 'loyal' },
    ]);
  });
});

describe('products and variants', () => {
  it('exposes variants, inventory levels per location and totals', async () => {
    const product = h.fake.store.addProduct(h.shop, {
      title: 'Snowboard',
      variants: [
        { title: 'Small', sku: 'SB-S', price: '199.5', inventory: { Warehouse: 3, 'High Street': 2 } },
        { title: 'Large', sku: 'SB-L', price: 210, inventory: { Warehouse: 4 } },
      ],
    });
    h.fake.store.addProduct(h.shop, { title: 'Wax', status: 'DRAFT' });
    const { body } = await gql<{
      products: Connection<{
        id: string;
        title: string;
        handle: string;
        status: string;
        totalInventory: number;
        variants: Connection<{
          id: string;
          title: string;
          sku: string;
          price: string;
          inventoryQuantity: number;
          inventoryItem: {
            id: string;
            inventoryLevels: Connection<{ location: { id: string; name: string }; quantities: Array<{ name: string; quantity: number }> }>;
          };
        }>;
      }>;
    }>(
      h.fake,
      `{ products(first: 5, query: "status:active") { nodes {
        id title handle status totalInventory
        variants(first: 5) { edges { node {
          id title sku price inventoryQuantity
          inventoryItem { id inventoryLevels(first: 5) { nodes { location { id name } quantities(names: ["available"]) { name quantity } } } }
        } } }
      } } }`,
    );
    const products = present(body.data).products.nodes;
    expect(products).toHaveLength(1);
    const [snowboard] = products;
    expect(snowboard).toMatchObject({ id: product.id, title: 'Snowboard', handle: 'snowboard', status: 'ACTIVE', totalInventory: 9 });
    const variants = present(snowboard).variants.edges.map((edge) => edge.node);
    expect(variants.map((v) => [v.title, v.sku, v.price, v.inventoryQuantity])).toEqual([
      ['Small', 'SB-S', '199.50', 5],
      ['Large', 'SB-L', '210.00', 4],
    ]);
    expect(
      present(variants[0]).inventoryItem.inventoryLevels.nodes.map((level) => [level.location.name, level.quantities]),
    ).toEqual([
      ['Warehouse', [{ name: 'available', quantity: 3 }]],
      ['High Street', [{ name: 'available', quantity: 2 }]],
    ]);

    const variantId = present(product.variants[1]).id;
    const single = await gql<{ productVariant: { id: string; product: { id: string } } }>(
      h.fake,
      'query V($id: ID!) { productVariant(id: $id) { id product { id } } }',
      { id: variantId },
    );
    expect(present(single.body.data).productVariant).toEqual({ id: variantId, product: { id: product.id } });
  });
});

describe('orders', () => {
  it('sorts, reverses and filters on created/updated/processed dates', async () => {
    const customer = h.fake.store.addCustomer(h.shop, { email: 'o@example.com' });
    const older = h.fake.store.addOrder(h.shop, {
      customerId: customer.id,
      createdAt: '2026-01-10T09:00:00Z',
      processedAt: '2026-01-10T08:59:00Z',
      lineItems: [{ title: 'A', quantity: 1, price: '10' }],
    });
    const newer = h.fake.store.addOrder(h.shop, {
      customerId: customer.id,
      createdAt: '2026-02-10T09:00:00Z',
      lineItems: [{ title: 'B', quantity: 3, price: '2.5' }],
      shippingPrice: '4.99',
      test: true,
    });
    h.fake.store.addRefund(h.shop, older.id, { amount: '10', createdAt: '2026-02-20T00:00:00Z' });

    const query = `query O($q: String, $sortKey: OrderSortKeys, $reverse: Boolean) {
      orders(first: 10, query: $q, sortKey: $sortKey, reverse: $reverse) { nodes { id name updatedAt } }
    }`;
    const byUpdated = await gql<{ orders: Connection<{ id: string; name: string; updatedAt: string }> }>(h.fake, query, {
      sortKey: 'UPDATED_AT',
      reverse: true,
    });
    expect(present(byUpdated.body.data).orders.nodes).toEqual([
      { id: older.id, name: '#1001', updatedAt: '2026-02-20T00:00:00Z' },
      { id: newer.id, name: '#1002', updatedAt: '2026-02-10T09:00:00Z' },
    ]);

    const created = await gql<{ orders: Connection<{ id: string }> }>(h.fake, query, { q: "created_at:>'2026-02-01T00:00:00Z'" });
    expect(present(created.body.data).orders.nodes.map((o) => o.id)).toEqual([newer.id]);

    const processed = await gql<{ orders: Connection<{ id: string }> }>(h.fake, query, { q: "processed_at:<'2026-01-10T09:00:00Z'" });
    expect(present(processed.body.data).orders.nodes.map((o) => o.id)).toEqual([older.id]);

    const updated = await gql<{ orders: Connection<{ id: string }> }>(h.fake, query, { q: "updated_at:>'2026-02-15T00:00:00Z'" });
    expect(present(updated.body.data).orders.nodes.map((o) => o.id)).toEqual([older.id]);
  });

  it('hides orders older than 60 days without read_all_orders', async () => {
    const limited = h.fake.store.registerShop('limited.myshopify.com', { accessToken: 'limited', readAllOrders: false });
    const old = h.fake.store.addOrder(limited, { createdAt: '2025-12-01T00:00:00Z', lineItems: [{ title: 'old', price: '1' }] });
    const recent = h.fake.store.addOrder(limited, { createdAt: '2026-02-15T00:00:00Z', lineItems: [{ title: 'new', price: '1' }] });
    const { body } = await gql<{ orders: Connection<{ id: string }>; old: { id: string } | null }>(
      h.fake,
      `{ orders(first: 10) { nodes { id } } old: order(id: "${old.id}") { id } }`,
      undefined,
      { token: 'limited', url: 'https://limited.myshopify.com/admin/api/2026-10/graphql.json' },
    );
    expect(present(body.data)).toEqual({ orders: { nodes: [{ id: recent.id }] }, old: null });
  });

  it('renders order money as MoneyBags with decimal strings', async () => {
    const product = h.fake.store.addProduct(h.shop, { title: 'Mug', variants: [{ sku: 'MUG', price: '8.25' }] });
    const variantId = present(product.variants[0]).id;
    const order = h.fake.store.addOrder(h.shop, {
      email: 'guest@example.com',
      lineItems: [{ variantId, quantity: 2 }],
      shippingPrice: '3.5',
      presentmentCurrency: 'EUR',
      presentmentRate: 0.5,
      refunds: [{ amount: '1', createdAt: '2026-03-02T00:00:00Z' }],
    });
    const { body } = await gql<{ order: Record<string, unknown> }>(
      h.fake,
      `query O($id: ID!) { order(id: $id) {
        id name email createdAt updatedAt processedAt test displayFinancialStatus displayFulfillmentStatus cancelledAt
        customer { id } currencyCode
        totalPriceSet { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }
        subtotalPriceSet { shopMoney { amount currencyCode } }
        lineItems(first: 5) { nodes { id quantity title originalUnitPriceSet { shopMoney { amount } } variant { id } } }
        refunds { id createdAt }
      } }`,
      { id: order.id },
    );
    expect(present(body.data).order).toEqual({
      id: order.id,
      name: '#1001',
      email: 'guest@example.com',
      createdAt: '2026-03-01T12:00:00Z',
      updatedAt: '2026-03-02T00:00:00Z',
      processedAt: '2026-03-01T12:00:00Z',
      test: false,
      displayFinancialStatus: 'PARTIALLY_REFUNDED',
      displayFulfillmentStatus: 'UNFULFILLED',
      cancelledAt: null,
      customer: null,
      currencyCode: 'USD',
      totalPriceSet: { shopMoney: { amount: '20.0', currencyCode: 'USD' }, presentmentMoney: { amount: '10.0', currencyCode: 'EUR' } },
      subtotalPriceSet: { shopMoney: { amount: '16.5', currencyCode: 'USD' } },
      lineItems: {
        nodes: [
          { id: expect.stringMatching(/^gid:\/\/shopify\/LineItem\//), quantity: 2, title: 'Mug', originalUnitPriceSet: { shopMoney: { amount: '8.25' } }, variant: { id: variantId } },
        ],
      },
      refunds: [{ id: expect.stringMatching(/^gid:\/\/shopify\/Refund\//), createdAt: '2026-03-02T00:00:00Z' }],
    });
  });
});

describe('node and nodes', () => {
  it('resolves any supported GID through the Node interface', async () => {
    const customer = h.fake.store.addCustomer(h.shop, { email: 'n@example.com' });
    const product = h.fake.store.addProduct(h.shop, { title: 'Cap' });
    const variantId = present(product.variants[0]).id;
    const order = h.fake.store.addOrder(h.shop, { lineItems: [{ title: 'x', price: '1' }] });
    const { body } = await gql<{ nodes: Array<Record<string, string> | null>; node: { id: string; email: string } }>(
      h.fake,
      `query N($ids: [ID!]!, $id: ID!) {
        nodes(ids: $ids) {
          __typename id
          ... on Customer { email }
          ... on Product { title }
          ... on ProductVariant { title }
          ... on Order { name }
        }
        node(id: $id) { id ... on Customer { email } }
      }`,
      { ids: [customer.id, product.id, variantId, order.id, 'gid://shopify/Customer/1'], id: customer.id },
    );
    expect(present(body.data).nodes).toEqual([
      { __typename: 'Customer', id: customer.id, email: 'n@example.com' },
      { __typename: 'Product', id: product.id, title: 'Cap' },
      { __typename: 'ProductVariant', id: variantId, title: 'Default Title' },
      { __typename: 'Order', id: order.id, name: '#1001' },
      null,
    ]);
    expect(present(body.data).node).toEqual({ id: customer.id, email: 'n@example.com' });
  });

  it('rejects malformed global ids', async () => {
    const { status, body } = await gql(h.fake, '{ customer(id: "42") { id } }');
    expect(status).toBe(200);
    expect(body.data).toEqual({ customer: null });
    expect(body.errors).toEqual([
      expect.objectContaining({
        message: "Invalid global id '42'",
        path: ['customer'],
        extensions: { code: 'argumentLiteralsIncompatible', typeName: 'CoercionError' },
      }),
    ]);
  });
});

describe('errors and cost', () => {
  it('returns validation errors with Shopify codes and no data', async () => {
    const { status, body } = await gql(h.fake, '{ shop { id nope } }');
    expect(status).toBe(200);
    expect(body.data).toBeUndefined();
    expect(body.errors).toEqual([
      {
        message: expect.stringContaining('Cannot query field "nope" on type "Shop"'),
        locations: [{ line: 1, column: 13 }],
        extensions: { code: 'undefinedField', typeName: 'Shop', fieldName: 'nope' },
      },
    ]);
  });

  it('returns syntax errors with locations', async () => {
    const { status, body } = await gql(h.fake, '{ shop { id }');
    expect(status).toBe(200);
    expect(body.errors?.[0]).toMatchObject({ message: expect.stringContaining('Syntax Error'), locations: [{ line: 1, column: 14 }] });
  });

  it('requires first or last on connections', async () => {
    const { body } = await gql(h.fake, '{ customers { nodes { id } } }');
    expect(body.errors?.[0]?.message).toBe('you must provide one of first or last');
  });

  it('reports requested and actual cost per Shopify rules', async () => {
    h.fake.store.addCustomer(h.shop, { email: 'a@example.com' });
    h.fake.store.addCustomer(h.shop, { email: 'b@example.com' });
    const { body } = await gql(h.fake, '{ customers(first: 10) { edges { node { id amountSpent { amount } } } } }');
    // requested: 2 + 10 × (1 customer + 1 MoneyV2); actual: 2 + 2 × 2
    expect(body.extensions.cost).toEqual({
      requestedQueryCost: 22,
      actualQueryCost: 6,
      throttleStatus: { maximumAvailable: 2000, currentlyAvailable: 1994, restoreRate: 100 },
    });
  });
});
