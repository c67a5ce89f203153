import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase } from "../../app/db.server";
import { systemClock } from "../../app/lib/clock";
import { syncHealth } from "../../app/services/health/sync-health.server";
import { browserAvailable, type DemoSession, navigateTo, openDemo, type RunningDemo } from "../support/browser";

describe.skipIf(!browserAvailable)("the embedded admin in Chromium (npm run demo)", { timeout: 90_000 }, () => {
  let session: DemoSession;
  let demo: RunningDemo;
  let page: Page;
  let pageErrors: string[];

  beforeAll(async () => {
    session = await openDemo("dashboard");
    ({ demo, page, pageErrors } = session);
  }, 120_000);

  afterAll(async () => {
    await session?.close();
  });

  it("opens the Dashboard with its title, navigation, shop name and sync health figures", async () => {
    const sent = Number(/The store sent (\d+) webhooks/.exec(demo.output())?.[1]);
    expect(sent).toBeGreaterThan(10);
    await page.goto(`${demo.url}/__demo`);

    await expect.poll(() => page.locator("h1").first().textContent(), { timeout: 60_000 }).toBe("Dashboard");
    // Polled: on a first run Vite may reload the page once after optimising dependencies.
    await expect.poll(() => page.locator("ui-nav-menu a").allTextContents(), { timeout: 30_000 }).toEqual(["Dashboard", "Members", "Cohorts", "Rewards", "Settings", "Webhooks", "API tokens"]);
    await expect.poll(() => page.getByRole("heading", { name: "Roost Demo Store" }).count(), { timeout: 30_000 }).toBe(1);
    expect(await page.getByText("roost-demo.myshopify.com · USD · America/New_York").count()).toBe(1);

    // The simulated store's webhooks went through the inbox into the mirror.
    const figure = (id: string) => page.getByTestId(id).textContent();
    await expect.poll(async () => {
      await page.reload();
      return figure("inbox-processed");
    }, { timeout: 30_000 }).toBe(String(sent));
    // The figures are the database's, which the demo printed (test/browser/demo-figures.test.ts).
    const db = await createDatabase(demo.databaseUrl);
    try {
      const { counts } = await syncHealth(db, "roost-demo.myshopify.com", systemClock);
      expect({
        products: await figure("products"),
        variants: await figure("variants"),
        customers: await figure("customers"),
        orders: await figure("orders"),
        refunds: await figure("refunds"),
        pending: await figure("inbox-pending"),
        failed: await figure("inbox-failed"),
        dead: await figure("inbox-dead"),
      }).toEqual({
        products: counts.products.toLocaleString("en-US"),
        variants: counts.variants.toLocaleString("en-US"),
        customers: counts.customers.toLocaleString("en-US"),
        orders: counts.orders.toLocaleString("en-US"),
        refunds: counts.refunds.toLocaleString("en-US"),
        pending: "0",
        failed: "0",
        dead: "0",
      });
      expect(demo.output()).toContain(`${counts.products} products, ${counts.variants} variants, ${counts.customers} customers, ${counts.orders} orders, ${counts.refunds} refunds`);
      // Each backfill run names the records it imported (not Shopify's line count, which also
      // counts an order's items), as the demo printed them.
      const { backfill } = await syncHealth(db, "roost-demo.myshopify.com", systemClock);
      const nouns: Record<string, string> = { products: "products", inventory: "inventory items", customers: "customers", orders: "orders" };
      for (const run of backfill) expect(await figure(`backfill-${run.resource}`)).toBe(`completed · ${run.records!.toLocaleString("en-US")} ${nouns[run.resource]} imported`);
      const [customers, orders] = /The backfill imported ([\d,]+) customers, ([\d,]+) orders/.exec(demo.output())!.slice(1);
      expect([await figure("backfill-customers"), await figure("backfill-orders")]).toEqual([`completed · ${customers} customers imported`, `completed · ${orders} orders imported`]);
    } finally {
      await db.$disconnect();
    }
    expect(await page.getByText("Healthy", { exact: true }).count()).toBe(1);

    // Every table is named: by its caption (the charts' data tables) or by the heading above it
    // (Polaris's DataTable has no caption).
    const tableNames = await page.locator("table").evaluateAll((tables) =>
      tables.map((table) => {
        const caption = table.querySelector("caption")?.textContent;
        if (caption) return caption;
        let node: Element | null = table;
        while (node && !node.previousElementSibling?.matches("h2, h3")) node = node.parentElement;
        return node?.previousElementSibling?.textContent ?? null;
      }),
    );
    expect(tableNames).not.toContain(null);
    expect(tableNames.slice(-2)).toEqual(["Latest deliveries", "Last delivery by topic"]);
  });

  it("shows the setup checklist at the top with the demo's progress, each step's state, and links to where each is done", async () => {
    await page.goto(`${demo.url}/__demo`);
    await expect.poll(() => page.getByRole("heading", { name: "Set up Roost" }).count(), { timeout: 30_000 }).toBe(1);
    // The checklist is the first card, above the shop's.
    expect(await page.locator("h2").first().textContent()).toBe("Set up Roost");
    // Polaris reads a badge's tone to screen readers ("Success Done"); the state is on the element.
    const state = async (key: string) => page.getByTestId(`setup-${key}`).getAttribute("data-state");
    // The demo's program is on, its pixel connected, its orders earned, its cohorts and rewards
    // are enabled; no shopper has opened the customer account block.
    expect(await page.getByTestId("setup-progress").textContent()).toBe("5 of 6 done");
    expect({
      program: await state("program"),
      pixel: await state("pixel"),
      firstEarn: await state("firstEarn"),
      cohort: await state("cohort"),
      reward: await state("reward"),
      profileBlock: await state("profileBlock"),
    }).toEqual({ program: "done", pixel: "done", firstEarn: "done", cohort: "done", reward: "done", profileBlock: "to-do" });
    expect(await page.getByTestId("setup-profileBlock").innerText()).toMatch(/To do$/);
    expect(await page.getByTestId("setup-reward").innerText()).toMatch(/Done$/);
    expect(await page.getByText("Settings → Customer accounts → Customize → Profile page → Add block → Roost points").count()).toBe(1);
    expect(await page.locator("body").innerText()).not.toMatch(/gid:\/\//);

    await page.getByRole("link", { name: "Open Rewards" }).click();
    await expect.poll(() => page.locator("h1").first().textContent(), { timeout: 30_000 }).toBe("Rewards");
    expect(pageErrors).toEqual([]);
  });

  it("navigates to Members inside the app, and survives a full reload there", async () => {
    await navigateTo(page, "Members");
    await expect.poll(() => page.getByRole("link", { name: "ana.lima@example.com" }).count(), { timeout: 30_000 }).toBe(1);

    // A document load without a token goes through the library's bounce page and back.
    await page.goto(`${demo.url}/app/members?embedded=1&shop=roost-demo.myshopify.com&host=${Buffer.from("admin.shopify.com/store/roost-demo").toString("base64url")}`);
    await page.waitForURL(/\/app\/members\?.*id_token=/, { timeout: 20_000 });
    await page.waitForLoadState("load");
    await expect.poll(() => page.locator("h1").first().textContent(), { timeout: 20_000 }).toBe("Members");
  });

  it("shows the Settings page with the pixel's Organization ID", async () => {
    await navigateTo(page, "Settings");
    expect(await page.getByText(/^Organization ID: [0-9a-f-]{36}$/).count()).toBe(1);
    expect(pageErrors).toEqual([]);
  });

  it("answers an unknown admin path and an unknown member with a 404 page that keeps the navigation and links back", async () => {
    // The token-bearing URL /__demo redirects to, with the path swapped.
    await page.goto(`${demo.url}/__demo`);
    await page.waitForURL(/\/app\?.*id_token=/, { timeout: 20_000 });
    const at = (pathname: string) => {
      const url = new URL(page.url());
      url.pathname = pathname;
      return url.toString();
    };
    const nav = ["Dashboard", "Members", "Cohorts", "Rewards", "Settings", "Webhooks", "API tokens"];

    for (const [pathname, title] of [["/app/nothing-here", "Page not found"], ["/app/members/no-such-member", "Member not found"]]) {
      const response = await page.goto(at(pathname));
      expect(response?.status(), pathname).toBe(404);
      await expect.poll(() => page.locator("h1").first().textContent(), { timeout: 30_000 }).toBe(title);
      expect(await page.locator("ui-nav-menu a").allTextContents()).toEqual(nav);
      expect(await page.getByRole("link", { name: "Go to the Dashboard" }).count()).toBe(1);
      expect(await page.getByRole("link", { name: "Go to Members" }).count()).toBe(1);
      // No raw ids or stack traces for the merchant.
      expect(await page.locator("body").innerText()).not.toMatch(/gid:\/\/|no-such-member|\bat \S+ \(/);
    }

    await page.getByRole("link", { name: "Go to Members" }).click();
    await expect.poll(() => page.locator("h1").first().textContent(), { timeout: 30_000 }).toBe("Members");
    expect(pageErrors).toEqual([]);
  });
});
