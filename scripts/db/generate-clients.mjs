// Generates both Prisma clients: the SQLite one (node_modules/.prisma/client, what
// `@prisma/client` exports) from prisma/schema.prisma, and the PostgreSQL one
// (node_modules/.prisma/client-postgresql) from the derived schema; app/db.server.ts loads the
// latter when DATABASE_URL is a postgresql:// URL. Runs as npm's postinstall.
import { prisma, providers } from "./lib.mjs";

prisma(["generate", "--schema", providers.sqlite.schema]);
prisma(["generate", "--schema", providers.postgresql.schema]);
console.log("Generated the SQLite and PostgreSQL Prisma clients.");
