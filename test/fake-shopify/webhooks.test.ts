import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { WebhookEvent, WebhookEventOf, WebhookTopic } from '../support/fake-shopify/index.js';
import { createFakeShopify, ManualClock, webhookPayload } from '../support/fake-shopify/index.js';
import type { Harness } from './helpers.js';
import { createHarness, gql, present } from './helpers.js';

const GID = /^gid:\/\/shopify\/[A-Za-z]+\/\d+(\?.*)?$/;
const OFFSET_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}-0[45]:00$/;
const MONEY = /^-?\d+\.\d{2}$/;

let h: Harness;
let events: WebhookEvent[];

beforeEach(() => {
  h = createHarness();
  h.fake.store.setEmitWebhooks(h.shop, true);
  events = [];
  h.fake.store.onWebhook((event) => {
    events.push(event);
  });
});

afterEach(async () => {
  expect(h.fake.store.internalErrors).toEqual([]);
  await h.fake.dispose();
});

function topics(): WebhookTopic[] {
  return events.map((event) => event.topic);
}

function only<T extends WebhookTopic>(topic: T): WebhookEventOf<T> {
  const matching = events.filter((event): event is WebhookEventOf<T> => event.topic === topic);
  expect(matching, `exactly one ${topic}`).toHaveLength(1);
  return present(matching[0]);
}

function seed(): { customerId: string; variantId: string; productId: string } {
  const customer = h.fake.store.addCustomer(h.shop, { email: 'bea@example.com', firstName: 'Bea', tags: ['vip'] });
  const product = h.fake.store.addProduct(h.shop, { title: 'Board', variants: [{ sku: 'B-1', price: '12.50', inventory: { Warehouse: 5 } }] });
  events.length = 0;
  return { customerId: customer.id, variantId: present(product.variants[0]).id, productId: product.id };
}

describe('emitter', () => {
  it('is off unless enabled for the store or the shop', () => {
    const fake = createFakeShopify({ clock: new ManualClock('2026-03-01T12:00:00Z') });
    const seen: WebhookEvent[] = [];
    fake.store.onWebhook((event) => {
      seen.push(event);
    });
    const quiet = fake.store.registerShop('quiet.myshopify.com', { accessToken: 'q' });
    const loud = fake.store.registerShop('loud.myshopify.com', { accessToken: 'l', emitWebhooks: true });
    fake.store.addCustomer(quiet, { email: 'a@example.com' });
    fake.store.addCustomer(loud, { email: 'b@example.com' });
    expect(seen.map((event) => [event.shop, event.topic])).toEqual([['loud.myshopify.com', 'customers/create']]);
    fake.store.emitWebhooks = true;
    fake.store.addCustomer(quiet, { email: 'c@example.com' });
    expect(seen).toHaveLength(2);
    expect(fake.store.webhookLog).toHaveLength(2);
    fake.store.dispose();
  });

  it('gives the topics of one action a shared event id and each delivery its own webhook id', () => {
    const { customerId, variantId } = seed();
    h.fake.store.addOrder(h.shop, { customerId, lineItems: [{ variantId, quantity: 1 }] });
    expect(topics()).toEqual(['orders/create', 'orders/paid', 'customers/purchasing_summary']);
    const [first, ...rest] = events;
    for (const event of rest) {
      expect(event.eventId).toBe(present(first).eventId);
    }
    expect(new Set(events.map((event) => event.webhookId)).size).toBe(3);
    expect(present(first)).toMatchObject({ shop: h.shop, apiVersion: '2026-10', triggeredAt: '2026-03-01T12:00:00.000Z' });

    h.fake.store.addCustomer(h.shop, { email: 'other@example.com' });
    expect(present(events.at(-1)).eventId).not.toBe(present(first).eventId);
  });

  it('reports listener errors in internalErrors and stops calling unsubscribed listeners', () => {
    const unsubscribe = h.fake.store.onWebhook(() => {
      throw new Error('listener failed');
    });
    h.fake.store.addCustomer(h.shop, { email: 'x@example.com' });
    unsubscribe();
    h.fake.store.addCustomer(h.shop, { email: 'y@example.com' });
    expect(h.fake.store.internalErrors).toEqual([new Error('listener failed')]);
    h.fake.store.internalErrors.length = 0;
    expect(events).toHaveLength(2);
  });
});

describe('order topics', () => {
  it('builds orders/create like Shopify: numeric ids, GIDs, string money with sets, offset timestamps', () => {
    const { customerId, variantId, productId } = seed();
    const order = h.fake.store.addOrder(h.shop, {
      customerId,
      checkoutToken: 'chk_abc',
      sourceName: 'web',
      lineItems: [
        { variantId, price: '12.50', quantity: 2, discounts: ['1.00'], taxes: [{ price: '1.92', rate: 0.08, title: 'GST' }] },
        { title: 'Gift card', price: '20', giftCard: true },
      ],
      shipping: '5',
    });
    const payload = only('orders/create').payload;
    expect(payload).toMatchObject({
      id: Number(order.id.split('/').pop()),
      admin_graphql_api_id: order.id,
      name: '#1001',
      email: 'bea@example.com',
      currency: 'USD',
      presentment_currency: 'USD',
      taxes_included: false,
      test: false,
      source_name: 'web',
      checkout_token: 'chk_abc',
      financial_status: 'paid',
      fulfillment_status: null,
      cancelled_at: null,
      subtotal_price: '44.00',
      total_tax: '1.92',
      total_price: '50.92',
      total_discounts: '1.00',
      total_line_items_price: '45.00',
      current_subtotal_price: '44.00',
      current_total_price: '50.92',
      total_outstanding: '0.00',
      total_shipping_price_set: {
        shop_money: { amount: '5.00', currency_code: 'USD' },
        presentment_money: { amount: '5.00', currency_code: 'USD' },
      },
      refunds: [],
    });
    expect(payload.created_at).toBe('2026-03-01T07:00:00-05:00');
    expect(payload.processed_at).toMatch(OFFSET_TIME);
    expect(payload.updated_at).toMatch(OFFSET_TIME);

    const [board, gift] = payload.line_items;
    expect(board).toMatchObject({
      admin_graphql_api_id: present(order.lineItems[0]).id,
      variant_id: Number(variantId.split('/').pop()),
      product_id: Number(productId.split('/').pop()),
      quantity: 2,
      current_quantity: 2,
      gift_card: false,
      price: '12.50',
      price_set: { shop_money: { amount: '12.50', currency_code: 'USD' }, presentment_money: { amount: '12.50', currency_code: 'USD' } },
      sku: 'B-1',
      discount_allocations: [
        { amount: '1.00', amount_set: { shop_money: { amount: '1.00', currency_code: 'USD' }, presentment_money: { amount: '1.00', currency_code: 'USD' } }, discount_application_index: 0 },
      ],
      tax_lines: [{ title: 'GST', rate: 0.08, price: '1.92', channel_liable: false, price_set: expect.objectContaining({ shop_money: { amount: '1.92', currency_code: 'USD' } }) }],
    });
    expect(typeof board?.id).toBe('number');
    expect(gift).toMatchObject({ gift_card: true, requires_shipping: false, taxable: false, variant_id: null, product_id: null, price: '20.00' });
    expect(payload.shipping_lines).toEqual([
      expect.objectContaining({ title: 'Standard', price: '5.00', price_set: expect.objectContaining({ shop_money: { amount: '5.00', currency_code: 'USD' } }) }),
    ]);
    expect(payload.tax_lines).toEqual([expect.objectContaining({ title: 'GST', price: '1.92', rate: 0.08 })]);
    expect(payload.discount_applications).toHaveLength(1);

    // Since 2025-01 the embedded customer has no tags, marketing consent, orders_count or total_spent.
    expect(payload.customer).toMatchObject({ id: Number(customerId.split('/').pop()), admin_graphql_api_id: customerId, email: 'bea@example.com', state: 'disabled' });
    for (const removed of ['tags', 'email_marketing_consent', 'sms_marketing_consent', 'orders_count', 'total_spent']) {
      expect(payload.customer).not.toHaveProperty(removed);
    }

    for (const key of ['subtotal_price', 'total_price', 'total_tax', 'current_total_price', 'total_outstanding'] as const) {
      expect(payload[key]).toMatch(MONEY);
    }
  });

  it('emits orders/updated with orders/paid, orders/fulfilled and orders/cancelled on the matching transitions', () => {
    const { customerId, variantId } = seed();
    const order = h.fake.store.addOrder(h.shop, { customerId, financialStatus: 'PENDING', lineItems: [{ variantId }] });
    expect(topics()).toEqual(['orders/create', 'customers/purchasing_summary']);
    expect(only('orders/create').payload).toMatchObject({ financial_status: 'pending', total_outstanding: '12.50' });

    events.length = 0;
    h.clock.advance(60_000);
    h.fake.store.updateOrder(h.shop, order.id, { financialStatus: 'PAID' });
    expect(topics()).toEqual(['orders/updated', 'orders/paid']);
    expect(only('orders/paid').payload).toMatchObject({ financial_status: 'paid', updated_at: '2026-03-01T07:01:00-05:00' });

    events.length = 0;
    h.fake.store.updateOrder(h.shop, order.id, { fulfillmentStatus: 'FULFILLED' });
    expect(topics()).toEqual(['orders/updated', 'orders/fulfilled']);
    expect(only('orders/fulfilled').payload.fulfillment_status).toBe('fulfilled');

    events.length = 0;
    h.fake.store.cancelOrder(h.shop, order.id, { reason: 'CUSTOMER' });
    expect(topics()).toEqual(['orders/updated', 'orders/cancelled', 'customers/purchasing_summary']);
    expect(only('orders/cancelled').payload).toMatchObject({ cancel_reason: 'customer', cancelled_at: expect.stringMatching(OFFSET_TIME) });
    expect(only('customers/purchasing_summary').payload).toMatchObject({ numberOfOrders: 1, amountSpent: { amount: '0.00', currencyCode: 'USD' } });
  });

  it('builds refunds/create with numeric subtotals, money sets and the refund transaction', () => {
    const { customerId, variantId } = seed();
    const order = h.fake.store.addOrder(h.shop, {
      customerId,
      lineItems: [{ variantId, price: '12.50', quantity: 3, discounts: ['1.00'], taxes: [{ price: '2.92', rate: 0.08, title: 'GST' }] }],
      shipping: '5.00',
    });
    const lineItemId = present(order.lineItems[0]).id;
    events.length = 0;
    const refunded = h.fake.store.addRefund(h.shop, order.id, { lineItems: [{ lineItemId, quantity: 1, restockType: 'RETURN' }], shipping: '5.00', note: 'damaged' });
    expect(topics()).toEqual(['refunds/create', 'orders/updated', 'customers/purchasing_summary']);
    const refund = only('refunds/create').payload;
    const refundId = present(refunded.refunds[0]).id;
    expect(refund).toMatchObject({
      id: Number(refundId.split('/').pop()),
      admin_graphql_api_id: refundId,
      order_id: Number(order.id.split('/').pop()),
      note: 'damaged',
      restock: true,
      created_at: '2026-03-01T07:00:00-05:00',
      processed_at: '2026-03-01T07:00:00-05:00',
      refund_line_items: [
        {
          quantity: 1,
          line_item_id: Number(lineItemId.split('/').pop()),
          restock_type: 'return',
          subtotal: 12.17,
          total_tax: 0.97,
          subtotal_set: { shop_money: { amount: '12.17', currency_code: 'USD' }, presentment_money: { amount: '12.17', currency_code: 'USD' } },
          total_tax_set: { shop_money: { amount: '0.97', currency_code: 'USD' }, presentment_money: { amount: '0.97', currency_code: 'USD' } },
          line_item: expect.objectContaining({ admin_graphql_api_id: lineItemId, gift_card: false, price: '12.50', current_quantity: 2 }),
        },
      ],
      order_adjustments: [expect.objectContaining({ kind: 'shipping_refund', amount: '-5.00' })],
      transactions: [expect.objectContaining({ kind: 'refund', status: 'success', amount: '18.14', currency: 'USD', admin_graphql_api_id: expect.stringMatching(GID) })],
    });
    const updated = only('orders/updated').payload;
    expect(updated).toMatchObject({ financial_status: 'partially_refunded', current_subtotal_price: '24.33', current_total_price: '26.28' });
    expect(updated.refunds).toEqual([refund]);
  });

  it('builds orders/edited from the latest order edit', () => {
    const { variantId } = seed();
    const order = h.fake.store.addOrder(h.shop, { lineItems: [{ variantId, quantity: 2 }] });
    const removedId = present(order.lineItems[0]).id;
    events.length = 0;
    const edited = h.fake.store.editOrder(h.shop, order.id, {
      removeLineItems: [{ lineItemId: removedId, quantity: 1 }],
      addLineItems: [{ title: 'Wax', price: '4', quantity: 3 }],
      staffNote: 'swap',
    });
    expect(topics()).toEqual(['orders/edited', 'orders/updated']);
    const addedId = present(edited.lineItems[1]).id;
    expect(only('orders/edited').payload).toEqual({
      order_edit: {
        id: expect.any(Number),
        app_id: null,
        created_at: '2026-03-01T07:00:00-05:00',
        committed_at: '2026-03-01T07:00:00-05:00',
        notify_customer: false,
        order_id: Number(order.id.split('/').pop()),
        staff_note: 'swap',
        user_id: null,
        line_items: {
          additions: [{ id: Number(addedId.split('/').pop()), delta: 3 }],
          removals: [{ id: Number(removedId.split('/').pop()), delta: 1 }],
        },
        discounts: { line_item: { additions: [], removals: [] } },
        shipping_lines: { additions: [], removals: [] },
      },
    });
  });
});

describe('catalogue topics', () => {
  it('builds products/create, products/update and products/delete', () => {
    const product = h.fake.store.addProduct(h.shop, { title: 'Tee', tags: ['summer', 'cotton'], variants: [{ title: 'M', sku: 'T-M', price: '19.99', inventory: { Warehouse: 7 } }] });
    const created = only('products/create').payload;
    const variantId = present(product.variants[0]).id;
    expect(created).toMatchObject({
      id: product.numericId,
      admin_graphql_api_id: product.id,
      title: 'Tee',
      handle: 'tee',
      status: 'active',
      tags: 'cotton, summer',
      created_at: '2026-03-01T07:00:00-05:00',
      variants: [
        {
          id: Number(variantId.split('/').pop()),
          admin_graphql_api_id: variantId,
          product_id: product.numericId,
          title: 'M',
          price: '19.99',
          sku: 'T-M',
          inventory_item_id: Number(present(product.variants[0]).inventoryItemId.split('/').pop()),
          inventory_quantity: 7,
          updated_at: '2026-03-01T07:00:00-05:00',
        },
      ],
      variant_gids: [{ admin_graphql_api_id: variantId, updated_at: '2026-03-01T12:00:00.000Z' }],
    });

    events.length = 0;
    h.clock.advance(3_600_000);
    h.fake.store.updateProduct(h.shop, product.id, { status: 'DRAFT', variants: [{ id: variantId, price: 21 }] });
    expect(only('products/update').payload).toMatchObject({
      status: 'draft',
      published_at: null,
      updated_at: '2026-03-01T08:00:00-05:00',
      variants: [expect.objectContaining({ price: '21.00', updated_at: '2026-03-01T08:00:00-05:00' })],
    });

    events.length = 0;
    h.fake.store.deleteProduct(h.shop, product.id);
    expect(only('products/delete').payload).toEqual({ id: product.numericId });
  });

  it('builds inventory_levels/update (with products/update from the same event)', () => {
    const product = h.fake.store.addProduct(h.shop, { title: 'Cap', variants: [{ inventory: { Warehouse: 2 } }] });
    events.length = 0;
    h.clock.advance(1_000);
    h.fake.store.setInventory(h.shop, present(product.variants[0]).id, 'Warehouse', 9);
    expect(topics()).toEqual(['inventory_levels/update', 'products/update']);
    const level = only('inventory_levels/update').payload;
    expect(level).toEqual({
      inventory_item_id: Number(present(product.variants[0]).inventoryItemId.split('/').pop()),
      location_id: expect.any(Number),
      available: 9,
      updated_at: '2026-03-01T07:00:01-05:00',
      admin_graphql_api_id: expect.stringMatching(/^gid:\/\/shopify\/InventoryLevel\/\d+\?inventory_item_id=\d+$/),
    });
    expect(present(events[0]).eventId).toBe(present(events[1]).eventId);
  });
});

describe('customer topics', () => {
  it('builds customers/create and customers/update without the fields removed in 2025-01, plus tag events', () => {
    const customer = h.fake.store.addCustomer(h.shop, { email: 'c@example.com', firstName: 'Cy', lastName: 'Doe', phone: '+15555550100', tags: ['vip'] });
    expect(topics()).toEqual(['customers/create', 'customer.tags_added']);
    const created = only('customers/create').payload;
    expect(created).toEqual({
      id: customer.numericId,
      admin_graphql_api_id: customer.id,
      email: 'c@example.com',
      first_name: 'Cy',
      last_name: 'Doe',
      phone: '+15555550100',
      state: 'disabled',
      note: null,
      verified_email: true,
      multipass_identifier: null,
      tax_exempt: false,
      tax_exemptions: [],
      currency: 'USD',
      addresses: [],
      default_address: null,
      created_at: '2026-03-01T07:00:00-05:00',
      updated_at: '2026-03-01T07:00:00-05:00',
    });
    expect(only('customer.tags_added').payload).toEqual({ customerId: customer.id, tags: ['vip'], occurredAt: '2026-03-01T12:00:00.000Z' });

    events.length = 0;
    h.fake.store.updateCustomer(h.shop, customer.id, { tags: ['gold'] });
    expect(topics()).toEqual(['customers/update', 'customer.tags_added', 'customer.tags_removed']);
    expect(only('customer.tags_removed').payload.tags).toEqual(['vip']);
  });

  it('emits customer events for tag changes made through the Admin API, and nothing for no-ops', async () => {
    const customer = h.fake.store.addCustomer(h.shop, { email: 't@example.com', tags: ['vip'] });
    events.length = 0;
    const mutation = 'mutation Add($id: ID!, $tags: [String!]!) { tagsAdd(id: $id, tags: $tags) { userErrors { message } } }';
    await gql(h.fake, mutation, { id: customer.id, tags: ['VIP'] });
    expect(events).toEqual([]);
    await gql(h.fake, mutation, { id: customer.id, tags: ['roost-gold'] });
    expect(topics()).toEqual(['customers/update', 'customer.tags_added']);
    expect(only('customer.tags_added').payload.tags).toEqual(['roost-gold']);
  });

  it('builds customers/delete, customers/merge and customers/purchasing_summary', () => {
    const kept = h.fake.store.addCustomer(h.shop, { email: 'keep@example.com' });
    const merged = h.fake.store.addCustomer(h.shop, { email: 'dup@example.com', tags: ['dup'] });
    h.fake.store.addOrder(h.shop, { customerId: merged.id, lineItems: [{ title: 'x', price: '10' }] });
    events.length = 0;
    h.fake.store.mergeCustomers(h.shop, kept.id, merged.id);
    expect(topics()).toEqual(['customers/merge', 'customers/delete', 'customers/update', 'customer.tags_added']);
    expect(only('customers/merge').payload).toEqual({
      admin_graphql_api_customer_kept_id: kept.id,
      admin_graphql_api_customer_deleted_id: merged.id,
      admin_graphql_api_job_id: null,
      status: 'completed',
      errors: [],
    });
    expect(only('customers/delete').payload).toEqual({ id: merged.numericId, tax_exemptions: [], admin_graphql_api_id: merged.id });
    expect(webhookPayload(h.fake.store, h.shop, 'customers/purchasing_summary', kept.id)).toMatchObject({
      customerId: kept.id,
      numberOfOrders: 1,
      amountSpent: { amount: '10.00', currencyCode: 'USD' },
      lastOrderId: expect.stringMatching(/^gid:\/\/shopify\/Order\//),
    });
  });
});

describe('shop, app and compliance topics', () => {
  it('builds shop/update and app/scopes_update', () => {
    h.fake.store.updateShop(h.shop, { name: 'Renamed' });
    expect(only('shop/update').payload).toMatchObject({
      name: 'Renamed',
      myshopify_domain: h.shop,
      iana_timezone: 'America/New_York',
      timezone: '(GMT-05:00) America/New_York',
      currency: 'USD',
      money_format: '${{amount}}',
      updated_at: '2026-03-01T07:00:00-05:00',
    });
    h.fake.store.updateScopes(h.shop, ['read_customers', 'write_customers']);
    h.fake.store.updateScopes(h.shop, ['read_customers']);
    const scopes = events.filter((event): event is WebhookEventOf<'app/scopes_update'> => event.topic === 'app/scopes_update');
    expect(scopes.map((event) => event.payload)).toEqual([
      { id: expect.any(Number), shop_id: expect.stringMatching(/^gid:\/\/shopify\/Shop\/\d+$/), previous: [], current: ['read_customers', 'write_customers'], updated_at: '2026-03-01T12:00:00.000Z' },
      expect.objectContaining({ previous: ['read_customers', 'write_customers'], current: ['read_customers'] }),
    ]);
  });

  it('delivers compliance webhooks even when emitting is off', () => {
    h.fake.store.setEmitWebhooks(h.shop, false);
    const customer = h.fake.store.addCustomer(h.shop, { email: 'gdpr@example.com', phone: '+15555550101' });
    const order = h.fake.store.addOrder(h.shop, { customerId: customer.id, lineItems: [{ title: 'x', price: '1' }] });
    expect(events).toEqual([]);
    const shopId = h.fake.store.state(h.shop).shop.numericId;
    const orderNumericId = Number(order.id.split('/').pop());

    expect(h.fake.store.requestCustomerData(h.shop, customer.id).payload).toEqual({
      shop_id: shopId,
      shop_domain: h.shop,
      orders_requested: [orderNumericId],
      customer: { id: customer.numericId, email: 'gdpr@example.com', phone: '+15555550101' },
      data_request: { id: expect.any(Number) },
    });
    expect(h.fake.store.redactCustomer(h.shop, customer.id).payload).toEqual({
      shop_id: shopId,
      shop_domain: h.shop,
      customer: { id: customer.numericId, email: 'gdpr@example.com', phone: '+15555550101' },
      orders_to_redact: [orderNumericId],
    });
    expect(h.fake.store.redactShop(h.shop).payload).toEqual({ shop_id: shopId, shop_domain: h.shop });
    expect(topics()).toEqual(['customers/data_request', 'customers/redact', 'shop/redact']);
  });

  it('sends bulk_operations/finish through onWebhook too', async () => {
    h.fake.store.addCustomer(h.shop, { email: 'b@example.com' });
    events.length = 0;
    h.fake.store.autoCompleteBulkOperations = false;
    const { body } = await gql<{ bulkOperationRunQuery: { bulkOperation: { id: string } } }>(
      h.fake,
      'mutation { bulkOperationRunQuery(query: "{ customers { edges { node { id } } } }") { bulkOperation { id } } }',
    );
    h.fake.store.completeBulkOperations(h.shop);
    expect(only('bulk_operations/finish').payload).toEqual({
      admin_graphql_api_id: present(body.data).bulkOperationRunQuery.bulkOperation.id,
      completed_at: '2026-03-01T07:00:00-05:00',
      created_at: '2026-03-01T07:00:00-05:00',
      error_code: null,
      status: 'completed',
      type: 'query',
    });
  });

  it('builds any topic on demand with webhookPayload', () => {
    const { customerId, variantId } = seed();
    const order = h.fake.store.addOrder(h.shop, { customerId, lineItems: [{ variantId }] });
    expect(webhookPayload(h.fake.store, h.shop, 'orders/updated', order.id)).toEqual(only('orders/create').payload);
    expect(() => webhookPayload(h.fake.store, h.shop, 'orders/edited', order.id)).toThrow(/no order edit/);
    expect(() => webhookPayload(h.fake.store, h.shop, 'refunds/create', order.id)).toThrow(/no Refund/);
  });
});
