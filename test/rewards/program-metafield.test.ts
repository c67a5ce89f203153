import { beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import type { Clock } from "../../app/lib/clock";
import { buildDeps, queueDefinitions } from "../../app/runtime.server";
import { drainNow } from "../../app/services/jobs/runner.server";
import { PROGRAM_METAFIELD_QUEUE, programMetafieldQueue, queueProgramMetafield } from "../../app/services/outbox/program-metafield.server";
import { updateProgramSettings } from "../../app/services/program/program.server";
import { parseShopSettings } from "../../app/services/program/settings";
import { type AdminClientFactory, adminClientFor } from "../../app/services/shopify/admin.server";
import { markShopUninstalled } from "../../app/services/shops/shops.server";
import { shopPayload } from "../fixtures/rest-payloads";
import { deliver } from "../support/deliver";
import { fakeShopify, OFFLINE_TOKEN } from "../support/shopify";
import { impatient, later } from "../tags/support";
import { renderBlock, visibleText } from "../theme-block/support";
import { ledgerDeps, type RewardShop, rewardShop, shopRow } from "./support";

// The program's public facts for the theme block (app/services/outbox/program-metafield.server.ts):
// a "program-metafield" job per shop, queued at install and with each program change, writes
// the app installation's roost.program json metafield through the fake Admin API.

let at: RewardShop;

beforeEach(async () => {
  at = await rewardShop({ earnRate: "1" });
  // Jobs other files of this worker left queued must not reach this file's runs.
  await db.job.deleteMany({ where: { queue: PROGRAM_METAFIELD_QUEUE, NOT: { shopId: at.shopId } } });
});

/** Runs the queue once for this shop; a failed run is seen on the job row (a thrown run fails its job). */
const write = (options: { adminFor?: AdminClientFactory; clock?: Clock } = {}) =>
  drainNow(programMetafieldQueue({ adminFor: options.adminFor ?? adminClientFor, sleep: async () => undefined }), { ...ledgerDeps, ...(options.clock ? { clock: options.clock } : {}) }, { shopId: at.shopId });
const job = () => db.job.findUnique({ where: { queue_key: { queue: PROGRAM_METAFIELD_QUEUE, key: at.shopId } } });
const written = () => {
  const metafield = fakeShopify.store.metafield(at.shop, fakeShopify.store.appInstallationId(at.shop), "roost", "program");
  return metafield ? { type: metafield.type, value: JSON.parse(metafield.value) as unknown } : undefined;
};
const metafieldCalls = () => fakeShopify.store.requests.filter((request) => request.shop === at.shop && request.query?.includes("metafieldsSet"));
const changeProgram = async (patch: Record<string, unknown>) => {
  const current = parseShopSettings((await shopRow(at)).settings);
  return updateProgramSettings(db, at.shop, { program: { ...current.program, ...patch }, countShipping: current.countShipping }, "staff user 1 via admin");
};

describe("roost.program on the app installation", () => {
  it("is written after install (queued as afterAuth queues it): enabled, earn rate, currency, tiers and nothing else", async () => {
    await queueProgramMetafield(db, at.shopId, new Date());
    expect(await job()).toMatchObject({ shopId: at.shopId, status: "pending" });
    expect(await write()).toMatchObject({ done: 1, failed: 0 });
    expect(written()).toEqual({
      type: "json",
      value: {
        enabled: true,
        earn_rate: "1",
        currency: "USD",
        tiers: [
          { name: "Bronze", threshold: 0, multiplier: "1" },
          { name: "Silver", threshold: 500, multiplier: "1.25" },
          { name: "Gold", threshold: 2000, multiplier: "1.5" },
        ],
      },
    });
    expect(await job()).toMatchObject({ status: "done", attempts: 1, lastError: null });
  });

  it("is queued with a program change and rewritten with the new earn rate", async () => {
    await queueProgramMetafield(db, at.shopId, new Date());
    await write();
    const { changes } = await changeProgram({ earnRate: "2.5", tiers: [{ name: "Member", threshold: 0, multiplier: "1" }] });
    expect(Object.keys(changes)).toEqual(["program.earnRate", "program.tiers"]);
    expect(await job()).toMatchObject({ status: "pending", attempts: 0 });
    expect(await write()).toMatchObject({ done: 1, failed: 0 });
    expect(written()?.value).toMatchObject({ earn_rate: "2.5", tiers: [{ name: "Member", threshold: 0, multiplier: "1" }] });
  });

  it("is what the theme block reads: its earn rate copy for guests comes from the written value", async () => {
    await changeProgram({ earnRate: "2.5" });
    await write();
    const program = written()?.value as Record<string, unknown>;
    expect(visibleText(await renderBlock({ program }))).toContain("Earn 2.5 points for every USD you spend.");
    await changeProgram({ enabled: false });
    await write();
    expect((await renderBlock({ program: written()?.value as Record<string, unknown> })).trim()).toBe("");
  });

  it("writes the latest of several changes once, and queues nothing for a save that changes nothing", async () => {
    await changeProgram({ earnRate: "2" });
    await changeProgram({ earnRate: "3" });
    await changeProgram({ enabled: false });
    const before = metafieldCalls().length;
    expect(await write()).toMatchObject({ done: 1, failed: 0 });
    expect(metafieldCalls().length - before).toBe(1);
    expect(written()?.value).toMatchObject({ enabled: false, earn_rate: "3" });

    await changeProgram({});
    expect(await job()).toMatchObject({ status: "done" });
    expect(await write()).toMatchObject({ done: 0, failed: 0 });
  });

  it("follows the shop currency from shop/update", async () => {
    await deliver({ topic: "shop/update", shop: at.shop, payload: { ...shopPayload(at.shop), currency: "EUR" } });
    expect(await job()).toMatchObject({ status: "pending" });
    await write();
    expect(written()?.value).toMatchObject({ currency: "EUR" });
    // The same currency again queues nothing.
    await deliver({ topic: "shop/update", shop: at.shop, payload: { ...shopPayload(at.shop), currency: "EUR", name: "Renamed" } });
    expect(await job()).toMatchObject({ status: "done" });
  });

  it("is retried when Shopify is unavailable, with the queue's back-off, and written once it answers", async () => {
    await queueProgramMetafield(db, at.shopId, new Date());
    fakeShopify.store.failNext(at.shop, { status: 503, times: 2 });
    expect(await write({ adminFor: impatient })).toMatchObject({ done: 0 });
    const row = await job();
    expect(row).toMatchObject({ status: "pending", attempts: 1, lastError: "Admin API answered 503" });
    expect(row!.runAt.getTime()).toBeGreaterThan(Date.now() + 5_000);
    expect(written()).toBeUndefined();
    expect(await write({ adminFor: impatient, clock: later(11_000) })).toMatchObject({ done: 1, failed: 0 });
    expect(written()?.value).toMatchObject({ earn_rate: "1" });
  });

  it("is kept as failed, not retried, when Shopify refuses the token (401) or the input (userErrors)", async () => {
    await queueProgramMetafield(db, at.shopId, new Date());
    await db.session.updateMany({ where: { shop: at.shop, isOnline: false }, data: { accessToken: "shpat_revoked" } });
    expect(await write()).toMatchObject({ done: 0 });
    expect(await job()).toMatchObject({ status: "failed", attempts: 1, lastError: `Admin API answered 401 for ${at.shop}` });
    await db.session.updateMany({ where: { shop: at.shop, isOnline: false }, data: { accessToken: OFFLINE_TOKEN(at.shop) } });

    // An owner Shopify does not know (as if the installation were another app's): a userError.
    const foreignOwner: AdminClientFactory = async (database, domain) => {
      const client = await adminClientFor(database, domain);
      return {
        request: <T>(query: string, variables?: Record<string, unknown>) => {
          const metafields = variables?.metafields as { ownerId: string }[] | undefined;
          return client.request<T>(query, metafields ? { metafields: metafields.map((field) => ({ ...field, ownerId: "gid://shopify/AppInstallation/1" })) } : variables);
        },
      };
    };
    await queueProgramMetafield(db, at.shopId, new Date());
    expect(await write({ adminFor: foreignOwner })).toMatchObject({ done: 0 });
    expect(await job()).toMatchObject({ status: "failed", attempts: 1 });
    expect((await job())!.lastError).toMatch(/^Shopify refused the input: .*Owner does not exist/);
    expect(written()).toBeUndefined();
  });

  it("writes nothing for a shop that uninstalled Roost: the job is kept as failed", async () => {
    await queueProgramMetafield(db, at.shopId, new Date());
    await markShopUninstalled(db, at.shop);
    const before = fakeShopify.store.requests.filter((request) => request.shop === at.shop).length;
    expect(await write()).toMatchObject({ done: 0 });
    expect(await job()).toMatchObject({ status: "failed", attempts: 1, lastError: "shop is not installed" });
    expect(fakeShopify.store.requests.filter((request) => request.shop === at.shop).length).toBe(before);
    expect(written()).toBeUndefined();
  });

  it("is one of the runner's queues, store-facing (left out with ROOST_SYNC_JOBS=off)", () => {
    const deps = buildDeps({});
    expect(queueDefinitions(deps, {}).map((queue) => queue.queue)).toContain(PROGRAM_METAFIELD_QUEUE);
    expect(queueDefinitions(deps, { ROOST_SYNC_JOBS: "off" }).map((queue) => queue.queue)).not.toContain(PROGRAM_METAFIELD_QUEUE);
  });
});
