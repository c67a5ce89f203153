import type { AdminGraphQLResponse, CreateFakeShopifyOptions, FakeShopify } from '../support/fake-shopify/index.js';
import { createFakeShopify, ManualClock } from '../support/fake-shopify/index.js';

export const SHOP = 'roost-test.myshopify.com';
export const TOKEN = 'shpat_fake_roost_test';
export const API_URL = `https://${SHOP}/admin/api/2026-10/graphql.json`;

export interface Harness {
  fake: FakeShopify;
  clock: ManualClock;
  shop: string;
}

export function createHarness(options: CreateFakeShopifyOptions = {}): Harness {
  const clock = new ManualClock('2026-03-01T12:00:00Z');
  const fake = createFakeShopify({ clock, ...options });
  const shop = fake.store.registerShop(SHOP, {
    accessToken: TOKEN,
    name: 'Roost Test Store',
    timezone: 'America/New_York',
    currency: 'USD',
  });
  return { fake, clock, shop };
}

export interface GraphQLHttpResult<TData> {
  status: number;
  headers: Headers;
  body: AdminGraphQLResponse & { data?: TData | null };
}

/** A GraphQL call through `fake.handle`, i.e. the full HTTP semantics without a socket. */
export async function gql<TData = unknown>(
  fake: FakeShopify,
  query: string,
  variables?: Record<string, unknown>,
  init: { token?: string; url?: string; operationName?: string } = {},
): Promise<GraphQLHttpResult<TData>> {
  const response = await fake.handle(
    new Request(init.url ?? API_URL, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Shopify-Access-Token': init.token ?? TOKEN },
      body: JSON.stringify({ query, variables, operationName: init.operationName }),
    }),
  );
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLHttpResult<TData>['body'] };
}

export interface Connection<T> {
  edges: Array<{ cursor: string; node: T }>;
  nodes: T[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

export interface Money {
  amount: string;
  currencyCode: string;
}

export interface UserError {
  field: string[] | null;
  message: string;
  code?: string;
}

/** Narrows away null/undefined for results the test has just asserted exist. */
export function present<T>(value: T | null | undefined, what = 'value'): T {
  if (value === null || value === undefined) {
    throw new Error(`expected ${what} to be present`);
  }
  return value;
}
