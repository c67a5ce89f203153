import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// A scratch copy of the project's database files, so the check can be run against a schema
// edited the way a developer would edit it.
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "roost-db-check-"));
  for (const entry of ["prisma", "scripts/db", "prisma.config.ts"]) {
    fs.cpSync(entry, path.join(dir, entry), { recursive: true, filter: (source) => !source.endsWith(".sqlite") });
  }
  fs.symlinkSync(path.resolve("node_modules"), path.join(dir, "node_modules"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function check(): { code: number; output: string } {
  try {
    const output = execFileSync(process.execPath, ["scripts/db/new-migration.mjs", "--check"], { cwd: dir, encoding: "utf8", stdio: "pipe" });
    return { code: 0, output };
  } catch (error) {
    const failure = error as { status: number; stderr: string };
    return { code: failure.status, output: failure.stderr };
  }
}

describe("npm run db:check", () => {
  it("passes on the committed schema", () => {
    expect(check()).toMatchObject({ code: 0 });
  });

  it("fails when the schema changed without a derived schema and migrations", () => {
    const schema = path.join(dir, "prisma/schema.prisma");
    fs.writeFileSync(schema, fs.readFileSync(schema, "utf8").replace("  name          String?\n", "  name          String?\n  plan          String?\n"));

    const result = check();

    expect(result.code).toBe(1);
    expect(result.output).toContain("prisma/postgresql/schema.prisma is stale");
    expect(result.output).toContain("sqlite: prisma/schema.prisma has changes no migration covers");
    expect(result.output).toContain("postgresql: prisma/schema.prisma has changes no migration covers");
  });

  it("passes again once `db:migration` has derived the schema and both migrations", () => {
    execFileSync(process.execPath, ["scripts/db/new-migration.mjs", "add_plan"], { cwd: dir, stdio: "pipe" });
    expect(check()).toMatchObject({ code: 0 });
    const folders = (sub: string) => fs.readdirSync(path.join(dir, sub)).filter((name) => name.endsWith("_add_plan"));
    expect(folders("prisma/migrations")).toHaveLength(1);
    expect(folders("prisma/migrations")).toEqual(folders("prisma/postgresql/migrations"));
    const sql = fs.readFileSync(path.join(dir, "prisma/postgresql/migrations", folders("prisma/postgresql/migrations")[0], "migration.sql"), "utf8");
    expect(sql).toContain(`ALTER TABLE "Shop" ADD COLUMN     "plan" TEXT;`);
  });
});

describe("int64 fields (money and points)", () => {
  it("are BIGINT columns on PostgreSQL: a new field marked `// int64`, and an existing field newly marked", async () => {
    const { widenInt64 } = await import("../scripts/db/lib.mjs");
    const previous = "model Shop {\n  id String @id\n  credit Int @default(0)\n}\n";
    const current = "model Shop {\n  id String @id\n  credit Int @default(0) // int64\n  points Int // int64\n  visits Int\n}\n";
    const engineSql = `-- AlterTable\nALTER TABLE "Shop" ADD COLUMN     "points" INTEGER NOT NULL,\nADD COLUMN     "visits" INTEGER NOT NULL;\n`;
    const sql = widenInt64(engineSql, current, previous);
    expect(sql).toContain(`ADD COLUMN     "points" BIGINT NOT NULL`);
    expect(sql).toContain(`"visits" INTEGER NOT NULL`);
    expect(sql).toContain(`ALTER TABLE "Shop" ALTER COLUMN "credit" SET DATA TYPE BIGINT;`);
    // Nothing changed and nothing newly marked: no migration.
    expect(widenInt64("-- This is an empty migration.\n", current, current)).toBe("");
  });

  it("covers every money and points column of the committed PostgreSQL migrations", () => {
    const pg = path.resolve("prisma/postgresql/migrations");
    const sql = fs.readdirSync(pg).filter((name) => fs.existsSync(path.join(pg, name, "migration.sql"))).map((name) => fs.readFileSync(path.join(pg, name, "migration.sql"), "utf8")).join("\n");
    for (const column of ["Member\" ALTER COLUMN \"balance", "LedgerEntry\" ALTER COLUMN \"points", "Order\" ALTER COLUMN \"eligibleAmount", "OrderLine\" ALTER COLUMN \"unitPrice"]) {
      expect(sql).toContain(`ALTER TABLE "${column}" SET DATA TYPE BIGINT;`);
    }
  });
});
