#!/bin/sh
# Stands in for Prisma's native schema engine (PRISMA_SCHEMA_ENGINE_BINARY, set by
# scripts/db/lib.mjs): Prisma 7's CLI wants the binary to exist before `prisma generate`, which
# never runs it. Roost applies migrations with scripts/db/migrate.mjs and writes them with
# scripts/db/new-migration.mjs (WebAssembly schema engine), so nothing else needs it.
echo "Prisma's native schema engine is not installed (Roost runs without it): use npm run setup / db:migration instead." >&2
exit 1
