import { describe, expect, it } from "vitest";
import db from "../app/db.server";
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
