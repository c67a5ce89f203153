import { afterEach, describe, expect, it, vi } from 'vitest';

import type { BulkOperationFinishEvent } from '../support/fake-shopify/index.js';
import { installFakeShopifyNetwork } from '../support/fake-shopify/index.js';
import type { Harness, UserError } from './helpers.js';
import { createHarness, gql, present } from './helpers.js';

const STAGE = `mutation Stage($input: [StagedUploadInput!]!) {
  stagedUploadsCreate(input: $input) { stagedTargets { url resourceUrl parameters { name value } } userErrors { field message } }
}`;

const RUN = `mutation Run($mutation: String!, $path: String!, $client: String) {
  bulkOperationRunMutation(mutation: $mutation, stagedUploadPath: $path, clientIdentifier: $client) {
    bulkOperation { id status type }
    userErrors { field message code }
  }
}`;

const TAGS_ADD = 'mutation TagsAdd($id: ID!, $tags: [String!]!) { tagsAdd(id: $id, tags: $tags) { node { id } userErrors { field message } } }';
const TAGS_REMOVE = 'mutation TagsRemove($id: ID!, $tags: [String!]!) { tagsRemove(id: $id, tags: $tags) { node { id } userErrors { field message } } }';

const BULK_FIELDS = 'id status errorCode objectCount rootObjectCount fileSize url partialDataUrl query type';

interface StagedTarget {
  url: string;
  resourceUrl: string | null;
  parameters: Array<{ name: string; value: string }>;
}

interface BulkOperation {
  id: string;
  status: string;
  errorCode: string | null;
  objectCount: string;
  rootObjectCount: string;
  fileSize: string | null;
  url: string | null;
  partialDataUrl: string | null;
  query: string;
  type: string;
}

interface RunPayload {
  bulkOperation: { id: string; status: string; type: string } | null;
  userErrors: UserError[];
}

interface ResultLine {
  data?: Record<string, { node: { id: string } | null; userErrors: UserError[] }>;
  errors?: Array<{ message: string }>;
  __lineNumber: number;
}

let h: Harness;

afterEach(async () => {
  await h.fake.dispose();
});

async function stage(filename = 'tags.jsonl'): Promise<StagedTarget> {
  const { body } = await gql<{ stagedUploadsCreate: { stagedTargets: StagedTarget[] | null; userErrors: UserError[] } }>(h.fake, STAGE, {
    input: [{ resource: 'BULK_MUTATION_VARIABLES', filename, mimeType: 'text/jsonl', httpMethod: 'POST' }],
  });
  const payload = present(body.data).stagedUploadsCreate;
  expect(payload.userErrors).toEqual([]);
  return present(present(payload.stagedTargets)[0]);
}

function form(target: StagedTarget, jsonl: string): FormData {
  const data = new FormData();
  for (const { name, value } of target.parameters) data.append(name, value);
  data.append('file', new Blob([jsonl], { type: 'text/jsonl' }), 'tags.jsonl');
  return data;
}

/** Stages `lines` as JSONL the way Roost will: stagedUploadsCreate, then a multipart POST. */
async function upload(lines: readonly unknown[]): Promise<string> {
  const target = await stage();
  const response = await h.fake.handle(new Request(target.url, { method: 'POST', body: form(target, lines.map((line) => JSON.stringify(line)).join('\n')) }));
  expect(response.status).toBe(201);
  return present(target.parameters.find((parameter) => parameter.name === 'key')).value;
}

async function run(mutation: string, path: string, client?: string): Promise<RunPayload> {
  const { body } = await gql<{ bulkOperationRunMutation: RunPayload }>(h.fake, RUN, { mutation, path, client });
  return present(body.data).bulkOperationRunMutation;
}

async function poll(id: string): Promise<BulkOperation> {
  const { body } = await gql<{ bulkOperation: BulkOperation }>(h.fake, `query Poll($id: ID!) { bulkOperation(id: $id) { ${BULK_FIELDS} } }`, { id });
  return present(body.data).bulkOperation;
}

async function results(url: string): Promise<ResultLine[]> {
  const response = await h.fake.handle(new Request(url));
  expect(response.status).toBe(200);
  const text = await response.text();
  return text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as ResultLine);
}

function seedCustomers(count: number, tags: string[] = []): string[] {
  return Array.from({ length: count }, (_, index) => h.fake.store.addCustomer(h.shop, { email: `c${index}@example.com`, tags }).id);
}

describe('stagedUploadsCreate', () => {
  it('hands out a signed POST target for bulk mutation variables and stores the posted file under its key', async () => {
    h = createHarness();
    const target = await stage('vars.jsonl');
    expect(target.url).toBe(`https://${h.shop}/staged-uploads`);
    expect(target.resourceUrl).toBeNull();
    expect(target.parameters.map((parameter) => parameter.name)).toEqual([
      'Content-Type',
      'success_action_status',
      'acl',
      'key',
      'x-goog-date',
      'x-goog-credential',
      'x-goog-algorithm',
      'x-goog-signature',
      'policy',
    ]);
    const key = present(target.parameters.find((parameter) => parameter.name === 'key')).value;
    expect(key).toMatch(/^tmp\/\d+\/bulk\/[0-9a-f-]{36}\/vars\.jsonl$/);

    const response = await h.fake.handle(new Request(target.url, { method: 'POST', body: form(target, '{"id":"gid://shopify/Customer/1"}\n') }));
    expect(response.status).toBe(201);
    expect(await response.text()).toContain(`<Key>${key}</Key>`);
    const state = h.fake.store.state(h.shop);
    expect(h.fake.store.stagedUpload(state, key)?.content).toBe('{"id":"gid://shopify/Customer/1"}\n');

    const forged = form(target, 'x');
    forged.set('x-goog-signature', 'forged');
    expect((await h.fake.handle(new Request(target.url, { method: 'POST', body: forged }))).status).toBe(403);
    const unknown = form(target, 'x');
    unknown.set('key', 'tmp/1/bulk/never-issued/vars.jsonl');
    expect((await h.fake.handle(new Request(target.url, { method: 'POST', body: unknown }))).status).toBe(403);
    const noFile = new FormData();
    for (const { name, value } of target.parameters) noFile.append(name, value);
    expect((await h.fake.handle(new Request(target.url, { method: 'POST', body: noFile }))).status).toBe(400);
  });

  it('serves the target on the loopback server too', async () => {
    h = createHarness();
    const { url: serverUrl } = await h.fake.listen();
    const target = await stage();
    expect(target.url).toBe(`${serverUrl}/staged-uploads`);
    const response = await fetch(target.url, { method: 'POST', body: form(target, '{}\n') });
    expect(response.status).toBe(201);
  });

  it('validates its input: blank filename or mime type are userErrors, an unknown resource a top-level error', async () => {
    h = createHarness();
    const blank = await gql<{ stagedUploadsCreate: { stagedTargets: unknown; userErrors: UserError[] } }>(h.fake, STAGE, {
      input: [{ resource: 'BULK_MUTATION_VARIABLES', filename: ' ', mimeType: '', httpMethod: 'POST' }],
    });
    expect(present(blank.body.data).stagedUploadsCreate).toEqual({
      stagedTargets: null,
      userErrors: [
        { field: ['input', '0', 'filename'], message: "Filename can't be blank" },
        { field: ['input', '0', 'mimeType'], message: "Mime type can't be blank" },
      ],
    });

    const unknown = await gql(h.fake, STAGE, { input: [{ resource: 'SPREADSHEET', filename: 'a.jsonl', mimeType: 'text/jsonl' }] });
    expect(unknown.body.data).toBeUndefined();
    expect(unknown.body.errors?.[0]).toMatchObject({ message: expect.stringContaining('SPREADSHEET'), extensions: { code: 'INVALID_VARIABLE' } });

    const missing = await gql(h.fake, STAGE, { input: [{ resource: 'BULK_MUTATION_VARIABLES', mimeType: 'text/jsonl' }] });
    expect(missing.body.errors?.[0]).toMatchObject({ message: expect.stringContaining('filename'), extensions: { code: 'INVALID_VARIABLE' } });
  });
});

describe('bulkOperationRunMutation', () => {
  it('tags 5,000 customers from one file, then removes the tag, writing one result line per input line', async () => {
    h = createHarness();
    const events: BulkOperationFinishEvent[] = [];
    h.fake.store.onBulkOperationFinish((event) => {
      events.push(event);
    });
    const ids = seedCustomers(5000, ['existing']);

    const addPath = await upload(ids.map((id) => ({ id, tags: ['roost-vip'] })));
    const started = await run(TAGS_ADD, addPath, 'roost-tags-1');
    expect(started.userErrors).toEqual([]);
    const operation = present(started.bulkOperation);
    expect(operation).toMatchObject({ status: 'CREATED', type: 'MUTATION' });

    const finished = await vi.waitFor(async () => {
      const current = await poll(operation.id);
      expect(current.status).toBe('COMPLETED');
      return current;
    });
    expect(finished).toMatchObject({ errorCode: null, objectCount: '5000', type: 'MUTATION', query: TAGS_ADD, partialDataUrl: null });
    const lines = await results(present(finished.url));
    expect(lines).toHaveLength(5000);
    expect(lines.map((line) => line.__lineNumber)).toEqual(ids.map((_, index) => index));
    expect(lines[0]).toEqual({ data: { tagsAdd: { node: { id: ids[0] }, userErrors: [] } }, __lineNumber: 0 });
    expect(lines.every((line, index) => line.data?.tagsAdd?.node?.id === ids[index])).toBe(true);
    expect(h.fake.store.customer(h.shop, present(ids[4999]))?.tags).toEqual(['existing', 'roost-vip']);

    const current = await gql<{ currentBulkOperation: { id: string; status: string } }>(h.fake, '{ currentBulkOperation(type: MUTATION) { id status } }');
    expect(present(current.body.data).currentBulkOperation).toEqual({ id: operation.id, status: 'COMPLETED' });

    const removePath = await upload(ids.map((id) => ({ id, tags: ['roost-vip'] })));
    const removal = present((await run(TAGS_REMOVE, removePath)).bulkOperation);
    const removed = await vi.waitFor(async () => {
      const polled = await poll(removal.id);
      expect(polled.status).toBe('COMPLETED');
      return polled;
    });
    const removeLines = await results(present(removed.url));
    expect(removeLines).toHaveLength(5000);
    expect(removeLines.every((line) => line.data?.tagsRemove?.userErrors.length === 0)).toBe(true);
    expect(ids.every((id) => h.fake.store.customer(h.shop, id)?.tags.join() === 'existing')).toBe(true);

    expect(events.map((event) => [event.payload.type, event.payload.status])).toEqual([
      ['mutation', 'completed'],
      ['mutation', 'completed'],
    ]);
    expect(h.fake.store.internalErrors).toEqual([]);
  });

  it('reports a gone customer in its result line while the other lines apply', async () => {
    h = createHarness({ autoCompleteBulkOperations: false });
    const [first, gone, last] = seedCustomers(3);
    h.fake.store.deleteCustomer(h.shop, present(gone));
    const path = await upload([
      { id: first, tags: ['roost-gold'] },
      { id: gone, tags: ['roost-gold'] },
      { id: last, tags: ['roost-gold'] },
      { id: last, tags: 'not-a-list-but-still-a-string' },
      { tags: ['no-id'] },
    ]);
    const operation = present((await run(TAGS_ADD, path)).bulkOperation);
    h.fake.store.completeBulkOperations(h.shop);
    const lines = await results(present((await poll(operation.id)).url));
    expect(lines.slice(0, 3)).toEqual([
      { data: { tagsAdd: { node: { id: first }, userErrors: [] } }, __lineNumber: 0 },
      { data: { tagsAdd: { node: null, userErrors: [{ field: ['id'], message: 'Resource not found' }] } }, __lineNumber: 1 },
      { data: { tagsAdd: { node: { id: last }, userErrors: [] } }, __lineNumber: 2 },
    ]);
    // A lone string coerces to a one-element list, as GraphQL input coercion does.
    expect(lines[3]).toEqual({ data: { tagsAdd: { node: { id: last }, userErrors: [] } }, __lineNumber: 3 });
    expect(lines[4]).toEqual({ errors: [{ message: expect.stringContaining('"$id"'), extensions: { code: 'INVALID_VARIABLE' } }], __lineNumber: 4 });
    expect(h.fake.store.customer(h.shop, present(first))?.tags).toEqual(['roost-gold']);
    expect(h.fake.store.customer(h.shop, present(last))?.tags).toEqual(['not-a-list-but-still-a-string', 'roost-gold']);
  });

  it('runs up to five bulk mutations at once (API 2026-01 and later) and refuses a sixth', async () => {
    h = createHarness({ autoCompleteBulkOperations: false });
    const [id] = seedCustomers(1);
    const path = await upload([{ id, tags: ['a'] }]);
    const started: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      const result = await run(TAGS_ADD, path);
      expect(result.userErrors).toEqual([]);
      started.push(present(result.bulkOperation).id);
    }
    const sixth = await run(TAGS_ADD, path);
    expect(sixth.bulkOperation).toBeNull();
    expect(sixth.userErrors).toEqual([{ field: null, code: 'LIMIT_REACHED', message: expect.stringContaining('Bulk operations limit reached') }]);

    // A running bulk query does not count against the bulk mutation limit.
    const query = await gql<{ bulkOperationRunQuery: { userErrors: UserError[] } }>(
      h.fake,
      'mutation { bulkOperationRunQuery(query: "{ customers { edges { node { id } } } }") { userErrors { message } } }',
    );
    expect(present(query.body.data).bulkOperationRunQuery.userErrors).toEqual([]);

    h.fake.store.completeBulkOperations(h.shop);
    expect((await run(TAGS_ADD, path)).userErrors).toEqual([]);
  });

  it('refuses a second concurrent bulk mutation when the shop allows one at a time', async () => {
    h = createHarness({ autoCompleteBulkOperations: false, maxConcurrentBulkMutations: 1 });
    const [id] = seedCustomers(1);
    const path = await upload([{ id, tags: ['a'] }]);
    const first = present((await run(TAGS_ADD, path)).bulkOperation);
    expect(await run(TAGS_REMOVE, path)).toEqual({
      bulkOperation: null,
      userErrors: [
        { field: null, code: 'OPERATION_IN_PROGRESS', message: `A bulk mutation operation for this app and shop is already in progress: ${first.id}.` },
      ],
    });
    h.fake.store.completeBulkOperations(h.shop);
    expect((await run(TAGS_REMOVE, path)).userErrors).toEqual([]);
  });

  it('validates the mutation and the staged file', async () => {
    h = createHarness();
    const [id] = seedCustomers(1);
    const path = await upload([{ id, tags: ['a'] }]);
    const cases: Array<[string, string, string, string]> = [
      ['mutation {', path, 'INVALID_MUTATION', 'Invalid mutation: Syntax Error'],
      ['{ shop { name } }', path, 'INVALID_MUTATION', 'Bulk mutations must be mutation operations.'],
      [`${TAGS_ADD} ${TAGS_REMOVE}`, path, 'INVALID_MUTATION', 'Bulk mutations must contain exactly one operation.'],
      [
        'mutation Two($id: ID!, $tags: [String!]!) { a: tagsAdd(id: $id, tags: $tags) { node { id } } b: tagsRemove(id: $id, tags: $tags) { node { id } } }',
        path,
        'INVALID_MUTATION',
        'Bulk mutations must contain exactly one mutation field; this one has 2.',
      ],
      ['mutation { nope }', path, 'INVALID_MUTATION', 'Invalid mutation: Cannot query field "nope" on type "Mutation".'],
      [TAGS_ADD, 'tmp/1/bulk/missing/tags.jsonl', 'NO_SUCH_FILE', 'The JSONL file could not be found.'],
    ];
    for (const [mutation, stagedUploadPath, code, message] of cases) {
      const result = await run(mutation, stagedUploadPath);
      expect(result.bulkOperation).toBeNull();
      expect(result.userErrors).toEqual([{ field: [code === 'NO_SUCH_FILE' ? 'stagedUploadPath' : 'mutation'], code, message: expect.stringContaining(message) }]);
    }

    // A target that was issued but never posted to is no file either.
    const target = await stage();
    const unposted = present(target.parameters.find((parameter) => parameter.name === 'key')).value;
    expect((await run(TAGS_ADD, unposted)).userErrors[0]?.code).toBe('NO_SUCH_FILE');

    const broken = await stage();
    await h.fake.handle(new Request(broken.url, { method: 'POST', body: form(broken, '{"id": 1}\nnot json\n') }));
    const brokenKey = present(broken.parameters.find((parameter) => parameter.name === 'key')).value;
    expect((await run(TAGS_ADD, brokenKey)).userErrors).toEqual([
      { field: ['stagedUploadPath'], code: 'INVALID_STAGED_UPLOAD_FILE', message: 'Line 2 of the staged upload file is not valid JSON.' },
    ]);
  });

  it('charges only the run mutation itself to the throttle bucket, never its lines', async () => {
    h = createHarness({ autoCompleteBulkOperations: false });
    const ids = seedCustomers(1000);
    const path = await upload(ids.map((id) => ({ id, tags: ['t'] })));
    const before = h.fake.store.throttleStatus(h.fake.store.state(h.shop)).currentlyAvailable;
    const { body } = await gql<{ bulkOperationRunMutation: RunPayload }>(h.fake, RUN, { mutation: TAGS_ADD, path });
    expect(body.extensions.cost.requestedQueryCost).toBe(10);
    h.fake.store.completeBulkOperations(h.shop);
    // 1,000 tagsAdd calls at 10 points would empty a 2,000-point bucket five times over.
    expect(h.fake.store.throttleStatus(h.fake.store.state(h.shop)).currentlyAvailable).toBe(before - 10);
    expect(ids.every((id) => h.fake.store.customer(h.shop, id)?.tags.includes('t'))).toBe(true);
  });

  it('reports tag limits per line: a tag over 255 characters, and a customer the add would take past 250 tags', async () => {
    h = createHarness({ autoCompleteBulkOperations: false });
    const full = h.fake.store.addCustomer(h.shop, { email: 'full@example.com', tags: Array.from({ length: 250 }, (_, index) => `t${index}`) }).id;
    const [plain] = seedCustomers(1);
    const path = await upload([
      { id: plain, tags: ['x'.repeat(256)] },
      { id: full, tags: ['one-more'] },
      { id: full, tags: ['T1'] },
      { id: plain, tags: ['y'.repeat(255)] },
    ]);
    const operation = present((await run(TAGS_ADD, path)).bulkOperation);
    h.fake.store.completeBulkOperations(h.shop);
    const lines = await results(present((await poll(operation.id)).url));
    expect(lines.map((line) => line.data?.tagsAdd)).toEqual([
      { node: null, userErrors: [{ field: ['tags'], message: expect.stringContaining('maximum is 255 characters') }] },
      { node: null, userErrors: [{ field: ['tags'], message: expect.stringContaining('cannot exceed 250 tags') }] },
      // Already present (tags compare case-insensitively): no change, so no limit to hit.
      { node: { id: full }, userErrors: [] },
      { node: { id: plain }, userErrors: [] },
    ]);
    expect(h.fake.store.customer(h.shop, full)?.tags).toHaveLength(250);
    expect(h.fake.store.customer(h.shop, present(plain))?.tags).toEqual(['y'.repeat(255)]);
  });

  it('shows RUNNING while the configured delay elapses, then emits bulk_operations/finish', async () => {
    h = createHarness({ bulkCompletionDelayMs: 300, emitWebhooks: true });
    const [id] = seedCustomers(1);
    const path = await upload([{ id, tags: ['slow'] }]);
    const operation = present((await run(TAGS_ADD, path)).bulkOperation);
    await vi.waitFor(async () => expect((await poll(operation.id)).status).toBe('RUNNING'), { interval: 10 });
    expect(h.fake.store.customer(h.shop, present(id))?.tags).toEqual([]);
    await vi.waitFor(async () => expect((await poll(operation.id)).status).toBe('COMPLETED'), { timeout: 3000 });
    const topics = h.fake.store.webhookLog.map((event) => event.topic);
    expect(topics).toContain('customer.tags_added');
    const finish = h.fake.store.webhookLog.find((event) => event.topic === 'bulk_operations/finish');
    expect(finish?.payload).toMatchObject({ admin_graphql_api_id: operation.id, status: 'completed', type: 'mutation', error_code: null });
  });

  it('fails on request after applying only the first half of the lines, exposing them as partial data', async () => {
    h = createHarness({ autoCompleteBulkOperations: false });
    const ids = seedCustomers(4);
    const path = await upload(ids.map((id) => ({ id, tags: ['half'] })));
    h.fake.store.failNextBulkOperation(h.shop, 'INTERNAL_SERVER_ERROR');
    const operation = present((await run(TAGS_ADD, path)).bulkOperation);
    h.fake.store.completeBulkOperations(h.shop);
    const failed = await poll(operation.id);
    expect(failed).toMatchObject({ status: 'FAILED', errorCode: 'INTERNAL_SERVER_ERROR', objectCount: '2', url: null });
    const lines = await results(present(failed.partialDataUrl));
    expect(lines.map((line) => line.__lineNumber)).toEqual([0, 1]);
    expect(ids.map((id) => h.fake.store.customer(h.shop, id)?.tags)).toEqual([['half'], ['half'], [], []]);
  });

  it('runs any mutation the fake knows, e.g. metafieldsSet, from a file PUT to its signed URL', async () => {
    h = createHarness({ autoCompleteBulkOperations: false });
    const [id] = seedCustomers(1);
    const { body } = await gql<{ stagedUploadsCreate: { stagedTargets: StagedTarget[] } }>(h.fake, STAGE, {
      input: [{ resource: 'BULK_MUTATION_VARIABLES', filename: 'points.jsonl', mimeType: 'text/jsonl', httpMethod: 'PUT' }],
    });
    const target = present(present(body.data).stagedUploadsCreate.stagedTargets[0]);
    const line = { metafields: [{ ownerId: id, namespace: '$app', key: 'points', type: 'number_integer', value: '120' }] };
    expect((await h.fake.handle(new Request(target.url, { method: 'PUT', body: JSON.stringify(line) }))).status).toBe(200);
    const forged = new URL(target.url);
    forged.searchParams.set('sig', 'forged');
    expect((await h.fake.handle(new Request(forged, { method: 'PUT', body: '{}' }))).status).toBe(403);

    const key = decodeURIComponent(new URL(target.url).pathname.replace('/staged-uploads/', ''));
    const mutation = 'mutation Set($metafields: [MetafieldsSetInput!]!) { metafieldsSet(metafields: $metafields) { metafields { key value } userErrors { field message } } }';
    const operation = present((await run(mutation, key)).bulkOperation);
    h.fake.store.completeBulkOperations(h.shop);
    const text = await (await h.fake.handle(new Request(present((await poll(operation.id)).url)))).text();
    expect(JSON.parse(text.trim())).toEqual({ data: { metafieldsSet: { metafields: [{ key: 'points', value: '120' }], userErrors: [] } }, __lineNumber: 0 });
  });

  it('reaches the fake through the network guard: upload, run and download with fetch', async () => {
    h = createHarness();
    const network = installFakeShopifyNetwork(h.fake);
    try {
      const [id] = seedCustomers(1);
      const target = await stage();
      const posted = await fetch(target.url, { method: 'POST', body: form(target, JSON.stringify({ id, tags: ['net'] })) });
      expect(posted.status).toBe(201);
      const key = present(target.parameters.find((parameter) => parameter.name === 'key')).value;
      const operation = present((await run(TAGS_ADD, key)).bulkOperation);
      const finished = await vi.waitFor(async () => {
        const polled = await poll(operation.id);
        expect(polled.status).toBe('COMPLETED');
        return polled;
      });
      const text = await (await fetch(present(finished.url))).text();
      expect(JSON.parse(text.trim())).toEqual({ data: { tagsAdd: { node: { id }, userErrors: [] } }, __lineNumber: 0 });
    } finally {
      await network.uninstall();
    }
  });
});
