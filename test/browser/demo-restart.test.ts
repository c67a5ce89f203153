import { describe, expect, it } from "vitest";
import { startDemo } from "../support/browser";
import { testRunDir } from "../support/database";

// The simulated store lives in memory and starts afresh on every `npm run demo`, while the SQLite
// database keeps the demo's cohorts and the tags Roost recorded writing. No browser needed: the
// store page is read as HTML.

const tagsOf = async (url: string, email: string): Promise<string[]> => {
  const html = await (await fetch(`${url}/__demo/store`)).text();
  const row = html.split("\n").find((line) => line.includes(`data-customer="${email}"`)) ?? "";
  return [...row.matchAll(/data-tag="([^"]+)"/g)].map((match) => match[1]);
};

describe("npm run demo, started twice on the same database", { timeout: 480_000 }, () => {
  it("puts the cohort tags on the simulated store's customers each time, beside other apps' tags, creating no cohort twice", async () => {
    const databaseUrl = `file:./${testRunDir()}/demo-restart-${process.pid}.sqlite`;
    for (const run of ["first", "restart"]) {
      // Two starts in one test, each up to a minute or more on a loaded machine.
      const demo = await startDemo(run, { databaseUrl, startTimeoutMs: 150_000 });
      try {
        await expect.poll(() => tagsOf(demo.url, "bo.chen@example.com"), { timeout: 60_000, interval: 1_000 }).toEqual(["roost-big-spenders", "roost-first-purchase", "wholesale-inquiry"]);
        expect(await tagsOf(demo.url, "ana.lima@example.com")).toEqual(["newsletter", "roost-first-purchase"]);
        expect(await tagsOf(demo.url, "cleo.ward@example.com")).toEqual([]);
        expect(demo.output()).toContain("Cohorts: first-purchase (2 members, tag roost-first-purchase); big-spenders (1 member, tag roost-big-spenders).");
      } finally {
        await demo.stop();
      }
    }
  });
});
