import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserAvailable, type DemoSession, navigateTo, openDemo, type RunningDemo } from "../support/browser";

describe.skipIf(!browserAvailable)("the web pixel on Settings in Chromium (npm run demo)", { timeout: 120_000 }, () => {
  let session: DemoSession;
  let demo: RunningDemo;
  let page: Page;
  let pageErrors: string[];

  beforeAll(async () => {
    session = await openDemo("settings-pixel");
    ({ demo, page, pageErrors } = session);
  }, 120_000);

  afterAll(async () => {
    await session?.close();
  });

  const status = () => page.getByText(/^(Connected|Disconnected)$/).first().textContent();
  const banner = (text: string) => page.getByText(text, { exact: true }).count();

  it("shows the pixel Connected with the Organization ID after the first admin load", async () => {
    await page.goto(`${demo.url}/__demo`);
    await expect.poll(() => page.locator("h1").first().textContent(), { timeout: 60_000 }).toBe("Dashboard");
    await navigateTo(page, "Settings");

    await expect.poll(status, { timeout: 30_000 }).toBe("Connected");
    expect(await page.getByTestId("pixel-org-id").textContent()).toMatch(/^Organization ID: [0-9a-f-]{36}$/);
    expect(await page.getByTestId("pixel-events-24h").textContent()).toMatch(/^Events in the last 24 hours: [\d,]+$/);
    expect(await page.getByTestId("pixel-last-event").textContent()).toMatch(/^Last event received: (none yet|.+ ago \(.+\)|just now \(.+\))$/);
  });

  it("refuses a sampling rate above 1 with the field's error, then saves 0.5", async () => {
    await page.getByLabel("Sampling rate").fill("2");
    await page.getByRole("button", { name: "Save pixel settings" }).click();
    await expect.poll(() => banner("Some pixel settings need fixing before they can be saved."), { timeout: 30_000 }).toBe(1);
    expect(await page.getByText("Enter a number between 0 and 1, such as 1 or 0.25").count()).toBe(1);

    await page.getByLabel("Sampling rate").fill("0.5");
    await page.getByRole("button", { name: "Save pixel settings" }).click();
    await expect.poll(() => banner("Pixel settings saved."), { timeout: 30_000 }).toBe(1);
    await navigateTo(page, "Dashboard");
    await navigateTo(page, "Settings");
    await expect.poll(() => page.getByLabel("Sampling rate").inputValue(), { timeout: 30_000 }).toBe("0.5");
    expect(await status()).toBe("Connected");
  });

  it("disconnects, stays disconnected when the admin loads again, and connects again", async () => {
    await page.getByRole("button", { name: "Disconnect" }).click();
    await expect.poll(status, { timeout: 30_000 }).toBe("Disconnected");
    expect(await banner("Roost's pixel is disconnected: your storefront no longer sends it events.")).toBe(1);
    await navigateTo(page, "Dashboard");
    await navigateTo(page, "Settings");
    await expect.poll(status, { timeout: 30_000 }).toBe("Disconnected");

    await page.getByRole("button", { name: "Connect", exact: true }).click();
    await expect.poll(status, { timeout: 30_000 }).toBe("Connected");
    expect(await banner("Roost's pixel is connected.")).toBe(1);
    expect(await page.getByLabel("Sampling rate").inputValue()).toBe("0.5");
    expect(pageErrors).toEqual([]);
  });
});
