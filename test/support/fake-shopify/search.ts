/**
 * Shopify's search syntax as used by the `query` argument of connections:
 * `field:value`, `field:>value` (also `>=`, `<`, `<=`), quoted values, `field:*` (exists),
 * `value*` prefixes, implicit AND, `AND`/`OR`/`NOT`, `-term` and parentheses.
 * Unknown fields are ignored with a warning, as Shopify does.
 */
import { zonedDayStart } from './time.js';

type Comparator = '=' | '>' | '>=' | '<' | '<=';

type SearchNode =
  | { kind: 'and'; children: SearchNode[] }
  | { kind: 'or'; children: SearchNode[] }
  | { kind: 'not'; child: SearchNode }
  | { kind: 'term'; field: string | null; comparator: Comparator; value: string };

export type SearchField<T> =
  | { kind: 'string'; get: (record: T) => string | null | readonly string[] }
  | { kind: 'number'; get: (record: T) => number | null }
  | { kind: 'date'; get: (record: T) => number | null }
  | { kind: 'boolean'; get: (record: T) => boolean };

export interface SearchSchema<T> {
  fields: Record<string, SearchField<T>>;
  /** Values matched by free-text terms (no field). */
  text: (record: T) => Array<string | null>;
}

export interface SearchWarning {
  field: string;
  message: string;
}

export class SearchSyntaxError extends Error {}

function tokenize(query: string): string[] {
  const tokens: string[] = [];
  let index = 0;
  while (index < query.length) {
    const char = query.charAt(index);
    if (/\s/.test(char)) {
      index += 1;
      continue;
    }
    if (char === '(' || char === ')') {
      tokens.push(char);
      index += 1;
      continue;
    }
    let token = '';
    while (index < query.length) {
      const current = query.charAt(index);
      if (/\s/.test(current) || current === ')' || (current === '(' && token === '')) {
        break;
      }
      if (current === '"' || current === "'") {
        const close = findClosingQuote(query, index);
        token += query.slice(index, close + 1);
        index = close + 1;
        continue;
      }
      token += current;
      index += 1;
    }
    tokens.push(token);
  }
  return tokens;
}

function findClosingQuote(query: string, start: number): number {
  const quote = query.charAt(start);
  for (let index = start + 1; index < query.length; index += 1) {
    const char = query.charAt(index);
    if (char === '\\') {
      index += 1;
    } else if (char === quote) {
      return index;
    }
  }
  throw new SearchSyntaxError(`Unterminated quote in search query: ${query}`);
}

function unquote(value: string): string {
  const first = value.charAt(0);
  if ((first === '"' || first === "'") && value.endsWith(first) && value.length >= 2) {
    return value.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  return value;
}

function parseTerm(token: string): SearchNode {
  const colon = findUnquotedColon(token);
  if (colon <= 0) {
    return { kind: 'term', field: null, comparator: '=', value: unquote(token) };
  }
  const field = token.slice(0, colon).toLowerCase();
  let rest = token.slice(colon + 1);
  let comparator: Comparator = '=';
  for (const candidate of ['>=', '<=', '>', '<'] as const) {
    if (rest.startsWith(candidate)) {
      comparator = candidate;
      rest = rest.slice(candidate.length);
      break;
    }
  }
  return { kind: 'term', field, comparator, value: unquote(rest) };
}

function findUnquotedColon(token: string): number {
  for (let index = 0; index < token.length; index += 1) {
    const char = token.charAt(index);
    if (char === '"' || char === "'") {
      return -1;
    }
    if (char === ':') {
      return index;
    }
  }
  return -1;
}

class Parser {
  private position = 0;

  constructor(private readonly tokens: string[]) {}

  parse(): SearchNode | null {
    if (this.tokens.length === 0) {
      return null;
    }
    const node = this.parseOr();
    if (this.position < this.tokens.length) {
      throw new SearchSyntaxError(`Unexpected token "${this.tokens[this.position] ?? ''}" in search query`);
    }
    return node;
  }

  private peek(): string | undefined {
    return this.tokens[this.position];
  }

  private parseOr(): SearchNode {
    const children = [this.parseAnd()];
    while (this.peek() === 'OR') {
      this.position += 1;
      children.push(this.parseAnd());
    }
    return children.length === 1 && children[0] ? children[0] : { kind: 'or', children };
  }

  private parseAnd(): SearchNode {
    const children = [this.parseUnary()];
    for (;;) {
      const next = this.peek();
      if (next === undefined || next === 'OR' || next === ')') {
        break;
      }
      if (next === 'AND') {
        this.position += 1;
      }
      children.push(this.parseUnary());
    }
    return children.length === 1 && children[0] ? children[0] : { kind: 'and', children };
  }

  private parseUnary(): SearchNode {
    const token = this.peek();
    if (token === undefined) {
      throw new SearchSyntaxError('Unexpected end of search query');
    }
    if (token === 'NOT') {
      this.position += 1;
      return { kind: 'not', child: this.parseUnary() };
    }
    if (token === '(') {
      this.position += 1;
      const inner = this.parseOr();
      if (this.peek() !== ')') {
        throw new SearchSyntaxError('Missing closing parenthesis in search query');
      }
      this.position += 1;
      return inner;
    }
    this.position += 1;
    if (token.startsWith('-') && token.length > 1) {
      return { kind: 'not', child: parseTerm(token.slice(1)) };
    }
    return parseTerm(token);
  }
}

function parseSearchDate(value: string, timeZone: string): { start: number; end: number; day: boolean } | null {
  const dateOnly = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (dateOnly) {
    const [, y = '0', m = '0', d = '0'] = dateOnly;
    const start = zonedDayStart(Number(y), Number(m), Number(d), timeZone);
    const end = zonedDayStart(Number(y), Number(m), Number(d) + 1, timeZone);
    return { start, end, day: true };
  }
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value)) {
    return null;
  }
  // A datetime without an offset is in the shop's zone; Date.parse would read it as local time.
  const hasOffset = /(Z|[+-]\d{2}:?\d{2})$/.test(value);
  const ms = hasOffset ? Date.parse(value) : parseZonedDateTime(value, timeZone);
  return Number.isNaN(ms) ? null : { start: ms, end: ms, day: false };
}

function parseZonedDateTime(value: string, timeZone: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(value);
  if (!match) {
    return Number.NaN;
  }
  const [, y = '0', m = '0', d = '0', hh = '0', mm = '0', ss = '0'] = match;
  const dayStart = zonedDayStart(Number(y), Number(m), Number(d), timeZone);
  return dayStart + ((Number(hh) * 60 + Number(mm)) * 60 + Number(ss)) * 1000;
}

function compareNumbers(actual: number, comparator: Comparator, expected: number): boolean {
  switch (comparator) {
    case '=':
      return actual === expected;
    case '>':
      return actual > expected;
    case '>=':
      return actual >= expected;
    case '<':
      return actual < expected;
    case '<=':
      return actual <= expected;
  }
}

function matchString(actual: string, comparator: Comparator, expected: string): boolean {
  const a = actual.toLowerCase();
  const e = expected.toLowerCase();
  if (comparator === '=') {
    return e.endsWith('*') ? a.startsWith(e.slice(0, -1)) : a === e;
  }
  return compareNumbers(a < e ? -1 : a > e ? 1 : 0, comparator, 0);
}

export interface CompiledSearch<T> {
  matches(record: T): boolean;
  warnings: SearchWarning[];
}

/** Compiles `query` against `schema`; the shop time zone anchors date-only values. */
export function compileSearch<T>(query: string | null | undefined, schema: SearchSchema<T>, timeZone: string): CompiledSearch<T> {
  const trimmed = (query ?? '').trim();
  const warnings: SearchWarning[] = [];
  if (trimmed === '') {
    return { matches: () => true, warnings };
  }
  const root = new Parser(tokenize(trimmed)).parse();
  const warned = new Set<string>();
  const warn = (field: string, message: string): void => {
    if (!warned.has(field)) {
      warned.add(field);
      warnings.push({ field, message });
    }
  };

  // Validate fields once up front so warnings do not depend on the data.
  const visit = (node: SearchNode): void => {
    if (node.kind === 'term') {
      if (node.field !== null && !(node.field in schema.fields)) {
        warn(node.field, 'Invalid search field for this query.');
      }
      return;
    }
    if (node.kind === 'not') {
      visit(node.child);
      return;
    }
    node.children.forEach(visit);
  };
  if (root) {
    visit(root);
  }

  // `null` means "term ignored" so invalid fields neither include nor exclude records.
  const evaluate = (node: SearchNode, record: T): boolean | null => {
    switch (node.kind) {
      case 'and': {
        let any = false;
        for (const child of node.children) {
          const result = evaluate(child, record);
          if (result === false) return false;
          if (result === true) any = true;
        }
        return any ? true : null;
      }
      case 'or': {
        let any = false;
        for (const child of node.children) {
          const result = evaluate(child, record);
          if (result === true) return true;
          if (result === false) any = true;
        }
        return any ? false : null;
      }
      case 'not': {
        const result = evaluate(node.child, record);
        return result === null ? null : !result;
      }
      case 'term':
        return evaluateTerm(node, record);
    }
  };

  const evaluateTerm = (term: Extract<SearchNode, { kind: 'term' }>, record: T): boolean | null => {
    if (term.field === null) {
      const needle = term.value.toLowerCase().replace(/\*$/, '');
      return schema.text(record).some((value) => value !== null && value.toLowerCase().includes(needle));
    }
    const field = schema.fields[term.field];
    if (!field) {
      return null;
    }
    if (term.value === '*' && term.comparator === '=') {
      return field.kind === 'boolean' || !isEmpty(field.get(record));
    }
    switch (field.kind) {
      case 'string': {
        const value = field.get(record);
        const values = value === null ? [] : typeof value === 'string' ? [value] : value;
        return values.some((candidate) => matchString(candidate, term.comparator, term.value));
      }
      case 'number': {
        const actual = field.get(record);
        const expected = Number(term.value);
        if (Number.isNaN(expected)) {
          warn(term.field, `Invalid numeric value "${term.value}".`);
          return null;
        }
        return actual !== null && compareNumbers(actual, term.comparator, expected);
      }
      case 'boolean':
        return field.get(record) === (term.value.toLowerCase() === 'true');
      case 'date': {
        const bounds = parseSearchDate(term.value, timeZone);
        if (!bounds) {
          warn(term.field, `Invalid date value "${term.value}".`);
          return null;
        }
        const actual = field.get(record);
        if (actual === null) {
          return false;
        }
        if (!bounds.day) {
          return compareNumbers(actual, term.comparator, bounds.start);
        }
        switch (term.comparator) {
          case '=':
            return actual >= bounds.start && actual < bounds.end;
          case '>':
            return actual >= bounds.end;
          case '>=':
            return actual >= bounds.start;
          case '<':
            return actual < bounds.start;
          case '<=':
            return actual < bounds.end;
        }
      }
    }
  };

  return {
    warnings,
    matches: (record) => (root ? evaluate(root, record) !== false : true),
  };
}

function isEmpty(value: string | number | boolean | null | readonly string[]): boolean {
  if (value === null) return true;
  if (typeof value === 'string') return value === '';
  if (Array.isArray(value)) return value.length === 0;
  return false;
}
