import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserAvailable, type DemoSession, navigateTo, openDemo, type RunningDemo } from "../support/browser";

// Merchants never see a raw Shopify id: every admin page a merchant can reach in the demo is
// opened by clicking the app's own links (no guessed ids), and its visible text is scanned for
// "gid://" and for the "…/Order/123" ends of GIDs the pages once showed.

const RAW_ID = /gid:\/\/|…\/[A-Z][A-Za-z]+\/\d+|\/(Order|Customer|Refund|Product|ProductVariant)\/\d+/;

describe.skipIf(!browserAvailable)("No raw GID on any admin page in Chromium (npm run demo)", { timeout: 300_000 }, () => {
  let session: DemoSession;
  let demo: RunningDemo;
  let page: Page;
  let pageErrors: string[];
  let receiver: http.Server;
  let hookUrl: string;
  /** Every page scanned, with what it showed that it must not have. */
  const scanned: { page: string; raw: string[] }[] = [];

  beforeAll(async () => {
    // An endpoint for the Webhooks pages to list and deliver to: a local server, which the demo allows.
    receiver = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => res.writeHead(200).end("ok"));
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    // The store does not trade on a timer (openDemo's default): the pages hold still while they are read.
    session = await openDemo("no-gids", { startTimeoutMs: 240_000 });
    ({ demo, page, pageErrors } = session);
  }, 300_000);

  afterAll(async () => {
    await session?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  const heading = () => page.locator("h1").first().textContent({ timeout: 5_000 }).catch(() => null);

  /** Waits for the page titled `title`, then scans its visible text. */
  async function scan(name: string, title: string | RegExp) {
    await expect.poll(heading, { timeout: 60_000 }).toMatch(title);
    await page.waitForLoadState("networkidle").catch(() => undefined);
    const text = await page.locator("body").innerText();
    const raw = text.split("\n").filter((line) => RAW_ID.test(line));
    scanned.push({ page: name, raw });
    expect(raw, `${name} shows a raw id`).toEqual([]);
  }

  it("Dashboard", async () => {
    await page.goto(`${demo.url}/__demo`);
    await scan("Dashboard", "Dashboard");
  });

  it("Members: the list, sorted, filtered, and the pages of Ana Lima and Bo Chen", async () => {
    await navigateTo(page, "Members");
    await expect.poll(async () => {
      if ((await page.getByRole("link", { name: "bo.chen@example.com" }).count()) === 0) await page.reload();
      return page.getByRole("link", { name: /@example\.com$/ }).count();
    }, { timeout: 60_000 }).toBeGreaterThan(0);
    await scan("Members", "Members");

    await page.getByLabel("Sort by").selectOption("last-order-desc");
    await page.waitForURL(/[?&]sort=last-order-desc/, { timeout: 30_000 });
    await scan("Members, sorted by last order", "Members");
    await page.getByLabel("Tier").selectOption("Bronze");
    await page.waitForURL(/[?&]tier=Bronze/, { timeout: 30_000 });
    await scan("Members, filtered to Bronze", "Members");

    for (const [email, name] of [["ana.lima@example.com", "Ana Lima"], ["bo.chen@example.com", "Bo Chen"]]) {
      await navigateTo(page, "Members");
      await page.getByPlaceholder("Email, name, or Shopify customer id").fill(email);
      await page.getByRole("button", { name: "Search" }).click();
      await expect.poll(() => page.getByRole("link", { name: /@example\.com$/ }).allTextContents(), { timeout: 30_000 }).toEqual([email]);
      await page.getByRole("link", { name: email }).click();
      await scan(`${name}'s page`, name);
      // The orders on the ledger are named and link into Shopify admin.
      const orders = await page.getByTestId("ledger").locator("a").evaluateAll((links) => links.map((link) => [link.textContent, link.getAttribute("href")]));
      for (const [text, href] of orders) {
        expect(text).toMatch(/^(#\d+|an order)$/);
        expect(href).toMatch(/^shopify:\/\/admin\/orders\/\d+$/);
      }
    }
  });

  it("Cohorts, each cohort's page, and a new cohort", async () => {
    await navigateTo(page, "Cohorts");
    await scan("Cohorts", "Cohorts");
    const cohortPaths = [
      ...new Set(
        await page.locator('a[href^="/app/cohorts/"]').evaluateAll((links) =>
          links.map((link) => new URL((link as HTMLAnchorElement).href).pathname).filter((path) => path !== "/app/cohorts/new"),
        ),
      ),
    ];
    expect(cohortPaths.length).toBeGreaterThan(0);
    // Each cohort's page by the href its link carries.
    for (const path of cohortPaths) {
      await page.goto(`${demo.url}${path}`);
      await page.waitForURL((url) => url.pathname === path, { timeout: 30_000 });
      await scan(`cohort ${path}`, /\S/);
    }
    await navigateTo(page, "Cohorts");
    await page.getByRole("link", { name: "Create cohort" }).first().click();
    await scan("New cohort", /cohort/i);
  });

  it("Rewards, Settings and API tokens", async () => {
    await navigateTo(page, "Rewards");
    await scan("Rewards", "Rewards");
    await navigateTo(page, "Settings");
    await scan("Settings", "Settings");
    await navigateTo(page, "API tokens");
    await scan("API tokens", "API tokens");
  });

  it("Webhooks and an endpoint's page with its delivery log", async () => {
    await navigateTo(page, "Webhooks");
    await scan("Webhooks", "Webhooks");
    await page.getByLabel("URL").fill(hookUrl);
    await page.getByText("Select all").click();
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await expect.poll(() => page.getByRole("link", { name: hookUrl }).count(), { timeout: 30_000 }).toBe(1);
    await page.getByRole("link", { name: hookUrl }).click();
    await expect.poll(heading, { timeout: 30_000 }).toBe(hookUrl);
    await page.getByRole("button", { name: "Send test event" }).click();
    await expect.poll(() => page.getByRole("row", { name: /Test event/ }).count(), { timeout: 60_000 }).toBe(1);
    await scan("Endpoint page", hookUrl);
    await navigateTo(page, "Webhooks");
    await scan("Webhooks, with an endpoint", "Webhooks");
  });

  it("the 404 page", async () => {
    await page.goto(`${demo.url}/app/no-such-page`);
    await scan("Page not found", "Page not found");
    expect(pageErrors).toEqual([]);
    // Every page above was read: 4 of Members, each cohort's, and 10 more.
    expect(scanned.length).toBeGreaterThanOrEqual(15);
  });
});
