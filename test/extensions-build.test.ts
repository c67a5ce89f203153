// `shopify app build` over the whole app, as a deploy runs it: every UI extension bundled (the
// customer account extension with the APP_URL it will call), the pixel, and the theme extension
// theme-checked. Offline: the CLI needs no Shopify login to build.
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repository = join(import.meta.dirname, "..");
/**
 * The CLI writes into the app it builds (dist/, manifest.json, and shopify.d.ts in an order that
 * changes from run to run): it builds a copy of the app's tomls and extensions, sharing the
 * repository's node_modules, so the working tree stays as it was.
 */
const root = mkdtempSync(join(tmpdir(), "roost-app-build-"));
const APP_URL = "https://roost-build-test.example.com";
/** Shopify's limit for a UI extension's compiled script, compressed (the CLI reports it with brotli). */
const UI_EXTENSION_LIMIT = 64 * 1024;

let output = "";
let seconds = 0;

beforeAll(async () => {
  for (const file of ["shopify.app.toml", "shopify.web.toml", "package.json"]) cpSync(join(repository, file), join(root, file));
  cpSync(join(repository, "extensions"), join(root, "extensions"), {
    recursive: true,
    filter: (source) => !["dist", "node_modules", "manifest.json"].includes(basename(source)),
  });
  symlinkSync(join(repository, "node_modules"), join(root, "node_modules"), "dir");
  const started = performance.now();
  // --skip-dependencies-installation: the root package.json has every extension's dependencies;
  // without it the CLI runs npm install in each extension folder (a second preact among others).
  const result = await promisify(execFile)(join(root, "node_modules/.bin/shopify"), ["app", "build", "--skip-dependencies-installation", "--path", root], {
    cwd: root,
    env: { ...process.env, SHOPIFY_CLI_NO_ANALYTICS: "1", CI: "1", APP_URL, NODE_ENV: "production" },
    maxBuffer: 16 * 1024 * 1024,
    timeout: 180_000,
  });
  seconds = (performance.now() - started) / 1000;
  output = result.stdout + result.stderr;
  console.log(`shopify app build: ${seconds.toFixed(1)} s`);
}, 200_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("shopify app build", () => {
  it("succeeds", () => {
    expect(output).toContain("built!");
  });

  it.each(["roost-account", "roost-account-page"])("bundles %s within Shopify's size limit, calling the APP_URL it was built with", (handle) => {
    const file = join(root, "extensions/roost-account/dist", `${handle}.js`);
    expect(existsSync(file)).toBe(true);
    const bundle = readFileSync(file);
    const brotli = brotliCompressSync(bundle, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
    console.log(`${handle}: ${bundle.length} bytes, ${brotli} brotli, ${gzipSync(bundle).length} gzip`);
    expect(brotli).toBeLessThanOrEqual(UI_EXTENSION_LIMIT);
    const text = bundle.toString("utf8");
    expect(text).toContain(APP_URL);
    expect(text).toContain("/account/loyalty");
    expect(text).not.toContain("process.env");
  });

  it("writes shopify.d.ts with the shopify global for both targets", () => {
    const types = readFileSync(join(root, "extensions/roost-account/shopify.d.ts"), "utf8");
    expect(types).toContain("customer-account.profile.block.render");
    expect(types).toContain("customer-account.page.render");
    // The committed copy (the typecheck reads it) declares the same modules; the CLI's order varies.
    const blocks = (text: string) => text.split("//@ts-ignore").map((block) => block.trim()).sort();
    expect(blocks(readFileSync(join(repository, "extensions/roost-account/shopify.d.ts"), "utf8"))).toEqual(blocks(types));
  });
});
