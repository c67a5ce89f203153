import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { Harness, UserError } from './helpers.js';
import { createHarness, gql } from './helpers.js';

// Code discounts, store credit and metafield definitions as Shopify validates them: refusals are
// userErrors (HTTP 200) and write nothing; what is accepted is kept for the tests to read.

const BASIC = `mutation Basic($input: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $input) { codeDiscountNode { id codeDiscount { __typename ... on DiscountCodeBasic { title usageLimit appliesOncePerCustomer } } } userErrors { field message code } }
}`;
const SHIPPING = `mutation Shipping($input: DiscountCodeFreeShippingInput!) {
  discountCodeFreeShippingCreate(freeShippingCodeDiscount: $input) { codeDiscountNode { id } userErrors { field message code } }
}`;
const BY_CODE = `query ByCode($code: String!) { codeDiscountNodeByCode(code: $code) { id } }`;
const CREDIT = `mutation Credit($id: ID!, $input: StoreCreditAccountCreditInput!) {
  storeCreditAccountCredit(id: $id, creditInput: $input) { storeCreditAccountTransaction { id amount { amount currencyCode } account { id balance { amount } } } userErrors { field message code } }
}`;
const DEFINE = `mutation Define($definition: MetafieldDefinitionInput!) {
  metafieldDefinitionCreate(definition: $definition) { createdDefinition { id namespace key type { name } } userErrors { field message code } }
}`;

interface Payload {
  codeDiscountNode?: { id: string; codeDiscount?: Record<string, unknown> } | null;
  userErrors: (UserError & { code: string })[];
}

let h: Harness;
let customerGid: string;

beforeEach(() => {
  h = createHarness();
  customerGid = h.fake.store.addCustomer(h.shop, { email: 'rita@example.com' }).id;
});

afterEach(async () => {
  await h.fake.dispose();
});

const basicInput = (overrides: Record<string, unknown> = {}) => ({
  title: 'Roost reward: $5.00 off',
  code: 'ROOST-AAAA-BBBB-CCCC',
  startsAt: '2026-03-01T12:00:00Z',
  context: { customers: { add: [customerGid] } },
  customerGets: { value: { discountAmount: { amount: '5.00', appliesOnEachItem: false } }, items: { all: true } },
  minimumRequirement: { subtotal: { greaterThanOrEqualToSubtotal: '40.00' } },
  usageLimit: 1,
  appliesOncePerCustomer: true,
  ...overrides,
});

async function basic(input: Record<string, unknown>) {
  const result = await gql<{ discountCodeBasicCreate: Payload }>(h.fake, BASIC, { input });
  expect(result.status).toBe(200);
  return result.body.data!.discountCodeBasicCreate;
}

describe('discountCodeBasicCreate', () => {
  it('creates a single-use code for one customer, costs 10 points, and is found by its code in any case', async () => {
    const result = await gql<{ discountCodeBasicCreate: Payload }>(h.fake, BASIC, { input: basicInput() });
    const payload = result.body.data!.discountCodeBasicCreate;
    expect(payload.userErrors).toEqual([]);
    expect(payload.codeDiscountNode).toMatchObject({
      id: expect.stringMatching(/^gid:\/\/shopify\/DiscountCodeNode\/\d+$/),
      codeDiscount: { __typename: 'DiscountCodeBasic', title: 'Roost reward: $5.00 off', usageLimit: 1, appliesOncePerCustomer: true },
    });
    expect((result.body.extensions as { cost: { requestedQueryCost: number } }).cost.requestedQueryCost).toBe(10);
    expect(h.fake.store.discountByCode(h.shop, 'roost-aaaa-bbbb-cccc')).toMatchObject({
      customers: [customerGid],
      minimum: { subtotal: '40.00' },
      value: { amount: '5.00', appliesOnEachItem: false },
    });
    const found = await gql<{ codeDiscountNodeByCode: { id: string } | null }>(h.fake, BY_CODE, { code: 'Roost-Aaaa-Bbbb-Cccc' });
    expect(found.body.data?.codeDiscountNodeByCode?.id).toBe(payload.codeDiscountNode?.id);
    const missing = await gql<{ codeDiscountNodeByCode: { id: string } | null }>(h.fake, BY_CODE, { code: 'NOPE' });
    expect(missing.body.data?.codeDiscountNodeByCode).toBeNull();
  });

  it('refuses a code already taken, whatever its case, and keeps the first', async () => {
    await basic(basicInput());
    const again = await basic(basicInput({ code: 'roost-aaaa-bbbb-cccc', title: 'Another' }));
    expect(again).toEqual({ codeDiscountNode: null, userErrors: [{ field: ['basicCodeDiscount', 'code'], code: 'TAKEN', message: 'Code must be unique. Please try a different code.' }] });
    expect(h.fake.store.discounts(h.shop)).toHaveLength(1);
  });

  it.each([
    ['a blank title', { title: ' ' }, ['basicCodeDiscount', 'title'], 'BLANK'],
    ['a blank code', { code: '' }, ['basicCodeDiscount', 'code'], 'BLANK'],
    ['a code with a newline', { code: 'A\nB' }, ['basicCodeDiscount', 'code'], 'INVALID'],
    ['no start', { startsAt: undefined }, ['basicCodeDiscount', 'startsAt'], 'BLANK'],
    ['an end before the start', { endsAt: '2026-02-01T00:00:00Z' }, ['basicCodeDiscount', 'endsAt'], 'END_DATE_BEFORE_START_DATE'],
    ['a usage limit of 0', { usageLimit: 0 }, ['basicCodeDiscount', 'usageLimit'], 'GREATER_THAN'],
    ['a customer that does not exist', { context: { customers: { add: ['gid://shopify/Customer/999999'] } } }, ['basicCodeDiscount', 'context', 'customers', 'add'], 'INVALID'],
    ['context and customerSelection', { customerSelection: { all: true } }, ['basicCodeDiscount', 'context'], 'CONFLICT'],
    ['a percentage over 1', { customerGets: { value: { percentage: 10 }, items: { all: true } } }, ['basicCodeDiscount', 'customerGets', 'value', 'percentage'], 'VALUE_OUTSIDE_RANGE'],
    ['an amount of 0', { customerGets: { value: { discountAmount: { amount: '0' } }, items: { all: true } } }, ['basicCodeDiscount', 'customerGets', 'value', 'discountAmount', 'amount'], 'GREATER_THAN'],
    ['two values', { customerGets: { value: { percentage: 0.1, discountAmount: { amount: '5' } }, items: { all: true } } }, ['basicCodeDiscount', 'customerGets', 'value'], 'INVALID'],
    ['no items', { customerGets: { value: { percentage: 0.1 } } }, ['basicCodeDiscount', 'customerGets', 'items'], 'BLANK'],
    ['a minimum of 0', { minimumRequirement: { subtotal: { greaterThanOrEqualToSubtotal: '0' } } }, ['basicCodeDiscount', 'minimumRequirement', 'subtotal', 'greaterThanOrEqualToSubtotal'], 'GREATER_THAN'],
    [
      'a subtotal and a quantity minimum',
      { minimumRequirement: { subtotal: { greaterThanOrEqualToSubtotal: '10' }, quantity: { greaterThanOrEqualToQuantity: '2' } } },
      ['basicCodeDiscount', 'minimumRequirement'],
      'MINIMUM_SUBTOTAL_AND_QUANTITY_RANGE_BOTH_PRESENT',
    ],
  ])('refuses %s as a userError and writes nothing', async (_name, overrides, field, code) => {
    const payload = await basic(basicInput(overrides));
    expect(payload.codeDiscountNode).toBeNull();
    expect(payload.userErrors).toContainEqual(expect.objectContaining({ field, code }));
    expect(h.fake.store.discounts(h.shop)).toEqual([]);
  });

  it('refuses a code for a customer deleted since', async () => {
    h.fake.store.deleteCustomer(h.shop, customerGid);
    const payload = await basic(basicInput());
    expect(payload.userErrors).toEqual([{ field: ['basicCodeDiscount', 'context', 'customers', 'add'], code: 'INVALID', message: `Customer ${customerGid} does not exist` }]);
  });
});

describe('discountCodeFreeShippingCreate', () => {
  const shippingInput = (overrides: Record<string, unknown> = {}) => {
    const { customerGets: _gets, ...rest } = basicInput();
    return { ...rest, code: 'ROOST-SHIP-0000-0001', destination: { all: true }, ...overrides };
  };

  it('creates a free-shipping code and shares the shop-wide code space with basic codes', async () => {
    const created = await gql<{ discountCodeFreeShippingCreate: Payload }>(h.fake, SHIPPING, { input: shippingInput() });
    expect(created.body.data?.discountCodeFreeShippingCreate.userErrors).toEqual([]);
    expect(h.fake.store.discountByCode(h.shop, 'ROOST-SHIP-0000-0001')).toMatchObject({ discountType: 'DiscountCodeFreeShipping', value: null, customers: [customerGid] });
    const clash = await basic(basicInput({ code: 'ROOST-SHIP-0000-0001' }));
    expect(clash.userErrors.map((error) => error.code)).toEqual(['TAKEN']);
  });

  it('refuses a missing destination', async () => {
    const refused = await gql<{ discountCodeFreeShippingCreate: Payload }>(h.fake, SHIPPING, { input: shippingInput({ destination: undefined }) });
    expect(refused.body.data?.discountCodeFreeShippingCreate.userErrors).toEqual([{ field: ['freeShippingCodeDiscount', 'destination'], code: 'BLANK', message: "Destination can't be blank" }]);
  });
});

describe('storeCreditAccountCredit', () => {
  interface CreditData {
    storeCreditAccountCredit: {
      storeCreditAccountTransaction: { id: string; amount: { amount: string; currencyCode: string }; account: { id: string; balance: { amount: string } } } | null;
      userErrors: (UserError & { code: string })[];
    };
  }
  const credit = async (id: string, amount: string, currencyCode = 'USD') =>
    (await gql<CreditData>(h.fake, CREDIT, { id, input: { creditAmount: { amount, currencyCode } } })).body.data!.storeCreditAccountCredit;

  it("opens the customer's account on the first credit and adds to it after", async () => {
    const first = await credit(customerGid, '10.00');
    expect(first.userErrors).toEqual([]);
    expect(first.storeCreditAccountTransaction).toMatchObject({ amount: { amount: '10.00', currencyCode: 'USD' }, account: { balance: { amount: '10.00' } } });
    const second = await credit(first.storeCreditAccountTransaction!.account.id, '2.5');
    expect(second.storeCreditAccountTransaction?.account.balance.amount).toBe('12.50');
    expect(h.fake.store.storeCredit(h.shop, customerGid)).toMatchObject({ balanceCents: 1250, transactions: [{ amount: '10.00' }, { amount: '2.50' }] });
  });

  it('refuses an unknown customer, a zero amount and another currency, crediting nothing', async () => {
    expect((await credit('gid://shopify/Customer/999999', '10.00')).userErrors).toMatchObject([{ field: ['id'], code: 'ACCOUNT_NOT_FOUND' }]);
    expect((await credit(customerGid, '0')).userErrors).toMatchObject([{ code: 'NEGATIVE_OR_ZERO_AMOUNT' }]);
    expect((await credit(customerGid, '10.00', 'EUR')).userErrors).toMatchObject([{ code: 'MISMATCHING_CURRENCY' }]);
    expect(h.fake.store.storeCredit(h.shop, customerGid)).toBeUndefined();
  });
});

describe('metafieldDefinitionCreate', () => {
  interface DefineData {
    metafieldDefinitionCreate: { createdDefinition: { id: string; namespace: string; key: string; type: { name: string } } | null; userErrors: (UserError & { code: string })[] };
  }
  const define = async (overrides: Record<string, unknown> = {}) =>
    (
      await gql<DefineData>(h.fake, DEFINE, {
        definition: { name: 'Loyalty points balance', namespace: 'roost', key: 'points_balance', type: 'number_integer', ownerType: 'CUSTOMER', access: { storefront: 'PUBLIC_READ', customerAccount: 'READ' }, ...overrides },
      })
    ).body.data!.metafieldDefinitionCreate;

  it('defines a metafield once; the same owner type, namespace and key again is TAKEN', async () => {
    expect(await define()).toMatchObject({ createdDefinition: { namespace: 'roost', key: 'points_balance', type: { name: 'number_integer' } }, userErrors: [] });
    expect(await define()).toEqual({ createdDefinition: null, userErrors: [{ field: ['definition', 'key'], code: 'TAKEN', message: "Key is in use for Customer metafields on the 'roost' namespace." }] });
    expect((await define({ ownerType: 'ORDER' })).userErrors).toEqual([]);
    expect(h.fake.store.metafieldDefinitions(h.shop)).toMatchObject([
      { ownerType: 'CUSTOMER', access: { storefront: 'PUBLIC_READ', customerAccount: 'READ' } },
      { ownerType: 'ORDER' },
    ]);
  });

  it.each([
    ['an unknown type', { type: 'points' }, 'INCLUSION'],
    ['a one-letter key', { key: 'p' }, 'TOO_SHORT'],
    ['a key with a dot', { key: 'points.balance' }, 'INVALID_CHARACTER'],
    ['a blank name', { name: '' }, 'BLANK'],
    ['admin access outside an app namespace', { access: { admin: 'MERCHANT_READ' } }, 'ADMIN_ACCESS_INPUT_NOT_ALLOWED'],
  ])('refuses %s', async (_name, overrides, code) => {
    const result = await define(overrides);
    expect(result.createdDefinition).toBeNull();
    expect(result.userErrors.map((error) => error.code)).toEqual([code]);
    expect(h.fake.store.metafieldDefinitions(h.shop)).toEqual([]);
  });
});
