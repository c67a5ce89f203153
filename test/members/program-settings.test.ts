import { beforeEach, describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { action, loader } from "../../app/routes/app.settings";
import { logger } from "../../app/lib/logger.server";
import { systemClock } from "../../app/lib/clock";
import { JobRunner } from "../../app/services/jobs/runner.server";
import { CATCH_UP, type CatchUpOptions, catchUpQueue, type SettleOrder } from "../../app/services/program/catch-up.server";
import { formatWhen } from "../../app/services/members/format";
import { memberSummary } from "../../app/services/ledger/verify.server";
import { isPostgres } from "../support/database";
import { orderPayload } from "../fixtures/rest-payloads";
import { deliver } from "../support/deliver";
import { adminRequest } from "../support/shopify";
import { args, customer, programShop } from "./helpers";

let shop: string;
let shopId: string;

/** The program form as the Settings page posts it with the defaults (start date 2026-01-01). */
function defaults(): [string, string][] {
  return [
    ["intent", "program"],
    ["enabled", "true"],
    ["startDate", "2026-01-01"],
    ["earnRate", "1"],
    ["channels[]", "online_store"],
    ["channels[]", "pos"],
    ["tierName", "Bronze"], ["tierThreshold", "0"], ["tierMultiplier", "1"],
    ["tierName", "Silver"], ["tierThreshold", "500"], ["tierMultiplier", "1.25"],
    ["tierName", "Gold"], ["tierThreshold", "2000"], ["tierMultiplier", "1.5"],
    ["dailyCap", "0"],
    ["enrolment", "email"],
  ];
}

/** The defaults with some fields replaced (all values of a name at once) or removed (null). */
function form(patch: Record<string, string | string[] | null> = {}): URLSearchParams {
  const body = new URLSearchParams();
  for (const [name, value] of defaults()) if (!(name in patch)) body.append(name, value);
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) body.append(name, item);
  }
  return body;
}

const save = async (body: URLSearchParams) => action(args(await adminRequest("/app/settings", shop, { method: "POST", body })));
const stored = async () => (await loader(args(await adminRequest("/app/settings", shop)))).settings;
const auditRows = () => db.auditLog.findMany({ where: { shopId, action: "program.updated" }, orderBy: { createdAt: "asc" } });

beforeEach(async () => {
  ({ shop, shopId } = await programShop());
});

describe("program settings", () => {
  it("shows the current program with the defaults", async () => {
    const data = await loader(args(await adminRequest("/app/settings", shop)));
    expect(data.settings).toEqual({
      lowStockThreshold: 5,
      countShipping: false,
      cohortTagPrefix: "roost-",
      cohortTagBudget: 20,
      pixel: { samplingRate: "1", enableConsoleLogging: false, metaPixelId: "", disconnected: false, installedAt: null },
      program: {
        enabled: true,
        startDate: "2026-01-01",
        earnRate: "1",
        channels: ["online_store", "pos"],
        tiers: [
          { name: "Bronze", threshold: 0, multiplier: "1" },
          { name: "Silver", threshold: 500, multiplier: "1.25" },
          { name: "Gold", threshold: 2000, multiplier: "1.5" },
        ],
        dailyCap: 0,
        enrolment: { mode: "email" },
        retroactive: false,
        signupBonus: 0,
        birthdayBonus: 0,
        birthdayMetafield: "facts.birth_date",
        expiryMonths: null,
        pointValue: null,
      },
    });
    expect(data.programAudit).toEqual([]);
  });

  it("rejects invalid values field by field, and saves nothing", async () => {
    const before = await stored();
    expect(await save(form({ earnRate: "1,5", startDate: "2026-02-30", dailyCap: "-1" }))).toEqual({
      form: "program",
      saved: false,
      errors: {
        earnRate: "Enter a decimal number such as 1 or 1.25",
        startDate: "Enter a date as YYYY-MM-DD",
        dailyCap: "Enter a whole number of points up to 1,000,000,000, or 0 for no cap",
      },
    });
    expect(await save(form({ tierThreshold: ["0", "500", "400"] }))).toEqual({ form: "program", saved: false, errors: { tiers: "Tier thresholds must increase" } });
    expect(await save(form({ tierThreshold: ["10", "500", "2000"] }))).toEqual({ form: "program", saved: false, errors: { tiers: "The first tier starts at 0 points" } });
    expect(await save(form({ tierName: ["Bronze", "", "bronze"], tierThreshold: ["0", "lots", "2000"], tierMultiplier: ["1", "1.25", "x2"] }))).toEqual({
      form: "program",
      saved: false,
      errors: {
        "tiers.1.name": "Enter a tier name",
        "tiers.1.threshold": "Enter a whole number of points, from 0 to 1,000,000,000",
        "tiers.2.name": "Each tier needs its own name",
        "tiers.2.multiplier": "Enter a decimal number such as 1 or 1.25",
      },
    });
    expect(await save(form({ tierName: null, tierThreshold: null, tierMultiplier: null }))).toEqual({ form: "program", saved: false, errors: { tiers: "Keep at least one tier" } });
    expect(await save(form({ enrolment: "tag", enrolmentTag: "  " }))).toEqual({
      form: "program",
      saved: false,
      errors: { "enrolment.tag": "Enter the customer tag that makes a customer a member" },
    });
    // Roost writes the cohort tags itself: one cannot enrol customers.
    expect(await save(form({ enrolment: "tag", enrolmentTag: "Roost-VIP-scarcity-shopper" }))).toEqual({
      form: "program",
      saved: false,
      errors: { "enrolment.tag": 'Tags starting with "roost-" are Roost\'s cohort tags: choose another tag for enrolment' },
    });
    expect(await save(form({ "channels[]": ["online_store", "marketplace"] }))).toEqual({ form: "program", saved: false, errors: { channels: "Unknown channel: marketplace" } });
    // Bonuses, the birthday metafield and expiry.
    expect(await save(form({ signupBonus: "-5", birthdayBonus: "1000001", birthdayMetafield: "birth_date" }))).toEqual({
      form: "program",
      saved: false,
      errors: {
        signupBonus: "Enter a whole number of points up to 1,000,000, or 0 for none",
        birthdayBonus: "Enter a whole number of points up to 1,000,000, or 0 for none",
        birthdayMetafield: "Enter the metafield as namespace.key, such as facts.birth_date",
      },
    });
    expect(await save(form({ signupBonus: "2.5", birthdayMetafield: "facts.birth date" }))).toEqual({
      form: "program",
      saved: false,
      errors: { signupBonus: "Enter a whole number of points up to 1,000,000, or 0 for none", birthdayMetafield: "Enter the metafield as namespace.key, such as facts.birth_date" },
    });
    for (const months of ["0", "61", "1.5", "twelve", ""]) {
      expect(await save(form({ expiry: "months", expiryMonths: months }))).toEqual({ form: "program", saved: false, errors: { expiryMonths: "Enter a whole number of months from 1 to 60" } });
    }
    expect(await save(form({ expiry: "sometimes" }))).toEqual({ form: "program", saved: false, errors: { expiry: "Choose when points expire" } });

    expect(await stored()).toEqual(before);
    expect(await auditRows()).toEqual([]);
  });

  it("saves a change and audits it with the actor and the exact before/after of what changed", async () => {
    const body = form({
      enabled: null,
      earnRate: "1.5",
      "channels[]": ["online_store", "pos", "b2b"],
      tierName: ["Bronze", "Silver", "Gold", "Platinum"],
      tierThreshold: ["0", "400", "2000", "5000"],
      tierMultiplier: ["1", "1.25", "1.5", "2"],
      dailyCap: "250",
      enrolment: "tag",
      enrolmentTag: " vip ",
      retroactive: "true",
      countShipping: "true",
    });
    expect(await save(body)).toMatchObject({
      form: "program",
      saved: true,
      changed: ["program.enabled", "program.earnRate", "program.channels", "program.tiers", "program.dailyCap", "program.enrolment", "program.retroactive", "countShipping"],
    });

    const after = {
      enabled: false,
      startDate: "2026-01-01",
      earnRate: "1.5",
      channels: ["online_store", "pos", "b2b"],
      tiers: [
        { name: "Bronze", threshold: 0, multiplier: "1" },
        { name: "Silver", threshold: 400, multiplier: "1.25" },
        { name: "Gold", threshold: 2000, multiplier: "1.5" },
        { name: "Platinum", threshold: 5000, multiplier: "2" },
      ],
      dailyCap: 250,
      enrolment: { mode: "tag", tag: "vip" },
      retroactive: true,
      signupBonus: 0,
      birthdayBonus: 0,
      birthdayMetafield: "facts.birth_date",
      expiryMonths: null,
      pointValue: null,
    };
    expect(await stored()).toEqual({ lowStockThreshold: 5, countShipping: true, cohortTagPrefix: "roost-", cohortTagBudget: 20, program: after, pixel: { samplingRate: "1", enableConsoleLogging: false, metaPixelId: "", disconnected: false, installedAt: null } });

    const rows = await auditRows();
    expect(rows).toHaveLength(1);
    expect(rows[0].actor).toBe("staff user 12345 via admin");
    expect(JSON.parse(rows[0].details)).toEqual({
      changes: {
        "program.enabled": { before: true, after: false },
        "program.earnRate": { before: "1", after: "1.5" },
        "program.channels": { before: ["online_store", "pos"], after: ["online_store", "pos", "b2b"] },
        "program.tiers": {
          before: [
            { name: "Bronze", threshold: 0, multiplier: "1" },
            { name: "Silver", threshold: 500, multiplier: "1.25" },
            { name: "Gold", threshold: 2000, multiplier: "1.5" },
          ],
          after: after.tiers,
        },
        "program.dailyCap": { before: 0, after: 250 },
        "program.enrolment": { before: { mode: "email" }, after: { mode: "tag", tag: "vip" } },
        "program.retroactive": { before: false, after: true },
        countShipping: { before: false, after: true },
      },
    });

    // A second save that changes one field records just that field; saving it unchanged records nothing.
    const next = new URLSearchParams(body);
    next.set("startDate", "");
    expect(await save(next)).toMatchObject({ saved: true, changed: ["program.startDate"] });
    expect(await save(next)).toMatchObject({ saved: true, changed: [] });
    const all = await auditRows();
    expect(all.map((row) => JSON.parse(row.details).changes)).toEqual([
      expect.any(Object),
      { "program.startDate": { before: "2026-01-01", after: null } },
    ]);
    const { programAudit } = await loader(args(await adminRequest("/app/settings", shop)));
    expect(programAudit.map((row) => Object.keys(row.changes))).toEqual([["program.startDate"], Object.keys(JSON.parse(rows[0].details).changes)]);
  });

  it("saves the bonuses, the birthday metafield and expiry, shows them back, and audits them", async () => {
    const body = form({ signupBonus: "100", birthdayBonus: " 250 ", birthdayMetafield: "custom.birthday", expiry: "months", expiryMonths: "12" });
    expect(await save(body)).toMatchObject({
      saved: true,
      changed: ["program.signupBonus", "program.birthdayBonus", "program.birthdayMetafield", "program.expiryMonths"],
    });
    expect((await stored()).program).toMatchObject({ signupBonus: 100, birthdayBonus: 250, birthdayMetafield: "custom.birthday", expiryMonths: 12 });
    expect(JSON.parse((await auditRows())[0].details).changes).toEqual({
      "program.signupBonus": { before: 0, after: 100 },
      "program.birthdayBonus": { before: 0, after: 250 },
      "program.birthdayMetafield": { before: "facts.birth_date", after: "custom.birthday" },
      "program.expiryMonths": { before: null, after: 12 },
    });

    // "Never" leaves the months typed in the hidden field aside; empty bonuses are none.
    const never = new URLSearchParams(body);
    never.set("expiry", "never");
    never.set("signupBonus", "");
    expect(await save(never)).toMatchObject({ saved: true, changed: ["program.signupBonus", "program.expiryMonths"] });
    expect((await stored()).program).toMatchObject({ signupBonus: 0, birthdayBonus: 250, expiryMonths: null });
  });

  it("saves the value of a point (minor units, optional), refuses what is not one, and audits it", async () => {
    for (const [value, error] of [
      ["abc", "Enter a number such as 1 or 0.5 (at most 6 decimals)"],
      ["1,5", "Enter a number such as 1 or 0.5 (at most 6 decimals)"],
      ["0.1234567", "Enter a number such as 1 or 0.5 (at most 6 decimals)"],
      ["-1", "Enter a number such as 1 or 0.5 (at most 6 decimals)"],
      ["0", "Enter a value greater than 0 and at most 1,000,000"],
      ["1000001", "Enter a value greater than 0 and at most 1,000,000"],
    ]) {
      expect(await save(form({ pointValue: value })), value).toEqual({ form: "program", saved: false, errors: { pointValue: error } });
    }
    expect((await stored()).program.pointValue).toBeNull();

    expect(await save(form({ pointValue: " 0.5 " }))).toMatchObject({ saved: true, changed: ["program.pointValue"] });
    expect((await stored()).program.pointValue).toBe("0.5");
    expect(JSON.parse((await auditRows()).at(-1)!.details).changes).toEqual({ "program.pointValue": { before: null, after: "0.5" } });

    // Empty: none again (the Dashboard then values points at the best reward).
    expect(await save(form({ pointValue: "" }))).toMatchObject({ saved: true, changed: ["program.pointValue"] });
    expect((await stored()).program.pointValue).toBeNull();
  });

  it("keeps the low-stock form working beside it, unaudited and untouched by the program", async () => {
    await save(form({ earnRate: "2" }));
    const lowStock = await action(args(await adminRequest("/app/settings", shop, { method: "POST", body: new URLSearchParams({ lowStockThreshold: "9" }) })));
    expect(lowStock).toMatchObject({ saved: true, settings: { lowStockThreshold: 9, program: { earnRate: "2" } } });
    expect(await auditRows()).toHaveLength(1);
  });

  it("earns with the saved terms: rate 2 on a 10.00 order makes 20 points", async () => {
    await save(form({ earnRate: "2" }));
    const { id } = await customer(shop, { id: 8101, email: "ana.lima@example.com" });
    await deliver({ topic: "orders/paid", shop, payload: orderPayload({ id: 8102, customerId: 8101, lines: [{ id: 81021, price: "10.00", quantity: 1 }] }) });
    const summary = await memberSummary(db, shopId, id);
    expect(summary?.entries.map((entry) => [entry.kind, entry.points, entry.rate])).toEqual([["earn", 20, "2"]]);
  });

  it("changes only the shop in the session token", async () => {
    const { shop: other } = await programShop();
    const theirs = await action(args(await adminRequest("/app/settings", other, { method: "POST", body: form({ earnRate: "3" }) })));
    expect(theirs).toMatchObject({ saved: true, changed: ["program.earnRate"] });
    expect((await stored()).program.earnRate).toBe("1");
    expect(await auditRows()).toEqual([]);
  });
});

/** Makes every insert into the table fail inside the database (a trigger that raises). Returns the undo. */
async function failInserts(table: "ProgramJob" | "AuditLog"): Promise<() => Promise<void>> {
  const name = `roost_test_fail_${table.toLowerCase()}`;
  if (isPostgres(process.env.DATABASE_URL)) {
    await db.$executeRawUnsafe(`CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'simulated storage failure'; END $$ LANGUAGE plpgsql`);
    await db.$executeRawUnsafe(`CREATE TRIGGER ${name} BEFORE INSERT ON "${table}" FOR EACH ROW EXECUTE FUNCTION ${name}()`);
    return async () => {
      await db.$executeRawUnsafe(`DROP TRIGGER ${name} ON "${table}"`);
    };
  }
  await db.$executeRawUnsafe(`CREATE TRIGGER ${name} BEFORE INSERT ON "${table}" BEGIN SELECT RAISE(ABORT, 'simulated storage failure'); END`);
  return async () => {
    await db.$executeRawUnsafe(`DROP TRIGGER ${name}`);
  };
}

describe("stored orders after a program change", () => {
  const load = async () => loader(args(await adminRequest("/app/settings", shop)));
  /** The server's runner works the catch-up queue (the page saves with the system clock, so it runs on it too). */
  const work = (options: CatchUpOptions = {}) => new JobRunner({ db, clock: systemClock, logger, queues: [catchUpQueue({}, options)] }).drain(CATCH_UP);
  /** "Stored orders updated <when the job finished, in the shop's timezone>: …" */
  const updated = async () => formatWhen((await load()).catchUp!.finishedAt!, (await db.shop.findUniqueOrThrow({ where: { id: shopId } })).timezone);

  beforeEach(async () => {
    // The queue to this test alone (the worker's database keeps earlier files' catch-ups).
    await db.job.deleteMany({ where: { queue: CATCH_UP, NOT: { shopId } } });
  });

  it("queues the background catch-up with the save, says so, and shows its progress and result", async () => {
    expect((await load()).catchUp).toBeNull();
    expect(await save(form({ earnRate: "2" }))).toMatchObject({ saved: true, catchUp: null });
    expect(await db.programJob.count({ where: { shopId } })).toBe(0);

    expect(await save(form({ earnRate: "2", retroactive: "true", countShipping: "true" }))).toMatchObject({
      saved: true,
      changed: ["program.retroactive", "countShipping"],
      catchUp: "The eligible amounts of stored orders will be recomputed and backfilled orders that earn under the new settings awarded, in the background",
    });
    const queued = (await load()).catchUp;
    expect(queued).toMatchObject({
      status: "pending",
      phase: "recompute",
      recompute: true,
      awardBackfilled: true,
      awardBeforeDay: null,
      message: "Queued: the eligible amounts of stored orders will be recomputed and backfilled orders that earn under the new settings awarded, in the background.",
    });

    expect(await db.job.findUniqueOrThrow({ where: { queue_key: { queue: CATCH_UP, key: queued!.id } } })).toMatchObject({ shopId, status: "pending" });
    await work();
    expect((await load()).catchUp).toMatchObject({
      id: queued!.id,
      status: "done",
      total: 0,
      processed: 0,
      recomputed: 0,
      awarded: 0,
      message: `Stored orders updated ${await updated()}: 0 eligible amounts changed; 0 backfilled orders checked, 0 awarded.`,
    });
  });

  it("saves the settings, the audit row and the job together or not at all", async () => {
    const before = await stored();
    for (const table of ["ProgramJob", "AuditLog"] as const) {
      const undo = await failInserts(table);
      try {
        // The error as each driver reports it (libsql's maps the RAISE to a constraint error): it throws.
        await expect(save(form({ retroactive: "true" }))).rejects.toThrow();
      } finally {
        await undo();
      }
      expect(await stored()).toEqual(before);
      expect(await auditRows()).toEqual([]);
      expect(await db.programJob.count({ where: { shopId } })).toBe(0);
      expect(await db.job.count({ where: { shopId, queue: CATCH_UP } })).toBe(0);
    }
    expect(await save(form({ retroactive: "true" }))).toMatchObject({ saved: true, catchUp: "Backfilled orders that earn under the new settings will be awarded in the background" });
    expect(await auditRows()).toHaveLength(1);
    expect(await db.programJob.count({ where: { shopId } })).toBe(1);
    expect(await db.job.count({ where: { shopId, queue: CATCH_UP } })).toBe(1);
  });

  it("retries a failed catch-up from the page", async () => {
    await save(form({ retroactive: "true" }));
    const { id } = (await load()).catchUp!;
    const broken: SettleOrder = async () => {
      throw new Error("unreachable");
    };
    await customer(shop, { id: 8201, email: "ana.lima@example.com" });
    await db.order.create({
      data: { shopId, gid: "gid://shopify/Order/8202", processedAt: new Date("2025-05-01T12:00:00Z"), financialStatus: "paid", sourceName: "web", currency: "USD", linesAmount: 1500, eligibleAmount: 1500, backfilled: true, customerGid: "gid://shopify/Customer/8201", shopifyUpdatedAt: new Date("2025-05-01T12:00:00Z") },
    });
    // Its last attempt fails: the queue keeps it as failed, and the page says why.
    await db.job.update({ where: { queue_key: { queue: CATCH_UP, key: id } }, data: { maxAttempts: 1 } });
    await work({ settle: broken });
    expect((await load()).catchUp).toMatchObject({ status: "failed", attempts: 1, lastError: "unreachable", message: "Updating stored orders failed: unreachable. Stopped while awarding backfilled orders: 0 of 1 processed, 0 awarded." });

    const retry = async () => action(args(await adminRequest("/app/settings", shop, { method: "POST", body: new URLSearchParams({ intent: "catch-up-retry" }) })));
    expect(await retry()).toEqual({ form: "catch-up", retried: true });
    // Retry replays the queue job: due now, a fresh set of attempts.
    expect((await load()).catchUp).toMatchObject({ status: "pending", attempts: 0 });
    expect(await db.job.findUniqueOrThrow({ where: { queue_key: { queue: CATCH_UP, key: id } } })).toMatchObject({ status: "pending", attempts: 0 });
    expect(await retry()).toEqual({ form: "catch-up", retried: false });
    await work();
    expect((await load()).catchUp).toMatchObject({ status: "done", processed: 1, awarded: 1 });
    expect((await load()).catchUp?.message).toBe(`Stored orders updated ${await updated()}: 1 backfilled order checked, 1 awarded.`);
  });
});
