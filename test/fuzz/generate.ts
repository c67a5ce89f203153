/**
 * The fuzz suite's seeded generator (test/fuzz, docs/testing.md). One small PRNG (mulberry32)
 * drives everything, so a seed reproduces a run exactly: `ROOST_FUZZ_SEED=<n> npx vitest run
 * test/fuzz` (or `ROOST_FUZZ_SEED=random` for a fresh one). Bodies start from a valid payload
 * of the route and are broken in one of the classes below.
 */

export const DEFAULT_SEED = 20261204;

/** The run's seed: ROOST_FUZZ_SEED (a number, or "random"), else a fixed default. */
export function fuzzSeed(): number {
  const configured = process.env.ROOST_FUZZ_SEED;
  if (configured === "random") return Math.floor(Math.random() * 2 ** 32);
  if (configured && /^\d+$/.test(configured)) return Number(configured) >>> 0;
  return DEFAULT_SEED;
}

/** Bodies per route class (ROOST_FUZZ_BODIES overrides the file's default). */
export function fuzzBodies(fallback: number): number {
  const configured = Number(process.env.ROOST_FUZZ_BODIES);
  return Number.isInteger(configured) && configured > 0 ? configured : fallback;
}

export interface Random {
  next(): number;
  int(below: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  bytes(length: number): Uint8Array;
  /** A fresh id-like string, reproducible from the seed. */
  token(): string;
}

export function random(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (below: number) => Math.floor(next() * below);
  return {
    next,
    int,
    chance: (probability) => next() < probability,
    pick: (items) => items[int(items.length)],
    bytes: (length) => Uint8Array.from({ length }, () => int(256)),
    token: () => `${int(2 ** 32).toString(36)}${int(2 ** 32).toString(36)}`,
  };
}

/** Derives a sub-seed, so each route class has its own stream whatever the others draw. */
export function subSeed(seed: number, name: string): number {
  let hash = seed >>> 0;
  for (let i = 0; i < name.length; i += 1) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

export const BODY_CLASSES = [
  "random-bytes",
  "truncated-json",
  "deep-nesting",
  "huge-numbers",
  "wrong-types",
  "unicode",
  "injection",
  "content-type",
  "missing-headers",
  "duplicate-keys",
  "prototype-keys",
] as const;
export type BodyClass = (typeof BODY_CLASSES)[number];

export interface Fuzzed {
  /** Text, or bytes that may not be UTF-8. */
  body: string | Uint8Array;
  /** null: no Content-Type header at all. */
  contentType: string | null;
  /** Headers (of the route's own list) left out. */
  omit: string[];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];

const JSON_TYPE = "application/json";

const HUGE_NUMBERS = [
  "1e400",
  "-1e400",
  "1e-400",
  "18446744073709551616",
  "-9223372036854775809",
  "9007199254740993",
  "123456789012345678901234567890.123456789",
  "0.0000000000000000000000000001",
  "1E308",
  "-0",
  "0e0",
  "1".repeat(400),
];
const HUGE_STRINGS = ["1e400", "18446744073709551616", "18446744073709551616.00", "99999999999999999999.99", "1".repeat(400), "-0.00", "NaN", "Infinity"];

const OTHER_TYPES: Json[] = [null, true, false, 0, -1, 1.5, "", "x", [], [1, "a", null], {}, { a: {} }];

export const UNICODE = [
  "a\u0000b",
  "\u0001\u001f\u007f\u0085",
  "\ud800",
  "\udfff",
  "a\ud800b",
  "\udc00\ud800",
  "\u202eevil\u202c",
  "مرحبا بالعالم",
  "שלום",
  "😀",
  "👩‍👩‍👧‍👦",
  "e\u0301\u0302\u0303",
  "\ufeffbom",
  "\uffff\ufffe",
  "\u2028\u2029",
  "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
  "Ω≈ç√∫",
  "\u00a0\u3000",
  "ｆｕｌｌｗｉｄｔｈ",
  "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇",
];

export const INJECTIONS = [
  "' OR '1'='1",
  "'; DROP TABLE \"Member\"; --",
  '" OR ""="',
  "1; SELECT pg_sleep(10)--",
  "1' UNION SELECT * FROM \"ApiToken\"--",
  "<script>alert(1)</script>",
  '"><img src=x onerror=alert(1)>',
  "javascript:alert(document.cookie)",
  "../../../../etc/passwd",
  "..\\..\\..\\windows\\win.ini",
  "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
  "/dev/zero",
  "%s%s%s%s%n",
  "%x%x%x%x",
  "{{7*7}}",
  "${7*7}",
  "#{7*7}",
  "\r\nSet-Cookie: roost=1",
  "%0d%0aX-Injected: 1",
  "a\u0000b",
  "gid://shopify/Customer/1' OR 1=1",
  '{"$gt": ""}',
  "A".repeat(5000),
];

export const CONTENT_TYPES = [
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=roost",
  "application/xml",
  null,
  "",
  "application/json; charset=utf-16",
  "application/jsonx",
  "*/*",
  "application/json, text/plain",
];

const PROTOTYPE_MEMBERS = [
  '"__proto__":{"isAdmin":true,"polluted":true}',
  '"constructor":{"prototype":{"isAdmin":true,"polluted":true}}',
  '"prototype":{"polluted":true}',
  '"__proto__":null',
  '"hasOwnProperty":"x"',
  '"toString":1',
  '"valueOf":{}',
  '"__defineGetter__":[]',
];

/** Every leaf (and, with `containers`, every object/array) of a JSON value, by path. */
function paths(value: Json, containers = false, prefix: Path = []): Path[] {
  if (value === null || typeof value !== "object") return [prefix];
  const children = Array.isArray(value) ? value.map((item, index) => [index, item] as const) : Object.entries(value);
  const below = children.flatMap(([key, item]) => paths(item, containers, [...prefix, key]));
  return containers && prefix.length > 0 ? [prefix, ...below] : below;
}

function get(value: Json, path: Path): Json {
  return path.reduce<Json>((node, key) => (node as Record<string | number, Json>)[key], value);
}

function set(value: Json, path: Path, replacement: Json): Json {
  if (path.length === 0) return replacement;
  const copy = structuredClone(value);
  const parent = path.slice(0, -1).reduce<Json | undefined>((node, key) => (node && typeof node === "object" ? (node as Record<string | number, Json>)[key] : undefined), copy);
  // An earlier mutation replaced an ancestor: nothing left to change here.
  if (!parent || typeof parent !== "object") return value;
  (parent as Record<string | number, Json>)[path[path.length - 1]] = replacement;
  return copy;
}

/** Puts raw JSON text where placeholders are, to write what JSON.stringify cannot (1e400, depth). */
function withRaw(value: Json, replacements: Map<Path, string>): string {
  let body = value;
  const raws: string[] = [];
  for (const [path, raw] of replacements) {
    body = set(body, path, `__FUZZ_RAW_${raws.length}__`);
    raws.push(raw);
  }
  let text = JSON.stringify(body);
  raws.forEach((raw, index) => {
    text = text.replace(`"__FUZZ_RAW_${index}__"`, () => raw);
  });
  return text;
}

function nested(rng: Random, depth: number): string {
  const shape = rng.pick(["array", "object", "mixed"] as const);
  if (shape === "array") return "[".repeat(depth) + "1" + "]".repeat(depth);
  if (shape === "object") return '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
  let open = "";
  let close = "";
  for (let i = 0; i < depth; i += 1) {
    const array = rng.chance(0.5);
    open += array ? "[" : '{"k":';
    close = (array ? "]" : "}") + close;
  }
  return open + "null" + close;
}

function someLeaves(rng: Random, base: Json, containers = false): Path[] {
  const all = paths(base, containers);
  const count = 1 + rng.int(3);
  return Array.from({ length: count }, () => rng.pick(all));
}

/**
 * Every string field (a third of the time), or one to three of them, so that the rest of the
 * payload stays valid and the strings reach storage.
 */
function someStrings(rng: Random, base: Json): Path[] {
  const strings = paths(base).filter((path) => typeof get(base, path) === "string");
  if (strings.length === 0) return [];
  return rng.chance(0.33) ? strings : Array.from({ length: 1 + rng.int(3) }, () => rng.pick(strings));
}

/** Inserts JSON members at the start or end of the root object's text. */
function insertMembers(rng: Random, text: string, members: string[]): string {
  if (members.length === 0) return text;
  return rng.chance(0.5) ? text.replace(/^\{/, () => `{${members.join(",")},`) : text.replace(/\}$/, () => `,${members.join(",")}}`);
}

/**
 * One body of the class, from the route's valid payload. `headers` is the route's own header
 * list, for the missing-headers class.
 */
export function fuzzBody(rng: Random, bodyClass: BodyClass, payload: unknown, headers: readonly string[]): Fuzzed {
  const base = payload as Json;
  const valid = JSON.stringify(base);
  const fuzzed = (body: string | Uint8Array, contentType: string | null = JSON_TYPE, omit: string[] = []): Fuzzed => ({ body, contentType, omit });
  switch (bodyClass) {
    case "random-bytes": {
      const length = rng.pick([0, 1, 2, 7, 16, 64, 256, 1024, 4096]);
      if (rng.chance(0.4)) {
        const alphabet = '{}[]":,.-+eE0123456789truefalsnl \\/u\t\n';
        return fuzzed(Array.from({ length }, () => alphabet[rng.int(alphabet.length)]).join(""));
      }
      return fuzzed(rng.bytes(length));
    }
    case "truncated-json": {
      const cut = rng.int(valid.length);
      return fuzzed(valid.slice(0, cut) + (rng.chance(0.3) ? rng.pick(["", "}", "]]", '"', "\\", ",", "{"]) : ""));
    }
    case "deep-nesting": {
      const depth = rng.pick([33, 64, 200, 1000, 5000, 20000]);
      if (rng.chance(0.4)) return fuzzed(nested(rng, depth));
      return fuzzed(withRaw(base, new Map([[rng.pick(paths(base, true)), nested(rng, depth)]])));
    }
    case "huge-numbers": {
      const replacements = new Map<Path, string>();
      for (const path of someLeaves(rng, base)) {
        const current = get(base, path);
        replacements.set(path, typeof current === "string" && rng.chance(0.5) ? JSON.stringify(rng.pick(HUGE_STRINGS)) : rng.pick(HUGE_NUMBERS));
      }
      return fuzzed(withRaw(base, replacements));
    }
    case "wrong-types": {
      if (rng.chance(0.1)) return fuzzed(JSON.stringify(rng.pick(OTHER_TYPES)));
      let body = base;
      for (const path of someLeaves(rng, base, true)) body = set(body, path, structuredClone(rng.pick(OTHER_TYPES)));
      return fuzzed(JSON.stringify(body));
    }
    case "unicode": {
      let body = base;
      for (const path of someStrings(rng, base)) {
        const sample = rng.pick(UNICODE);
        body = set(body, path, rng.chance(0.5) ? sample : `${get(base, path) as string}${sample}`);
      }
      const text = JSON.stringify(body);
      return fuzzed(rng.chance(0.3) ? insertMembers(rng, text, [`${JSON.stringify(rng.pick(UNICODE))}:${JSON.stringify(rng.pick(UNICODE))}`]) : text);
    }
    case "injection": {
      let body = base;
      for (const path of someStrings(rng, base)) body = set(body, path, rng.pick(INJECTIONS));
      return fuzzed(JSON.stringify(body));
    }
    case "content-type":
      return fuzzed(valid, rng.pick(CONTENT_TYPES));
    case "missing-headers": {
      const omit = headers.filter(() => rng.chance(0.4));
      return fuzzed(valid, JSON_TYPE, omit.length > 0 ? omit : [rng.pick(headers)]);
    }
    case "duplicate-keys": {
      const keys = base && typeof base === "object" && !Array.isArray(base) ? Object.keys(base) : [];
      const members = Array.from({ length: 1 + rng.int(3) }, () => {
        const key = rng.pick(keys);
        const value = rng.chance(0.5) ? (base as Record<string, Json>)[key] : rng.pick(OTHER_TYPES);
        return `${JSON.stringify(key)}:${JSON.stringify(value)}`;
      });
      return fuzzed(insertMembers(rng, valid, members));
    }
    case "prototype-keys": {
      const members = Array.from({ length: 1 + rng.int(3) }, () => rng.pick(PROTOTYPE_MEMBERS));
      let text = insertMembers(rng, valid, members);
      if (rng.chance(0.5)) {
        // Also inside a nested object: after a random '{' past the root's.
        const braces = [...text.matchAll(/\{"/g)].map((match) => match.index).filter((index) => index > 0);
        if (braces.length > 0) {
          const at = rng.pick(braces);
          text = `${text.slice(0, at + 1)}${rng.pick(PROTOTYPE_MEMBERS)},${text.slice(at + 1)}`;
        }
      }
      return fuzzed(text);
    }
  }
}

/** Outcome counts: class → "label status" → count, printed once as a table. */
export class Outcomes {
  private readonly counts = new Map<string, Map<string, number>>();

  add(bodyClass: string, outcome: string): void {
    const row = this.counts.get(bodyClass) ?? new Map<string, number>();
    row.set(outcome, (row.get(outcome) ?? 0) + 1);
    this.counts.set(bodyClass, row);
  }

  format(title: string): string {
    const lines = [title];
    for (const [bodyClass, row] of this.counts) {
      const cells = [...row].sort(([a], [b]) => (a < b ? -1 : 1)).map(([outcome, count]) => `${outcome}×${count}`);
      lines.push(`  ${bodyClass.padEnd(16)} ${cells.join("  ")}`);
    }
    return `${lines.join("\n")}\n`;
  }
}

/** Runs `task` over `items`, at most `concurrency` at a time, in order of start. */
export async function pool<T>(items: readonly T[], concurrency: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next];
      next += 1;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** A body for a failure message: escaped, short. */
export function preview(body: string | Uint8Array, length = 160): string {
  const text = typeof body === "string" ? body : `bytes:${Buffer.from(body.slice(0, length)).toString("base64")}`;
  return JSON.stringify(text.slice(0, length));
}
