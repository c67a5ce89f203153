import { describe, expect, it } from "vitest";
import db, { createDatabase, databasePoolMax, DEFAULT_POOL_MAX } from "../app/db.server";
import { isPostgres } from "./support/database";

describe.skipIf(isPostgres(process.env.DATABASE_URL))("the SQLite connection", () => {
  it("keeps its settings after interactive transactions (one connection, no leak)", async () => {
    for (let index = 0; index < 3; index += 1) {
      await db.$transaction(async (tx) => {
        await tx.shop.count();
      });
    }
    const [timeout] = await db.$queryRawUnsafe<{ timeout: bigint | number }[]>("PRAGMA busy_timeout");
    const [sync] = await db.$queryRawUnsafe<{ synchronous: bigint | number }[]>("PRAGMA synchronous");
    const [mode] = await db.$queryRawUnsafe<{ journal_mode: string }[]>("PRAGMA journal_mode");
    expect(Number(timeout.timeout)).toBe(5000);
    expect(Number(sync.synchronous)).toBe(1); // NORMAL
    expect(mode.journal_mode).toBe("wal");
  });

  it("rolls a failed transaction back", async () => {
    const domain = `rollback-${Date.now()}.myshopify.com`;
    await expect(
      db.$transaction(async (tx) => {
        await tx.shop.create({ data: { domain } });
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await db.shop.findUnique({ where: { domain } })).toBeNull();
  });
});

describe("the PostgreSQL pool size", () => {
  it("is node-postgres's 10 unless ROOST_DATABASE_POOL_MAX says otherwise, and refuses a value that is not a count", () => {
    expect(databasePoolMax({})).toBe(DEFAULT_POOL_MAX);
    expect(databasePoolMax({ ROOST_DATABASE_POOL_MAX: "" })).toBe(10);
    expect(databasePoolMax({ ROOST_DATABASE_POOL_MAX: "4" })).toBe(4);
    for (const bad of ["0", "-2", "2.5", "ten"]) expect(() => databasePoolMax({ ROOST_DATABASE_POOL_MAX: bad })).toThrow(/ROOST_DATABASE_POOL_MAX must be a whole number/);
  });

  it.skipIf(!isPostgres(process.env.DATABASE_URL))("opens no more connections than ROOST_DATABASE_POOL_MAX under concurrent queries", async () => {
    const before = process.env.ROOST_DATABASE_POOL_MAX;
    process.env.ROOST_DATABASE_POOL_MAX = "2";
    const name = `roost_pool_${process.pid}_${Date.now()}`;
    const url = new URL(process.env.DATABASE_URL!);
    url.searchParams.set("application_name", name);
    const small = await createDatabase(url.toString());
    try {
      const sleeping = Promise.all(Array.from({ length: 8 }, () => small.$queryRawUnsafe("SELECT pg_sleep(0.2)::text AS slept")));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const [{ n }] = await db.$queryRawUnsafe<{ n: bigint }[]>(`SELECT COUNT(*) AS n FROM pg_stat_activity WHERE application_name = $1`, name);
      await sleeping;
      expect(Number(n)).toBe(2);
    } finally {
      await small.$disconnect();
      if (before === undefined) delete process.env.ROOST_DATABASE_POOL_MAX;
      else process.env.ROOST_DATABASE_POOL_MAX = before;
    }
  });
});
