// Seeds the bench shop into DATABASE_URL the way an install leaves it (the Shop row, through
// Roost's own service, so the row matches the current schema). Webhooks need no session.
// With --members N (the paid-order scenario) the shop was installed a day ago, its loyalty
// program is on from that day (saved through the admin's own service, so it is audited; the
// effective start does not move, so no past order is opened to earning), and members 0 … N−1 of
// scripts/bench/payloads.ts are enrolled the way a customers/create delivery would enrol them
// (the mirror's upsertCustomer, then enrolFromMirror): each timed orders/paid delivery finds its
// member already there.
// With --cohort-rules the six rules of the cohort scenario (scripts/bench/cohort-rules.ts) are
// created and enabled, so every order also queues its member for cohort evaluation.
//   DATABASE_URL=file:… tsx scripts/bench/seed.ts [--members N] [--cohort-rules]
import { parseArgs } from "node:util";
import { appScopes } from "../../app/config.server";
import db from "../../app/db.server";
import { shopDay } from "../../app/lib/shop-day";
import { enrolFromMirror } from "../../app/services/identity/members.server";
import { updateProgramSettings } from "../../app/services/program/program.server";
import { upsertCustomer } from "../../app/services/mirror/mirror.server";
import { customerFromRest, restCustomer } from "../../app/services/mirror/rest";
import { markShopInstalled } from "../../app/services/shops/shops.server";
import { parseShopSettings } from "../../app/services/program/settings";
import { BENCH_RULES, createBenchRules } from "./cohort-rules";
import { BENCH_SHOP, PayloadFactory } from "./payloads";

const { values } = parseArgs({ options: { members: { type: "string", default: "0" }, "cohort-rules": { type: "boolean", default: false } } });
const members = Number(values.members);
if (!Number.isInteger(members) || members < 0) throw new Error("--members takes a whole number");

const now = new Date();
const dayAgo = new Date(now.getTime() - 24 * 3600_000);
// The paid orders are processed in the minutes before the run: a program that started on
// yesterday's install covers them.
let shop = await markShopInstalled(
  db,
  { domain: BENCH_SHOP, scopes: appScopes.join(","), name: "Roost Bench Store", timezone: "America/New_York", currency: "USD" },
  { now: () => (members > 0 ? dayAgo : now) },
);

if (members > 0) {
  const startDate = shopDay(shop.installedAt, shop.timezone);
  const { program, countShipping } = parseShopSettings(shop.settings);
  await updateProgramSettings(db, BENCH_SHOP, { program: { ...program, enabled: true, startDate }, countShipping }, "bench:seed");
  shop = await db.shop.findUniqueOrThrow({ where: { id: shop.id } });
  const factory = new PayloadFactory([]);
  let enrolled = 0;
  for (let index = 0; index < members; index += 1) {
    // Customers last updated a day ago: any newer delivery about them would still apply.
    const record = customerFromRest(restCustomer.parse(factory.memberCustomer(index, dayAgo)), shop.currency);
    await upsertCustomer(db, shop, record);
    if (await enrolFromMirror(db, shop, record.gid)) enrolled += 1;
  }
  if (enrolled !== members) throw new Error(`enrolled ${enrolled} of ${members} members: the enrolment rule turned some away`);
  console.log(`seeded ${members} members, program on since ${startDate}`);
}
if (values["cohort-rules"]) {
  await createBenchRules(db, shop, "bench:seed");
  console.log(`enabled ${BENCH_RULES.length} cohort rules`);
}
await db.$disconnect();
process.exit(0);
