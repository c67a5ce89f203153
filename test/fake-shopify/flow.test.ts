import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { loadFlowTriggers } from '../support/fake-shopify/flow.js';
import type { Harness, UserError } from './helpers.js';
import { createHarness, gql } from './helpers.js';

// flowTriggerReceive as Flow validates it: the app's deployed triggers (Roost's extensions/),
// 50 KB payloads, a customer reference for triggers that have one, typed fields.

const RECEIVE = `mutation Receive($handle: String!, $payload: JSON!) {
  flowTriggerReceive(handle: $handle, payload: $payload) { userErrors { field message } }
}`;

interface ReceiveData {
  flowTriggerReceive: { userErrors: UserError[] };
}

let h: Harness;

beforeEach(() => {
  h = createHarness();
});

afterEach(async () => {
  await h.fake.dispose();
});

const receive = (handle: string, payload: unknown) => gql<ReceiveData>(h.fake, RECEIVE, { handle, payload });

describe('flowTriggerReceive', () => {
  it("knows the app's deployed flow_trigger extensions, with their fields", () => {
    const triggers = loadFlowTriggers();
    expect([...triggers.keys()].sort()).toEqual([
      'roost-cart-abandoned',
      'roost-cohort-entered',
      'roost-cohort-exited',
      'roost-first-purchase',
      'roost-points-earned',
      'roost-points-expiring',
      'roost-reward-redeemed',
      'roost-tier-changed',
    ]);
    expect(triggers.get('roost-points-earned')).toMatchObject({ customerReference: true, fields: new Map([['Points earned', 'number_decimal'], ['Points balance', 'number_decimal'], ['Order name', 'single_line_text_field']]) });
  });

  it('records a valid trigger, costs 10 points like any mutation, and answers no userErrors', async () => {
    const payload = { customer_id: 42, 'Points earned': 50, 'Points balance': 150, 'Order name': '#1001' };
    const result = await receive('roost-points-earned', payload);
    expect(result.status).toBe(200);
    expect(result.body.data?.flowTriggerReceive.userErrors).toEqual([]);
    expect((result.body.extensions as { cost: { requestedQueryCost: number } }).cost.requestedQueryCost).toBe(10);
    expect(h.fake.store.flowTriggersReceived(h.shop)).toEqual([{ handle: 'roost-points-earned', payload, receivedAt: expect.any(Number) }]);
  });

  it('refuses an unknown handle', async () => {
    const result = await receive('roost-not-a-trigger', { customer_id: 42 });
    expect(result.body.data?.flowTriggerReceive.userErrors).toEqual([{ field: ['handle'], message: "Invalid handle 'roost-not-a-trigger'." }]);
    expect(h.fake.store.flowTriggersReceived(h.shop)).toEqual([]);
  });

  it('refuses a payload over 50 KB', async () => {
    const result = await receive('roost-first-purchase', { customer_id: 42, 'Order name': 'x'.repeat(50_001) });
    expect(result.body.data?.flowTriggerReceive.userErrors).toEqual([{ field: ['payload'], message: expect.stringContaining('exceeds the limit of 50000 bytes') }]);
    expect(h.fake.store.flowTriggersReceived(h.shop)).toEqual([]);
  });

  it('refuses a trigger with a customer reference sent without customer_id', async () => {
    const result = await receive('roost-tier-changed', { 'Previous tier': 'Bronze', 'New tier': 'Silver' });
    expect(result.body.data?.flowTriggerReceive.userErrors).toEqual([{ field: ['payload'], message: expect.stringContaining('Missing required property: customer_id') }]);
  });

  it('refuses keys that are not fields of the trigger and values of the wrong type', async () => {
    const result = await receive('roost-points-earned', { customer_id: 42, 'Points earned': '50', Email: 'a@example.com' });
    expect(result.body.data?.flowTriggerReceive.userErrors.map((error) => error.message)).toEqual([
      expect.stringContaining('Points earned must be a number_decimal'),
      expect.stringContaining('Email is not a field of roost-points-earned'),
    ]);
    expect(h.fake.store.flowTriggersReceived(h.shop)).toEqual([]);
  });
});
