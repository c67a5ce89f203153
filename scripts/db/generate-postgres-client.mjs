// Generates the PostgreSQL Prisma client (node_modules/.prisma/client-postgresql) from the
// derived schema; app/db.server.ts loads it when DATABASE_URL is a postgresql:// URL.
import { prisma, providers } from "./lib.mjs";

prisma(["generate", "--schema", providers.postgresql.schema], { url: providers.postgresql.url });
console.log("Generated the PostgreSQL Prisma client.");
