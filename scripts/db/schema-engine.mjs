// Prisma 7's CLI runs `migrate diff` (and every Migrate command) through the native
// schema-engine binary, which it downloads from Prisma's CDN; Prisma 6's `engine: "js"` path
// through the WebAssembly schema engine is gone from the CLI. Roost only needs
// datamodel-to-datamodel diffs (no database), so it calls the WebAssembly schema engine
// itself: @prisma/schema-engine-wasm, pinned to the engines build of the installed Prisma.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);

let enginePromise;

async function loadSchemaEngine() {
  const { enginesVersion } = require("@prisma/engines-version");
  const gluePath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
  const dir = path.dirname(gluePath);
  const { version } = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
  if (!version.endsWith(`.${enginesVersion}`)) {
    throw new Error(
      `@prisma/schema-engine-wasm ${version} does not match Prisma's engines ${enginesVersion}: ` +
        `install @prisma/schema-engine-wasm@<prisma version>-<n>.${enginesVersion}`,
    );
  }
  const glue = await import(pathToFileURL(gluePath).href);
  const module = new WebAssembly.Module(fs.readFileSync(path.join(dir, "schema_engine_bg.wasm")));
  const instance = new WebAssembly.Instance(module, { "./schema_engine_bg.js": glue });
  glue.__wbg_set_wasm(instance.exports);
  instance.exports.__wbindgen_start();
  return glue.SchemaEngine;
}

/**
 * `prisma migrate diff --from-(empty|schema) --to-schema --script` without a database: the
 * SQL that migrates the `from` datamodel (a schema file path, or null for empty) to `to`.
 */
export async function diffDatamodels(from, to) {
  enginePromise ??= loadSchemaEngine();
  const SchemaEngine = await enginePromise;
  const { PrismaLibSql } = await import("@prisma/adapter-libsql");
  const { bindMigrationAwareSqlAdapterFactory } = await import("@prisma/driver-adapter-utils");
  // The engine requires an adapter even for a datamodel-to-datamodel diff. An in-memory SQLite
  // one serves both providers: the PostgreSQL SQL comes out byte-identical to Prisma 6's CLI.
  const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaLibSql({ url: ":memory:" }));
  const target = (file) => (file === null ? { tag: "empty" } : { tag: "schemaDatamodel", files: [{ path: file, content: read(file) }] });
  // The engine takes its SQL flavour from the datamodels it is constructed with.
  const engine = await SchemaEngine.new({ datamodels: [[to, read(to)]] }, () => {}, adapter);
  try {
    const result = await engine.diff({
      from: target(from),
      to: target(to),
      script: true,
      exitCode: null,
      filters: { externalTables: [], externalEnums: [] },
    });
    // `prisma migrate diff` prints the script with console.log: keep its trailing newline.
    return `${result.stdout ?? ""}\n`;
  } finally {
    engine.free();
  }
}

/**
 * A schema file's text for Prisma 7. The migration folders' snapshots written under Prisma 6
 * still carry `url = env("DATABASE_URL")` in their datasource, which Prisma 7 rejects (P1012);
 * it does not affect the datamodel, so it is dropped here rather than rewriting history.
 */
function read(file) {
  return fs
    .readFileSync(file, "utf8")
    .replace(/(datasource\s+\w+\s*\{[^}]*?)^\s*url\s*=.*\n/m, "$1");
}
