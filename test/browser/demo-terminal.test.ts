import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningDemo, startDemo } from "../support/browser";
import { CHROME_UA } from "../support/shopify";

// What `npm run demo` prints and answers once it is up, at its default log level: a page load and
// a favicon request print nothing, and monitors (curl's user agent, a bot to Shopify's library)
// get /healthz and /healthz/live as JSON while the embedded admin answers them 410 by design.
// No browser needed.

const CURL_UA = "curl/8.5.0";

describe("npm run demo's terminal and its health checks", { timeout: 120_000 }, () => {
  let demo: RunningDemo;

  beforeAll(async () => {
    // Trading every 2 s, as `npm run demo` does every 20 s by default.
    demo = await startDemo("terminal", { env: { LOG_LEVEL: undefined, ROOST_DEMO_TRADE_EVERY_MS: "2000" }, startTimeoutMs: 150_000 });
  }, 180_000);

  afterAll(async () => {
    await demo?.stop();
  });

  it("prints no stack trace and no per-request authentication line for a page load and /favicon.ico", async () => {
    const before = demo.output().length;
    // /__demo redirects to the Dashboard with a session token: the admin authenticates it.
    const page = await fetch(`${demo.url}/__demo`, { headers: { "User-Agent": CHROME_UA } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Dashboard");
    const icon = await fetch(`${demo.url}/favicon.ico`, { headers: { "User-Agent": CHROME_UA } });
    expect(icon.status).toBe(200);
    expect([...new Uint8Array(await icon.arrayBuffer()).slice(0, 4)]).toEqual([0, 0, 1, 0]);
    // Anything the requests print would be there within a moment.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const printed = demo.output().slice(before);
    expect(printed).not.toMatch(/^\s+at /m);
    expect(printed).not.toContain("No route matches");
    expect(printed).not.toContain("Authenticating admin request");
  });

  it("prints its figures once, then one short line per trade while the store keeps trading", async () => {
    expect(demo.output()).toMatch(/^The backfill imported [\d,]+ customers, [\d,]+ orders and [\d,]+ refunds in [\d.]+ s\.$/m);
    expect(demo.output()).toMatch(/^Sync health: Healthy; /m);
    expect(demo.output()).toContain("The store keeps trading: an order every 2 s (ROOST_DEMO_TRADE_EVERY_MS; 0 turns it off).");
    const trades = () => demo.output().split("\n").filter((line) => line.startsWith("Trade: "));
    await expect.poll(() => trades().length, { timeout: 30_000, interval: 500 }).toBeGreaterThanOrEqual(2);
    for (const line of trades()) {
      expect(line).toMatch(/^Trade: (.+ paid #\d+ for \$\d+\.\d\d \(.+\)|#\d+ refunded one .+|.+ spent \d+ points on ".+")\.$/);
      expect(line.length).toBeLessThan(160);
    }
  });

  it("answers curl on /healthz and /healthz/live with 200 and JSON, and on the embedded admin with 410", async () => {
    const get = async (path: string) => {
      const response = await fetch(`${demo.url}${path}`, { headers: { "User-Agent": CURL_UA }, redirect: "manual" });
      return { status: response.status, type: response.headers.get("Content-Type"), body: response.status === 200 ? await response.json() : null };
    };
    expect(await get("/healthz")).toEqual({ status: 200, type: expect.stringContaining("application/json"), body: { status: "ok", database: "up" } });
    expect(await get("/healthz/live")).toEqual({ status: 200, type: expect.stringContaining("application/json"), body: { status: "up" } });
    expect((await get("/app")).status).toBe(410);
  });
});
