// Prisma CLI configuration. Roost runs Prisma without native engines (they cannot be
// downloaded on every machine): the client is Prisma 7's query compiler with driver adapters
// (app/db.server.ts), and Roost never runs Prisma Migrate: scripts/db/migrate.mjs applies the
// migrations and scripts/db/new-migration.mjs writes them through the WebAssembly schema
// engine. With this file Prisma does not read .env, so DATABASE_URL comes from the environment
// (default: the embedded SQLite file); only Migrate/Studio commands would use it.
import path from "node:path";
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: path.join("prisma", "schema.prisma"),
  migrations: { path: path.join("prisma", "migrations") },
  datasource: { url: process.env.DATABASE_URL || "file:./prisma/dev.sqlite" },
});
