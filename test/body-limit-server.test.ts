import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase } from "../app/db.server";
import { createApiToken } from "../app/services/api/tokens.server";
import { migrateDatabase } from "../scripts/db/migrate.mjs";
import { testRunDir } from "./support/database";
import { API_SECRET } from "./support/constants";
import { streamBody } from "./support/stream-body";
import { uniqueShop } from "./support/shopify";
import { shopifyWebhookHeaders } from "./support/webhook-signing";

/**
 * The production server (`node server.mjs`, NODE_ENV=production, as `npm start` runs it) against
 * bodies far over its limits. It is built here, into this run's scratch folder: a clean clone
 * has no build/, and a developer's build/ may be older than the sources under test.
 */

const MiB = 1024 * 1024;
const HUGE = 256 * MiB;

let server: ChildProcess;
let base: string;
let output = "";
let token: string;
let shop: string;
let databaseUrl: string;

beforeAll(async () => {
  const scratch = path.resolve(testRunDir(), "body-limit-server");
  const buildDir = path.join(scratch, "build");
  await run(process.execPath, ["node_modules/@remix-run/dev/dist/cli.js", "vite:build"], { ROOST_BUILD_DIR: buildDir, NODE_ENV: "production" });

  // What `npm start` does first: migrate its database. Then a shop with an API token in it.
  databaseUrl = `file:${path.join(scratch, "server.sqlite")}`;
  await migrateDatabase(databaseUrl);
  const db = await createDatabase(databaseUrl);
  try {
    shop = uniqueShop("body-limit");
    const { id } = await db.shop.create({ data: { domain: shop, installed: true } });
    ({ token } = await createApiToken(db, { shopId: id, name: "body limit test", actor: "test" }));
  } finally {
    await db.$disconnect();
  }

  const port = await freePort();
  server = spawn(process.execPath, ["server.mjs"], {
    env: { ...process.env, NODE_ENV: "production", ROOST_BUILD_DIR: buildDir, DATABASE_URL: databaseUrl, HOST: "127.0.0.1", PORT: String(port), LOG_LEVEL: "warn" },
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
}, 120_000);

afterAll(async () => {
  if (!server || server.exitCode !== null) return;
  const exited = new Promise((resolve) => server.once("exit", resolve));
  server.kill("SIGTERM");
  await exited;
});

const webhookHeaders = (topic = "orders/paid") => ({
  "X-Shopify-Hmac-Sha256": "bm90IHRoZSBobWFj",
  "X-Shopify-Topic": topic,
  "X-Shopify-Shop-Domain": "claimed-shop.myshopify.com",
  "X-Shopify-API-Version": "2026-10",
  "X-Shopify-Webhook-Id": crypto.randomUUID(),
});
const apiHeaders = () => ({ Authorization: `Bearer ${token}`, "Idempotency-Key": crypto.randomUUID() });

describe("the production server's body limits", () => {
  it("answers 413 to 256 MB bodies it need not read (declared over the limit, or a chunked API body) and grows less than 50 MB", async () => {
    // Warm: every path involved has run once (a route's answer, a refusal and its log line), so
    // what follows measures the bodies only.
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    for (const chunked of [false, true]) {
      expect((await streamBody(`${base}/webhooks/orders/paid`, { bytes: 1024, chunked, headers: webhookHeaders() })).status).toBe(401);
      expect((await streamBody(`${base}/api/v1/orders`, { bytes: 1024, chunked, headers: apiHeaders() })).status).toBe(400);
      expect((await streamBody(`${base}/api/v1/orders`, { bytes: 65 * 1024, chunked, headers: apiHeaders() })).status).toBe(413);
    }

    const growth = await rssGrowth(async () => {
      const hook = await streamBody(`${base}/webhooks/orders/paid`, { bytes: HUGE, headers: webhookHeaders() });
      expect(hook.status).toBe(413);
      expect(hook.headers.connection).toBe("close");
      expect(hook.body).toBe(`The body must be at most ${25 * MiB} bytes`);
      // Nothing was read: the client's upload stalled once the socket buffers were full.
      expect(hook.sent).toBeLessThan(32 * MiB);

      for (const chunked of [false, true]) {
        const api = await streamBody(`${base}/api/v1/orders`, { bytes: HUGE, chunked, headers: apiHeaders() });
        expect(api.status, `API, chunked: ${chunked}`).toBe(413);
        expect(api.headers.connection).toBe("close");
        expect(JSON.parse(api.body)).toEqual({ error: "body_too_large", message: "The body must be at most 65536 bytes" });
        expect(api.sent).toBeLessThan(32 * MiB);
      }
      await expectHealthy();
    });
    expect(growth).toBeLessThan(50);
  }, 60_000);

  it("answers 413 to a chunked 256 MB webhook body once it has read its 25 MB limit, and grows by about that, not by the body", async () => {
    const growth = await rssGrowth(async () => {
      const hook = await streamBody(`${base}/webhooks/orders/paid`, { bytes: HUGE, chunked: true, headers: webhookHeaders() });
      expect(hook.status).toBe(413);
      expect(hook.headers.connection).toBe("close");
      expect(hook.body).toBe(`The body must be at most ${25 * MiB} bytes`);
      expect(hook.sent).toBeLessThan(64 * MiB);
      await expectHealthy();
    });
    // The route holds up to 25 MB before the 413, by design (Shopify's large orders). Measured
    // +18 to +55 MB: V8 frees Buffer memory only after ~64 MB of new allocations, and the
    // allocator keeps freed pages. A 256 MB body read whole would add 500 MB or more.
    expect(growth).toBeLessThan(100);
  }, 60_000);

  it("logs each 413 with the shop and topic the headers claim", () => {
    const refusals = output
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((entry) => typeof entry.msg === "string" && entry.msg.includes("413"));
    expect(refusals).toHaveLength(6);
    expect(refusals.filter((entry) => entry.path === "/webhooks/orders/paid")).toEqual([
      expect.objectContaining({ claimedShop: "claimed-shop.myshopify.com", claimedTopic: "orders/paid", limitBytes: 25 * MiB, declaredBytes: HUGE }),
      expect.objectContaining({ claimedShop: "claimed-shop.myshopify.com", claimedTopic: "orders/paid", receivedBytes: expect.any(Number) }),
    ]);
    expect(refusals.map((entry) => entry.msg)).toEqual(Array(6).fill(expect.stringMatching(/unverified X-Shopify-\* headers/)));
  });

  it("lets a body under the limit through to the route", async () => {
    // ~1 MB of webhook with a bad HMAC: the route reads it and answers 401, not 413.
    for (const chunked of [false, true]) {
      const hook = await streamBody(`${base}/webhooks/orders/paid`, { bytes: MiB, chunked, headers: webhookHeaders() });
      expect(hook.status).toBe(401);
    }
    // Exactly 64 KiB to the API: read, and refused as the JSON it is not (400), not as too large.
    for (const chunked of [false, true]) {
      const api = await streamBody(`${base}/api/v1/orders`, { bytes: 64 * 1024, chunked, headers: apiHeaders() });
      expect(api.status).toBe(400);
      expect(JSON.parse(api.body)).toMatchObject({ error: "invalid_json" });
    }
  });
});

describe("the production server's webhook fast path (app/http/webhook-fast-path.server.ts, its table from the build's route manifest)", () => {
  it("stores a signed delivery to a topic's path and to the catch-all, answers 200, and refuses a bad HMAC with 401", async () => {
    const delivery = (path: string, topic: string, secret = API_SECRET) => {
      const body = JSON.stringify({ id: 1 });
      return fetch(`${base}${path}`, { method: "POST", headers: shopifyWebhookHeaders({ topic, shop, body, secret }), body });
    };
    expect((await delivery("/webhooks/customers/update", "customers/update")).status).toBe(200);
    expect((await delivery("/webhooks/draft_orders/create", "draft_orders/create")).status).toBe(200);
    expect((await delivery("/webhooks/customers/update", "customers/update", "not-the-secret")).status).toBe(401);
    // GET is left to the route, which answers 405 as before.
    expect((await fetch(`${base}/webhooks/customers/update`)).status).toBe(405);

    const db = await createDatabase(databaseUrl);
    try {
      const rows = await db.webhookDelivery.findMany({ where: { shopDomain: shop }, orderBy: { receivedAt: "asc" } });
      expect(rows.map((row) => [row.topic, row.status])).toEqual([
        // Stored as pending for the installed shop; the server's worker has since failed it (no customer's shape).
        ["customers/update", expect.stringMatching(/^(pending|failed)$/)],
        ["draft_orders/create", "unhandled"],
      ]);
    } finally {
      await db.$disconnect();
    }
  });
});

async function expectHealthy(): Promise<void> {
  const health = await fetch(`${base}/healthz`);
  expect(health.status).toBe(200);
  expect(await health.json()).toMatchObject({ status: "ok" });
}

/** The server's peak RSS over `work` minus its RSS before, in MB (sampled, and its high-water mark). */
async function rssGrowth(work: () => Promise<void>): Promise<number> {
  const pid = server.pid!;
  const before = memory(pid);
  let peak = before.rss;
  const sampler = setInterval(() => (peak = Math.max(peak, memory(pid).rss)), 20);
  try {
    await work();
  } finally {
    clearInterval(sampler);
  }
  const after = memory(pid);
  // The high-water mark catches a peak between two samples, once it rose past the one before.
  const highest = Math.max(peak, after.hwm > before.hwm ? after.hwm : 0);
  const growth = (highest - before.rss) / 1024;
  console.log(`server RSS ${(before.rss / 1024).toFixed(1)} MB, peak +${growth.toFixed(1)} MB, after ${(after.rss / 1024).toFixed(1)} MB`);
  return growth;
}

function memory(pid: number): { rss: number; hwm: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1]);
  return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
}

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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}
