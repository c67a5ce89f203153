/**
 * Shopify's calculated query cost (https://shopify.dev/docs/api/usage/limits#cost-calculation):
 * scalars and enums cost 0, objects 1, connections 2 plus `first`/`last` times the cost of one
 * node, mutations 10 per root field. The requested cost is computed statically from the
 * document; the actual cost is metered while resolving and so uses the returned counts.
 */
import type {
  FieldNode,
  FragmentDefinitionNode,
  GraphQLCompositeType,
  GraphQLField,
  GraphQLFieldResolver,
  GraphQLNamedType,
  GraphQLSchema,
  OperationDefinitionNode,
  SelectionSetNode,
} from 'graphql';
import {
  defaultFieldResolver,
  getArgumentValues,
  getNamedType,
  isAbstractType,
  isCompositeType,
  isInterfaceType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
} from 'graphql';

export const MUTATION_COST = 10;

export function isConnectionType(type: GraphQLNamedType): boolean {
  return isObjectType(type) && type.name.endsWith('Connection');
}

/** Edges and PageInfo are part of the connection's flat cost of 2. */
function isFreeContainer(type: GraphQLNamedType): boolean {
  return isObjectType(type) && (type.name.endsWith('Edge') || type.name === 'PageInfo');
}

function isIntrospectionType(type: GraphQLNamedType): boolean {
  return type.name.startsWith('__');
}

function returnsList(field: GraphQLField<unknown, unknown>): boolean {
  const type = isNonNullType(field.type) ? field.type.ofType : field.type;
  return isListType(type);
}

interface CostContext {
  schema: GraphQLSchema;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
}

interface CollectedFields {
  /** Fields that apply whatever the runtime type is. */
  common: Map<string, FieldNode[]>;
  /** Fields under a concrete type condition inside an abstract parent; the most expensive one counts. */
  conditional: Map<string, Map<string, FieldNode[]>>;
}

function addField(target: Map<string, FieldNode[]>, node: FieldNode): void {
  const key = node.alias?.value ?? node.name.value;
  const existing = target.get(key);
  if (existing) {
    existing.push(node);
  } else {
    target.set(key, [node]);
  }
}

function collect(
  ctx: CostContext,
  selectionSet: SelectionSetNode,
  parentType: GraphQLCompositeType,
  into: CollectedFields,
  bucket: Map<string, FieldNode[]>,
  visited: Set<string>,
): void {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      addField(bucket, selection);
      continue;
    }
    let condition: GraphQLNamedType | undefined;
    let inner: SelectionSetNode;
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      condition = selection.typeCondition ? ctx.schema.getType(selection.typeCondition.name.value) : parentType;
      inner = selection.selectionSet;
    } else {
      const name = selection.name.value;
      const fragment = ctx.fragments[name];
      if (!fragment || visited.has(name)) {
        continue;
      }
      visited.add(name);
      condition = ctx.schema.getType(fragment.typeCondition.name.value);
      inner = fragment.selectionSet;
    }
    if (!condition || !isCompositeType(condition)) {
      continue;
    }
    if (condition === parentType || isAbstractType(condition) || !isAbstractType(parentType)) {
      collect(ctx, inner, parentType, into, bucket, visited);
    } else {
      let conditional = into.conditional.get(condition.name);
      if (!conditional) {
        conditional = new Map();
        into.conditional.set(condition.name, conditional);
      }
      collect(ctx, inner, condition, into, conditional, visited);
    }
  }
}

function fieldsOf(type: GraphQLCompositeType): Record<string, GraphQLField<unknown, unknown>> {
  return isObjectType(type) || isInterfaceType(type) ? type.getFields() : {};
}

function selectionCost(ctx: CostContext, selectionSet: SelectionSetNode, parentType: GraphQLCompositeType): number {
  const collected: CollectedFields = { common: new Map(), conditional: new Map() };
  collect(ctx, selectionSet, parentType, collected, collected.common, new Set());
  let total = 0;
  for (const nodes of collected.common.values()) {
    total += fieldCost(ctx, nodes, parentType);
  }
  let maxConditional = 0;
  for (const [typeName, fields] of collected.conditional) {
    const type = ctx.schema.getType(typeName);
    if (!type || !isCompositeType(type)) continue;
    let sum = 0;
    for (const nodes of fields.values()) {
      sum += fieldCost(ctx, nodes, type);
    }
    maxConditional = Math.max(maxConditional, sum);
  }
  return total + maxConditional;
}

function listSize(args: Record<string, unknown>): number {
  for (const name of ['first', 'last']) {
    const value = args[name];
    if (typeof value === 'number') return Math.max(0, value);
  }
  for (const name of ['ids', 'names']) {
    const value = args[name];
    if (Array.isArray(value)) return value.length;
  }
  return 1;
}

function fieldCost(ctx: CostContext, nodes: FieldNode[], parentType: GraphQLCompositeType): number {
  const [first] = nodes;
  if (!first || first.name.value === '__typename') {
    return 0;
  }
  const field = fieldsOf(parentType)[first.name.value];
  if (!field) {
    return 0;
  }
  const named = getNamedType(field.type);
  if (isLeafType(named) || isIntrospectionType(named) || !isCompositeType(named)) {
    return 0;
  }
  let args: Record<string, unknown> = {};
  try {
    args = getArgumentValues(field, first, ctx.variables);
  } catch {
    args = {};
  }
  const merged: SelectionSetNode = {
    kind: Kind.SELECTION_SET,
    selections: nodes.flatMap((node) => node.selectionSet?.selections ?? []),
  };
  const childCost = selectionCost(ctx, merged, named);
  if (isConnectionType(named)) {
    const size = typeof args.first === 'number' ? args.first : typeof args.last === 'number' ? args.last : 0;
    return 2 + Math.max(0, size) * childCost;
  }
  if (isFreeContainer(named)) {
    return childCost;
  }
  const insideConnection = isConnectionType(parentType) || isFreeContainer(parentType);
  const multiplier = returnsList(field) && !insideConnection ? listSize(args) : 1;
  return multiplier * (1 + childCost);
}

export function requestedQueryCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
): number {
  const ctx: CostContext = { schema, fragments, variables };
  if (operation.operation === 'mutation') {
    const collected: CollectedFields = { common: new Map(), conditional: new Map() };
    const mutationType = schema.getMutationType();
    if (!mutationType) return 0;
    collect(ctx, operation.selectionSet, mutationType, collected, collected.common, new Set());
    return [...collected.common.keys()].filter((key) => key !== '__typename').length * MUTATION_COST;
  }
  const queryType = schema.getQueryType();
  return queryType ? selectionCost(ctx, operation.selectionSet, queryType) : 0;
}

/** Accumulates the actual cost of one query execution. */
export class CostMeter {
  actual = 0;

  add(points: number): void {
    this.actual += points;
  }
}

export interface MeteredContext {
  meter: CostMeter | null;
}

type FieldCharge = 'connection' | 'object' | 'free';

function chargeFor(type: GraphQLNamedType): FieldCharge {
  if (isLeafType(type) || isIntrospectionType(type) || isFreeContainer(type)) return 'free';
  if (isConnectionType(type)) return 'connection';
  return 'object';
}

function charge(meter: CostMeter, kind: FieldCharge, value: unknown): void {
  if (value === null || value === undefined) return;
  if (kind === 'connection') {
    meter.add(2);
  } else if (kind === 'object') {
    meter.add(Array.isArray(value) ? value.filter((item) => item !== null && item !== undefined).length : 1);
  }
}

/**
 * Wraps every field resolver so resolved objects are charged to `context.meter`, mirroring
 * the static rules: a connection charges 2 and each node it returns charges 1 via `node`/`nodes`.
 */
export function instrumentActualCost<TContext extends MeteredContext>(schema: GraphQLSchema): void {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || isIntrospectionType(type) || type === schema.getMutationType()) {
      continue;
    }
    for (const field of Object.values(type.getFields())) {
      const kind = chargeFor(getNamedType(field.type));
      if (kind === 'free') continue;
      const resolve: GraphQLFieldResolver<unknown, TContext> = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context: TContext, info) => {
        const value: unknown = resolve(source, args, context, info);
        const meter = context.meter;
        if (meter) {
          if (value instanceof Promise) {
            return value.then((resolved: unknown) => {
              charge(meter, kind, resolved);
              return resolved;
            });
          }
          charge(meter, kind, value);
        }
        return value;
      };
    }
  }
}
