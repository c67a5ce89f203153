import { afterEach, describe, expect, it, vi } from 'vitest';

import type { BulkOperationFinishEvent } from '../support/fake-shopify/index.js';
import type { Harness, UserError } from './helpers.js';
import { createHarness, gql, present } from './helpers.js';

const RUN = `mutation Run($query: String!, $group: Boolean!) {
  bulkOperationRunQuery(query: $query, groupObjects: $group) { bulkOperation { id status } userErrors { field message code } }
}`;

const PRODUCTS_WITH_VARIANTS = `{
  products {
    edges { node {
      id
      title
      variants { edges { node { id sku inventoryQuantity } } }
    } }
  }
}`;

const BULK_FIELDS = 'id status errorCode createdAt completedAt objectCount rootObjectCount fileSize url partialDataUrl query type';

interface BulkOperation {
  id: string;
  status: string;
  errorCode: string | null;
  createdAt: string;
  completedAt: string | null;
  objectCount: string;
  rootObjectCount: string;
  fileSize: string | null;
  url: string | null;
  partialDataUrl: string | null;
  query: string;
  type: string;
}

interface RunPayload {
  bulkOperationRunQuery: { bulkOperation: { id: string; status: string } | null; userErrors: UserError[] };
}

let h: Harness;

afterEach(async () => {
  await h.fake.dispose();
});

async function run(query: string, group = false): Promise<RunPayload['bulkOperationRunQuery']> {
  const { body } = await gql<RunPayload>(h.fake, RUN, { query, group });
  return present(body.data).bulkOperationRunQuery;
}

async function poll(id: string): Promise<BulkOperation> {
  const { body } = await gql<{ node: BulkOperation }>(h.fake, `query Poll($id: ID!) { node(id: $id) { ... on BulkOperation { ${BULK_FIELDS} } } }`, { id });
  return present(body.data).node;
}

function seedCatalog(): { productIds: string[]; variantIds: string[][] } {
  const productIds: string[] = [];
  const variantIds: string[][] = [];
  for (let index = 1; index <= 3; index += 1) {
    const product = h.fake.store.addProduct(h.shop, {
      title: `Board ${index}`,
      variants: [
        { title: 'S', sku: `B${index}-S`, inventory: { Warehouse: index } },
        { title: 'L', sku: `B${index}-L`, inventory: { Warehouse: 10 * index } },
      ],
    });
    productIds.push(product.id);
    variantIds.push(product.variants.map((variant) => variant.id));
  }
  return { productIds, variantIds };
}

describe('bulk query operations', () => {
  it('runs end to end: CREATED, polled to COMPLETED, JSONL streamed from the loopback server', async () => {
    h = createHarness();
    const { url: serverUrl } = await h.fake.listen();
    const { productIds, variantIds } = seedCatalog();
    const events: BulkOperationFinishEvent[] = [];
    h.fake.store.onBulkOperationFinish((event) => {
      events.push(event);
    });

    const started = await run(PRODUCTS_WITH_VARIANTS);
    expect(started.userErrors).toEqual([]);
    const operation = present(started.bulkOperation);
    expect(operation).toEqual({ id: expect.stringMatching(/^gid:\/\/shopify\/BulkOperation\/\d+$/), status: 'CREATED' });

    const second = await run('{ customers { edges { node { id } } } }');
    expect(second).toEqual({
      bulkOperation: null,
      userErrors: [
        {
          field: null,
          code: 'OPERATION_IN_PROGRESS',
          message: `A bulk query operation for this app and shop is already in progress: ${operation.id}.`,
        },
      ],
    });

    const finished = await vi.waitFor(async () => {
      const current = await poll(operation.id);
      expect(current.status).toBe('COMPLETED');
      return current;
    });
    expect(finished).toEqual({
      id: operation.id,
      status: 'COMPLETED',
      errorCode: null,
      createdAt: '2026-03-01T12:00:00Z',
      completedAt: '2026-03-01T12:00:00Z',
      objectCount: '9',
      rootObjectCount: '3',
      fileSize: expect.stringMatching(/^\d+$/),
      url: expect.stringMatching(new RegExp(`^${serverUrl}/bulk/\\d+\\.jsonl\\?sig=[0-9a-f]+$`)),
      partialDataUrl: null,
      query: PRODUCTS_WITH_VARIANTS,
      type: 'QUERY',
    });

    const current = await gql<{ currentBulkOperation: { id: string; status: string } }>(
      h.fake,
      '{ currentBulkOperation(type: QUERY) { id status } }',
    );
    expect(present(current.body.data).currentBulkOperation).toEqual({ id: operation.id, status: 'COMPLETED' });

    const download = await fetch(present(finished.url));
    expect(download.status).toBe(200);
    const text = await download.text();
    expect(Buffer.byteLength(text)).toBe(Number(finished.fileSize));
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(9);
    for (const line of lines) {
      expect(Object.keys(line)).not.toContain('edges');
      expect(Object.keys(line)).not.toContain('node');
      expect(Object.keys(line)).not.toContain('variants');
    }
    const products = lines.filter((line) => !('__parentId' in line));
    expect(products).toEqual(productIds.map((id, index) => ({ id, title: `Board ${index + 1}` })));
    const variants = lines.filter((line) => '__parentId' in line);
    expect(variants).toEqual(
      variantIds.flatMap((ids, index) => [
        { id: ids[0], sku: `B${index + 1}-S`, inventoryQuantity: index + 1, __parentId: productIds[index] },
        { id: ids[1], sku: `B${index + 1}-L`, inventoryQuantity: 10 * (index + 1), __parentId: productIds[index] },
      ]),
    );
    // Every child follows its parent.
    const seen = new Set<unknown>();
    for (const line of lines) {
      if ('__parentId' in line) expect(seen.has(line.__parentId)).toBe(true);
      seen.add(line.id);
    }

    expect(events).toEqual([
      {
        shop: h.shop,
        operation: expect.objectContaining({ id: operation.id, status: 'COMPLETED', objectCount: 9 }),
        payload: {
          admin_graphql_api_id: operation.id,
          completed_at: '2026-03-01T07:00:00-05:00',
          created_at: '2026-03-01T07:00:00-05:00',
          error_code: null,
          status: 'completed',
          type: 'query',
        },
      },
    ]);
    expect(h.fake.store.internalErrors).toEqual([]);
  });

  it('completes on demand when auto-completion is off, grouping children when asked', async () => {
    h = createHarness({ autoCompleteBulkOperations: false });
    const { productIds } = seedCatalog();
    const grouped = present((await run(PRODUCTS_WITH_VARIANTS, true)).bulkOperation);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await poll(grouped.id)).status).toBe('CREATED');

    h.clock.advance(30_000);
    expect(h.fake.store.completeBulkOperations(h.shop)).toEqual([expect.objectContaining({ id: grouped.id, status: 'COMPLETED' })]);
    const finished = await poll(grouped.id);
    expect(finished.completedAt).toBe('2026-03-01T12:00:30Z');
    const text = await (await h.fake.handle(new Request(present(finished.url)))).text();
    const parents = text
      .trimEnd()
      .split('\n')
      .map((line) => (JSON.parse(line) as { __parentId?: string; id: string }).__parentId ?? 'root');
    expect(parents).toEqual(productIds.flatMap((id) => ['root', id, id]));
  });

  it('shows RUNNING while a configured delay elapses', async () => {
    h = createHarness({ bulkCompletionDelayMs: 300 });
    seedCatalog();
    const operation = present((await run(PRODUCTS_WITH_VARIANTS)).bulkOperation);
    await vi.waitFor(async () => expect((await poll(operation.id)).status).toBe('RUNNING'), { interval: 10 });
    await vi.waitFor(async () => expect((await poll(operation.id)).status).toBe('COMPLETED'), { timeout: 3000 });
  });

  it('ignores page sizes and returns null url when there is nothing to export', async () => {
    h = createHarness({ autoCompleteBulkOperations: false });
    const empty = present((await run('{ customers(first: 1) { edges { node { id } } } }')).bulkOperation);
    h.fake.store.completeBulkOperations();
    expect(await poll(empty.id)).toMatchObject({ status: 'COMPLETED', objectCount: '0', url: null, fileSize: null });

    for (let index = 0; index < 30; index += 1) {
      h.fake.store.addCustomer(h.shop, { email: `bulk${index}@example.com` });
    }
    const all = present((await run('{ customers(first: 1, query: "email:bulk1*") { nodes { id email } } }')).bulkOperation);
    h.fake.store.completeBulkOperations();
    expect((await poll(all.id)).objectCount).toBe('11');
  });

  it('validates the bulk query like Shopify', async () => {
    h = createHarness();
    const cases: Array<[string, string]> = [
      ['{ shop { name } }', 'Bulk queries must contain at least one connection.'],
      ['{ products { edges { node { title variants { edges { node { id } } } } } } }', "The parent 'node' field for a nested connection must select the 'id' field. Connection field: 'variants'."],
      [
        '{ products { edges { node { id variants { edges { node { id inventoryItem { inventoryLevels { edges { node { id } } } } } } } } } } }',
        "Bulk queries cannot contain connections with a nesting depth greater than 2. Connection field: 'inventoryLevels'.",
      ],
      ['{ products { edges { node { nope } } } }', 'Invalid bulk query: Cannot query field "nope" on type "Product".'],
      ['mutation { tagsAdd(id: "gid://shopify/Customer/1", tags: ["x"]) { userErrors { message } } }', 'Bulk queries must be query operations. Use bulkOperationRunMutation for mutations.'],
      ['{ products {', 'Invalid bulk query: Syntax Error: Expected Name, found <EOF>.'],
    ];
    for (const [query, message] of cases) {
      const result = await run(query);
      expect(result.bulkOperation).toBeNull();
      expect(result.userErrors).toEqual([{ field: ['query'], code: 'INVALID', message }]);
    }
  });

  it('cancels a running operation and reports the finish event', async () => {
    h = createHarness({ autoCompleteBulkOperations: false });
    seedCatalog();
    const statuses: string[] = [];
    h.fake.store.onBulkOperationFinish((event) => {
      statuses.push(event.payload.status);
    });
    const operation = present((await run(PRODUCTS_WITH_VARIANTS)).bulkOperation);
    const { body } = await gql<{ bulkOperationCancel: { bulkOperation: { id: string; status: string }; userErrors: UserError[] } }>(
      h.fake,
      'mutation Cancel($id: ID!) { bulkOperationCancel(id: $id) { bulkOperation { id status } userErrors { field message } } }',
      { id: operation.id },
    );
    expect(present(body.data).bulkOperationCancel).toEqual({ bulkOperation: { id: operation.id, status: 'CANCELING' }, userErrors: [] });
    await vi.waitFor(async () => expect((await poll(operation.id)).status).toBe('CANCELED'));
    expect(statuses).toEqual(['canceled']);

    const next = await run(PRODUCTS_WITH_VARIANTS);
    expect(next.userErrors).toEqual([]);
  });

  it('fails an operation on request, exposing partial data', async () => {
    h = createHarness({ autoCompleteBulkOperations: false });
    seedCatalog();
    h.fake.store.failNextBulkOperation(h.shop, 'TIMEOUT');
    const operation = present((await run(PRODUCTS_WITH_VARIANTS)).bulkOperation);
    h.fake.store.completeBulkOperations();
    const failed = await poll(operation.id);
    expect(failed).toMatchObject({ status: 'FAILED', errorCode: 'TIMEOUT', url: null, partialDataUrl: expect.stringContaining('/bulk/') });
    const partial = await (await h.fake.handle(new Request(present(failed.partialDataUrl)))).text();
    expect(partial.trimEnd().split('\n')).toHaveLength(Number(failed.objectCount));
  });

  it('refuses downloads with a wrong signature', async () => {
    h = createHarness({ autoCompleteBulkOperations: false });
    seedCatalog();
    const operation = present((await run(PRODUCTS_WITH_VARIANTS)).bulkOperation);
    h.fake.store.completeBulkOperations();
    const url = new URL(present((await poll(operation.id)).url));
    url.searchParams.set('sig', 'forged');
    expect((await h.fake.handle(new Request(url))).status).toBe(403);
  });
});
