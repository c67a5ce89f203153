import fs from "node:fs";
import pg from "pg";
import { isPostgres } from "./support/database";

/** Every run starts from empty worker databases. */
export default async function globalSetup() {
  fs.rmSync(".tmp", { recursive: true, force: true });
  fs.mkdirSync(".tmp", { recursive: true });
  const baseUrl = process.env.DATABASE_URL;
  if (!isPostgres(baseUrl)) return;
  const base = new URL(baseUrl).pathname.slice(1) || "roost";
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE $1",
      [`${base}\\_w%`],
    );
    for (const { datname } of rows) await admin.query(`DROP DATABASE "${datname}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
