// Prisma CLI configuration. Roost runs Prisma without native engines (they cannot be
// downloaded on every machine): the Rust-free client plus the wasm schema engine through a
// driver adapter. With this file Prisma does not read .env, so DATABASE_URL comes from the
// environment (default: the embedded SQLite file).
import path from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaLibSQL } from "@prisma/adapter-libsql";

process.env.DATABASE_URL ??= "file:./prisma/dev.sqlite";
const url = process.env.DATABASE_URL?.startsWith("file:")
  ? process.env.DATABASE_URL
  : "file:./prisma/dev.sqlite";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join("prisma", "schema.prisma"),
  adapter: async () => new PrismaLibSQL({ url }),
});
