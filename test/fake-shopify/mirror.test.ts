import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { Connection, Harness, Money, UserError } from './helpers.js';
import { createHarness, gql, present } from './helpers.js';

/** The order selection Roost's reconciliation uses (normal, paginated queries). */
const ORDER_FIELDS = `
  id name email createdAt updatedAt processedAt cancelledAt test taxesIncluded currencyCode sourceName
  displayFinancialStatus displayFulfillmentStatus
  channelInformation { channelDefinition { handle } }
  customer { id }
  totalShippingPriceSet { shopMoney { amount currencyCode } }
  shippingLines(first: 5) { nodes { originalPriceSet { shopMoney { amount } } discountedPriceSet { shopMoney { amount } } } }
  lineItems(first: 10) { nodes {
    id quantity isGiftCard
    originalUnitPriceSet { shopMoney { amount currencyCode } }
    discountAllocations { allocatedAmountSet { shopMoney { amount currencyCode } } }
    taxLines { priceSet { shopMoney { amount currencyCode } } rate title }
    variant { id } product { id } sku title
  } }
  refunds(first: 10) {
    id createdAt updatedAt
    refundLineItems(first: 10) { nodes {
      id quantity lineItem { id isGiftCard }
      subtotalSet { shopMoney { amount currencyCode } }
      totalTaxSet { shopMoney { amount currencyCode } }
    } }
  }`;

interface ShopMoney {
  shopMoney: Money;
}

interface OrderNode {
  id: string;
  name: string;
  email: string | null;
  createdAt: string;
  updatedAt: string;
  processedAt: string;
  cancelledAt: string | null;
  test: boolean;
  taxesIncluded: boolean;
  currencyCode: string;
  sourceName: string | null;
  displayFinancialStatus: string;
  displayFulfillmentStatus: string;
  channelInformation: { channelDefinition: { handle: string } | null } | null;
  customer: { id: string } | null;
  totalShippingPriceSet: ShopMoney;
  shippingLines: Connection<{ originalPriceSet: { shopMoney: { amount: string } }; discountedPriceSet: { shopMoney: { amount: string } } }>;
  lineItems: Connection<{
    id: string;
    quantity: number;
    isGiftCard: boolean;
    originalUnitPriceSet: ShopMoney;
    discountAllocations: Array<{ allocatedAmountSet: ShopMoney }>;
    taxLines: Array<{ priceSet: ShopMoney; rate: number; title: string }>;
    variant: { id: string } | null;
    product: { id: string } | null;
    sku: string | null;
    title: string;
  }>;
  refunds: Array<{
    id: string;
    createdAt: string;
    updatedAt: string;
    refundLineItems: Connection<{
      id: string;
      quantity: number;
      lineItem: { id: string; isGiftCard: boolean };
      subtotalSet: ShopMoney;
      totalTaxSet: ShopMoney;
    }>;
  }>;
}

const usd = (amount: string): ShopMoney => ({ shopMoney: { amount, currencyCode: 'USD' } });

let h: Harness;

afterEach(async () => {
  await h.fake.dispose();
});

interface Seeded {
  customerId: string;
  productId: string;
  variantId: string;
  orderId: string;
  boardLineId: string;
  giftLineId: string;
}

/** 3 × 12.50 with 1.00 off and 8% GST of 2.92, a 25.00 gift card, 5.00 shipping. */
function seedOrder(): Seeded {
  const customer = h.fake.store.addCustomer(h.shop, { email: 'bea@example.com', firstName: 'Bea', lastName: 'Buyer', tags: ['vip'] });
  const product = h.fake.store.addProduct(h.shop, { title: 'Board', variants: [{ title: 'S', sku: 'B-S', price: '12.50' }] });
  const variantId = present(product.variants[0]).id;
  const order = h.fake.store.addOrder(h.shop, {
    customerId: customer.id,
    checkoutToken: 'chk_123',
    lineItems: [
      { variantId, price: '12.50', quantity: 3, discounts: ['1.00'], taxes: [{ price: '2.92', rate: 0.08, title: 'GST' }] },
      { title: 'Gift card', price: '25.00', quantity: 1, giftCard: true, sku: null },
    ],
    shipping: '5.00',
  });
  const [board, gift] = order.lineItems;
  return {
    customerId: customer.id,
    productId: product.id,
    variantId,
    orderId: order.id,
    boardLineId: present(board).id,
    giftLineId: present(gift).id,
  };
}

describe('order fields for backfill and reconciliation', () => {
  beforeEach(() => {
    h = createHarness();
  });

  it('serves every field of the reconciliation query, paginated and filtered on updated_at', async () => {
    const seeded = seedOrder();
    h.clock.set('2026-03-02T10:00:00Z');
    h.fake.store.addRefund(h.shop, seeded.orderId, { lineItems: [{ lineItemId: seeded.boardLineId, quantity: 1 }] });
    h.fake.store.addOrder(h.shop, { createdAt: '2026-02-01T00:00:00Z', lineItems: [{ title: 'Old', price: '1' }], sourceName: 'pos' });

    const { body } = await gql<{ orders: Connection<OrderNode> }>(
      h.fake,
      `query Orders($after: String, $q: String) { orders(first: 1, after: $after, query: $q) {
        nodes { ${ORDER_FIELDS} } pageInfo { hasNextPage endCursor }
      } }`,
      { q: "updated_at:>'2026-03-01T00:00:00Z'" },
    );
    expect(body.errors).toBeUndefined();
    const page = present(body.data).orders;
    expect(page.pageInfo.hasNextPage).toBe(false);
    expect(page.nodes).toHaveLength(1);
    const order = present(page.nodes[0]);
    expect(order).toMatchObject({
      id: seeded.orderId,
      name: '#1001',
      email: 'bea@example.com',
      createdAt: '2026-03-01T12:00:00Z',
      updatedAt: '2026-03-02T10:00:00Z',
      processedAt: '2026-03-01T12:00:00Z',
      cancelledAt: null,
      test: false,
      taxesIncluded: false,
      currencyCode: 'USD',
      sourceName: 'web',
      displayFinancialStatus: 'PARTIALLY_REFUNDED',
      displayFulfillmentStatus: 'UNFULFILLED',
      channelInformation: { channelDefinition: { handle: 'online_store' } },
      customer: { id: seeded.customerId },
      totalShippingPriceSet: usd('5.0'),
      shippingLines: { nodes: [{ originalPriceSet: { shopMoney: { amount: '5.0' } }, discountedPriceSet: { shopMoney: { amount: '5.0' } } }] },
    });
    expect(order.lineItems.nodes).toEqual([
      {
        id: seeded.boardLineId,
        quantity: 3,
        isGiftCard: false,
        originalUnitPriceSet: usd('12.5'),
        discountAllocations: [{ allocatedAmountSet: usd('1.0') }],
        taxLines: [{ priceSet: usd('2.92'), rate: 0.08, title: 'GST' }],
        variant: { id: seeded.variantId },
        product: { id: seeded.productId },
        sku: 'B-S',
        title: 'Board',
      },
      {
        id: seeded.giftLineId,
        quantity: 1,
        isGiftCard: true,
        originalUnitPriceSet: usd('25.0'),
        discountAllocations: [],
        taxLines: [],
        variant: null,
        product: null,
        sku: null,
        title: 'Gift card',
      },
    ]);
    expect(order.refunds).toEqual([
      {
        id: expect.stringMatching(/^gid:\/\/shopify\/Refund\/\d+$/),
        createdAt: '2026-03-02T10:00:00Z',
        updatedAt: '2026-03-02T10:00:00Z',
        refundLineItems: {
          nodes: [
            {
              id: expect.stringMatching(/^gid:\/\/shopify\/RefundLineItem\/\d+$/),
              quantity: 1,
              lineItem: { id: seeded.boardLineId, isGiftCard: false },
              subtotalSet: usd('12.17'),
              totalTaxSet: usd('0.97'),
            },
          ],
        },
      },
    ]);

    const pos = await gql<{ orders: Connection<{ sourceName: string; channelInformation: { channelDefinition: { handle: string } } | null }> }>(
      h.fake,
      '{ orders(first: 5, query: "source_name:pos") { nodes { sourceName channelInformation { channelDefinition { handle } } } } }',
    );
    expect(present(pos.body.data).orders.nodes).toEqual([{ sourceName: 'pos', channelInformation: { channelDefinition: { handle: 'pos' } } }]);
  });

  it('moves updatedAt and statuses with updateOrder and cancelOrder', async () => {
    const { orderId } = seedOrder();
    const pending = h.fake.store.addOrder(h.shop, { financialStatus: 'PENDING', lineItems: [{ title: 'x', price: '3' }] });
    h.clock.set('2026-03-05T08:00:00Z');
    h.fake.store.updateOrder(h.shop, pending.id, { financialStatus: 'PAID' });
    h.fake.store.updateOrder(h.shop, orderId, { fulfillmentStatus: 'FULFILLED' });
    h.clock.set('2026-03-06T08:00:00Z');
    const cancelled = h.fake.store.cancelOrder(h.shop, pending.id, { reason: 'CUSTOMER' });
    expect(cancelled).toMatchObject({ cancelledAt: '2026-03-06T08:00:00Z', updatedAt: '2026-03-06T08:00:00Z', displayFinancialStatus: 'PAID' });

    const { body } = await gql<{ orders: Connection<{ id: string; updatedAt: string; displayFinancialStatus: string; displayFulfillmentStatus: string; cancelledAt: string | null }> }>(
      h.fake,
      `{ orders(first: 10, sortKey: UPDATED_AT, query: "updated_at:>='2026-03-05T00:00:00Z'") {
        nodes { id updatedAt displayFinancialStatus displayFulfillmentStatus cancelledAt }
      } }`,
    );
    expect(present(body.data).orders.nodes).toEqual([
      { id: orderId, updatedAt: '2026-03-05T08:00:00Z', displayFinancialStatus: 'PAID', displayFulfillmentStatus: 'FULFILLED', cancelledAt: null },
      { id: pending.id, updatedAt: '2026-03-06T08:00:00Z', displayFinancialStatus: 'PAID', displayFulfillmentStatus: 'UNFULFILLED', cancelledAt: '2026-03-06T08:00:00Z' },
    ]);
  });
});

describe('refund amounts', () => {
  beforeEach(() => {
    h = createHarness();
  });

  it('refunds the discounted unit price × quantity with proportional tax, the last units taking the remainder', () => {
    const { orderId, boardLineId, giftLineId } = seedOrder();
    const store = h.fake.store;
    const before = present(store.order(h.shop, orderId));
    expect(before).toMatchObject({ subtotalPrice: '61.5', totalTax: '2.92', totalPrice: '69.42', currentTotalPrice: '69.42' });

    store.addRefund(h.shop, orderId, { lineItems: [{ lineItemId: boardLineId, quantity: 1 }] });
    store.addRefund(h.shop, orderId, { lineItems: [{ lineItemId: boardLineId, quantity: 1 }] });
    const after = store.addRefund(h.shop, orderId, { lineItems: [{ lineItemId: boardLineId, quantity: 1 }], shipping: '5.00' });

    expect(after.refunds.map((refund) => [refund.amount, refund.lineItems.map((item) => [item.quantity, item.subtotal, item.totalTax])])).toEqual([
      ['13.14', [[1, '12.17', '0.97']]],
      ['13.14', [[1, '12.17', '0.97']]],
      ['18.14', [[1, '12.16', '0.98']]],
    ]);
    expect(after).toMatchObject({
      displayFinancialStatus: 'PARTIALLY_REFUNDED',
      totalRefunded: '44.42',
      totalPrice: '69.42',
      currentSubtotalPrice: '25.0',
      currentTotalPrice: '25.0',
    });
    expect(after.lineItems.map((line) => line.currentQuantity)).toEqual([0, 1]);

    expect(() => store.addRefund(h.shop, orderId, { lineItems: [{ lineItemId: boardLineId, quantity: 1 }] })).toThrow(/0 refundable/);
    const full = store.addRefund(h.shop, orderId, { lineItems: [{ lineItemId: giftLineId, quantity: 1 }] });
    expect(full.refunds.at(-1)?.amount).toBe('25.0');
    expect(full).toMatchObject({ displayFinancialStatus: 'REFUNDED', totalRefunded: '69.42', currentTotalPrice: '0.0' });
  });

  it('keeps tax inside the subtotal when taxes are included', () => {
    const order = h.fake.store.addOrder(h.shop, {
      taxesIncluded: true,
      lineItems: [{ title: 'Tea', price: '11.00', quantity: 2, taxes: [{ price: '2.00', rate: 0.1, title: 'VAT' }] }],
    });
    expect(order).toMatchObject({ subtotalPrice: '22.0', totalTax: '2.0', totalPrice: '22.0' });
    const refunded = h.fake.store.addRefund(h.shop, order.id, { lineItems: [{ lineItemId: present(order.lineItems[0]).id, quantity: 1 }] });
    expect(refunded.refunds[0]).toMatchObject({ amount: '11.0', lineItems: [{ quantity: 1, subtotal: '11.0', totalTax: '1.0' }] });
    expect(refunded.currentTotalPrice).toBe('11.0');
  });

  it('rejects refunds of foreign line items, bad quantities and empty refunds without changing anything', () => {
    const { orderId, boardLineId } = seedOrder();
    const other = h.fake.store.addOrder(h.shop, { lineItems: [{ title: 'x', price: '1' }] });
    const store = h.fake.store;
    expect(() => store.addRefund(h.shop, other.id, { lineItems: [{ lineItemId: boardLineId, quantity: 1 }] })).toThrow(/not a line item/);
    expect(() =>
      store.addRefund(h.shop, orderId, {
        lineItems: [
          { lineItemId: boardLineId, quantity: 2 },
          { lineItemId: boardLineId, quantity: 2 },
        ],
      }),
    ).toThrow(/cannot refund 4/);
    expect(() => store.addRefund(h.shop, orderId, { lineItems: [{ lineItemId: boardLineId, quantity: 0 }] })).toThrow(/positive integer/);
    expect(() => store.addRefund(h.shop, orderId, {})).toThrow(/needs an amount/);
    expect(present(store.order(h.shop, orderId)).refunds).toEqual([]);
    expect(present(store.order(h.shop, orderId)).lineItems[0]?.currentQuantity).toBe(3);
  });

  it('reflects order edits in current totals', () => {
    const { orderId, boardLineId } = seedOrder();
    const edited = h.fake.store.editOrder(h.shop, orderId, {
      removeLineItems: [{ lineItemId: boardLineId, quantity: 1 }],
      addLineItems: [{ title: 'Wax', price: '4.00', quantity: 2 }],
    });
    expect(edited.lineItems.map((line) => [line.title, line.quantity, line.currentQuantity])).toEqual([
      ['Board', 3, 2],
      ['Gift card', 1, 1],
      ['Wax', 2, 2],
    ]);
    // 36.50 - 12.17 + 25.00 + 8.00 = 57.33; tax 2.92 - 0.97 = 1.95; shipping 5.00
    expect(edited).toMatchObject({ currentSubtotalPrice: '57.33', currentTotalPrice: '64.28' });
  });
});

describe('customers and products for the mirror', () => {
  beforeEach(() => {
    h = createHarness();
  });

  it('serves customer fields and moves updatedAt with updateCustomer', async () => {
    const { customerId } = seedOrder();
    h.clock.set('2026-03-03T00:00:00Z');
    h.fake.store.updateCustomer(h.shop, customerId, { tags: ['vip', 'gold'] });
    const { body } = await gql<{ customers: Connection<Record<string, unknown>> }>(
      h.fake,
      `{ customers(first: 5, query: "updated_at:>'2026-03-02T00:00:00Z'") { nodes {
        id defaultEmailAddress { emailAddress } email firstName lastName tags numberOfOrders amountSpent { amount currencyCode } updatedAt createdAt
      } } }`,
    );
    expect(present(body.data).customers.nodes).toEqual([
      {
        id: customerId,
        defaultEmailAddress: { emailAddress: 'bea@example.com' },
        email: 'bea@example.com',
        firstName: 'Bea',
        lastName: 'Buyer',
        tags: ['gold', 'vip'],
        numberOfOrders: '1',
        amountSpent: { amount: '69.42', currencyCode: 'USD' },
        updatedAt: '2026-03-03T00:00:00Z',
        createdAt: '2026-03-01T12:00:00Z',
      },
    ]);
  });

  it('serves product, variant and inventory level fields; updates move the right updatedAt', async () => {
    const product = h.fake.store.addProduct(h.shop, {
      title: 'Snowboard',
      variants: [
        { title: 'S', sku: 'SB-S', price: '199.50', inventory: { Warehouse: 3 } },
        { title: 'L', sku: 'SB-L', price: '210', inventory: { Warehouse: 4 } },
      ],
    });
    const [small, large] = product.variants.map((variant) => variant.id);
    h.clock.set('2026-03-02T09:00:00Z');
    h.fake.store.updateProduct(h.shop, product.id, { variants: [{ id: present(large), price: '215.00' }] });
    h.clock.set('2026-03-03T09:00:00Z');
    h.fake.store.setInventory(h.shop, present(small), 'Warehouse', 1);

    const { body } = await gql<{ products: Connection<Record<string, unknown>> }>(
      h.fake,
      `{ products(first: 5, query: "updated_at:>'2026-03-01T13:00:00Z'") { nodes {
        id title handle status updatedAt
        variants(first: 5) { nodes {
          id title sku price updatedAt inventoryQuantity
          inventoryItem { id inventoryLevels(first: 5) { nodes { location { id } quantities(names: ["available"]) { name quantity } updatedAt } } }
        } }
      } } }`,
    );
    expect(body.errors).toBeUndefined();
    const [node] = present(body.data).products.nodes;
    expect(node).toMatchObject({ id: product.id, title: 'Snowboard', handle: 'snowboard', status: 'ACTIVE', updatedAt: '2026-03-03T09:00:00Z' });
    const variants = (node as { variants: Connection<Record<string, unknown>> }).variants.nodes;
    expect(variants).toEqual([
      {
        id: small,
        title: 'S',
        sku: 'SB-S',
        price: '199.50',
        updatedAt: '2026-03-01T12:00:00Z',
        inventoryQuantity: 1,
        inventoryItem: {
          id: present(product.variants[0]).inventoryItemId,
          inventoryLevels: {
            nodes: [
              { location: { id: expect.stringMatching(/^gid:\/\/shopify\/Location\//) }, quantities: [{ name: 'available', quantity: 1 }], updatedAt: '2026-03-03T09:00:00Z' },
            ],
          },
        },
      },
      expect.objectContaining({ id: large, price: '215.00', updatedAt: '2026-03-02T09:00:00Z', inventoryQuantity: 4 }),
    ]);
  });

  it('deletes products with their variants', async () => {
    const product = h.fake.store.addProduct(h.shop, { title: 'Gone' });
    const variantId = present(product.variants[0]).id;
    h.fake.store.deleteProduct(h.shop, product.id);
    const { body } = await gql<{ product: null; productVariant: null }>(
      h.fake,
      'query P($p: ID!, $v: ID!) { product(id: $p) { id } productVariant(id: $v) { id } }',
      { p: product.id, v: variantId },
    );
    expect(body.data).toEqual({ product: null, productVariant: null });
  });
});

describe('bulk export of orders', () => {
  const RUN = `mutation Run($query: String!) {
    bulkOperationRunQuery(query: $query) { bulkOperation { id } userErrors { field message code } }
  }`;

  async function runBulk(query: string): Promise<{ lines: Array<Record<string, unknown>>; userErrors: UserError[] }> {
    const { body } = await gql<{ bulkOperationRunQuery: { bulkOperation: { id: string } | null; userErrors: UserError[] } }>(h.fake, RUN, { query });
    const payload = present(body.data).bulkOperationRunQuery;
    if (!payload.bulkOperation) {
      return { lines: [], userErrors: payload.userErrors };
    }
    h.fake.store.completeBulkOperations(h.shop);
    const polled = await gql<{ node: { status: string; url: string | null } }>(
      h.fake,
      'query Poll($id: ID!) { node(id: $id) { ... on BulkOperation { status url } } }',
      { id: payload.bulkOperation.id },
    );
    const { status, url } = present(polled.body.data).node;
    expect(status).toBe('COMPLETED');
    const text = await (await h.fake.handle(new Request(present(url)))).text();
    return { lines: text.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>), userErrors: [] };
  }

  beforeEach(() => {
    h = createHarness({ autoCompleteBulkOperations: false });
  });

  it('flattens line items and shipping lines with __parentId and embeds the refunds list', async () => {
    const seeded = seedOrder();
    h.fake.store.addRefund(h.shop, seeded.orderId, { lineItems: [{ lineItemId: seeded.giftLineId, quantity: 1 }], createdAt: '2026-03-01T13:00:00Z' });
    const second = h.fake.store.addOrder(h.shop, { lineItems: [{ title: 'Wax', price: '4.5', quantity: 2 }] });

    const { lines, userErrors } = await runBulk(`{
      orders(query: "updated_at:>'2026-01-01T00:00:00Z'") { edges { node {
        id name updatedAt taxesIncluded sourceName displayFinancialStatus customer { id }
        totalShippingPriceSet { shopMoney { amount currencyCode } }
        refunds { id createdAt }
        shippingLines { edges { node { originalPriceSet { shopMoney { amount } } } } }
        lineItems { edges { node {
          id quantity isGiftCard sku title variant { id } product { id }
          originalUnitPriceSet { shopMoney { amount currencyCode } }
          discountAllocations { allocatedAmountSet { shopMoney { amount currencyCode } } }
          taxLines { priceSet { shopMoney { amount currencyCode } } rate title }
        } } }
      } } }
    }`);
    expect(userErrors).toEqual([]);
    const roots = lines.filter((line) => !('__parentId' in line));
    expect(roots).toEqual([
      {
        id: seeded.orderId,
        name: '#1001',
        updatedAt: '2026-03-01T13:00:00Z',
        taxesIncluded: false,
        sourceName: 'web',
        displayFinancialStatus: 'PARTIALLY_REFUNDED',
        customer: { id: seeded.customerId },
        totalShippingPriceSet: usd('5.0'),
        refunds: [{ id: expect.stringMatching(/^gid:\/\/shopify\/Refund\//), createdAt: '2026-03-01T13:00:00Z' }],
      },
      expect.objectContaining({ id: second.id, refunds: [], customer: null }),
    ]);
    const children = lines.filter((line) => '__parentId' in line);
    expect(children).toEqual([
      { originalPriceSet: { shopMoney: { amount: '5.0' } }, __parentId: seeded.orderId },
      {
        id: seeded.boardLineId,
        quantity: 3,
        isGiftCard: false,
        sku: 'B-S',
        title: 'Board',
        variant: { id: seeded.variantId },
        product: { id: seeded.productId },
        originalUnitPriceSet: usd('12.5'),
        discountAllocations: [{ allocatedAmountSet: usd('1.0') }],
        taxLines: [{ priceSet: usd('2.92'), rate: 0.08, title: 'GST' }],
        __parentId: seeded.orderId,
      },
      expect.objectContaining({ id: seeded.giftLineId, isGiftCard: true, __parentId: seeded.orderId }),
      expect.objectContaining({ title: 'Wax', quantity: 2, __parentId: second.id }),
    ]);
  });

  it('rejects a connection inside a list field, as Shopify does for refunds { refundLineItems }', async () => {
    const { userErrors } = await runBulk('{ orders { edges { node { id refunds { id refundLineItems { edges { node { id } } } } } } } }');
    expect(userErrors).toEqual([
      { field: ['query'], code: 'INVALID', message: 'Queries that contain a connection field within a list field are not currently supported.' },
    ]);
  });
});
