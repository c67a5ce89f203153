/**
 * Bulk query validation, execution and JSONL flattening. Shopify writes one JSON object per
 * line: connection nodes become their own lines (no edges/node/pageInfo wrappers) and nodes of
 * nested connections carry `__parentId`, the id of the line object that owns the connection.
 * Lists of objects that are not connections (e.g. `Order.refunds`, `LineItem.taxLines`) stay
 * embedded in their parent's line, and, as on Shopify, no connection may be selected inside them.
 */
import type {
  FieldNode,
  FragmentDefinitionNode,
  GraphQLCompositeType,
  GraphQLField,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionSetNode,
} from 'graphql';
import { executeSync, getNamedType, getNullableType, isCompositeType, isInterfaceType, isListType, isObjectType, Kind, parse, validate } from 'graphql';

import { isConnectionType } from './cost.js';
import type { FakeShopifyContext } from './schema.js';
import type { BulkOperationRecord, BulkQueryResult, FakeShopifyStore, ShopState } from './store.js';

const MAX_CONNECTIONS = 5;
const MAX_CONNECTION_DEPTH = 2;
export const CONNECTION_IN_LIST_MESSAGE = 'Queries that contain a connection field within a list field are not currently supported.';

type JsonObject = Record<string, unknown>;

interface PlannedField {
  nodes: FieldNode[];
  /** Type the field was selected on (a fragment's type condition when inside one). */
  parentType: GraphQLCompositeType;
  fieldName: string;
}

interface Walker {
  schema: GraphQLSchema;
  fragments: Record<string, FragmentDefinitionNode>;
}

function fieldsOf(type: GraphQLCompositeType): Record<string, GraphQLField<unknown, unknown>> {
  return isObjectType(type) || isInterfaceType(type) ? type.getFields() : {};
}

/** Groups selections by response key, looking through fragments regardless of type condition. */
function collectFields(walker: Walker, selectionSet: SelectionSetNode, parentType: GraphQLCompositeType): Map<string, PlannedField> {
  const result = new Map<string, PlannedField>();
  const visit = (set: SelectionSetNode, type: GraphQLCompositeType, seen: Set<string>): void => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        const existing = result.get(key);
        if (existing) {
          existing.nodes.push(selection);
        } else {
          result.set(key, { nodes: [selection], parentType: type, fieldName: selection.name.value });
        }
        continue;
      }
      let conditionName: string | undefined;
      let inner: SelectionSetNode;
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        conditionName = selection.typeCondition?.name.value;
        inner = selection.selectionSet;
      } else {
        const fragment = walker.fragments[selection.name.value];
        if (!fragment || seen.has(fragment.name.value)) continue;
        seen.add(fragment.name.value);
        conditionName = fragment.typeCondition.name.value;
        inner = fragment.selectionSet;
      }
      const condition = conditionName === undefined ? type : walker.schema.getType(conditionName);
      visit(inner, condition && isCompositeType(condition) ? condition : type, seen);
    }
  };
  visit(selectionSet, parentType, new Set());
  return result;
}

function mergedSelection(nodes: readonly FieldNode[]): SelectionSetNode {
  return { kind: Kind.SELECTION_SET, selections: nodes.flatMap((node) => node.selectionSet?.selections ?? []) };
}

function fieldDefinition(planned: PlannedField): GraphQLField<unknown, unknown> | undefined {
  return fieldsOf(planned.parentType)[planned.fieldName];
}

interface ConnectionShape {
  nodeType: GraphQLCompositeType;
  nodeSelection: SelectionSetNode;
  edgesKey: string | null;
  nodeKey: string | null;
  nodesKey: string | null;
}

function connectionShape(walker: Walker, connectionNodes: readonly FieldNode[], connectionType: GraphQLCompositeType): ConnectionShape | null {
  const nodesField = fieldsOf(connectionType).nodes;
  const nodeType = nodesField ? getNamedType(nodesField.type) : undefined;
  if (!nodeType || !isCompositeType(nodeType)) return null;
  const shape: ConnectionShape = { nodeType, nodeSelection: { kind: Kind.SELECTION_SET, selections: [] }, edgesKey: null, nodeKey: null, nodesKey: null };
  const nodeFields: FieldNode[] = [];
  for (const [key, planned] of collectFields(walker, mergedSelection(connectionNodes), connectionType)) {
    if (planned.fieldName === 'edges') {
      shape.edgesKey = key;
      const edgeField = fieldDefinition(planned);
      const edgeType = edgeField ? getNamedType(edgeField.type) : undefined;
      if (!edgeType || !isCompositeType(edgeType)) continue;
      for (const [edgeKey, edgePlanned] of collectFields(walker, mergedSelection(planned.nodes), edgeType)) {
        if (edgePlanned.fieldName === 'node') {
          shape.nodeKey = edgeKey;
          nodeFields.push(...edgePlanned.nodes);
        }
      }
    } else if (planned.fieldName === 'nodes') {
      shape.nodesKey = key;
      nodeFields.push(...planned.nodes);
    }
  }
  shape.nodeSelection = mergedSelection(nodeFields);
  return shape;
}

function selectsId(walker: Walker, selectionSet: SelectionSetNode, type: GraphQLCompositeType): boolean {
  const id = collectFields(walker, selectionSet, type).get('id');
  return id !== undefined && id.fieldName === 'id';
}

function walkerFor(schema: GraphQLSchema, document: ReturnType<typeof parse>): Walker {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  return { schema, fragments };
}

/** Checks a bulk query the way bulkOperationRunQuery does; returns user-facing error messages. */
export function bulkQueryUserErrors(schema: GraphQLSchema, query: string): string[] {
  let document: ReturnType<typeof parse>;
  try {
    document = parse(query);
  } catch (error) {
    return [`Invalid bulk query: ${(error as Error).message}`];
  }
  const validationErrors = validate(schema, document);
  if (validationErrors.length > 0) {
    return validationErrors.map((error) => `Invalid bulk query: ${error.message}`);
  }
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const [operation] = operations;
  if (!operation || operations.length !== 1) {
    return ['Bulk queries must contain exactly one operation.'];
  }
  if (operation.operation !== 'query') {
    return ['Bulk queries must be query operations. Use bulkOperationRunMutation for mutations.'];
  }
  if ((operation.variableDefinitions ?? []).length > 0) {
    return ['Bulk queries cannot use variables.'];
  }
  const queryType = schema.getQueryType();
  if (!queryType) return ['Bulk queries are not supported.'];

  const walker = walkerFor(schema, document);
  const problems: string[] = [];
  let connections = 0;

  const walk = (selectionSet: SelectionSetNode, type: GraphQLCompositeType, depth: number, lineSelectsId: boolean, inList: boolean): void => {
    for (const [, planned] of collectFields(walker, selectionSet, type)) {
      const field = fieldDefinition(planned);
      const named = field ? getNamedType(field.type) : undefined;
      if (!field || !named || !isCompositeType(named)) continue;
      if (isConnectionType(named)) {
        connections += 1;
        if (inList) {
          // e.g. orders { refunds { refundLineItems } }: list items are embedded in their parent's line.
          if (!problems.includes(CONNECTION_IN_LIST_MESSAGE)) problems.push(CONNECTION_IN_LIST_MESSAGE);
          continue;
        }
        if (depth + 1 > MAX_CONNECTION_DEPTH) {
          problems.push(
            `Bulk queries cannot contain connections with a nesting depth greater than ${MAX_CONNECTION_DEPTH}. Connection field: '${planned.fieldName}'.`,
          );
          continue;
        }
        if (depth > 0 && !lineSelectsId) {
          problems.push(
            `The parent 'node' field for a nested connection must select the 'id' field. Connection field: '${planned.fieldName}'.`,
          );
        }
        const shape = connectionShape(walker, planned.nodes, named);
        if (shape) {
          walk(shape.nodeSelection, shape.nodeType, depth + 1, selectsId(walker, shape.nodeSelection, shape.nodeType), false);
        }
        continue;
      }
      const inner = mergedSelection(planned.nodes);
      // A root object (e.g. `shop`) becomes a line of its own, so its own id matters.
      walk(
        inner,
        named,
        depth,
        depth === 0 && type === queryType ? selectsId(walker, inner, named) : lineSelectsId,
        inList || isListType(getNullableType(field.type)),
      );
    }
  };
  walk(operation.selectionSet, queryType, 0, false, false);

  if (connections === 0) {
    problems.unshift('Bulk queries must contain at least one connection.');
  } else if (connections > MAX_CONNECTIONS) {
    problems.unshift(`Bulk queries cannot contain more than ${MAX_CONNECTIONS} connections.`);
  }
  return problems;
}

interface OutputLine {
  level: number;
  json: string;
}

interface PendingChildren {
  items: JsonObject[];
  selection: SelectionSetNode;
  type: GraphQLCompositeType;
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function connectionItems(value: unknown, shape: ConnectionShape): JsonObject[] {
  if (!isJsonObject(value)) return [];
  if (shape.edgesKey !== null && shape.nodeKey !== null && Array.isArray(value[shape.edgesKey])) {
    const nodeKey = shape.nodeKey;
    return (value[shape.edgesKey] as unknown[]).map((edge) => (isJsonObject(edge) ? edge[nodeKey] : null)).filter(isJsonObject);
  }
  if (shape.nodesKey !== null && Array.isArray(value[shape.nodesKey])) {
    return (value[shape.nodesKey] as unknown[]).filter(isJsonObject);
  }
  return [];
}

/** Copies `source`, moving nested connections out into `children`; embedded objects are walked too. */
function shape(walker: Walker, source: JsonObject, selectionSet: SelectionSetNode, type: GraphQLCompositeType, children: PendingChildren[]): JsonObject {
  const planned = collectFields(walker, selectionSet, type);
  const output: JsonObject = {};
  for (const [key, value] of Object.entries(source)) {
    const plan = planned.get(key);
    const field = plan ? fieldDefinition(plan) : undefined;
    const named = field ? getNamedType(field.type) : undefined;
    if (!plan || !named || !isCompositeType(named) || value === null || typeof value !== 'object') {
      output[key] = value;
      continue;
    }
    if (isConnectionType(named)) {
      const connection = connectionShape(walker, plan.nodes, named);
      if (connection) {
        children.push({ items: connectionItems(value, connection), selection: connection.nodeSelection, type: connection.nodeType });
      }
      continue;
    }
    const inner = mergedSelection(plan.nodes);
    output[key] = Array.isArray(value)
      ? value.map((item: unknown) => (isJsonObject(item) ? shape(walker, item, inner, named, children) : item))
      : isJsonObject(value)
        ? shape(walker, value, inner, named, children)
        : value;
  }
  return output;
}

function emitLine(
  walker: Walker,
  source: JsonObject,
  selectionSet: SelectionSetNode,
  type: GraphQLCompositeType,
  parentId: string | null,
  level: number,
  out: OutputLine[],
): void {
  const children: PendingChildren[] = [];
  const line = shape(walker, source, selectionSet, type, children);
  if (parentId !== null) {
    line.__parentId = parentId;
  }
  out.push({ level, json: JSON.stringify(line) });
  const ownId = typeof source.id === 'string' ? source.id : null;
  for (const child of children) {
    for (const item of child.items) {
      emitLine(walker, item, child.selection, child.type, ownId, level + 1, out);
    }
  }
}

/** Executes a bulk operation's query over the whole store and renders Shopify's JSONL lines. */
export function runBulkQuery(schema: GraphQLSchema, store: FakeShopifyStore, state: ShopState, operation: BulkOperationRecord): BulkQueryResult {
  const document = parse(operation.query);
  const context: FakeShopifyContext = {
    store,
    state,
    bulk: true,
    meter: null,
    searchWarnings: [],
    bulkOperationUrl: () => null,
    stagedUploadUrl: () => null,
  };
  const result = executeSync({ schema, document, contextValue: context });
  if (result.errors && result.errors.length > 0) {
    throw new Error(`Fake Shopify: bulk query failed: ${result.errors.map((error) => error.message).join('; ')}`);
  }
  const queryType = schema.getQueryType();
  const operationNode = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (!queryType || !operationNode || !isJsonObject(result.data)) {
    return { lines: [], rootObjectCount: 0 };
  }
  const walker = walkerFor(schema, document);
  const out: OutputLine[] = [];
  for (const [key, planned] of collectFields(walker, operationNode.selectionSet, queryType)) {
    const value = result.data[key];
    const field = fieldDefinition(planned);
    const named = field ? getNamedType(field.type) : undefined;
    if (!named || !isCompositeType(named) || value === null || value === undefined) continue;
    if (isConnectionType(named)) {
      const connection = connectionShape(walker, planned.nodes, named);
      if (!connection) continue;
      for (const item of connectionItems(value, connection)) {
        emitLine(walker, item, connection.nodeSelection, connection.nodeType, null, 0, out);
      }
    } else if (isJsonObject(value)) {
      emitLine(walker, value, mergedSelection(planned.nodes), named, null, 0, out);
    }
  }
  // Without groupObjects Shopify does not keep children next to their parent; emitting level by
  // level keeps every child after its parent but surfaces consumers that assume grouping.
  const ordered = operation.groupObjects ? out : [...out].sort((a, b) => a.level - b.level);
  return {
    lines: ordered.map((line) => line.json),
    rootObjectCount: out.filter((line) => line.level === 0).length,
  };
}
