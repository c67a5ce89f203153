// The built pixel: Shopify's bundler settings (esbuild, minified, ES6, browser), the size
// budget, no sendBeacon, and the bundle itself registered and run against fakes.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { parse } from "smol-toml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANALYTICS_ONLY, FakeFetch, FakeStorage, ORG_ID, type Json } from "./harness";
import { pageViewed } from "./events";

const root = join(import.meta.dirname, "../../extensions/roost-pixel");
let outDir: string;
let bundle: string;

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), "roost-pixel-"));
  const outfile = join(outDir, "roost-pixel.js");
  await build({
    entryPoints: [join(root, "src/index.ts")],
    outfile,
    bundle: true,
    minify: true,
    format: "iife",
    platform: "browser",
    target: "es6",
    legalComments: "none",
    logLevel: "silent",
  });
  bundle = await readFile(outfile, "utf8");
});

afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

describe("the built pixel", () => {
  it("is at most 10 KB gzipped and never uses sendBeacon", () => {
    const gzipped = gzipSync(bundle).length;
    console.log(`roost-pixel bundle: ${bundle.length} bytes, ${gzipped} gzipped`);
    expect(gzipped).toBeLessThanOrEqual(10 * 1024);
    expect(bundle).not.toContain("sendBeacon");
  });

  it("registers with Shopify's extension point and sends a batch from the bundle itself", async () => {
    const fetch = new FakeFetch();
    const subscribers = new Map<string, (event: unknown) => void>();
    let registered: { point: string; extend: (api: unknown) => void } | null = null;
    const timers: Array<() => void> = [];
    runInNewContext(bundle, {
      shopify: { extend: (point: string, extend: (api: unknown) => void) => (registered = { point, extend }) },
      fetch: fetch.fn,
      setTimeout: (callback: () => void) => timers.push(callback),
      clearTimeout: () => {},
      TextEncoder,
      URL,
      URLSearchParams,
      console,
    });
    expect(registered).not.toBeNull();
    expect(registered!.point).toBe("WebPixel::Render");
    registered!.extend({
      analytics: { subscribe: (name: string, callback: (event: unknown) => void) => subscribers.set(name, callback) },
      browser: { localStorage: new FakeStorage() },
      init: { customerPrivacy: ANALYTICS_ONLY },
      settings: { orgId: ORG_ID, apiEndpoint: "https://roost.example/ingest/events", samplingRate: "", enableConsoleLogging: "", metaPixelId: "" },
      customerPrivacy: { subscribe: () => () => true },
    });
    expect(subscribers.size).toBe(13);
    subscribers.get("page_viewed")!({ ...pageViewed("c-bundle"), name: "page_viewed" });
    await new Promise((resolve) => setImmediate(resolve));
    expect(timers.length).toBe(1);
    timers[0]();
    await new Promise((resolve) => setImmediate(resolve));
    expect(fetch.posts()).toHaveLength(1);
    expect(fetch.postedEvents()[0]).toMatchObject({ name: "page_viewed", clientId: "c-bundle" });
  });
});

describe("shopify.extension.toml", () => {
  it("declares a strict web pixel, analytics consent only, and the five text settings the code reads", async () => {
    const config = parse(await readFile(join(root, "shopify.extension.toml"), "utf8")) as Json;
    expect(config.type).toBe("web_pixel_extension");
    expect(config.runtime_context).toBe("strict");
    expect(config.customer_privacy).toEqual({ analytics: true, marketing: false, preferences: false, sale_of_data: "disabled" });
    expect(config.settings.type).toBe("object");
    const fields = config.settings.fields as Record<string, { type: string; name: string }>;
    expect(Object.keys(fields).sort()).toEqual(["apiEndpoint", "enableConsoleLogging", "metaPixelId", "orgId", "samplingRate"]);
    for (const field of Object.values(fields)) {
      expect(field.type).toBe("single_line_text_field");
      expect(field.name.length).toBeGreaterThan(0);
    }
  });

  it("the extension's package.json names Shopify's pixel library", async () => {
    const pkg = JSON.parse(await readFile(join(root, "package.json"), "utf8"));
    expect(pkg.dependencies["@shopify/web-pixels-extension"]).toMatch(/^\^2\./);
  });
});
