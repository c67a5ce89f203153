import { describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { systemClock } from "../../app/lib/clock";
import { logger } from "../../app/lib/logger.server";
import { adjustPoints } from "../../app/services/ledger/adjustment.server";
import { isPostgres } from "../support/database";
import { byOwner, claims, drained, expectLedger, scaleHooks, scaleMembers, tracer, trafficFor } from "./scenario";

// DESIGN, "Scale": several Roost processes share one PostgreSQL, and two of them never change
// one member's ledger at once. Two real worker processes drain one shop's interleaved traffic for
// the same 50 members (orders, refunds, cancellations, duplicates) while the merchant adjusts
// each member's points from a third: every balance comes out exactly as the formula says.
// PostgreSQL only: on SQLite Roost is one process by design (its one writer is the lock), so
// the suite's SQLite pass skips this file.

const postgres = isPostgres(process.env.DATABASE_URL);

describe.skipIf(!postgres)("two Roost processes on one PostgreSQL, the same 50 members", () => {
  scaleHooks();

  it("award, claw back and adjust each member exactly once, both processes working", { timeout: 60_000 }, async () => {
    const trace = tracer();
    const members = scaleMembers(50, 910_001);
    const { shop, processes: [a, b], storing } = await trafficFor("roost-scale-members", members, ["a", "b"]);
    trace("started");

    // While both work, the merchant gives every member 5 points, two at a time.
    const ledgerShop = await db.shop.findUniqueOrThrow({ where: { id: shop.id } });
    const memberIds = (await db.member.findMany({ where: { shopId: shop.id }, select: { id: true } })).map((member) => member.id);
    const adjusting = Promise.all(
      [0, 1].map(async (lane) => {
        for (const memberId of memberIds.filter((_, index) => index % 2 === lane)) {
          await adjustPoints({ db, clock: systemClock, logger }, ledgerShop, { memberId, points: 5, reason: "goodwill", actor: "scale-test" });
        }
      }),
    );
    const ids = await storing;
    await adjusting;
    trace("stored, adjusted");
    expect(ids).toHaveLength(146);

    const counts = await drained(shop, ids.length, 40_000);
    trace("drained");
    expect(counts).toEqual({ processed: ids.length });
    await expectLedger(shop, members, 5);
    trace("checked");

    // Both did work; a delivery was claimed more than once only if a batch failed and it was retried.
    const owners = byOwner(await claims.of(ids));
    expect([...owners.keys()].sort(), `${a.output()}\n${b.output()}\n${JSON.stringify(await claims.errors(ids))}`).toEqual([a.owner, b.owner].sort());
    for (const owner of [a.owner, b.owner]) expect(owners.get(owner)).toBeGreaterThan(0);
    await Promise.all([a.stop(), b.stop()]);
  });
});
