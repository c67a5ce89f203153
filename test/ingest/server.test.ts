import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase, type Database } from "../../app/db.server";
import { migrateDatabase } from "../../scripts/db/migrate.mjs";
import { testRunDir } from "../support/database";
import { freePort } from "../support/redis";
import { streamBody } from "../support/stream-body";
import { uniqueShop } from "../support/shopify";
import { pixelEvent } from "./helpers";

/**
 * POST /ingest/events on the production server (`node server.mjs`, NODE_ENV=production, built
 * into this run's scratch folder): the body limit cuts off a body it need not read, declared or
 * streamed without Content-Length, and a real batch crosses Express, Remix and the database.
 */

const MiB = 1024 * 1024;
let server: ChildProcess;
let base: string;
let output = "";
let db: Database;
let shop: { id: string; orgId: string };

beforeAll(async () => {
  const scratch = path.resolve(testRunDir(), "ingest-server");
  const buildDir = path.join(scratch, "build");
  await run(process.execPath, ["node_modules/@remix-run/dev/dist/cli.js", "vite:build"], { ROOST_BUILD_DIR: buildDir, NODE_ENV: "production" });
  const databaseUrl = `file:${path.join(scratch, "server.sqlite")}`;
  await migrateDatabase(databaseUrl);
  db = await createDatabase(databaseUrl);
  shop = await db.shop.create({ data: { domain: uniqueShop("ingest-server"), installed: true }, select: { id: true, orgId: true } });

  const port = await freePort();
  server = spawn(process.execPath, ["server.mjs"], {
    env: { ...process.env, NODE_ENV: "production", ROOST_BUILD_DIR: buildDir, DATABASE_URL: databaseUrl, HOST: "127.0.0.1", PORT: String(port), LOG_LEVEL: "warn", ROOST_SYNC_JOBS: "off" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  server.stdout?.on("data", (chunk) => (output += chunk));
  server.stderr?.on("data", (chunk) => (output += chunk));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${output}`)), 60_000);
    server.once("exit", (code) => reject(new Error(`the server exited with ${code}:\n${output}`)));
    server.stdout?.on("data", () => {
      if (output.includes("Roost listening")) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  base = `http://127.0.0.1:${port}`;
}, 180_000);

afterAll(async () => {
  await db?.$disconnect();
  if (!server || server.exitCode !== null) return;
  const exited = new Promise((resolve) => server.once("exit", resolve));
  server.kill("SIGTERM");
  await exited;
});

function run(command: string, args: string[], env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    child.stdout?.on("data", (chunk) => (log += chunk));
    child.stderr?.on("data", (chunk) => (log += chunk));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(" ")} exited with ${code}:\n${log}`))));
  });
}

describe("POST /ingest/events on the production server", () => {
  it("answers a preflight and stores a batch sent as text/plain", async () => {
    const preflight = await fetch(`${base}/ingest/events`, { method: "OPTIONS", headers: { Origin: "null", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type" } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("*");
    expect(preflight.headers.get("access-control-allow-methods")).toBe("POST");

    const events = [pixelEvent("page_viewed"), pixelEvent("product_viewed", {}, { productVariant: { id: "5", price: { amount: 12.5, currencyCode: "USD" } } })];
    const response = await fetch(`${base}/ingest/events`, { method: "POST", body: JSON.stringify({ orgId: shop.orgId, events }) });
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(await response.json()).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    expect(response.status).toBe(200);
    expect(await db.pixelEvent.findMany({ where: { shopId: shop.id }, orderBy: { name: "asc" }, select: { name: true, price: true } })).toEqual([
      { name: "page_viewed", price: null },
      { name: "product_viewed", price: 1250 },
    ]);
  });

  it("answers 413 to a body past 64 KiB without reading it, declared or streamed without Content-Length, and stores nothing", async () => {
    const before = await db.pixelEvent.count({ where: { shopId: shop.id } });
    for (const chunked of [false, true]) {
      const refused = await streamBody(`${base}/ingest/events`, { bytes: 256 * MiB, chunked, headers: { "Content-Type": "text/plain" } });
      expect(refused.status, `chunked: ${chunked}`).toBe(413);
      expect(refused.headers.connection).toBe("close");
      // Readable by the storefront pixel (a cross-origin caller), not a network error to it.
      expect(refused.headers["access-control-allow-origin"]).toBe("*");
      expect(refused.sent).toBeLessThan(32 * MiB);
    }
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(await db.pixelEvent.count({ where: { shopId: shop.id } })).toBe(before);
  }, 60_000);
});
