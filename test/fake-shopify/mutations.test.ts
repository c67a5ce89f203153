import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { Harness, UserError } from './helpers.js';
import { createHarness, gql, present } from './helpers.js';

const TAGS_ADD = `mutation Add($id: ID!, $tags: [String!]!) {
  tagsAdd(id: $id, tags: $tags) { node { id ... on Customer { tags updatedAt } } userErrors { field message } }
}`;
const TAGS_REMOVE = `mutation Remove($id: ID!, $tags: [String!]!) {
  tagsRemove(id: $id, tags: $tags) { node { id ... on Customer { tags } } userErrors { field message } }
}`;
const METAFIELDS_SET = `mutation Set($metafields: [MetafieldsSetInput!]!) {
  metafieldsSet(metafields: $metafields) {
    metafields { id namespace key value type owner { ... on Node { id } } }
    userErrors { field message code }
  }
}`;

interface TagsPayload {
  node: { id: string; tags: string[]; updatedAt?: string } | null;
  userErrors: UserError[];
}

interface MetafieldsSetPayload {
  metafields: Array<{ id: string; namespace: string; key: string; value: string; type: string; owner: { id: string } }> | null;
  userErrors: UserError[];
}

let h: Harness;
let customerId: string;

beforeEach(() => {
  h = createHarness();
  customerId = h.fake.store.addCustomer(h.shop, { email: 'tagged@example.com', tags: ['existing'] }).id;
});

afterEach(async () => {
  await h.fake.dispose();
});

describe('tagsAdd / tagsRemove', () => {
  it('trims, splits on commas, de-duplicates case-insensitively and sorts', async () => {
    h.clock.advance(5_000);
    const { body } = await gql<{ tagsAdd: TagsPayload }>(h.fake, TAGS_ADD, {
      id: customerId,
      tags: ['  vip ', 'VIP', 'Existing', 'gold, silver', ''],
    });
    expect(present(body.data).tagsAdd).toEqual({
      node: { id: customerId, tags: ['existing', 'gold', 'silver', 'vip'], updatedAt: '2026-03-01T12:00:05Z' },
      userErrors: [],
    });
    expect(h.fake.store.customer(h.shop, customerId)?.tags).toEqual(['existing', 'gold', 'silver', 'vip']);
    expect(body.extensions.cost.requestedQueryCost).toBe(10);
    expect(body.extensions.cost.actualQueryCost).toBe(10);
  });

  it('does not touch updatedAt when nothing changes', async () => {
    h.clock.advance(60_000);
    const { body } = await gql<{ tagsAdd: TagsPayload }>(h.fake, TAGS_ADD, { id: customerId, tags: ['EXISTING'] });
    expect(present(body.data).tagsAdd.node?.updatedAt).toBe('2026-03-01T12:00:00Z');
  });

  it('removes tags case-insensitively and ignores absent ones', async () => {
    await gql(h.fake, TAGS_ADD, { id: customerId, tags: ['vip', 'gold'] });
    const { body } = await gql<{ tagsRemove: TagsPayload }>(h.fake, TAGS_REMOVE, { id: customerId, tags: ['VIP', 'never-there'] });
    expect(present(body.data).tagsRemove).toEqual({ node: { id: customerId, tags: ['existing', 'gold'] }, userErrors: [] });
  });

  it('returns a userError for an unknown resource', async () => {
    const { body } = await gql<{ tagsAdd: TagsPayload }>(h.fake, TAGS_ADD, { id: 'gid://shopify/Customer/999', tags: ['vip'] });
    expect(present(body.data).tagsAdd).toEqual({ node: null, userErrors: [{ field: ['id'], message: 'Resource not found' }] });
  });

  it('returns the same userError for a deleted customer, on add and on remove, and costs 10 points either way', async () => {
    h.fake.store.deleteCustomer(h.shop, customerId);
    const added = await gql<{ tagsAdd: TagsPayload }>(h.fake, TAGS_ADD, { id: customerId, tags: ['vip'] });
    expect(present(added.body.data).tagsAdd).toEqual({ node: null, userErrors: [{ field: ['id'], message: 'Resource not found' }] });
    const removed = await gql<{ tagsRemove: TagsPayload }>(h.fake, TAGS_REMOVE, { id: customerId, tags: ['existing'] });
    expect(present(removed.body.data).tagsRemove).toEqual({ node: null, userErrors: [{ field: ['id'], message: 'Resource not found' }] });
    expect(removed.body.extensions.cost).toMatchObject({ requestedQueryCost: 10, actualQueryCost: 10 });
  });

  it('refuses a new tag on a customer holding 250, while adding one it already has is a no-op', async () => {
    const full = h.fake.store.addCustomer(h.shop, { email: 'full@example.com', tags: Array.from({ length: 250 }, (_, index) => `t${index}`) }).id;
    const refused = await gql<{ tagsAdd: TagsPayload }>(h.fake, TAGS_ADD, { id: full, tags: ['t0', 'new'] });
    expect(present(refused.body.data).tagsAdd).toEqual({
      node: null,
      userErrors: [{ field: ['tags'], message: 'Tags cannot exceed 250 tags per resource (would have 251)' }],
    });
    const same = await gql<{ tagsAdd: TagsPayload }>(h.fake, TAGS_ADD, { id: full, tags: ['T0'] });
    expect(present(same.body.data).tagsAdd.userErrors).toEqual([]);
    expect(h.fake.store.customer(h.shop, full)?.tags).toHaveLength(250);
  });

  it('rejects a malformed id as a top-level error', async () => {
    const { body } = await gql<{ tagsAdd: TagsPayload | null }>(h.fake, TAGS_ADD, { id: 'customer-1', tags: ['vip'] });
    expect(body.data).toEqual({ tagsAdd: null });
    expect(body.errors?.[0]?.extensions).toEqual({ code: 'argumentLiteralsIncompatible', typeName: 'CoercionError' });
  });

  it('enforces the 255-character and 250-tag limits without writing anything', async () => {
    const tooLong = await gql<{ tagsAdd: TagsPayload }>(h.fake, TAGS_ADD, { id: customerId, tags: ['ok', 'x'.repeat(256)] });
    expect(present(tooLong.body.data).tagsAdd.node).toBeNull();
    expect(present(tooLong.body.data).tagsAdd.userErrors).toEqual([{ field: ['tags'], message: expect.stringContaining('255') }]);

    const exactly = await gql<{ tagsAdd: TagsPayload }>(h.fake, TAGS_ADD, { id: customerId, tags: ['y'.repeat(255)] });
    expect(present(exactly.body.data).tagsAdd.userErrors).toEqual([]);

    const many = Array.from({ length: 249 }, (_, index) => `tag-${index}`);
    const tooMany = await gql<{ tagsAdd: TagsPayload }>(h.fake, TAGS_ADD, { id: customerId, tags: many });
    expect(present(tooMany.body.data).tagsAdd.userErrors).toEqual([{ field: ['tags'], message: expect.stringContaining('250') }]);
    expect(h.fake.store.customer(h.shop, customerId)?.tags).toHaveLength(2);
  });

  it('tags products and orders too', async () => {
    const product = h.fake.store.addProduct(h.shop, { title: 'Hat' });
    const { body } = await gql<{ tagsAdd: { node: { id: string; tags: string[] }; userErrors: UserError[] } }>(
      h.fake,
      'mutation { tagsAdd(id: "' + product.id + '", tags: ["summer"]) { node { id ... on Product { tags } } userErrors { field message } } }',
    );
    expect(present(body.data).tagsAdd).toEqual({ node: { id: product.id, tags: ['summer'] }, userErrors: [] });
  });
});

describe('metafieldsSet', () => {
  it('writes typed metafields, resolving $app namespaces and normalising JSON', async () => {
    const { body } = await gql<{ metafieldsSet: MetafieldsSetPayload }>(h.fake, METAFIELDS_SET, {
      metafields: [
        { ownerId: customerId, namespace: 'roost', key: 'points', type: 'number_integer', value: '150' },
        { ownerId: customerId, namespace: 'roost', key: 'profile', type: 'json', value: '{ "tier": "gold", "since": 2024 }' },
        { ownerId: customerId, key: 'cohort', type: 'single_line_text_field', value: 'weekend-shoppers' },
      ],
    });
    const payload = present(body.data).metafieldsSet;
    expect(payload.userErrors).toEqual([]);
    expect(payload.metafields).toEqual([
      { id: expect.stringMatching(/^gid:\/\/shopify\/Metafield\/\d+$/), namespace: 'roost', key: 'points', value: '150', type: 'number_integer', owner: { id: customerId } },
      { id: expect.any(String), namespace: 'roost', key: 'profile', value: '{"tier":"gold","since":2024}', type: 'json', owner: { id: customerId } },
      { id: expect.any(String), namespace: `app--${h.fake.store.appId}`, key: 'cohort', value: 'weekend-shoppers', type: 'single_line_text_field', owner: { id: customerId } },
    ]);
    expect(h.fake.store.metafield(h.shop, customerId, 'roost', 'points')?.value).toBe('150');
    expect(h.fake.store.metafield(h.shop, customerId, '$app', 'cohort')?.value).toBe('weekend-shoppers');

    const again = await gql<{ metafieldsSet: MetafieldsSetPayload }>(h.fake, METAFIELDS_SET, {
      metafields: [{ ownerId: customerId, namespace: 'roost', key: 'points', type: 'number_integer', value: '175' }],
    });
    expect(present(again.body.data).metafieldsSet.metafields?.[0]?.id).toBe(payload.metafields?.[0]?.id);
    expect(h.fake.store.customer(h.shop, customerId)?.metafields.map((m) => [m.key, m.value])).toEqual([
      ['points', '175'],
      ['profile', '{"tier":"gold","since":2024}'],
      ['cohort', 'weekend-shoppers'],
    ]);
  });

  it('is atomic: one invalid value rejects the whole call', async () => {
    const { body } = await gql<{ metafieldsSet: MetafieldsSetPayload }>(h.fake, METAFIELDS_SET, {
      metafields: [
        { ownerId: customerId, namespace: 'roost', key: 'points', type: 'number_integer', value: '10' },
        { ownerId: customerId, namespace: 'roost', key: 'visits', type: 'number_integer', value: '3.5' },
        { ownerId: customerId, namespace: 'roost', key: 'blob', type: 'json', value: '{not json' },
      ],
    });
    const payload = present(body.data).metafieldsSet;
    expect(payload.metafields).toEqual([]);
    expect(payload.userErrors).toEqual([
      { field: ['metafields', '1', 'value'], message: 'Value must be an integer.', code: 'INVALID_VALUE' },
      { field: ['metafields', '2', 'value'], message: expect.stringContaining('invalid JSON'), code: 'INVALID_VALUE' },
    ]);
    expect(h.fake.store.customer(h.shop, customerId)?.metafields).toEqual([]);
  });

  it('validates owners, types, the 25-input limit and compareDigest', async () => {
    const missingOwner = await gql<{ metafieldsSet: MetafieldsSetPayload }>(h.fake, METAFIELDS_SET, {
      metafields: [{ ownerId: 'gid://shopify/Customer/1', namespace: 'roost', key: 'points', type: 'number_integer', value: '1' }],
    });
    expect(present(missingOwner.body.data).metafieldsSet.userErrors).toEqual([
      { field: ['metafields', '0', 'ownerId'], message: 'Owner does not exist.', code: 'INVALID' },
    ]);

    const badType = await gql<{ metafieldsSet: MetafieldsSetPayload }>(h.fake, METAFIELDS_SET, {
      metafields: [{ ownerId: customerId, namespace: 'roost', key: 'points', type: 'integer', value: '1' }],
    });
    expect(present(badType.body.data).metafieldsSet.userErrors[0]).toMatchObject({ field: ['metafields', '0', 'type'], code: 'INVALID_TYPE' });

    const tooMany = await gql<{ metafieldsSet: MetafieldsSetPayload }>(h.fake, METAFIELDS_SET, {
      metafields: Array.from({ length: 26 }, (_, index) => ({
        ownerId: customerId,
        namespace: 'roost',
        key: `k${index}`,
        type: 'number_integer',
        value: String(index),
      })),
    });
    expect(present(tooMany.body.data).metafieldsSet.userErrors).toEqual([
      { field: ['metafields'], message: 'Exceeded the maximum metafields input limit of 25.', code: 'LESS_THAN_OR_EQUAL_TO' },
    ]);

    const created = await gql<{ metafieldsSet: { metafields: Array<{ compareDigest: string }> } }>(
      h.fake,
      `mutation { metafieldsSet(metafields: [{ ownerId: "${customerId}", namespace: "roost", key: "points", type: "number_integer", value: "1", compareDigest: null }]) {
        metafields { compareDigest } userErrors { code }
      } }`,
    );
    const digest = present(present(created.body.data).metafieldsSet.metafields[0]).compareDigest;
    const stale = await gql<{ metafieldsSet: MetafieldsSetPayload }>(h.fake, METAFIELDS_SET, {
      metafields: [{ ownerId: customerId, namespace: 'roost', key: 'points', type: 'number_integer', value: '2', compareDigest: 'stale' }],
    });
    expect(present(stale.body.data).metafieldsSet.userErrors[0]?.code).toBe('STALE_OBJECT');
    const fresh = await gql<{ metafieldsSet: MetafieldsSetPayload }>(h.fake, METAFIELDS_SET, {
      metafields: [{ ownerId: customerId, namespace: 'roost', key: 'points', type: 'number_integer', value: '2', compareDigest: digest }],
    });
    expect(present(fresh.body.data).metafieldsSet.userErrors).toEqual([]);
  });

  it('rejects selections Shopify rejects: Metafield.ownerId, and id on the HasMetafields owner', async () => {
    const ownerId = await gql(h.fake, 'mutation { metafieldsSet(metafields: []) { metafields { ownerId } userErrors { field } } }');
    expect(ownerId.body.errors?.[0]?.extensions).toMatchObject({ code: 'undefinedField', typeName: 'Metafield', fieldName: 'ownerId' });
    // HasMetafields has no `id`; the owner's id needs a fragment, as METAFIELDS_SET does.
    const ownerIdField = await gql(h.fake, 'mutation { metafieldsSet(metafields: []) { metafields { owner { id } } userErrors { field } } }');
    expect(ownerIdField.body.errors?.[0]?.extensions).toMatchObject({ code: 'undefinedField', typeName: 'HasMetafields', fieldName: 'id' });
  });
});
