// Shared helpers for Roost's database scripts. prisma/schema.prisma (SQLite) is the one
// source; the PostgreSQL schema and both providers' migrations are derived from it.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export const providers = {
  sqlite: {
    schema: path.join(root, "prisma/schema.prisma"),
    migrations: path.join(root, "prisma/migrations"),
  },
  postgresql: {
    schema: path.join(root, "prisma/postgresql/schema.prisma"),
    migrations: path.join(root, "prisma/postgresql/migrations"),
  },
};

const DERIVED_HEADER =
  "// GENERATED from prisma/schema.prisma by `npm run db:migration`; do not edit.\n";

/** The PostgreSQL schema: the SQLite schema with its provider and client output swapped. */
export function derivePostgresSchema(source = fs.readFileSync(providers.sqlite.schema, "utf8")) {
  const swapped = source
    .replace(/provider\s*=\s*"sqlite"/, 'provider = "postgresql"')
    .replace(
      /(provider\s*=\s*"prisma-client-js")/,
      '$1\n  output   = "../../node_modules/.prisma/client-postgresql"',
    );
  if (swapped === source) throw new Error("prisma/schema.prisma no longer has a sqlite datasource");
  return DERIVED_HEADER + swapped;
}

/**
 * Runs the Prisma CLI. Prisma 7's CLI insists on its native schema engine before `generate`
 * (and every Migrate command) and downloads it from Prisma's CDN, which some machines cannot
 * reach. `generate` never runs it, so the CLI is pointed at a stub that fails loudly if
 * anything ever does; migration SQL comes from the WebAssembly engine (schema-engine.mjs).
 */
export function prisma(args) {
  return execFileSync(process.execPath, [path.join(root, "node_modules/prisma/build/index.js"), ...args], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: process.env.DATABASE_URL || "file:./prisma/dev.sqlite",
      PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || path.join(root, "scripts/db/no-schema-engine.sh"),
      PRISMA_HIDE_UPDATE_MESSAGE: "1",
    },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Migration folders in apply order (their names start with a sortable timestamp). */
export function migrationNames(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(dir, entry.name, "migration.sql")))
    .map((entry) => entry.name)
    .sort();
}

/**
 * Money and points are integer minor units that can pass 2^31 (an order over 21,474,836.47
 * USD; ordinary amounts in zero-decimal currencies). Prisma's `Int` is carried as a JS number
 * on both providers and SQLite's INTEGER is 64-bit already; on PostgreSQL a field marked
 * `// int64` in prisma/schema.prisma gets a BIGINT column (docs/decisions/0003).
 * Returns "Model.field" for every marked field.
 */
export function int64Fields(schema) {
  return new Set(schemaFields(schema).filter(({ line }) => /^\s*\w+\s+Int\??\s.*\/\/\s*int64\b/.test(`${line} `)).map(({ name }) => name));
}

/** Every model field of a schema as "Model.field", with its line. */
function schemaFields(schema) {
  const fields = [];
  let model = null;
  for (const line of schema.split("\n")) {
    const open = /^\s*model\s+(\w+)\s*\{/.exec(line);
    if (open) model = open[1];
    else if (/^\s*\}/.test(line)) model = null;
    else if (model && !/^\s*(\/\/|@@)/.test(line)) {
      const field = /^\s*(\w+)\s+\w/.exec(line);
      if (field) fields.push({ name: `${model}.${field[1]}`, line });
    }
  }
  return fields;
}

/**
 * PostgreSQL migration SQL with the int64 fields of `schema` as BIGINT: the engine's INTEGER
 * columns in CREATE TABLE, ADD COLUMN and SET DATA TYPE become BIGINT, and a field that existed
 * in `previous` but is newly marked gets its own ALTER. Returns "" when nothing remains to do.
 */
export function widenInt64(sql, schema, previous) {
  const marked = int64Fields(schema);
  const before = previous ? int64Fields(previous) : new Set();
  const existed = new Set(previous ? schemaFields(previous).map(({ name }) => name) : []);
  let table = null;
  const lines = sql.split("\n").map((line) => {
    const create = /^CREATE TABLE "(\w+)"/.exec(line);
    if (create) table = create[1];
    else if (/^\);/.test(line)) table = null;
    if (table) {
      return line.replace(/^(\s*"(\w+)" )INTEGER\b/, (all, head, field) => (marked.has(`${table}.${field}`) ? `${head}BIGINT` : all));
    }
    return line.replace(
      /^(ALTER TABLE "(\w+)" (?:ADD COLUMN\s+"(\w+)"|ALTER COLUMN "(\w+)" SET DATA TYPE) )INTEGER\b/,
      (all, head, model, added, altered) => (marked.has(`${model}.${added ?? altered}`) ? `${head}BIGINT` : all),
    );
  });
  const widened = [...marked].filter((field) => !before.has(field) && existed.has(field));
  const empty = /^\s*-- This is an empty migration\.\s*$/.test(sql);
  const alters = widened.map((field) => {
    const [model, name] = field.split(".");
    return `ALTER TABLE "${model}" ALTER COLUMN "${name}" SET DATA TYPE BIGINT;`;
  });
  if (empty && alters.length === 0) return "";
  const body = empty ? "" : lines.join("\n");
  return alters.length ? `${body}${body && !body.endsWith("\n") ? "\n" : ""}-- Money and points as 64-bit integers (fields marked int64).\n${alters.join("\n")}\n` : body;
}
