import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dayLabel } from "../../app/components/analytics/format";
import { createDatabase, type Database } from "../../app/db.server";
import { shopDay } from "../../app/lib/shop-day";
import { TEMPLATES, isTemplateKey } from "../../app/services/cohorts/templates";
import { formatWhen } from "../../app/services/members/format";
import { formatMoney } from "../../app/services/rewards/catalogue.server";
import { browserAvailable, type DemoSession, openDemo, type RunningDemo } from "../support/browser";

// The Dashboard's charts in Chromium against `npm run demo`: every chart's data table (always in
// the page, read by screen readers) holds the figures the demo's own database gives by the
// definitions of app/services/analytics/types.ts, worked out here from the rows themselves
// (ledger entries, members, customers, cohort transitions, deliveries, pixel roll-ups), never
// from hard-coded numbers: the demo's data grows as it is worked on.

const SHOP = "roost-demo.myshopify.com";
const HOUR_MS = 3_600_000;

type Row = { key: string | null; cells: string[] };
type Tables = Record<"points" | "tiers" | "repeat" | "cohorts" | "events", { columns: string[]; rows: Row[] } | null>;

const number = (text: string) => Number(text.replaceAll(",", ""));

/** Every chart's table as the page shows it (null where the card shows its empty state). */
async function readTables(page: Page): Promise<Tables> {
  const read = (id: string) =>
    page.evaluate((testId) => {
      const table = document.querySelector(`[data-testid="${testId}"]`);
      if (!table) return null;
      const texts = (row: Element) => [...row.querySelectorAll("th, td")].map((cell) => cell.textContent ?? "");
      return {
        columns: texts(table.querySelector("thead tr") as Element),
        rows: [...table.querySelectorAll("tbody tr")].map((row) => ({ key: row.getAttribute("data-key"), cells: texts(row) })),
      };
    }, `analytics-${id}-table`);
  return { points: await read("points"), tiers: await read("tiers"), repeat: await read("repeat"), cohorts: await read("cohorts"), events: await read("events") };
}

const figure = (page: Page, id: string) => page.getByTestId(`analytics-${id}`).textContent();

/** The figures the demo's database gives for the days and hours the page shows. */
async function expected(db: Database, days: string[], hours: string[]) {
  const shop = await db.shop.findUniqueOrThrow({ where: { domain: SHOP } });
  const settings = JSON.parse(shop.settings) as { program?: { tiers?: { name: string }[]; pointValue?: string | null } };
  const tz = shop.timezone;

  // Points per shop-local day, by kind (types.ts PointsDay); a returned entry counts against its
  // redemption's day (`<redemption key>:returned`).
  const entries = await db.ledgerEntry.findMany({ where: { shopId: shop.id }, select: { kind: true, points: true, occurredAt: true, idempotencyKey: true } });
  const occurred = new Map(entries.map((entry) => [entry.idempotencyKey, entry.occurredAt]));
  const perDay = new Map(days.map((day) => [day, { issued: 0, redeemed: 0, expired: 0, clawedBack: 0 }]));
  for (const entry of entries) {
    const at = entry.kind === "returned" ? (occurred.get(entry.idempotencyKey.replace(/:returned$/, "")) ?? entry.occurredAt) : entry.occurredAt;
    const day = perDay.get(shopDay(at, tz));
    if (!day || entry.points === 0) continue;
    const credit = Math.max(entry.points, 0);
    const debit = Math.max(-entry.points, 0);
    if (["earn", "released", "bonus"].includes(entry.kind)) day.issued += credit;
    else if (entry.kind === "adjustment") {
      day.issued += credit;
      day.clawedBack += debit;
    } else if (entry.kind === "redemption") day.redeemed += debit;
    else if (entry.kind === "returned") day.redeemed -= credit;
    else if (entry.kind === "expiry") day.expired += debit;
    else if (entry.kind === "clawback") day.clawedBack += debit;
  }
  const points = days.map((day) => {
    const moved = perDay.get(day) ?? { issued: 0, redeemed: 0, expired: 0, clawedBack: 0 };
    return [dayLabel(day), String(moved.issued), String(moved.redeemed), String(moved.expired), String(moved.clawedBack)];
  });
  const totals = [...perDay.values()].reduce((sum, day) => ({ issued: sum.issued + day.issued, redeemed: sum.redeemed + day.redeemed, expired: sum.expired + day.expired, clawedBack: sum.clawedBack + day.clawedBack }));

  // Members now: per tier in the program's order, and their balances' sum and worth.
  const members = await db.member.findMany({ where: { shopId: shop.id }, select: { tier: true, balance: true, customerGid: true } });
  const programTiers = (settings.program?.tiers ?? [{ name: "Bronze" }, { name: "Silver" }, { name: "Gold" }]).map((tier) => tier.name);
  const tierCounts = new Map<string, number>();
  for (const member of members) tierCounts.set(member.tier, (tierCounts.get(member.tier) ?? 0) + 1);
  const others = [...tierCounts.keys()].filter((tier) => !programTiers.includes(tier)).sort((a, b) => a.localeCompare(b));
  const tiers = [...programTiers, ...others].map((tier) => [tier, String(tierCounts.get(tier) ?? 0)]);
  const outstanding = members.reduce((sum, member) => sum + member.balance, 0);

  // A point's worth: the merchant's setting, else the enabled money reward giving the most per point.
  let ratio: { numerator: bigint; denominator: bigint } | null = null;
  if (settings.program?.pointValue) {
    const [whole, fraction = ""] = settings.program.pointValue.split(".");
    ratio = { numerator: BigInt(whole + fraction), denominator: 10n ** BigInt(fraction.length) };
  } else {
    const rewards = await db.reward.findMany({ where: { shopId: shop.id, enabled: true, type: { in: ["fixed_amount", "store_credit"] } }, orderBy: { createdAt: "asc" } });
    for (const reward of rewards) {
      if (reward.value === null || reward.value <= 0 || reward.pointsCost <= 0) continue;
      const candidate = { numerator: BigInt(reward.value), denominator: BigInt(reward.pointsCost) };
      if (!ratio || candidate.numerator * ratio.denominator > ratio.numerator * candidate.denominator) ratio = candidate;
    }
  }
  const liability = ratio ? formatMoney(Number((BigInt(outstanding) * ratio.numerator * 2n + ratio.denominator) / (ratio.denominator * 2n)), shop.currency) : "–";

  // Repeat purchase: customers of the mirror with an order, members or not.
  const memberGids = new Set(members.map((member) => member.customerGid));
  const customers = await db.customer.findMany({ where: { shopId: shop.id, deletedAt: null, ordersCount: { gte: 1 } }, select: { gid: true, ordersCount: true } });
  const split = (isMember: boolean) => {
    const group = customers.filter((customer) => memberGids.has(customer.gid) === isMember);
    const repeat = group.filter((customer) => customer.ordersCount >= 2).length;
    return [String(group.length), String(repeat), group.length === 0 ? "–" : `${((repeat / group.length) * 100).toFixed(1)}%`];
  };
  const repeat = [["Members", ...split(true)], ["Non-members", ...split(false)]];

  // Each enabled cohort's size at the end of each day: its transitions in less its transitions out.
  const rules = await db.cohortRule.findMany({ where: { shopId: shop.id, enabled: true }, orderBy: [{ createdAt: "asc" }, { key: "asc" }] });
  const transitions = await db.cohortTransition.findMany({ where: { shopId: shop.id }, select: { ruleId: true, direction: true, occurredAt: true } });
  const sizeAt = (ruleId: string, day: string) =>
    transitions.filter((t) => t.ruleId === ruleId && shopDay(t.occurredAt, tz) <= day).reduce((size, t) => size + (t.direction === "in" ? 1 : -1), 0);
  const cohortNames = rules.map((rule) => (isTemplateKey(rule.template) ? TEMPLATES[rule.template].title : rule.template));
  const cohorts = days.map((day) => [dayLabel(day), ...rules.map((rule) => String(sizeAt(rule.id, day)))]);

  // Webhook deliveries received and pixel events rolled up, per UTC hour the page lists.
  const since = new Date(hours[0] ?? 0);
  const deliveries = await db.webhookDelivery.findMany({ where: { shopDomain: SHOP, receivedAt: { gte: since } }, select: { receivedAt: true } });
  const rollups = await db.pixelEventRollup.findMany({ where: { shopId: shop.id, hour: { gte: since } } });
  const events = hours.map((hour) => {
    const start = Date.parse(hour);
    const webhooks = deliveries.filter((delivery) => delivery.receivedAt.getTime() >= start && delivery.receivedAt.getTime() < start + HOUR_MS).length;
    const pixel = rollups.filter((rollup) => rollup.hour.getTime() === start).reduce((sum, rollup) => sum + rollup.count, 0);
    return [formatWhen(hour, tz), String(webhooks), String(pixel)];
  });

  return { tz, points, totals, tiers, outstanding, liability, pointValueSet: ratio !== null, repeat, cohortNames, cohorts, events };
}

/** What the page shows, in the shape `expected` gives, numbers without their thousands separators. */
function shown(tables: Tables) {
  const plain = (rows: Row[] | undefined) => (rows ?? []).map((row) => row.cells.map((cell, index) => (index === 0 || /%|–/.test(cell) ? cell : String(number(cell)))));
  return {
    points: plain(tables.points?.rows),
    tiers: plain(tables.tiers?.rows),
    repeat: plain(tables.repeat?.rows),
    cohortNames: tables.cohorts?.columns.slice(1) ?? [],
    cohorts: plain(tables.cohorts?.rows),
    events: plain(tables.events?.rows),
  };
}

describe.skipIf(!browserAvailable)("the Dashboard's charts in Chromium (npm run demo)", { timeout: 600_000 }, () => {
  let session: DemoSession;
  let demo: RunningDemo;
  let page: Page;
  let pageErrors: string[];
  let db: Database;

  beforeAll(async () => {
    // No trading on a timer: the figures hold still while the test compares them. The analytics job
    // (ledger roll-ups, cohort and repeat-purchase snapshot) every 5 s rather than every minute.
    session = await openDemo("dashboard-analytics", { startTimeoutMs: 240_000, env: { ROOST_ANALYTICS_ROLLUP_MS: "5000", ROOST_ANALYTICS_REPEAT_MS: "5000" } });
    ({ demo, page, pageErrors } = session);
    db = await createDatabase(demo.databaseUrl);
  }, 300_000);

  afterAll(async () => {
    await db?.$disconnect();
    await session?.close();
  });

  /**
   * Reloads until the page's tables and figures equal the database's: the demo's last webhooks may
   * still be landing, and the repeat-purchase snapshot is recounted every 5 minutes.
   */
  async function expectFiguresMatchLedger(rangeDays: number, waitMs = 120_000) {
    let mismatch = "";
    const matches = async () => {
      await page.reload();
      await page.getByTestId("analytics-range").waitFor({ timeout: 30_000 });
      const tables = await readTables(page);
      const days = (tables.points?.rows ?? []).map((row) => row.key ?? "");
      const hours = (tables.events?.rows ?? []).map((row) => row.key ?? "");
      const want = await expected(db, days, hours);
      const got = shown(tables);
      // Each table that differs, with its first differing row.
      mismatch = (["points", "tiers", "repeat", "cohortNames", "cohorts", "events"] as const)
        .filter((name) => JSON.stringify(got[name]) !== JSON.stringify(want[name]))
        .map((name) => {
          const index = Math.max(0, (want[name] as unknown[]).findIndex((row, at) => JSON.stringify(row) !== JSON.stringify((got[name] as unknown[])[at])));
          return `${name}: ${(got[name] as unknown[]).length} rows shown, ${(want[name] as unknown[]).length} expected; row ${index} shows ${JSON.stringify((got[name] as unknown[])[index])}, the database gives ${JSON.stringify((want[name] as unknown[])[index])}`;
        })
        .join("\n");
      return mismatch;
    };
    try {
      await expect.poll(matches, { timeout: waitMs, interval: 3_000 }).toBe("");
    } catch (error) {
      throw new Error(`the tables never matched the database:\n${mismatch}`, { cause: error });
    }

    const tables = await readTables(page);
    const days = (tables.points?.rows ?? []).map((row) => row.key ?? "");
    const hours = (tables.events?.rows ?? []).map((row) => row.key ?? "");
    const want = await expected(db, days, hours);
    // The days are the range's, consecutive, ending today in the shop's time zone for a preset.
    expect(days).toHaveLength(rangeDays);
    for (let index = 1; index < days.length; index += 1) expect(Date.parse(days[index]) - Date.parse(days[index - 1])).toBe(24 * HOUR_MS);
    // Every hour of the range's last 7 days, up to now, in order.
    expect(hours.length).toBeGreaterThan(0);
    expect(hours.length).toBeLessThanOrEqual(168);
    for (let index = 1; index < hours.length; index += 1) expect(Date.parse(hours[index]) - Date.parse(hours[index - 1])).toBe(HOUR_MS);
    // The cohort table has one row per day of the range.
    expect((tables.cohorts?.rows ?? []).map((row) => row.key)).toEqual(want.cohortNames.length > 0 ? days : []);
    // The summary figures: totals over the range, outstanding points and their worth now.
    expect({
      issued: number((await figure(page, "total-issued")) ?? ""),
      redeemed: number((await figure(page, "total-redeemed")) ?? ""),
      expired: number((await figure(page, "total-expired")) ?? ""),
      clawedBack: number((await figure(page, "total-clawed-back")) ?? ""),
      outstanding: number((await figure(page, "outstanding-points")) ?? ""),
      liability: await figure(page, "liability"),
    }).toEqual({ ...want.totals, outstanding: want.outstanding, liability: want.liability });
    expect(await figure(page, "point-value")).toMatch(want.pointValueSet ? /^A point is worth \$\d/ : /^Set a value per point in Settings/);
    return { days, want };
  }

  it("shows every chart's figures, equal to the ledger's, for the last 30 days by default", async () => {
    await page.goto(`${demo.url}/__demo`);
    await expect.poll(() => page.locator("h1").first().textContent(), { timeout: 180_000 }).toBe("Dashboard");
    await page.waitForURL(/\/app\?.*id_token=/, { timeout: 30_000 });

    // The analytics lead, below the setup checklist; sync health and the delivery tables follow.
    const headings = await page.locator("h2").allTextContents();
    expect(headings.indexOf("Points per day")).toBeLessThan(headings.indexOf("Sync health"));
    expect(headings.indexOf("Webhooks and pixel events per hour")).toBeLessThan(headings.indexOf("Webhook deliveries"));
    expect(headings.filter((heading) => ["Points", "Points per day", "Members by tier", "Repeat purchase rate", "Cohort sizes", "Webhooks and pixel events per hour"].includes(heading))).toHaveLength(6);
    expect(await page.getByRole("button", { name: "Date range: Last 30 days" }).count()).toBe(1);
    // Sync health's times are the shop's, as formatWhen writes them ("Dec 6, 2026, 11:42 PM").
    expect(await page.getByTestId("last-sync").textContent()).toMatch(/^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2} [AP]M$/);

    const { days, want } = await expectFiguresMatchLedger(30, 120_000);
    expect(days[days.length - 1]).toBe(shopDay(new Date(), want.tz));
    expect(await page.getByTestId("analytics-range").textContent()).toMatch(new RegExp(`^${dayLabel(days[0])}`));
    // The demo has history: something moved, shoppers spent points, and someone is a member.
    expect(want.totals.issued).toBeGreaterThan(0);
    expect(want.totals.redeemed).toBeGreaterThan(0);
    expect(want.tiers.some(([, count]) => Number(count) > 0)).toBe(true);

    // The charts drew in the browser (polaris-viz's SVG) beside their tables.
    await expect.poll(() => page.locator('[data-testid="analytics-points"] svg').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    // A table can be shown instead of its chart.
    await page.locator('[data-testid="analytics-points-table"]').waitFor({ state: "attached" });
    await page.getByRole("button", { name: "Show data table" }).first().click();
    await expect.poll(() => page.getByTestId("analytics-points-table").isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await page.getByRole("button", { name: "Show chart" }).count()).toBe(1);

    expect(await page.locator("body").innerText()).not.toMatch(/gid:\/\//);
    expect(pageErrors).toEqual([]);
  });

  it("switches to the last 7 days and to a custom range with the picker, in the URL, with the ledger's figures for each", async () => {
    // Last 7 days.
    await page.getByRole("button", { name: "Date range: Last 30 days" }).click();
    await page.getByRole("button", { name: "Last 7 days", exact: true }).click();
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(/[?&]range=7d/, { timeout: 30_000 });
    await expect.poll(() => page.getByRole("button", { name: "Date range: Last 7 days" }).count(), { timeout: 30_000 }).toBe(1);
    const week = await expectFiguresMatchLedger(7);
    expect(week.days[6]).toBe(shopDay(new Date(), week.want.tz));

    // Custom: from the first of this month (or the month before, on the 1st) to yesterday or today.
    const today = week.days[6];
    const [year, month, date] = today.split("-").map(Number);
    const from = date > 2 ? `${today.slice(0, 8)}02` : today;
    const to = date > 3 ? `${today.slice(0, 8)}${String(date - 1).padStart(2, "0")}` : today;
    const monthName = new Intl.DateTimeFormat("en-US", { month: "long", timeZone: "UTC" }).format(new Date(Date.UTC(year, month - 1, 1)));
    const dayButton = (day: string) => page.locator(`button[aria-label$="${monthName} ${Number(day.slice(8))} ${year}"]`);
    await page.getByRole("button", { name: "Date range: Last 7 days" }).click();
    await dayButton(from).click();
    await dayButton(to).click();
    const span = Math.round((Date.parse(to) - Date.parse(from)) / (24 * HOUR_MS)) + 1;
    expect(await page.getByTestId("analytics-range-selection").textContent()).toMatch(new RegExp(`^${dayLabel(from)}`));
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(new RegExp(`[?&]from=${from}&to=${to}`), { timeout: 30_000 });
    const custom = await expectFiguresMatchLedger(span);
    expect([custom.days[0], custom.days[custom.days.length - 1]]).toEqual([from, to]);
    expect(pageErrors).toEqual([]);
  });

  it("says why a range in the URL can't be shown, and shows the last 30 days instead", async () => {
    const url = new URL(page.url());
    url.searchParams.delete("range");
    url.searchParams.set("from", "12/01/2026");
    url.searchParams.set("to", "2026-12-01");
    await page.goto(url.toString());
    await expect.poll(() => page.getByTestId("analytics-range-error").textContent(), { timeout: 30_000 }).toBe("Enter dates as YYYY-MM-DD, such as 2026-01-31. Showing last 30 days instead.");
    expect(await page.getByText("That date range can't be shown").count()).toBe(1);
    expect((await readTables(page)).points?.rows).toHaveLength(30);
    expect(await page.locator("body").innerText()).not.toMatch(/gid:\/\//);
    expect(pageErrors).toEqual([]);
  });
});
