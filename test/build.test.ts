import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { testRunDir } from "./support/database";

/**
 * `remix vite:build` prints progress and the file table, nothing else: a warning (Rollup's
 * "(!)", "Generated an empty chunk", an import-attribute or annotation notice, a Remix future
 * flag) is a line outside those, and fails here. It builds into this run's scratch folder, so
 * build/ (served by `npm start` and the bench) is never touched.
 */

const PROGRESS = [
  /^vite v[\d.]+ building (SSR bundle )?for production\.\.\.$/,
  /^transforming\.\.\.$/,
  /^✓ \d+ modules transformed\.$/,
  /^rendering chunks\.\.\.$/,
  /^computing gzip size\.\.\.$/,
  /^✓ built in [\d.]+m?s$/,
  /^\S+\s+[\d.,]+ kB( │ gzip: +[\d.,]+ kB)?( │ map: +[\d.,]+ kB)?$/,
];
const WARNING = /warn|\(!\)|⚠|empty chunk|annotation|attributes/i;

function build(buildDir: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["node_modules/@remix-run/dev/dist/cli.js", "vite:build"], {
      env: { ...process.env, NODE_ENV: "production", ROOST_BUILD_DIR: buildDir, NO_COLOR: "1", FORCE_COLOR: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout?.on("data", (chunk) => (output += chunk));
    child.stderr?.on("data", (chunk) => (output += chunk));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, output }));
  });
}

describe("remix vite:build", () => {
  it("builds without a warning", async () => {
    // Inside the project root: Vite warns that it will not empty an outDir outside it.
    const { code, output } = await build(path.join(testRunDir(), "vite-build"));
    expect(code, output).toBe(0);
    const lines = output.split("\n").map((line) => line.trim()).filter(Boolean);
    expect(lines.filter((line) => WARNING.test(line)), output).toEqual([]);
    expect(lines.filter((line) => !PROGRESS.some((pattern) => pattern.test(line))), output).toEqual([]);
  }, 90_000);
});
