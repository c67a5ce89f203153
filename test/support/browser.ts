import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import { chromium, type Browser } from "playwright-core";
import { CHROME_UA } from "./shopify";
import { testRunDir } from "./database";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** Browser tests need Debian's chromium; on CI its absence is a failure, elsewhere a skip. */
export const browserAvailable = fs.existsSync(CHROMIUM) || process.env.CI === "true";

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
}

/** A normal Chrome user agent: the library answers 410 to bots, HeadlessChrome included. */
export const browserContextOptions = { userAgent: CHROME_UA, viewport: { width: 1280, height: 900 } };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export interface RunningDemo {
  url: string;
  /** Its database, to check what it printed against. */
  databaseUrl: string;
  output: () => string;
  stop(): Promise<void>;
}

export interface DemoOptions {
  databaseUrl?: string;
  startTimeoutMs?: number;
  env?: Record<string, string | undefined>;
}

/**
 * Starts `npm run demo`'s script on a free loopback port with its own SQLite file (or the one
 * given, to restart on it), without the store's trading timer unless `env` sets
 * ROOST_DEMO_TRADE_EVERY_MS.
 */
export async function startDemo(name: string, options: DemoOptions = {}): Promise<RunningDemo> {
  const port = await freePort();
  const databaseUrl = options.databaseUrl ?? `file:./${testRunDir()}/demo-${name}-${port}.sqlite`;
  const child: ChildProcess = spawn(process.execPath, ["node_modules/tsx/dist/cli.mjs", "scripts/demo.ts"], {
    env: {
      ...process.env,
      NODE_ENV: "development",
      HOST: "127.0.0.1",
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: "warn",
      // The store does not trade on its own unless a test asks: figures stay as printed.
      ROOST_DEMO_TRADE_EVERY_MS: "0",
      // Unset a variable by giving it as undefined (LOG_LEVEL: the demo's own default).
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Not left running: stop the demo that did not start in time.
      if (child.exitCode === null) process.kill(-(child.pid ?? 0), "SIGTERM");
      reject(new Error(`demo did not start:\n${output}`));
    }, options.startTimeoutMs ?? 150_000);
    child.on("exit", (code) => reject(new Error(`demo exited with ${code}:\n${output}`)));
    child.stdout?.on("data", () => {
      const match = /Open (http:\/\/\S+)\/__demo/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
  return {
    url,
    databaseUrl,
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      process.kill(-(child.pid ?? 0), "SIGTERM");
      await exited;
    },
  };
}

export interface DemoSession {
  demo: RunningDemo;
  browser: Browser;
  page: import("playwright-core").Page;
  /** Uncaught page errors, Vite's HMR socket noise excluded. */
  pageErrors: string[];
  close(): Promise<void>;
}

/** The demo on its own port (started with `options`), and a Chrome page that can reach nothing but it. */
export async function openDemo(name: string, options: DemoOptions = {}): Promise<DemoSession> {
  const demo = await startDemo(name, options);
  const browser = await launchBrowser();
  const context = await browser.newContext(browserContextOptions);
  const page = await context.newPage();
  const pageErrors: string[] = [];
  // Vite's HMR socket may complain when a page navigates away during start-up: not the app's error.
  page.on("pageerror", (error) => {
    // Not the app's: Vite's HMR socket, and a data fetch Remix aborts when a newer navigation or
    // revalidation supersedes it (seen on a loaded CI machine during Settings' reloads).
    if (!error.message.includes("WebSocket") && error.message !== "signal is aborted without reason") pageErrors.push(error.message);
  });
  await context.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort());
  return {
    demo,
    browser,
    page,
    pageErrors,
    close: async () => {
      await browser.close();
      await demo.stop();
    },
  };
}

/**
 * Clicks an item of the admin's navigation until its page is showing. A click can land before
 * the page has hydrated (a cold Vite start, two demos at once), and then it does nothing.
 */
export async function navigateTo(page: import("playwright-core").Page, item: string, title = item): Promise<void> {
  const heading = () => page.locator("h1").first().textContent({ timeout: 5_000 }).catch(() => null);
  const deadline = Date.now() + 60_000;
  while ((await heading()) !== title) {
    if (Date.now() > deadline) throw new Error(`the ${item} page did not open; the page shows "${await heading()}"`);
    await page.locator("ui-nav-menu a", { hasText: item }).first().click({ timeout: 5_000 }).catch(() => undefined);
    await page.waitForTimeout(1_000);
  }
}
