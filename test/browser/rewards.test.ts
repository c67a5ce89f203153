import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { browserAvailable, type DemoSession, navigateTo, openDemo, type RunningDemo } from "../support/browser";

// The demo starts with two rewards (scripts/demo/seed.ts: "$5 off your next order" for 50 points,
// "Free shipping" for 30) and Bo Chen with the points of his $56.50 order. The merchant adds a
// third on the Rewards page and redeems it for Bo from his page; the demo server's redemptions
// queue makes the code at the simulated store (docs/rewards.md, "Redeeming").

const COST = 40;

describe.skipIf(!browserAvailable)("Rewards in Chromium (npm run demo)", { timeout: 120_000 }, () => {
  let session: DemoSession;
  let demo: RunningDemo;
  let page: Page;
  let pageErrors: string[];

  beforeAll(async () => {
    session = await openDemo("rewards");
    ({ demo, page, pageErrors } = session);
  }, 120_000);

  afterAll(async () => {
    await session?.close();
  });

  const heading = () => page.locator("h1").first().textContent();
  const figure = (id: string) => page.getByTestId(id).textContent();
  /** The rewards table's rows as cell texts (a badge's hidden tone left out), the actions column left out. */
  const rewardRows = () =>
    page.locator("table tbody tr").evaluateAll((rows) =>
      rows.map((row) =>
        Array.from(row.querySelectorAll("td"))
          .slice(0, -1)
          .map((cell) => {
            const copy = cell.cloneNode(true) as HTMLElement;
            copy.querySelectorAll(".Polaris-Text--visuallyHidden").forEach((hidden) => hidden.remove());
            return copy.textContent?.trim() ?? "";
          }),
      ),
    );
  /** The ledger's rows as cell texts, the date column left out. */
  const ledgerRows = () =>
    page.getByTestId("ledger").locator("tbody tr").evaluateAll((rows) =>
      rows.map((row) => Array.from(row.querySelectorAll("th, td")).slice(1).map((cell) => cell.textContent?.trim() ?? "")),
    );

  it("lists the catalogue on the Rewards page, shows the form's errors on their fields, and adds a reward", async () => {
    await page.goto(`${demo.url}/__demo`);
    await expect.poll(heading, { timeout: 60_000 }).toBe("Dashboard");
    await expect.poll(() => page.locator("ui-nav-menu a", { hasText: "Rewards" }).count(), { timeout: 30_000 }).toBe(1);
    await navigateTo(page, "Rewards");
    // The demo's seed runs after the store's import: reload until its rewards are there.
    await expect.poll(async () => {
      if ((await page.locator("table tbody tr").count()) === 0) await page.reload();
      return rewardRows();
    }, { timeout: 45_000 }).toEqual([
      ["Free shipping", "Free shipping", "Free shipping", "30", "None", "Enabled"],
      ["$5 off your next order", "Amount off", "$5.00 off", "50", "None", "Enabled"],
    ]);

    await page.getByRole("button", { name: "Add reward" }).first().click();
    await page.getByLabel("Name").fill("Ten percent off");
    await page.getByLabel("Amount off (USD)").fill("0");
    await page.getByRole("button", { name: "Add reward" }).last().click();
    // Both errors at once, each under its field; nothing added.
    await expect.poll(() => page.getByText("Enter the points it costs, a whole number such as 500").count(), { timeout: 30_000 }).toBe(1);
    expect(await page.getByText("Enter an amount in USD greater than 0, such as 5.00").count()).toBe(1);
    expect(await page.getByLabel("Points cost").getAttribute("aria-invalid")).toBe("true");
    expect(await page.getByLabel("Name").inputValue()).toBe("Ten percent off");
    expect(await rewardRows()).toHaveLength(2);

    await page.getByLabel("Type").selectOption("percentage");
    await page.getByLabel("Points cost").fill(String(COST));
    await page.getByLabel("Percent off").fill("10");
    await page.getByLabel("Minimum order subtotal (USD)").fill("20");
    await page.getByRole("button", { name: "Add reward" }).last().click();
    await expect.poll(() => page.getByText(`Ten percent off added to the rewards: ${COST} points.`).count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(rewardRows, { timeout: 30_000 }).toEqual([
      ["Free shipping", "Free shipping", "Free shipping", "30", "None", "Enabled"],
      ["Ten percent off", "Percentage off", "10% off", String(COST), "$20.00", "Enabled"],
      ["$5 off your next order", "Amount off", "$5.00 off", "50", "None", "Enabled"],
    ]);
    expect(pageErrors).toEqual([]);
  });

  it("redeems it for Bo Chen from his page: the points leave at once, and the code shows once the store has made it", async () => {
    await navigateTo(page, "Members");
    await expect.poll(async () => {
      if ((await page.getByRole("link", { name: "bo.chen@example.com" }).count()) === 0) await page.reload();
      return page.getByRole("link", { name: "bo.chen@example.com" }).count();
    }, { timeout: 45_000 }).toBe(1);
    await page.getByRole("link", { name: "bo.chen@example.com" }).click();
    await expect.poll(heading, { timeout: 30_000 }).toBe("Bo Chen");
    const balance = Number(await figure("member-balance"));
    expect(balance).toBeGreaterThanOrEqual(50);
    const entries = (await ledgerRows()).length;

    // Polaris draws its own radio over the input: the label is what a merchant clicks.
    await page.getByText(`Ten percent off · ${COST} points`, { exact: true }).click();
    expect(await page.getByLabel(`Ten percent off · ${COST} points`).isChecked()).toBe(true);
    await page.getByRole("button", { name: "Redeem", exact: true }).click();
    await expect.poll(() => page.getByTestId("redeem-result").textContent(), { timeout: 30_000 }).toBe(`Redeemed ${COST} points for Ten percent off.`);
    await expect.poll(() => figure("member-balance"), { timeout: 30_000 }).toBe(String(balance - COST));

    // The page polls while the redemption is pending; the demo server's queue makes the code.
    await expect.poll(() => page.getByTestId("redemption-code").allTextContents(), { timeout: 45_000 }).toEqual([
      expect.stringMatching(/^ROOST-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/),
      expect.stringMatching(/^ROOST-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/),
    ]);
    const [shown, listed] = await page.getByTestId("redemption-code").allTextContents();
    // The same code in the Redeem card's answer and in the Redemptions list.
    expect(shown).toBe(listed);
    const redemption = await page.getByTestId("redemption").first().textContent();
    expect(redemption).toContain("Ten percent off");
    expect(redemption).toContain("Issued");
    expect(redemption).toContain(`10% off on orders of $20.00 or more · ${COST} points · `);

    const rows = await ledgerRows();
    expect(rows).toHaveLength(entries + 1);
    expect(rows.at(-1)).toEqual(["Redeemed", `-${COST}`, String(balance - COST), "", "", `Redeemed ${COST} points for Ten percent off · by staff user 12345 via admin`]);
    // What he can no longer afford says what it still needs.
    if (balance - COST < 30) expect(await page.getByText(`needs ${30 - (balance - COST)} more points`).count()).toBe(1);
    expect(await page.getByText(`needs ${50 - (balance - COST)} more points`).count()).toBe(1);
    expect(await page.getByText(/gid:\/\/shopify/).count()).toBe(0);

    // Nothing is pending any more: the page stops reloading its data.
    const reloads: string[] = [];
    page.on("request", (request) => {
      if (/\/app\/members\/[^/?]+\.data/.test(request.url())) reloads.push(request.url());
    });
    await page.waitForTimeout(5_000);
    expect(reloads).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
