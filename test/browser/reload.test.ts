import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserAvailable, type DemoSession, navigateTo, openDemo, type RunningDemo } from "../support/browser";
import { CHROME_UA } from "../support/shopify";

/**
 * What a person does in the demo: open /__demo, click through to a page, press F5. The app's
 * own navigation leaves the admin's parameters (embedded, shop, host, id_token) out of the
 * address bar, so the reload asks for a bare /app URL, as does a pasted one.
 */
describe.skipIf(!browserAvailable)("reloading an admin page in Chromium (npm run demo)", { timeout: 120_000 }, () => {
  let session: DemoSession;
  let demo: RunningDemo;
  let page: Page;
  let pageErrors: string[];
  const NAV = ["Dashboard", "Members", "Cohorts", "Rewards", "Settings", "Webhooks", "API tokens"];

  beforeAll(async () => {
    session = await openDemo("reload");
    ({ demo, page, pageErrors } = session);
  }, 120_000);

  afterAll(async () => {
    await session?.close();
  });

  const heading = () => page.locator("h1").first().textContent({ timeout: 5_000 }).catch(() => null);
  const nav = () => page.locator("ui-nav-menu a").allTextContents();

  /** F5 twice; each time the same page opens, inside the app, not the login form. */
  async function reloadStays(title: string, url: RegExp) {
    for (let i = 0; i < 2; i++) {
      await page.reload();
      await page.waitForLoadState("load");
      await expect.poll(heading, { timeout: 30_000 }).toBe(title);
      await expect.poll(nav, { timeout: 30_000 }).toEqual(NAV);
      expect(await page.getByText("Log in to Roost").count()).toBe(0);
      expect(page.url()).toMatch(url);
    }
  }

  it("keeps a filtered Members list and a member's page open across reloads", async () => {
    await page.goto(`${demo.url}/__demo`);
    await expect.poll(heading, { timeout: 60_000 }).toBe("Dashboard");
    await navigateTo(page, "Members");

    await page.getByPlaceholder("Email, name, or Shopify customer id").fill("Ana Lima");
    await page.getByRole("button", { name: "Search" }).click();
    await page.waitForURL(/\/app\/members\?q=Ana/, { timeout: 30_000 });
    await expect.poll(() => page.getByRole("link", { name: /@example\.com$/ }).allTextContents(), { timeout: 30_000 }).toEqual(["ana.lima@example.com"]);
    await reloadStays("Members", /\/app\/members\?(.*&)?q=Ana(\+|%20)Lima/);
    expect(await page.getByRole("link", { name: /@example\.com$/ }).allTextContents()).toEqual(["ana.lima@example.com"]);

    await page.getByRole("link", { name: "ana.lima@example.com" }).click();
    await expect.poll(heading, { timeout: 30_000 }).toBe("Ana Lima");
    await page.waitForURL(/\/app\/members\/[0-9a-f-]{36}/);
    await reloadStays("Ana Lima", /\/app\/members\/[0-9a-f-]{36}\?/);
    expect(pageErrors).toEqual([]);
  });

  it("opens a member's page and a filtered list pasted into the address bar", async () => {
    const memberPath = new URL(page.url()).pathname;
    await page.goto(`${demo.url}${memberPath}`);
    await expect.poll(heading, { timeout: 30_000 }).toBe("Ana Lima");
    await expect.poll(nav, { timeout: 30_000 }).toEqual(NAV);
    await reloadStays("Ana Lima", new RegExp(`${memberPath}\\?`));

    await page.goto(`${demo.url}/app/members?q=ana.lima%40example.com`);
    await expect.poll(() => page.getByRole("link", { name: /@example\.com$/ }).allTextContents(), { timeout: 30_000 }).toEqual(["ana.lima@example.com"]);
    await reloadStays("Members", /\/app\/members\?q=ana\.lima%40example\.com&/);
    expect(pageErrors).toEqual([]);
  });

  it("still sends a request that is not a page load, without a token, to log in", async () => {
    // Only documents get the admin's parameters; the library decides about everything else.
    const response = await fetch(`${demo.url}/app/members`, { headers: { "User-Agent": CHROME_UA, Accept: "application/json" }, redirect: "manual" });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toMatch(/^\/auth\/login/);
  });

  it("shows the login page outside the admin, with Polaris's strings, and refuses a domain that is not a shop", async () => {
    await page.goto(`${demo.url}/auth/login`);
    await expect.poll(() => page.getByText("Log in to Roost").count(), { timeout: 30_000 }).toBe(1);
    await page.getByLabel("Shop domain").fill("not a shop");
    await page.getByRole("button", { name: "Log in" }).click();
    await expect.poll(() => page.getByText("Enter a valid myshopify.com domain").count(), { timeout: 30_000 }).toBe(1);
    expect(pageErrors).toEqual([]);
  });
});
