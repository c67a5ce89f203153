import { GraphQLError } from 'graphql';

export type SortValue = number | string;

export interface SortKey {
  value: SortValue;
  id: number;
}

export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
  reverse?: boolean | null;
}

export interface ConnectionData<T> {
  edges: Array<{ cursor: string; node: T }>;
  nodes: T[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
}

function compareValues(a: SortValue, b: SortValue): number {
  if (typeof a === 'number' && typeof b === 'number') {
    return a - b;
  }
  const sa = String(a).toLowerCase();
  const sb = String(b).toLowerCase();
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function compareKeys(a: SortKey, b: SortKey): number {
  return compareValues(a.value, b.value) || a.id - b.id;
}

/** Shopify cursors are opaque base64 JSON carrying the last id and sort value. */
export function encodeCursor(key: SortKey): string {
  return Buffer.from(JSON.stringify({ last_id: key.id, last_value: key.value })).toString('base64');
}

function decodeCursor(cursor: string): SortKey {
  try {
    const decoded = JSON.parse(Buffer.from(cursor, 'base64').toString('utf8')) as unknown;
    if (typeof decoded === 'object' && decoded !== null && 'last_id' in decoded && 'last_value' in decoded) {
      const { last_id: id, last_value: value } = decoded;
      if (typeof id === 'number' && (typeof value === 'number' || typeof value === 'string')) {
        return { id, value };
      }
    }
  } catch {
    // Fall through to the GraphQL error below.
  }
  throw new GraphQLError(`Invalid cursor for current pagination sort.`, { extensions: { code: 'BAD_REQUEST' } });
}

export interface PaginateOptions {
  /** Bulk operations ignore page sizes and always walk the whole connection. */
  unbounded: boolean;
}

/** Sorts `items` by `keyOf` (ascending, or descending with `reverse`) and applies Relay pagination. */
export function paginate<T>(items: readonly T[], keyOf: (item: T) => SortKey, args: PageArgs, options: PaginateOptions): ConnectionData<T> {
  const { first, last, after, before } = args;
  if (!options.unbounded) {
    if ((first === null || first === undefined) && (last === null || last === undefined)) {
      throw new GraphQLError('you must provide one of first or last', { extensions: { code: 'BAD_REQUEST' } });
    }
    if ((typeof first === 'number' && first < 0) || (typeof last === 'number' && last < 0)) {
      throw new GraphQLError('first and last must be non-negative', { extensions: { code: 'BAD_REQUEST' } });
    }
  }
  const direction = args.reverse ? -1 : 1;
  const keyed = items.map((item) => ({ item, key: keyOf(item) }));
  keyed.sort((a, b) => direction * compareKeys(a.key, b.key));
  const ordered = (a: SortKey, b: SortKey): number => direction * compareKeys(a, b);

  let start = 0;
  let end = keyed.length;
  if (after) {
    const cursor = decodeCursor(after);
    const index = keyed.findIndex((entry) => ordered(entry.key, cursor) > 0);
    start = index === -1 ? keyed.length : index;
  }
  if (before) {
    const cursor = decodeCursor(before);
    const index = keyed.findIndex((entry) => ordered(entry.key, cursor) >= 0);
    end = Math.max(start, index === -1 ? keyed.length : index);
  }
  if (!options.unbounded) {
    if (typeof first === 'number') {
      end = Math.min(end, start + first);
    } else if (typeof last === 'number') {
      start = Math.max(start, end - last);
    }
  }
  const window = keyed.slice(start, end);
  const edges = window.map((entry) => ({ cursor: encodeCursor(entry.key), node: entry.item }));
  return {
    edges,
    nodes: window.map((entry) => entry.item),
    pageInfo: {
      hasNextPage: end < keyed.length,
      hasPreviousPage: start > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}
