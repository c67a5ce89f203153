import { describe, expect, it } from "vitest";
import { createDatabase } from "../../app/db.server";
import { startDemo } from "../support/browser";
import { testRunDir } from "../support/database";

// The simulated store lives in memory and starts afresh on every `npm run demo`, while the SQLite
// database keeps the demo's cohorts, the tags Roost recorded writing and the history it imported.
// No browser needed: the store page is read as HTML.

const tagsOf = async (url: string, email: string): Promise<string[]> => {
  const html = await (await fetch(`${url}/__demo/store`)).text();
  const row = html.split("\n").find((line) => line.includes(`data-customer="${email}"`)) ?? "";
  return [...row.matchAll(/data-tag="([^"]+)"/g)].map((match) => match[1]);
};

describe("npm run demo, started twice on the same database", { timeout: 480_000 }, () => {
  it("puts the cohort tags on the simulated store's customers each time, beside other apps' tags, creating no cohort twice and importing the history once", async () => {
    const databaseUrl = `file:./${testRunDir()}/demo-restart-${process.pid}.sqlite`;
    const printed: { cohorts: string; backfill: string }[] = [];
    for (const run of ["first", "restart"]) {
      // Two starts in one test, each up to a minute or more on a loaded machine.
      const demo = await startDemo(run, { databaseUrl, startTimeoutMs: 150_000 });
      try {
        await expect.poll(() => tagsOf(demo.url, "bo.chen@example.com"), { timeout: 60_000, interval: 1_000 }).toEqual(["roost-big-spenders", "roost-first-purchase", "wholesale-inquiry"]);
        expect(await tagsOf(demo.url, "ana.lima@example.com")).toEqual(["newsletter", "roost-first-purchase"]);
        expect(await tagsOf(demo.url, "cleo.ward@example.com")).toEqual([]);
        const line = (pattern: RegExp) => pattern.exec(demo.output())?.[0] ?? "";
        printed.push({ cohorts: line(/^Cohorts: .+$/m), backfill: line(/^The backfill imported .+$/m) });
      } finally {
        await demo.stop();
      }
    }
    // The same cohorts with the same members, and the store's past imported once: the restart is
    // a reinstall within days, which does not repeat the backfill, and its history has not moved.
    expect(printed[0].cohorts).toMatch(/^Cohorts: first-purchase \(\d+ members, tag roost-first-purchase\); big-spenders \(\d+ members, tag roost-big-spenders\);/);
    expect(printed[1]).toEqual(printed[0]);
    const db = await createDatabase(databaseUrl);
    try {
      const shop = await db.shop.findUniqueOrThrow({ where: { domain: "roost-demo.myshopify.com" } });
      expect(await db.backfillRun.count({ where: { shopId: shop.id } })).toBe(4);
      expect(await db.cohortRule.count({ where: { shopId: shop.id } })).toBe(4);
      // Nothing the reconciliation had to repair (the Dashboard would say Degraded).
      const repaired = (await db.reconcileRun.findMany({ where: { shopId: shop.id } })).map((run) => Object.values(JSON.parse(run.repaired) as Record<string, number>).reduce((sum, count) => sum + count, 0));
      expect(repaired.filter((count) => count > 0)).toEqual([]);
    } finally {
      await db.$disconnect();
    }
  });
});
