import { describe, expect, it } from 'vitest';

import type { SearchSchema } from '../support/fake-shopify/search.js';
import { compileSearch } from '../support/fake-shopify/search.js';

interface Row {
  id: number;
  email: string;
  tags: string[];
  updatedAt: number;
  test: boolean;
}

const schema: SearchSchema<Row> = {
  fields: {
    id: { kind: 'number', get: (r) => r.id },
    email: { kind: 'string', get: (r) => r.email },
    tag: { kind: 'string', get: (r) => r.tags },
    updated_at: { kind: 'date', get: (r) => r.updatedAt },
    test: { kind: 'boolean', get: (r) => r.test },
  },
  text: (r) => [r.email],
};

const rows: Row[] = [
  { id: 1, email: 'ann@example.com', tags: ['VIP'], updatedAt: Date.parse('2026-01-01T04:59:59Z'), test: false },
  { id: 2, email: 'bob@example.com', tags: [], updatedAt: Date.parse('2026-01-01T05:00:00Z'), test: true },
  { id: 3, email: 'cat@shop.test', tags: ['vip', 'gold'], updatedAt: Date.parse('2026-01-02T04:59:59Z'), test: false },
];

function ids(query: string, timeZone = 'America/New_York'): number[] {
  const search = compileSearch(query, schema, timeZone);
  return rows.filter(search.matches).map((row) => row.id);
}

describe('compileSearch', () => {
  it('handles comparators, wildcards, tags and booleans', () => {
    expect(ids('id:>1')).toEqual([2, 3]);
    expect(ids('id:<=2')).toEqual([1, 2]);
    expect(ids('email:bob@example.com')).toEqual([2]);
    expect(ids('email:*example.com')).toEqual([]);
    expect(ids('email:ca*')).toEqual([3]);
    expect(ids('tag:vip')).toEqual([1, 3]);
    expect(ids('tag:*')).toEqual([1, 3]);
    expect(ids('test:true')).toEqual([2]);
    expect(ids('example')).toEqual([1, 2]);
  });

  it('combines terms with AND, OR, NOT, - and parentheses', () => {
    expect(ids('tag:vip tag:gold')).toEqual([3]);
    expect(ids('tag:vip AND NOT tag:gold')).toEqual([1]);
    expect(ids('-tag:vip')).toEqual([2]);
    expect(ids('id:1 OR (tag:gold AND test:false)')).toEqual([1, 3]);
  });

  it('reads date-only values as whole days in the shop time zone', () => {
    // 2026-01-01 in New York runs from 05:00Z to the next day's 05:00Z.
    expect(ids('updated_at:2026-01-01')).toEqual([2, 3]);
    expect(ids('updated_at:<2026-01-01')).toEqual([1]);
    expect(ids('updated_at:>2025-12-31')).toEqual([2, 3]);
    expect(ids("updated_at:>='2026-01-01T05:00:00Z'")).toEqual([2, 3]);
    expect(ids("updated_at:>'2026-01-01T00:00:00'")).toEqual([3]);
    expect(ids('updated_at:2026-01-01', 'UTC')).toEqual([1, 2]);
  });

  it('ignores unknown fields, even under NOT, and reports them once', () => {
    const search = compileSearch('colour:red -colour:blue tag:gold', schema, 'UTC');
    expect(rows.filter(search.matches).map((row) => row.id)).toEqual([3]);
    expect(search.warnings).toEqual([{ field: 'colour', message: 'Invalid search field for this query.' }]);
  });
});
