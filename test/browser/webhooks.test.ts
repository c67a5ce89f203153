import { createHmac } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserAvailable, type DemoSession, navigateTo, openDemo } from "../support/browser";

// A merchant adds a webhook endpoint in the demo and sends it a test event. The endpoint is a
// local server on loopback, which the demo allows (ROOST_ENDPOINTS_ALLOW_PRIVATE, scripts/demo.ts).

interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

describe.skipIf(!browserAvailable)("Webhooks in Chromium (npm run demo)", { timeout: 180_000 }, () => {
  let session: DemoSession;
  let page: Page;
  let pageErrors: string[];
  let receiver: http.Server;
  let hookUrl: string;
  let secret: string;
  const received: Received[] = [];

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
        res.writeHead(200, { "Content-Type": "text/plain" }).end("ok");
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    session = await openDemo("webhooks");
    ({ page, pageErrors } = session);
  }, 120_000);

  afterAll(async () => {
    await session?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  const heading = () => page.locator("h1").first().textContent();

  it("refuses a URL that is not http(s) on its field", async () => {
    await page.goto(`${session.demo.url}/__demo`);
    await expect.poll(heading, { timeout: 60_000 }).toBe("Dashboard");
    await expect.poll(() => page.locator("ui-nav-menu a", { hasText: "Webhooks" }).count(), { timeout: 30_000 }).toBe(1);
    await navigateTo(page, "Webhooks");
    expect(await page.getByText("No endpoints yet.", { exact: false }).count()).toBe(1);

    await page.getByLabel("URL").fill("ftp://x");
    await page.getByText("Select all").click();
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await expect.poll(() => page.getByText("The URL must start with https://").count(), { timeout: 30_000 }).toBe(1);
    // Polaris ties the error to its field.
    expect(await page.getByLabel("URL").getAttribute("aria-invalid")).toBe("true");
    expect(await page.getByLabel("Signing secret").count()).toBe(0);
  });

  it("adds a local endpoint for all events and shows its signing secret once", async () => {
    await page.getByLabel("URL").fill(hookUrl);
    // The form kept the choice of events across the refusal.
    expect(await page.getByRole("checkbox", { name: "Points earned" }).isChecked()).toBe(true);
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await expect.poll(() => page.getByLabel("Signing secret").count(), { timeout: 30_000 }).toBe(1);
    secret = await page.getByLabel("Signing secret").inputValue();
    expect(secret).toMatch(/^whsec_[0-9a-f]{64}$/);
    expect(await page.getByText("it won't be shown again", { exact: false }).count()).toBe(1);
    expect(await page.getByText("docs/events.md", { exact: false }).count()).toBe(1);

    // The copy button puts it on the clipboard.
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: session.demo.url });
    await page.getByRole("button", { name: "Copy" }).click();
    await expect.poll(() => page.getByRole("button", { name: "Copied" }).count(), { timeout: 10_000 }).toBe(1);
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);

    const row = page.getByRole("row", { name: new RegExp(hookUrl.replace(/[.:/]/g, "\\$&")) });
    const cells = (await row.locator("td").allTextContents()).map((text) => text.trim());
    expect(cells).toEqual([hookUrl, "All events", expect.stringMatching(/Enabled$/), "0", "0", "0", "None yet"]);
  });

  it("sends a test event from the endpoint's page: delivered with 200, signed with the secret", async () => {
    await page.getByRole("link", { name: hookUrl }).click();
    await expect.poll(heading, { timeout: 30_000 }).toBe(hookUrl);
    await page.waitForURL(/\/app\/webhooks\/[0-9a-f-]{36}/);
    expect(await page.getByText("Nothing sent yet.", { exact: false }).count()).toBe(1);
    // The secret is not on the endpoint's page.
    expect(await page.content()).not.toContain(secret);

    await page.getByRole("button", { name: "Send test event" }).click();
    await expect.poll(() => page.getByText("Test event queued", { exact: false }).count(), { timeout: 30_000 }).toBe(1);
    // The log refreshes by itself while the delivery is pending.
    const row = page.getByRole("row", { name: /Test event/ });
    const cells = async () => (await row.locator("th, td").allTextContents()).map((text) => text.trim());
    await expect.poll(cells, { timeout: 30_000, interval: 500 }).toEqual([
      "Test eventA test event, to check that the endpoint answers and verifies the signature.",
      expect.stringMatching(/^test_[0-9a-f-]{36}$/),
      expect.stringMatching(/Delivered$/),
      "1",
      "200",
      expect.stringMatching(/^\d+$/),
      expect.stringMatching(/\d{4}, \d{1,2}:\d{2} (AM|PM)$/),
      "ReplayJSON",
    ]);
    expect(await page.getByTestId("endpoint-counts").textContent()).toBe("1 delivered · 0 pending · 0 failed");

    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request).toMatchObject({ method: "POST", url: "/hook", headers: { "content-type": "application/json" } });
    const eventId = (await cells())[1];
    expect(request.headers["roost-event-id"]).toBe(eventId);
    const signature = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(request.headers["roost-signature"]));
    expect(signature).not.toBeNull();
    const [, t, v1] = signature ?? [];
    expect(Math.abs(Number(t) - Date.now() / 1000)).toBeLessThan(120);
    expect(v1).toBe(createHmac("sha256", secret).update(`${t}.${request.body}`).digest("hex"));
    expect(JSON.parse(request.body)).toMatchObject({ id: eventId, type: "test", shop: "roost-demo.myshopify.com" });

    // The body is a download, not text on the page.
    const [download] = await Promise.all([page.waitForEvent("download", { timeout: 30_000 }), row.getByRole("button", { name: `Download the JSON of ${eventId}` }).click()]);
    expect(download.suggestedFilename()).toBe(`roost-event-${eventId}.json`);
    expect(fs.readFileSync(await download.path(), "utf8")).toBe(request.body);
  });

  it("replays the delivery: the same event id is sent again", async () => {
    await page.getByRole("button", { name: /^Replay test_/ }).click();
    await expect.poll(() => page.getByText("Replay queued", { exact: false }).count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => received.length, { timeout: 30_000 }).toBe(2);
    expect(received[1].headers["roost-event-id"]).toBe(received[0].headers["roost-event-id"]);
    expect(received[1].body).toBe(received[0].body);
    await expect.poll(() => page.getByRole("row", { name: /Test event/ }).locator("td").nth(2).textContent(), { timeout: 30_000 }).toBe("2");
  });

  it("removes the endpoint after a confirmation; the list no longer shows its secret or the endpoint", async () => {
    await page.getByRole("button", { name: "Remove", exact: true }).click();
    const dialog = page.getByRole("dialog");
    await expect.poll(() => dialog.getByText("Remove this endpoint?").count(), { timeout: 30_000 }).toBe(1);
    await dialog.getByRole("button", { name: "Remove endpoint" }).click();
    await expect.poll(heading, { timeout: 30_000 }).toBe("Webhooks");
    await expect.poll(() => page.getByRole("link", { name: hookUrl }).count(), { timeout: 30_000 }).toBe(0);
    expect(await page.getByLabel("Signing secret").count()).toBe(0);
    expect(await page.getByText(/gid:\/\/shopify/).count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
