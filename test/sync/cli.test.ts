import { afterAll, describe, expect, it } from "vitest";
import { CliError, type CommandContext } from "../../app/cli/command.server";
import { syncCommands } from "../../app/cli/sync-commands.server";
import { systemClock } from "../../app/lib/clock";
import { markShopUninstalled } from "../../app/services/shops/shops.server";
import { SYNC_QUEUE } from "../../app/services/sync/deps.server";
import { db, forgetShops, newShop, seedStore, store } from "./helpers";

function context(flags: CommandContext["flags"]) {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CommandContext = {
    db,
    clock: systemClock,
    args: [],
    flags,
    io: { stdout: { write: (text: string) => out.push(text) }, stderr: { write: (text: string) => err.push(text) } },
  };
  return { ctx, stderr: () => err.join("") };
}

process.env.ROOST_BACKFILL_POLL_MS = "10";

afterAll(forgetShops);

describe("sync CLI commands", () => {
  it("backfill --wait imports everything, printing progress on stderr and the runs as JSON", async () => {
    const shop = await newShop();
    seedStore(shop.domain, { customers: 3, products: 2, variantsPerProduct: 2, orders: 2 });
    const { ctx, stderr } = context({ shop: shop.domain, json: true, wait: true });
    const result = await syncCommands.backfill(ctx);
    expect(result.json).toEqual({
      shop: shop.domain,
      status: "completed",
      runs: [
        { resource: "products", status: "completed", objectCount: 6, linesDone: 6, since: null, error: null },
        { resource: "inventory", status: "completed", objectCount: 12, linesDone: 12, since: null, error: null },
        { resource: "customers", status: "completed", objectCount: 3, linesDone: 3, since: null, error: null },
        { resource: "orders", status: "completed", objectCount: 6, linesDone: 6, since: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/), error: null },
      ],
    });
    const lines = stderr().trim().split("\n");
    expect(lines[0]).toMatch(new RegExp(`^${shop.domain}: products (running|importing|completed) `));
    expect(lines.at(-1)).toBe(`${shop.domain}: products completed 6/6, inventory completed 12/12, customers completed 3/3, orders completed 6/6`);
    expect(result.text).toContain("RESOURCE   STATUS     DONE  TOTAL  ERROR");
  });

  it("backfill without --wait starts the first bulk operation and returns", async () => {
    const shop = await newShop();
    const { ctx } = context({ shop: shop.domain, json: true });
    const result = (await syncCommands.backfill(ctx)).json as { status: string; runs: { resource: string; status: string }[] };
    expect(result.status).toBe("running");
    expect(result.runs.map((run) => [run.resource, run.status])).toEqual([
      ["products", "running"],
      ["inventory", "queued"],
      ["customers", "queued"],
      ["orders", "queued"],
    ]);
    // The server's sync job for the shop carries it on: due now.
    expect(await db.job.findUnique({ where: { queue_key: { queue: SYNC_QUEUE, key: shop.id } } })).toMatchObject({ status: "pending", shopId: shop.id });
  });

  it("reconcile prints what it repaired since --since", async () => {
    const shop = await newShop();
    store.addCustomer(shop.domain, { email: "missed@example.com" });
    const since = new Date(Date.now() - 3_600_000).toISOString();
    const { ctx } = context({ shop: shop.domain, json: true, since });
    const result = await syncCommands.reconcile(ctx);
    expect(result.json).toEqual({ shop: shop.domain, since, repaired: { orders: 0, customers: 1, products: 0, refunds: 0 } });
    expect(result.text).toBe(`Reconciled ${shop.domain} since ${since}: repaired 0 order(s), 1 customer(s), 0 product(s), 0 refund(s).`);
  });

  it("refuses a bad --since and a shop that uninstalled", async () => {
    const shop = await newShop();
    await expect(syncCommands.reconcile(context({ shop: shop.domain, json: false, since: "last tuesday" }).ctx)).rejects.toThrow(CliError);
    await markShopUninstalled(db, shop.domain);
    await expect(syncCommands.backfill(context({ shop: shop.domain, json: false }).ctx)).rejects.toThrow(`${shop.domain} has uninstalled Roost`);
  });
});
