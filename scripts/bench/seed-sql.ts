// SQL expressions the bench's bulk seeds share (scripts/bench/cohort-sweep.ts,
// scripts/bench/admin-loaders.ts): INSERT … SELECT over a counter, deterministic pseudo-random
// columns from hashes.

/** Prisma's SQLite DATETIME text (2026-12-05T11:51:01.217+00:00). */
export const isoSql = (epochMsExpression: string) => `strftime('%Y-%m-%dT%H:%M:%f+00:00', (${epochMsExpression}) / 1000.0, 'unixepoch')`;
const xor = (a: string, b: string) => `((${a}) | (${b})) - ((${a}) & (${b}))`;
/** One round of an integer mixer on [0, 2^32): shift-xor, then multiply within 64-bit integers. */
const mix = (v: string) => `(((${xor(`(${v}) >> 16`, v)}) * 73244475) % 4294967296)`;
/** A hash of an integer expression into [0, 2^32): different seeds give independent streams. */
export const hash = (x: string, seed: number) => mix(`((${x}) * 2654435 + ${seed}) % 4294967296`);
/** The common table n(i) of 0 … n−1, to follow WITH RECURSIVE and other tables. */
export const numbers = (n: number) => `n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${n - 1})`;
export const counter = (n: number) => `WITH RECURSIVE ${numbers(n)}`;

/** How long a bulk seed took and the rows it left, per table. */
export interface Seeded {
  seconds: number;
  rows: Record<string, number>;
}
