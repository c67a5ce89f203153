import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CurrentAppInstallationQuery } from '../../app/graphql/CurrentAppInstallationQuery';
import { MetafieldsSetMutation } from '../../app/graphql/MetafieldsSetMutation';
import type { Harness, UserError } from './helpers.js';
import { createHarness, gql, present } from './helpers.js';

// App-data metafields: `currentAppInstallation { id }` names the app's installation, and
// metafieldsSet with that owner stores metafields only the app reads (Liquid's app.metafields),
// validated as any metafieldsSet is. Roost's own documents run against the fake's schema here.

interface SetPayload {
  metafieldsSet: { userErrors: UserError[] };
}

const READ_BACK = `query {
  currentAppInstallation {
    id
    metafield(namespace: "roost", key: "program") { namespace key type value jsonValue ownerType owner { ... on AppInstallation { id } } }
  }
}`;

let h: Harness;
let installation: string;

beforeEach(async () => {
  h = createHarness();
  const { body } = await gql<{ currentAppInstallation: { id: string } }>(h.fake, CurrentAppInstallationQuery);
  installation = present(body.data).currentAppInstallation.id;
});

afterEach(async () => {
  await h.fake.dispose();
});

const set = (metafields: Record<string, unknown>[]) => gql<SetPayload>(h.fake, MetafieldsSetMutation, { metafields });
const program = (value: string, extra: Record<string, unknown> = {}) => ({ ownerId: installation, namespace: 'roost', key: 'program', type: 'json', value, ...extra });

describe('currentAppInstallation', () => {
  it('is the app installation of the shop, the same on every call and another on another shop', async () => {
    expect(installation).toMatch(/^gid:\/\/shopify\/AppInstallation\/\d+$/);
    expect(installation).toBe(h.fake.store.appInstallationId(h.shop));
    const other = h.fake.store.registerShop('other-roost.myshopify.com', { accessToken: 'shpat_other' });
    expect(h.fake.store.appInstallationId(other)).not.toBe(installation);
    const { body } = await gql<{ node: { id: string } | null }>(h.fake, 'query($id: ID!) { node(id: $id) { id } }', { id: installation });
    expect(present(body.data).node).toEqual({ id: installation });
  });
});

describe('metafieldsSet on the app installation', () => {
  it('stores a json app-data metafield, normalised, that the store and GraphQL read back', async () => {
    const { body } = await set([program('{ "enabled": true, "earn_rate": "1.5", "currency": "USD" }')]);
    expect(present(body.data).metafieldsSet.userErrors).toEqual([]);
    expect(h.fake.store.appMetafields(h.shop)).toMatchObject([{ namespace: 'roost', key: 'program', type: 'json', value: '{"enabled":true,"earn_rate":"1.5","currency":"USD"}' }]);
    const read = await gql<{ currentAppInstallation: { metafield: Record<string, unknown> } }>(h.fake, READ_BACK);
    expect(present(read.body.data).currentAppInstallation.metafield).toEqual({
      namespace: 'roost',
      key: 'program',
      type: 'json',
      value: '{"enabled":true,"earn_rate":"1.5","currency":"USD"}',
      jsonValue: { enabled: true, earn_rate: '1.5', currency: 'USD' },
      ownerType: 'API_PERMISSION',
      owner: { id: installation },
    });
  });

  it('replaces the value on a second write (latest wins)', async () => {
    await set([program('{"earn_rate":"1"}')]);
    await set([program('{"earn_rate":"2"}')]);
    expect(h.fake.store.appMetafields(h.shop).map((metafield) => metafield.value)).toEqual(['{"earn_rate":"2"}']);
  });

  it('refuses a value that is not JSON, and writes nothing', async () => {
    const { body } = await set([program('{"earn_rate": 1,}')]);
    expect(present(body.data).metafieldsSet.userErrors).toEqual([expect.objectContaining({ field: ['metafields', '0', 'value'], code: 'INVALID_VALUE' })]);
    expect(h.fake.store.appMetafields(h.shop)).toEqual([]);
  });

  it('refuses an installation that is not this app on this shop, or an id that is not one', async () => {
    const other = h.fake.store.registerShop('other-roost.myshopify.com', { accessToken: 'shpat_other' });
    for (const ownerId of [h.fake.store.appInstallationId(other), 'gid://shopify/AppInstallation/1', 'AppInstallation/1']) {
      const { body } = await set([program('{}', { ownerId })]);
      expect(present(body.data).metafieldsSet.userErrors, ownerId).toEqual([{ field: ['metafields', '0', 'ownerId'], message: 'Owner does not exist.', code: 'INVALID' }]);
    }
    expect(h.fake.store.appMetafields(h.shop)).toEqual([]);
    expect(h.fake.store.appMetafields(other)).toEqual([]);
  });

  it('refuses a type other than the stored one, and a blank value', async () => {
    await set([program('{}')]);
    const retyped = await set([program('x', { type: 'single_line_text_field' })]);
    expect(present(retyped.body.data).metafieldsSet.userErrors).toMatchObject([{ field: ['metafields', '0', 'type'], code: 'INVALID_TYPE' }]);
    const blank = await set([program('')]);
    expect(present(blank.body.data).metafieldsSet.userErrors).toMatchObject([{ field: ['metafields', '0', 'value'], code: 'BLANK' }]);
    expect(h.fake.store.appMetafields(h.shop).map((metafield) => metafield.value)).toEqual(['{}']);
  });

  it('keeps app-data metafields apart from the shop\'s own', async () => {
    await set([program('{"a":1}')]);
    const { id: shopGid } = h.fake.store.state(h.shop).shop;
    expect(h.fake.store.metafields(h.shop, shopGid)).toEqual([]);
  });
});
