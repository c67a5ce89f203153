import { describe, expect, it } from "vitest";
import { runCli } from "../app/cli/roost.server";
import db from "../app/db.server";
import { captureCli } from "./support/cli";
import { installTestShop, uniqueShop } from "./support/shopify";

// The job queue from the ops CLI: counts and dead letters, and replaying one. The jobs sit in a
// queue no runner works, so nothing else takes them meanwhile.
const QUEUE = "cli-test";

async function shopWithJobs() {
  const shop = uniqueShop("roost-cli-jobs");
  await installTestShop(shop);
  const { id: shopId } = await db.shop.findUniqueOrThrow({ where: { domain: shop } });
  const at = new Date("2026-12-05T09:00:00Z");
  const dead = await db.job.create({
    data: { shopId, queue: QUEUE, key: `${shopId}:dead`, status: "failed", attempts: 6, maxAttempts: 6, runAt: at, lastError: "Shopify refused the input", finishedAt: at },
  });
  const waiting = await db.job.create({ data: { shopId, queue: QUEUE, key: `${shopId}:waiting`, status: "pending", runAt: new Date("2099-01-01T00:00:00Z") } });
  return { shop, shopId, dead, waiting };
}

describe("roost jobs, jobs:replay", () => {
  it("lists the shop's jobs with counts per queue and state, and filters dead letters", async () => {
    const { shop, dead, waiting } = await shopWithJobs();
    const all = captureCli();
    expect(await runCli(["jobs", "--shop", shop, "--queue", QUEUE, "--json"], all.io)).toBe(0);
    const listed = all.json();
    expect(listed.counts[QUEUE]).toEqual({ failed: 1, pending: 1 });
    expect(listed.jobs.map((job: { id: string }) => job.id).sort()).toEqual([dead.id, waiting.id].sort());

    const failed = captureCli();
    expect(await runCli(["jobs", "--shop", shop, "--status", "failed", "--json"], failed.io)).toBe(0);
    expect(failed.json().jobs).toEqual([
      { id: dead.id, queue: QUEUE, key: dead.key, status: "failed", attempts: 6, maxAttempts: 6, runAt: "2026-12-05T09:00:00.000Z", error: "Shopify refused the input", updatedAt: expect.any(String) },
    ]);

    const text = captureCli();
    expect(await runCli(["jobs", "--shop", shop, "--status", "failed"], text.io)).toBe(0);
    expect(text.stdout()).toContain(dead.id);
    expect(text.stdout()).toContain("6/6");
  });

  it("replays a dead letter with a fresh set of attempts, once", async () => {
    const { shop, dead, waiting } = await shopWithJobs();
    const run = captureCli();
    expect(await runCli(["jobs:replay", dead.id, "--shop", shop, "--json"], run.io)).toBe(0);
    expect(run.json()).toEqual({ replayed: { id: dead.id, queue: QUEUE, key: dead.key, status: "pending" } });
    expect(await db.job.findUniqueOrThrow({ where: { id: dead.id } })).toMatchObject({ status: "pending", attempts: 0, lastError: null, finishedAt: null });

    for (const [args, error] of [
      [["jobs:replay", dead.id], new RegExp(`Job ${dead.id} is pending: only a failed or done job can be replayed`)],
      [["jobs:replay", waiting.id], /is pending/],
      [["jobs:replay", "no-such-job"], /No job with id no-such-job/],
      [["jobs:replay"], /jobs:replay needs a job id/],
      [["jobs", "--shop", shop, "--status", "dead"], /--status must be one of pending, running, done, failed/],
      [["jobs", "--shop", shop, "--limit", "0"], /--limit must be a whole number from 1 to 1000/],
    ] as const) {
      const refused = captureCli();
      expect(await runCli([...args], refused.io), args.join(" ")).toBe(1);
      expect(refused.stderr()).toMatch(error);
      expect(refused.stdout()).toBe("");
    }
  });
});
