import { afterEach, beforeEach, expect, it } from "vitest";
import db from "../../app/db.server";
import { enabledRule } from "../cohorts/helpers";
import { givePoints, member, tagShop, type TagShop } from "../tags/support";
import { endpointFor, flush, receiver } from "./support";

let at: TagShop;
let server: Awaited<ReturnType<typeof receiver>>;
beforeEach(async () => {
  at = await tagShop();
  server = await receiver();
});
afterEach(() => server.close());

it("cohort transitions deliver cohort_entered and cohort_exited", async () => {
  const row = await db.shop.findUniqueOrThrow({ where: { id: at.shopId }, select: { id: true, domain: true } });
  await endpointFor(row, server.url, ["cohort_entered", "cohort_exited"]);
  await enabledRule(at.shopId, "points-balance", { minPoints: "100" }, new Date().toISOString(), "loyal");
  const { memberId, customerGid } = await member(at);
  await givePoints(at, memberId, 150);
  await givePoints(at, memberId, -100);
  await flush();
  // A run sends its deliveries side by side: they may arrive in either order.
  const bodies = server.received.map((request) => JSON.parse(request.body)).sort((a, b) => String(a.type).localeCompare(String(b.type)));
  expect(bodies.map((body) => [body.type, body.customer.id, body.data.cohort])).toEqual([
    ["cohort_entered", customerGid, "loyal"],
    ["cohort_exited", customerGid, "loyal"],
  ]);
  expect(bodies[0].data).toEqual({ cohort: "loyal", tag: expect.stringMatching(/loyal$/), cause: "matched" });
});
