import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserAvailable, type DemoSession, navigateTo, openDemo, type RunningDemo } from "../support/browser";

// The demo's storefront (scripts/demo/seed.ts) sends a few hundred visitors' events through the
// pixel's seam; Ana Lima's visitor checks out with the token her order carries, and the order's
// signed orders/create webhook links that visitor to her. Her page then shows what she browsed.

describe.skipIf(!browserAvailable)("A member's browsing timeline in Chromium (npm run demo)", { timeout: 120_000 }, () => {
  let session: DemoSession;
  let demo: RunningDemo;
  let page: Page;
  let pageErrors: string[];

  beforeAll(async () => {
    session = await openDemo("member-timeline");
    ({ demo, page, pageErrors } = session);
  }, 120_000);

  afterAll(async () => {
    await session?.close();
  });

  const heading = () => page.locator("h1").first().textContent();
  /** The browsing section's sentences, the times left out. */
  const sentences = () => page.getByTestId("browsing-event").evaluateAll((items) => items.map((item) => item.querySelector("p")?.textContent ?? ""));

  it("shows Ana Lima's stitched storefront visit on her page, newest first, in sentences", async () => {
    await page.goto(`${demo.url}/__demo`);
    await expect.poll(heading, { timeout: 60_000 }).toBe("Dashboard");
    await expect.poll(() => page.locator("ui-nav-menu a", { hasText: "Members" }).count(), { timeout: 30_000 }).toBe(1);
    await navigateTo(page, "Members");

    await expect.poll(async () => {
      if ((await page.getByRole("link", { name: "ana.lima@example.com" }).count()) === 0) await page.reload();
      return page.getByRole("link", { name: "ana.lima@example.com" }).count();
    }, { timeout: 45_000 }).toBe(1);
    await page.getByRole("link", { name: "ana.lima@example.com" }).click();
    await expect.poll(heading, { timeout: 30_000 }).toBe("Ana Lima");

    // The link is made when both sides are in (the order's webhook and the pixel's batch): reload until it is.
    await expect.poll(async () => {
      if ((await page.getByTestId("browsing-event").count()) === 0) await page.reload();
      return sentences();
    }, { timeout: 45_000 }).toEqual([
      "Completed checkout",
      "Started checkout",
      expect.stringMatching(/^Added 2 × Merino Beanie to the cart \(\d+ left\)$/),
      expect.stringMatching(/^Viewed Merino Beanie \(\d+ left\)$/),
      "Visited /collections/winter",
    ]);
    expect(await page.getByTestId("browsing-count").textContent()).toBe("5 storefront events");
    expect(await page.getByText("from 1 linked visitor, newest first.", { exact: false }).count()).toBe(1);
    // Another shopper's browsing is not hers, and no raw id shows.
    expect(await page.getByText(/gid:\/\/shopify/).count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });

  it("keeps each member's browsing to their own visitor", async () => {
    await page.getByRole("link", { name: "Members" }).first().click();
    await expect.poll(heading, { timeout: 30_000 }).toBe("Members");
    await page.getByRole("link", { name: "bo.chen@example.com" }).click();
    await expect.poll(heading, { timeout: 30_000 }).toBe("Bo Chen");
    // Bo's visitor is linked by his own order: a mittens and an Oat beanie, one each.
    await expect.poll(async () => {
      if ((await page.getByTestId("browsing-event").count()) === 0) await page.reload();
      return sentences();
    }, { timeout: 45_000 }).toEqual([
      "Completed checkout",
      "Started checkout",
      expect.stringMatching(/^Added 1 × Merino Beanie to the cart \((\d+ left|out of stock)\)$/),
      expect.stringMatching(/^Viewed Merino Beanie \((\d+ left|out of stock)\)$/),
      expect.stringMatching(/^Added 1 × Felted Mittens to the cart \(\d+ left\)$/),
      expect.stringMatching(/^Viewed Felted Mittens \(\d+ left\)$/),
      "Visited /collections/winter",
    ]);
    expect(pageErrors).toEqual([]);
  });
});
