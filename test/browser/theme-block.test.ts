import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserAvailable, browserContextOptions, launchBrowser } from "../support/browser";
import { type StorefrontState, storefrontPage } from "../theme-block/support";

// The Roost points app block (extensions/roost-theme) as a shopper's Chromium shows it: the
// block rendered by liquidjs as Shopify renders it, with its stylesheet, set into a page.

describe.skipIf(!browserAvailable)("the Roost points theme block in Chromium", { timeout: 60_000 }, () => {
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
    const context = await browser.newContext(browserContextOptions);
    // Nothing leaves the page: the block calls nothing, so any request is a failure.
    await context.route("**/*", (route) => {
      pageErrors.push(`request to ${route.request().url()}`);
      return route.abort();
    });
    page = await context.newPage();
    page.on("pageerror", (error) => pageErrors.push(error.message));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  const show = async (state: StorefrontState) => page.setContent(await storefrontPage(state), { waitUntil: "load" });
  const block = () => page.locator(".roost-points");

  it("shows a member's balance and tier, styled by the block's stylesheet", async () => {
    await show({ customer: { pointsBalance: 1240, tier: "Silver" } });
    await expect.poll(() => block().isVisible()).toBe(true);
    expect(await page.getByRole("heading", { name: "Your rewards" }).isVisible()).toBe(true);
    expect(await page.locator("[data-roost-balance]").innerText()).toBe("1,240 points");
    expect(await page.locator("[data-roost-tier]").innerText()).toBe("Tier: Silver");
    expect(await page.getByText("Join our rewards program").count()).toBe(0);
    // The stylesheet applies: the colours the settings gave, the figure in the accent colour.
    const styles = await block().evaluate((element) => {
      const figure = element.querySelector(".roost-points__figure")!;
      return { background: getComputedStyle(element).backgroundColor, color: getComputedStyle(element).color, accent: getComputedStyle(figure).color };
    });
    expect(styles).toEqual({ background: "rgb(244, 244, 245)", color: "rgb(26, 26, 26)", accent: "rgb(44, 110, 203)" });
  });

  it("shows a guest the earn rate and links to create an account or sign in", async () => {
    await show({});
    expect(await page.locator("[data-roost-join]").innerText()).toBe("Join our rewards program and earn points on every order.");
    expect(await page.locator("[data-roost-earn]").innerText()).toBe("Earn 1 point for every USD you spend.");
    expect(await page.getByRole("link", { name: "Create an account" }).getAttribute("href")).toBe("/account/register");
    expect(await page.getByRole("link", { name: "Sign in" }).getAttribute("href")).toBe("/account/login");
    expect(await page.locator("[data-roost-balance]").count()).toBe(0);
  });

  it("shows a signed-in customer Roost has not written yet the join copy, not 0 points", async () => {
    await show({ customer: {} });
    expect(await block().innerText()).toContain("Your points will show here after your first order.");
    expect(await page.locator("[data-roost-balance]").count()).toBe(0);
    expect(await page.getByRole("link", { name: "Sign in" }).count()).toBe(0);
  });

  it("speaks French when the locale is fr", async () => {
    await show({ locale: "fr", customer: { pointsBalance: 1240, tier: "Silver" } });
    expect(await page.getByRole("heading", { name: "Vos récompenses" }).isVisible()).toBe(true);
    expect(await page.locator("[data-roost-balance]").innerText()).toBe("1\u202f240 points");
    expect(await page.locator("[data-roost-tier]").innerText()).toBe("Niveau\u00a0: Silver");

    await show({ locale: "fr", program: { enabled: true, earn_rate: "2.5", currency: "EUR" } });
    expect(await page.locator("[data-roost-earn]").innerText()).toBe("Gagnez 2,5 points par EUR dépensé.");
    expect(await page.getByRole("link", { name: "Créer un compte" }).isVisible()).toBe(true);
    expect(await page.getByRole("link", { name: "Se connecter" }).isVisible()).toBe(true);
  });

  it("loaded nothing and threw nothing", () => {
    expect(pageErrors).toEqual([]);
  });
});
