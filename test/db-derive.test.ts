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
