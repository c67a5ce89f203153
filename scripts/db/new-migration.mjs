// `npm run db:migration -- <name>`: after editing prisma/schema.prisma, derive the PostgreSQL
// schema and write one migration per provider (SQLite and PostgreSQL, same folder name).
// `npm run db:check`: fail when the derived schema or either provider's migrations are stale.
//
// Each migration folder keeps the schema it migrates to (schema.prisma), so the next migration
// is a datamodel-to-datamodel diff: no database and no native engine needed.
import fs from "node:fs";
import path from "node:path";
import { derivePostgresSchema, migrationNames, providers, widenInt64 } from "./lib.mjs";
import { diffDatamodels } from "./schema-engine.mjs";

const args = process.argv.slice(2);
const check = args.includes("--check");
const name = args.find((arg) => !arg.startsWith("--"));
if (!check && !/^[a-z0-9_]+$/.test(name ?? "")) {
  console.error("usage: npm run db:migration -- <snake_case_name>   |   npm run db:check");
  process.exit(2);
}

const problems = [];
const derived = derivePostgresSchema();
const current = fs.existsSync(providers.postgresql.schema)
  ? fs.readFileSync(providers.postgresql.schema, "utf8")
  : "";
if (current !== derived) {
  if (check) problems.push("prisma/postgresql/schema.prisma is stale: run `npm run db:migration -- <name>`");
  else {
    fs.mkdirSync(path.dirname(providers.postgresql.schema), { recursive: true });
    fs.writeFileSync(providers.postgresql.schema, derived);
  }
}

const sqliteNames = migrationNames(providers.sqlite.migrations);
const pgNames = migrationNames(providers.postgresql.migrations);
if (sqliteNames.join() !== pgNames.join()) {
  problems.push(`migration folders differ: sqlite [${sqliteNames}] vs postgresql [${pgNames}]`);
}

const folder = `${new Date().toISOString().replace(/\D/g, "").slice(0, 14)}_${name}`;
for (const [provider, config] of Object.entries(providers)) {
  const names = migrationNames(config.migrations);
  const last = names.at(-1);
  const from = last ? path.join(config.migrations, last, "schema.prisma") : null;
  const schemaPath = provider === "postgresql" && check ? writeTemp(derived) : config.schema;
  let sql = await diffDatamodels(from, schemaPath);
  let pending = !/^\s*-- This is an empty migration\.\s*$/.test(sql);
  if (provider === "postgresql") {
    sql = widenInt64(sql, fs.readFileSync(schemaPath, "utf8"), from ? fs.readFileSync(from, "utf8") : null);
    pending = sql !== "";
  }
  if (!pending) continue;
  if (check) {
    problems.push(`${provider}: prisma/schema.prisma has changes no migration covers`);
    continue;
  }
  const dir = path.join(config.migrations, folder);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "migration.sql"), sql);
  fs.copyFileSync(config.schema, path.join(dir, "schema.prisma"));
  fs.writeFileSync(
    path.join(config.migrations, "migration_lock.toml"),
    `# Written by npm run db:migration\nprovider = "${provider}"\n`,
  );
  console.log(`wrote ${path.relative(process.cwd(), dir)}/migration.sql`);
}

function writeTemp(text) {
  const file = path.join(fs.mkdtempSync(path.join(providers.sqlite.migrations, "..", ".check-")), "schema.prisma");
  fs.writeFileSync(file, text);
  process.on("exit", () => fs.rmSync(path.dirname(file), { recursive: true, force: true }));
  return file;
}

if (problems.length > 0) {
  for (const problem of problems) console.error(`db:check: ${problem}`);
  process.exit(1);
}
if (check) console.log("db:check: derived PostgreSQL schema and migrations are current.");
