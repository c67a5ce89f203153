/**
 * The GraphQL request pipeline in Shopify's order: parse, validate, coerce variables, compute
 * the requested cost, enforce the single-query limit and the leaky bucket, execute, then refund
 * the difference between requested and actual cost.
 */
import type { DocumentNode, FragmentDefinitionNode, GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { executeSync, getOperationAST, getVariableValues, GraphQLError, Kind, parse, validate } from 'graphql';

import { CostMeter, requestedQueryCost } from './cost.js';
import type { FakeShopifyContext, SearchExtension } from './schema.js';
import type { BulkOperationRecord, FakeShopifyStore, ShopState, StagedUploadRecord, ThrottleStatus } from './store.js';

export const RATE_LIMITS_DOCUMENTATION = 'https://shopify.dev/api/usage/rate-limits';

export interface GraphQLRequestBody {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}

export interface QueryCost {
  requestedQueryCost: number;
  actualQueryCost: number | null;
  throttleStatus: ThrottleStatus;
}

export interface AdminGraphQLResponse {
  data?: Record<string, unknown> | null;
  errors?: GraphQLFormattedError[];
  extensions: { cost: QueryCost; search?: SearchExtension[] };
}

export interface GraphQLOutcome {
  body: AdminGraphQLResponse;
  requestedQueryCost: number | null;
  actualQueryCost: number | null;
  errorCodes: string[];
}

export interface ExecuteOptions {
  schema: GraphQLSchema;
  store: FakeShopifyStore;
  state: ShopState;
  requestId: string;
  bulkOperationUrl: (operation: BulkOperationRecord) => string | null;
  stagedUploadUrl: (upload: StagedUploadRecord) => string | null;
}

type Extensions = Record<string, unknown>;

/** Shopify's `extensions.code` for graphql-js validation messages (graphql-ruby naming). */
function validationExtensions(message: string): Extensions {
  const rules: Array<[RegExp, (match: RegExpExecArray) => Extensions]> = [
    [/^Cannot query field "(.+?)" on type "(.+?)"/, (m) => ({ code: 'undefinedField', typeName: m[2], fieldName: m[1] })],
    [/^Unknown argument "(.+?)" on field "(.+?)\.(.+?)"/, (m) => ({ code: 'argumentNotAccepted', name: m[3], typeName: 'Field', argumentName: m[1] })],
    [/^Field "(.+?)" argument "(.+?)" of type "(.+?)" is required/, (m) => ({ code: 'missingRequiredArguments', className: 'Field', name: m[1], arguments: m[2] })],
    [/^Unknown type "(.+?)"/, (m) => ({ code: 'undefinedType', typeName: m[1] })],
    [/^Variable "\$(.+?)" is never used/, (m) => ({ code: 'variableNotUsed', variableName: m[1] })],
    [/^Variable "\$(.+?)" is not defined/, (m) => ({ code: 'variableNotDefined', variableName: m[1] })],
    [/^Variable "\$(.+?)" of type "(.+?)" used in position expecting/, (m) => ({ code: 'variableMismatch', variableName: m[1], typeName: m[2] })],
    [/^Unknown fragment "(.+?)"/, (m) => ({ code: 'undefinedFragment', fragmentName: m[1] })],
    [/^Fragment "(.+?)" is never used/, (m) => ({ code: 'useAndDefineFragment', fragmentName: m[1] })],
    [/^Field "(.+?)" of type "(.+?)" must have a selection of subfields/, (m) => ({ code: 'selectionMismatch', nodeName: m[1], typeName: m[2] })],
    [/^Field "(.+?)" must not have a selection since type "(.+?)"/, (m) => ({ code: 'selectionMismatch', nodeName: m[1], typeName: m[2] })],
    [/^Unknown directive "@?(.+?)"/, (m) => ({ code: 'undefinedDirective', directiveName: m[1] })],
    [/^Fields "(.+?)" conflict/, (m) => ({ code: 'fieldConflict', fieldName: m[1] })],
    [/^There can be only one (fragment|operation|variable|argument)/, () => ({ code: 'uniquelyNamed' })],
    [/cannot represent|Expected value of type|does not exist in "/, () => ({ code: 'argumentLiteralsIncompatible', typeName: 'CoercionError' })],
  ];
  for (const [pattern, build] of rules) {
    const match = pattern.exec(message);
    if (match) return build(match);
  }
  return { code: 'validationError' };
}

function formatValidationError(error: GraphQLError): GraphQLFormattedError {
  const { message, locations } = error.toJSON();
  return { message, ...(locations ? { locations } : {}), extensions: validationExtensions(message) };
}

function formatExecutionError(error: GraphQLError, requestId: string): GraphQLFormattedError {
  const json = error.toJSON();
  const original = error.originalError;
  if (original && !(original instanceof GraphQLError)) {
    // Shopify hides internals behind a request id; the cause is kept for debugging the fake.
    return {
      message: `Internal error. Looks like something went wrong on our end.\nRequest ID: ${requestId} (include this in support requests).`,
      ...(json.locations ? { locations: json.locations } : {}),
      ...(json.path ? { path: json.path } : {}),
      extensions: { code: 'INTERNAL_SERVER_ERROR', requestId, fakeShopifyCause: original.message },
    };
  }
  return json;
}

function errorCodes(errors: readonly GraphQLFormattedError[]): string[] {
  return errors.flatMap((error) => (typeof error.extensions?.code === 'string' ? [error.extensions.code] : []));
}

function fragmentsOf(document: DocumentNode): Record<string, FragmentDefinitionNode> {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  return fragments;
}

function rejected(
  options: ExecuteOptions,
  errors: GraphQLFormattedError[],
  requestedCost: number,
): GraphQLOutcome {
  return {
    body: {
      errors,
      extensions: {
        cost: {
          requestedQueryCost: requestedCost,
          actualQueryCost: null,
          throttleStatus: options.store.throttleStatus(options.state),
        },
      },
    },
    requestedQueryCost: requestedCost,
    actualQueryCost: null,
    errorCodes: errorCodes(errors),
  };
}

/** Executes one Admin API GraphQL request for `state`'s shop. Synchronous: the fake has no I/O. */
export function executeAdminGraphQL(request: GraphQLRequestBody, options: ExecuteOptions): GraphQLOutcome {
  const { schema, store, state } = options;
  let document: DocumentNode;
  try {
    document = parse(request.query);
  } catch (error) {
    if (error instanceof GraphQLError) {
      const { message, locations } = error.toJSON();
      return rejected(options, [{ message, ...(locations ? { locations } : {}) }], 0);
    }
    throw error;
  }

  const validationErrors = validate(schema, document);
  if (validationErrors.length > 0) {
    return rejected(options, validationErrors.map(formatValidationError), 0);
  }

  const operation = getOperationAST(document, request.operationName ?? undefined);
  if (!operation) {
    const message = request.operationName
      ? `Unknown operation named "${request.operationName}".`
      : 'An operation name is required when the document contains multiple operations.';
    return rejected(options, [{ message, extensions: { code: 'OPERATION_NAME_REQUIRED' } }], 0);
  }

  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {});
  if (coerced.errors) {
    return rejected(
      options,
      coerced.errors.map((error) => {
        const { message, locations } = error.toJSON();
        return { message, ...(locations ? { locations } : {}), extensions: { code: 'INVALID_VARIABLE' } };
      }),
      0,
    );
  }

  const requested = requestedQueryCost(schema, operation, fragmentsOf(document), coerced.coerced);
  const { maxSingleQueryCost } = state.shop.throttle;
  if (requested > maxSingleQueryCost) {
    return rejected(
      options,
      [
        {
          message:
            `Query cost is ${requested}, which exceeds the single query max cost limit (${maxSingleQueryCost}).\n\n` +
            'See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\n' +
            'cost of a query is calculated.\n\n' +
            'To query larger amounts of data with fewer limits, bulk operations should be used instead.\n' +
            'See https://shopify.dev/api/usage/bulk-operations/queries for usage details.\n',
          extensions: { code: 'MAX_COST_EXCEEDED', cost: requested, maxCost: maxSingleQueryCost, documentation: RATE_LIMITS_DOCUMENTATION },
        },
      ],
      requested,
    );
  }

  if (!store.tryConsume(state, requested)) {
    return rejected(
      options,
      [{ message: 'Throttled', extensions: { code: 'THROTTLED', documentation: RATE_LIMITS_DOCUMENTATION } }],
      requested,
    );
  }

  const meter = operation.operation === 'query' ? new CostMeter() : null;
  const context: FakeShopifyContext = {
    store,
    state,
    bulk: false,
    meter,
    searchWarnings: [],
    bulkOperationUrl: options.bulkOperationUrl,
    stagedUploadUrl: options.stagedUploadUrl,
  };
  const result = executeSync({
    schema,
    document,
    contextValue: context,
    variableValues: request.variables ?? {},
    operationName: request.operationName ?? undefined,
  });
  const actual = meter ? meter.actual : requested;
  store.returnPoints(state, requested - actual);

  const errors = (result.errors ?? []).map((error) => formatExecutionError(error, options.requestId));
  const body: AdminGraphQLResponse = {
    data: (result.data ?? null) as Record<string, unknown> | null,
    ...(errors.length > 0 ? { errors } : {}),
    extensions: {
      cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: store.throttleStatus(state) },
      ...(context.searchWarnings.length > 0 ? { search: context.searchWarnings } : {}),
    },
  };
  return { body, requestedQueryCost: requested, actualQueryCost: actual, errorCodes: errorCodes(errors) };
}
