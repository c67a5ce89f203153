import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { runCli } from "../app/cli/roost.server";
import db from "../app/db.server";
import { logger } from "../app/lib/logger.server";
import { JobRunner } from "../app/services/jobs/runner.server";
import { CATCH_UP, catchUpQueue, latestCatchUp, type SettleOrder } from "../app/services/program/catch-up.server";
import { updateProgramSettings } from "../app/services/program/program.server";
import { programSchema } from "../app/services/program/settings";
import { markShopUninstalled, updateShopSettings } from "../app/services/shops/shops.server";
import { customerPayload } from "./fixtures/rest-payloads";
import { deliver } from "./support/deliver";
import { installTestShop, uniqueShop } from "./support/shopify";
import { captureCli } from "./support/cli";


describe("npm run roost", () => {
  it("lists shops as JSON", async () => {
    const shop = uniqueShop();
    await installTestShop(shop, { name: "CLI Store", currency: "EUR", timezone: "Europe/Paris" });
    const run = captureCli();

    expect(await runCli(["shops", "--json"], run.io)).toBe(0);

    const listed = JSON.parse(run.stdout()).shops.find((entry: { domain: string }) => entry.domain === shop);
    expect(listed).toMatchObject({ domain: shop, name: "CLI Store", installed: true, currency: "EUR", timezone: "Europe/Paris", uninstalledAt: null });
    expect(listed.orgId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("asks for --shop when several shops exist, on stderr with a non-zero exit", async () => {
    await installTestShop(uniqueShop());
    await installTestShop(uniqueShop());
    const run = captureCli();

    expect(await runCli(["inbox:list"], run.io)).toBe(1);
    expect(run.stderr()).toMatch(/^error: \d+ shops exist: pass --shop <domain>\n$/);
    expect(run.stdout()).toBe("");
  });

  it("rejects an unknown shop, an unknown command, a bad status and an unknown webhook id", async () => {
    const shop = uniqueShop();
    await installTestShop(shop);
    const cases: [string[], RegExp][] = [
      [["inbox:list", "--shop", "nope.myshopify.com"], /Unknown shop nope\.myshopify\.com/],
      [["inbox:list", "--shop", shop, "--status", "lost"], /--status must be one of pending, processed, failed, dead/],
      [["inbox:replay", "missing-id", "--shop", shop], /No delivery with webhook id missing-id/],
      [["inbox:replay", "--shop", shop], /inbox:replay needs a webhook id/],
      [["frobnicate"], /Unknown command "frobnicate"/],
    ];
    for (const [argv, message] of cases) {
      const run = captureCli();
      expect(await runCli(argv, run.io), argv.join(" ")).not.toBe(0);
      expect(run.stderr()).toMatch(message);
    }
  });

  it("runs as a command with --json on stdout", () => {
    const output = execFileSync(process.execPath, ["node_modules/tsx/dist/cli.mjs", "scripts/roost.ts", "shops", "--json"], {
      env: { ...process.env, LOG_LEVEL: "silent" },
      encoding: "utf8",
    });
    expect(Array.isArray(JSON.parse(output).shops)).toBe(true);
  });

  it("prints a --json document of several megabytes complete through a pipe", async () => {
    const shop = uniqueShop();
    await installTestShop(shop);
    const now = new Date();
    await db.webhookDelivery.createMany({
      data: Array.from({ length: 6000 }, (_, index) => ({
        shopDomain: shop,
        topic: "orders/paid",
        webhookId: `pipe-${shop}-${index}`,
        apiVersion: "2026-10",
        payload: "{}",
        status: "failed",
        lastError: `orders/paid payload is invalid: line_items.${index}: expected array, received string`.padEnd(200, "."),
        receivedAt: new Date(now.getTime() - index),
      })),
    });

    // execFileSync reads the child's stdout through a pipe (64 KiB at a time).
    const output = execFileSync(process.execPath, ["node_modules/tsx/dist/cli.mjs", "scripts/roost.ts", "inbox:list", "--shop", shop, "--limit", "6000", "--json"], {
      env: { ...process.env, LOG_LEVEL: "silent" },
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });

    expect(output.length).toBeGreaterThan(1024 * 1024);
    expect(JSON.parse(output).deliveries).toHaveLength(6000);
  });
});

describe("npm run roost -- program:catch-up", () => {
  it("runs the shop's queued catch-up, retries a failed one, and says when there is nothing to do", async () => {
    const shop = uniqueShop();
    await installTestShop(shop);
    const { id: shopId } = await db.shop.findUniqueOrThrow({ where: { domain: shop } });
    const program = programSchema.parse({ startDate: "2026-01-01" });
    await updateShopSettings(db, shop, { program });
    // The catch-up queue to this test alone (the worker's database keeps earlier files' jobs).
    await db.job.deleteMany({ where: { queue: CATCH_UP } });
    await deliver({ topic: "customers/create", shop, payload: customerPayload({ id: 9301, email: "cli.buyer@example.com" }) });
    await db.order.create({
      data: {
        shopId,
        gid: "gid://shopify/Order/9302",
        customerGid: "gid://shopify/Customer/9301",
        processedAt: new Date("2025-05-01T12:00:00Z"),
        financialStatus: "paid",
        sourceName: "web",
        currency: "USD",
        linesAmount: 4200,
        eligibleAmount: 4200,
        backfilled: true,
        shopifyUpdatedAt: new Date("2025-05-01T12:00:00Z"),
      },
    });
    const clock = { now: () => new Date("2026-11-22T15:00:00Z") };
    const io = (run: ReturnType<typeof captureCli>) => ({ ...run.io, clock });

    let run = captureCli();
    expect(await runCli(["program:catch-up", "--shop", shop, "--json"], io(run))).toBe(0);
    expect(JSON.parse(run.stdout())).toEqual({ shop, outcome: "nothing", retried: false, job: null });

    // Queued by a settings change; while the server's runner holds it, the CLI leaves it alone.
    await updateProgramSettings(db, shop, { program: { ...program, retroactive: true }, countShipping: false }, "staff", clock);
    const { id } = (await latestCatchUp(db, shopId))!;
    // The server's run is on its last attempt, and stalls until told to fail.
    await db.job.update({ where: { queue_key: { queue: CATCH_UP, key: id } }, data: { maxAttempts: 1 } });
    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    let fail!: () => void;
    const failing = new Promise<void>((resolve) => (fail = resolve));
    const stalled: SettleOrder = async () => {
      holding();
      await failing;
      throw new Error("disk full");
    };
    const server = new JobRunner({ db, clock, logger, queues: [catchUpQueue({}, { settle: stalled })] }).drain(CATCH_UP);
    await held;
    run = captureCli();
    expect(await runCli(["program:catch-up", "--shop", shop], io(run))).toBe(1);
    expect(run.stdout()).toBe(`${shop}: another process is running it. Updating stored orders, awarding backfilled orders: 0 of 1 processed, 0 awarded.\n`);

    // Failed for good, then retried and run from the CLI.
    fail();
    await server;
    expect(await latestCatchUp(db, shopId)).toMatchObject({ status: "failed", lastError: "disk full" });
    run = captureCli();
    expect(await runCli(["program:catch-up", "--shop", shop, "--json"], io(run))).toBe(0);
    expect(JSON.parse(run.stdout())).toMatchObject({ shop, outcome: "done", retried: true, job: { id, status: "done", processed: 1, awarded: 1 } });
    expect(await db.member.findFirstOrThrow({ where: { shopId, customerGid: "gid://shopify/Customer/9301" } })).toMatchObject({ balance: 42 });

    run = captureCli();
    expect(await runCli(["program:catch-up", "--shop", shop], io(run))).toBe(0);
    expect(run.stdout()).toBe(`${shop}: nothing to catch up. Last one: Stored orders updated Nov 22, 2026, 10:00 AM: 1 backfilled order checked, 1 awarded.\n`);

    await markShopUninstalled(db, shop);
    run = captureCli();
    expect(await runCli(["program:catch-up", "--shop", shop], io(run))).toBe(1);
    expect(run.stderr()).toBe(`error: ${shop} has uninstalled Roost: nothing is written for it\n`);
  });
});
