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
