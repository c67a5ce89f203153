/**
 * Bulk mutations: the mutation is validated when the operation is created, then run once per line
 * of the staged JSONL file through the schema's execute path, with that line as its variables.
 * Lines are not charged against the throttle bucket. Each line writes one result line:
 * `{"data": {...}, "__lineNumber": n}` (plus `errors` when the line failed), n counting from 0.
 */
import type { DocumentNode, FieldNode, FragmentDefinitionNode, GraphQLSchema, OperationDefinitionNode, SelectionSetNode } from 'graphql';
import { executeSync, getVariableValues, GraphQLError, Kind, parse, validate } from 'graphql';

import type { FakeShopifyContext } from './schema.js';
import type { BulkOperationRecord, BulkQueryResult, FakeShopifyStore, ShopState } from './store.js';

export type BulkMutationErrorCode =
  | 'INTERNAL_FILE_SERVER_ERROR'
  | 'INVALID_MUTATION'
  | 'INVALID_STAGED_UPLOAD_FILE'
  | 'LIMIT_REACHED'
  | 'NO_SUCH_FILE'
  | 'OPERATION_IN_PROGRESS';

export interface BulkMutationUserErrorData {
  code: BulkMutationErrorCode;
  field: string[] | null;
  message: string;
}

/** Mutations that cannot run inside a bulk mutation: they start or feed bulk work themselves. */
const NOT_IN_BULK = new Set(['bulkOperationRunMutation', 'bulkOperationRunQuery', 'bulkOperationCancel', 'stagedUploadsCreate']);

function rootFields(selectionSet: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, seen = new Set<string>()): FieldNode[] {
  const fields: FieldNode[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value !== '__typename') fields.push(selection);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      fields.push(...rootFields(selection.selectionSet, fragments, seen));
    } else {
      const fragment = fragments.get(selection.name.value);
      if (fragment && !seen.has(fragment.name.value)) {
        seen.add(fragment.name.value);
        fields.push(...rootFields(fragment.selectionSet, fragments, seen));
      }
    }
  }
  return fields;
}

function invalidMutation(message: string): BulkMutationUserErrorData {
  return { code: 'INVALID_MUTATION', field: ['mutation'], message };
}

/** Shopify's checks on `bulkOperationRunMutation(mutation:)`: one mutation operation with one root field. */
export function bulkMutationUserErrors(schema: GraphQLSchema, mutation: string): BulkMutationUserErrorData[] {
  let document: DocumentNode;
  try {
    document = parse(mutation);
  } catch (error) {
    if (error instanceof GraphQLError) return [invalidMutation(`Invalid mutation: ${error.message}`)];
    throw error;
  }
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length !== 1) {
    return [invalidMutation('Bulk mutations must contain exactly one operation.')];
  }
  const operation = operations[0] as OperationDefinitionNode;
  if (operation.operation !== 'mutation') {
    return [invalidMutation('Bulk mutations must be mutation operations. Use bulkOperationRunQuery for queries.')];
  }
  const problems = validate(schema, document);
  if (problems.length > 0) {
    return problems.map((problem) => invalidMutation(`Invalid mutation: ${problem.message}`));
  }
  const fragments = new Map(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  const fields = rootFields(operation.selectionSet, fragments);
  if (fields.length !== 1) {
    return [invalidMutation(`Bulk mutations must contain exactly one mutation field; this one has ${fields.length}.`)];
  }
  const name = (fields[0] as FieldNode).name.value;
  if (NOT_IN_BULK.has(name)) {
    return [invalidMutation(`The mutation ${name} cannot be run as a bulk mutation.`)];
  }
  return [];
}

/** Parses a staged JSONL file into one variables object per non-blank line. */
export function parseVariablesFile(content: string): { lines: Array<Record<string, unknown>> } | { error: string } {
  const lines: Array<Record<string, unknown>> = [];
  const rows = content.split('\n');
  for (let index = 0; index < rows.length; index += 1) {
    const row = (rows[index] ?? '').trim();
    if (row === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(row);
    } catch {
      return { error: `Line ${index + 1} of the staged upload file is not valid JSON.` };
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return { error: `Line ${index + 1} of the staged upload file must be a JSON object of variables.` };
    }
    lines.push(parsed as Record<string, unknown>);
  }
  return { lines };
}

/**
 * Applies the operation's mutation once per variables line and renders the result JSONL. A
 * `failing` operation (`failNextBulkOperation`) stops after the first half of its lines.
 */
export function runBulkMutation(
  schema: GraphQLSchema,
  store: FakeShopifyStore,
  state: ShopState,
  operation: BulkOperationRecord,
  failing = false,
): BulkQueryResult {
  const file = store.stagedUpload(state, operation.stagedUploadPath ?? '');
  if (!file || file.content === null) {
    throw new Error(`Fake Shopify: staged file ${operation.stagedUploadPath ?? '(none)'} vanished`);
  }
  const parsed = parseVariablesFile(file.content);
  if ('error' in parsed) {
    throw new Error(`Fake Shopify: ${parsed.error}`);
  }
  const document = parse(operation.query);
  const definition = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (!definition) {
    throw new Error('Fake Shopify: bulk mutation without an operation');
  }
  const context: FakeShopifyContext = {
    store,
    state,
    bulk: false,
    meter: null,
    searchWarnings: [],
    bulkOperationUrl: () => null,
    stagedUploadUrl: () => null,
  };
  const applied = failing ? parsed.lines.slice(0, Math.floor(parsed.lines.length / 2)) : parsed.lines;
  const lines = applied.map((variables, lineNumber) => {
    const coerced = getVariableValues(schema, definition.variableDefinitions ?? [], variables);
    if (coerced.errors) {
      const errors = coerced.errors.map((error) => ({ message: error.message, extensions: { code: 'INVALID_VARIABLE' } }));
      return JSON.stringify({ errors, __lineNumber: lineNumber });
    }
    const result = executeSync({ schema, document, contextValue: context, variableValues: variables });
    const errors = (result.errors ?? []).map((error) => {
      const json = error.toJSON();
      return { message: json.message, ...(json.path ? { path: json.path } : {}) };
    });
    return JSON.stringify({ data: result.data ?? null, ...(errors.length > 0 ? { errors } : {}), __lineNumber: lineNumber });
  });
  return { lines, rootObjectCount: lines.length };
}
