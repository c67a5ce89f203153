import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserAvailable, type DemoSession, navigateTo, openDemo, type RunningDemo } from "../support/browser";

describe.skipIf(!browserAvailable)("API tokens in Chromium (npm run demo)", { timeout: 120_000 }, () => {
  let session: DemoSession;
  let demo: RunningDemo;
  let page: Page;
  let pageErrors: string[];

  beforeAll(async () => {
    session = await openDemo("api-tokens");
    ({ demo, page, pageErrors } = session);
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: demo.url });
  }, 120_000);

  afterAll(async () => {
    await session?.close();
  });

  const heading = () => page.locator("h1").first().textContent();
  const tokenRow = (name: string) => page.locator("tbody tr", { hasText: name });

  it("creates a token and copies it to the clipboard", async () => {
    await page.goto(`${demo.url}/__demo`);
    await expect.poll(heading, { timeout: 60_000 }).toBe("Dashboard");
    await navigateTo(page, "API tokens");

    await page.getByLabel("Name").fill("Warehouse POS");
    await page.getByRole("button", { name: "Create token" }).click();
    await expect.poll(() => page.getByText('Token "Warehouse POS" created').count(), { timeout: 30_000 }).toBe(1);
    const token = (await page.getByTestId("new-token").textContent()) ?? "";
    expect(token).toMatch(/^roost_[A-Za-z0-9_-]{43}$/);

    await page.getByRole("button", { name: "Copy", exact: true }).click();
    await expect.poll(() => page.getByText("Copied", { exact: true }).count(), { timeout: 10_000 }).toBe(1);
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);
    await expect.poll(() => tokenRow("Warehouse POS").getByText("Active").count(), { timeout: 30_000 }).toBe(1);
  });

  it("says so when the browser refuses the clipboard, leaving the token to copy by hand", async () => {
    await page.evaluate(() => {
      navigator.clipboard.writeText = () => Promise.reject(new DOMException("Write permission denied.", "NotAllowedError"));
    });
    await page.getByRole("button", { name: "Copy", exact: true }).click();
    await expect.poll(() => page.getByText("The browser did not allow copying: select the token and copy it yourself.").count(), { timeout: 10_000 }).toBe(1);
    expect(await page.getByText("Copied", { exact: true }).count()).toBe(0);
    expect(await page.getByTestId("new-token").isVisible()).toBe(true);
  });

  it("asks before revoking, naming the token: Cancel keeps it, confirming revokes it", async () => {
    await page.getByRole("button", { name: "Revoke Warehouse POS" }).click();
    const dialog = page.getByRole("dialog");
    await expect.poll(() => dialog.getByText('Revoke the token "Warehouse POS"?').count(), { timeout: 30_000 }).toBe(1);
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await expect.poll(() => page.getByRole("dialog").count(), { timeout: 30_000 }).toBe(0);
    await page.waitForTimeout(500);
    expect(await tokenRow("Warehouse POS").getByText("Active").count()).toBe(1);

    await page.getByRole("button", { name: "Revoke Warehouse POS" }).click();
    await expect.poll(() => dialog.getByText('Revoke the token "Warehouse POS"?').count(), { timeout: 30_000 }).toBe(1);
    await dialog.getByRole("button", { name: "Revoke token" }).click();
    await expect.poll(() => tokenRow("Warehouse POS").getByText(/^Revoked /).count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => page.getByRole("dialog").count(), { timeout: 30_000 }).toBe(0);
    expect(await page.getByRole("button", { name: "Revoke Warehouse POS" }).count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
