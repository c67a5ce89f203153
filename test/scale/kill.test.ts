import { describe, expect, it } from "vitest";
import db from "../../app/db.server";
import { isPostgres } from "../support/database";
import { type RoostProcess, until } from "../support/roost-process";
import { byOwner, claims, drained, expectLedger, scaleHooks, scaleMembers, type ScaleShop, tracer, trafficFor } from "./scenario";

// DESIGN, "Scale": a Roost process killed (SIGKILL) in the middle of a batch loses nothing and
// doubles nothing. Its batch's transaction dies with its connection; the deliveries it had
// claimed stay leased to it until the lease (LEASE_MS) lapses, and then the other process takes
// them over and applies them once. PostgreSQL only: on SQLite Roost is one process by design (one
// writer), so the suite's SQLite pass skips this file.

const postgres = isPostgres(process.env.DATABASE_URL);

/** Deliveries `roost` has claimed and not finished: a batch in progress. */
const leasedTo = (shop: ScaleShop, roost: RoostProcess) =>
  db.webhookDelivery.findMany({ where: { shopDomain: shop.domain, lockedBy: roost.owner, status: "pending" }, select: { id: true, lockedUntil: true } });

/**
 * Freezes the process while it holds leases and kills it there; resolves with the deliveries it
 * died holding. Frozen first (SIGSTOP), so what it holds cannot change between the look and the
 * kill; a statement already sent is given a moment to finish.
 */
async function killMidBatch(shop: ScaleShop, victim: RoostProcess): Promise<{ id: string; lockedUntil: Date | null }[]> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    await until(() => leasedTo(shop, victim), (rows) => rows.length > 0, { timeoutMs: 20_000, intervalMs: 5, what: "the victim to hold leases" });
    victim.pause();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const held = await leasedTo(shop, victim);
    if (held.length > 0) {
      await victim.kill();
      return held;
    }
    victim.resume();
  }
  throw new Error("the victim was never caught holding leases");
}

describe.skipIf(!postgres)("a Roost process killed mid-batch on one PostgreSQL", () => {
  scaleHooks();

  it("leaves its leased deliveries to the other, which applies each once after the lease lapses", { timeout: 60_000 }, async () => {
    const trace = tracer();
    const members = scaleMembers(60, 920_001);
    const { shop, processes: [victim, survivor], storing } = await trafficFor("roost-scale-kill", members, ["victim", "survivor"]);
    trace("started");

    // In the middle of the work: some of the traffic is processed already.
    await until(() => db.webhookDelivery.count({ where: { shopDomain: shop.domain, status: "processed" } }), (processed) => processed >= 30, {
      timeoutMs: 30_000,
      what: "some deliveries to be processed",
    });
    trace("30 processed");
    const orphaned = await killMidBatch(shop, victim);
    trace(`killed holding ${orphaned.length}`);
    const ids = await storing;
    expect(ids).toHaveLength(174);

    const counts = await drained(shop, ids.length, 40_000);
    trace("drained");
    expect(counts).toEqual({ processed: ids.length });

    // Each delivery the victim died holding: claimed by it, then by the survivor once its lease
    // had lapsed (not before), and applied once.
    const taken = await claims.of(orphaned.map((row) => row.id));
    for (const row of orphaned) {
      const own = taken.filter((claim) => claim.deliveryId === row.id);
      expect(own.map((claim) => claim.owner)).toEqual([victim.owner, survivor.owner]);
      expect(new Date(own[1].at).getTime()).toBeGreaterThanOrEqual(row.lockedUntil!.getTime());
    }
    const attempts = await db.webhookDelivery.findMany({ where: { id: { in: orphaned.map((row) => row.id) } }, select: { attempts: true } });
    expect(attempts.map((row) => row.attempts)).toEqual(orphaned.map(() => 2));
    // Both had worked before the kill; after it, the survivor did the rest.
    const owners = byOwner(await claims.of(ids));
    expect(owners.get(victim.owner)).toBeGreaterThan(0);
    expect(owners.get(survivor.owner)).toBeGreaterThan(0);

    await expectLedger(shop, members);
    trace("checked");
    await survivor.stop();
  });
});
