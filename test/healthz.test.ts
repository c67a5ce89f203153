import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import db, { createDatabase, type Database } from "../app/db.server";
import { logger } from "../app/lib/logger.server";
import { loader as live } from "../app/routes/healthz.live";
import { loader as ready } from "../app/routes/healthz";
import { buildDeps, setAppDeps } from "../app/runtime.server";
import { createRedisCapStore, type RedisCapStore } from "../app/services/ledger/redis-cap.server";
import { isPostgres } from "./support/database";
import { postgresAvailable, postgresSkipNote, startThrowawayPostgres, type ThrowawayPostgres } from "./support/postgres";
import { redisAvailable, redisSkipNote, startThrowawayRedis, type ThrowawayRedis, waitFor } from "./support/redis";

// `/healthz/live` (the process answers) and `/healthz` (it can persist: the database and, when
// configured, Redis answer), against a throwaway Redis and a throwaway PostgreSQL stopped and
// started again. test/admin.test.ts has the database answers on the suite's own database.

const answer = async (response: Response) => ({ status: response.status, body: await response.json(), cache: response.headers.get("Cache-Control") });

afterEach(() => {
  setAppDeps(undefined);
});

describe("/healthz/live", () => {
  it("answers 200 while the database is unreachable, which readiness reports", async () => {
    // A client of a server that is not there: nothing listens on port 1.
    const unreachable = await createDatabase("postgresql://postgres@127.0.0.1:1/roost");
    try {
      setAppDeps(buildDeps({}, { db: unreachable }));
      expect(await answer(live())).toEqual({ status: 200, body: { status: "up" }, cache: "no-store" });
      expect(await answer(await ready())).toEqual({ status: 503, body: { status: "unavailable", database: "down" }, cache: "no-store" });
    } finally {
      await unreachable.$disconnect();
    }
  });
});

describe.skipIf(!redisAvailable)(`/healthz with REDIS_URL: Redis stopped and started again${redisSkipNote}`, () => {
  let redis: ThrowawayRedis;
  let store: RedisCapStore;

  beforeAll(async () => {
    redis = await startThrowawayRedis();
    store = createRedisCapStore({ url: redis.url, logger, connectTimeoutMs: 1000, commandTimeoutMs: 1000, maxReconnectDelayMs: 50 });
    expect(await store.ready()).toBe(true);
    // The database client's first query loads its query engine, blocking the event loop for a
    // while on a busy machine: long enough for Redis's command timeout to call it down.
    await db.$queryRawUnsafe("SELECT 1");
  });

  afterAll(async () => {
    await store?.close();
    await redis?.stop();
  });

  it("is ready while Redis answers, 503 naming Redis while it is down, ready again once it is back", async () => {
    setAppDeps(buildDeps({}, { capStore: store }));
    expect(await answer(await ready())).toEqual({ status: 200, body: { status: "ok", database: "up", redis: "up" }, cache: "no-store" });

    await redis.stop();
    await waitFor(async () => !(await store.ping()), "the store to notice Redis is gone");
    expect(await answer(await ready())).toEqual({ status: 503, body: { status: "unavailable", database: "up", redis: "down" }, cache: "no-store" });
    // Still alive: nothing to restart, it reconnects by itself.
    expect(live().status).toBe(200);

    await redis.start();
    await waitFor(() => store.ping(), "the store to reconnect");
    expect(await answer(await ready())).toEqual({ status: 200, body: { status: "ok", database: "up", redis: "up" }, cache: "no-store" });
  });

  it("reports Redis as down when it never connected", async () => {
    const nowhere = createRedisCapStore({ url: "redis://127.0.0.1:1", logger, connectTimeoutMs: 200, commandTimeoutMs: 200, maxReconnectDelayMs: 50 });
    try {
      setAppDeps(buildDeps({}, { capStore: nowhere }));
      expect(await answer(await ready())).toEqual({ status: 503, body: { status: "unavailable", database: "up", redis: "down" }, cache: "no-store" });
    } finally {
      await nowhere.close();
    }
  });
});

// Its own PostgreSQL server, stopped for real: in CI's PostgreSQL pass (the SQLite pass keeps
// the suite's own database; test/admin.test.ts covers a database that fails there).
const postgresPass = isPostgres(process.env.DATABASE_URL);
const passNote = postgresPass ? "" : " (SKIPPED: runs in the PostgreSQL pass, DATABASE_URL=postgresql://…)";
describe.skipIf(!postgresPass || !postgresAvailable)(`/healthz: the database stopped and started again${passNote || postgresSkipNote}`, () => {
  let server: ThrowawayPostgres;
  let client: Database;

  beforeAll(async () => {
    server = await startThrowawayPostgres();
    client = await createDatabase(server.url);
  }, 60_000);

  afterAll(async () => {
    await client?.$disconnect();
    await server?.teardown();
  });

  it("is ready while the database answers, 503 naming it while it is down, ready again with the same client", async () => {
    setAppDeps(buildDeps({}, { db: client }));
    expect(await answer(await ready())).toEqual({ status: 200, body: { status: "ok", database: "up" }, cache: "no-store" });

    await server.stop("fast");
    expect(await answer(await ready())).toEqual({ status: 503, body: { status: "unavailable", database: "down" }, cache: "no-store" });
    expect(live().status).toBe(200);

    await server.start();
    expect(await answer(await ready())).toEqual({ status: 200, body: { status: "ok", database: "up" }, cache: "no-store" });
  }, 30_000);
});
