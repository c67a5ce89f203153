import type { Database } from "../../app/db.server";
import { isPostgres } from "./database";

/**
 * Makes every insert into the webhook inbox fail inside the database itself (a trigger that
 * raises), the way a full disk or a lost connection would. Returns the undo.
 */
export async function failInboxWrites(db: Database): Promise<() => Promise<void>> {
  if (isPostgres(process.env.DATABASE_URL)) {
    await db.$executeRawUnsafe(
      `CREATE OR REPLACE FUNCTION roost_test_fail() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'simulated storage failure'; END $$ LANGUAGE plpgsql`,
    );
    await db.$executeRawUnsafe(
      `CREATE TRIGGER roost_test_fail BEFORE INSERT ON "WebhookDelivery" FOR EACH ROW EXECUTE FUNCTION roost_test_fail()`,
    );
    return async () => {
      await db.$executeRawUnsafe(`DROP TRIGGER roost_test_fail ON "WebhookDelivery"`);
    };
  }
  await db.$executeRawUnsafe(
    `CREATE TRIGGER roost_test_fail BEFORE INSERT ON "WebhookDelivery" BEGIN SELECT RAISE(ABORT, 'simulated storage failure'); END`,
  );
  return async () => {
    await db.$executeRawUnsafe(`DROP TRIGGER roost_test_fail`);
  };
}
