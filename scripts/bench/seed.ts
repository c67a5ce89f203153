// Seeds the bench shop into DATABASE_URL the way an install leaves it (the Shop row, through
// Roost's own service, so the row matches the current schema). Webhooks need no session.
//   DATABASE_URL=file:… tsx scripts/bench/seed.ts
import { appScopes } from "../../app/config.server";
import db from "../../app/db.server";
import { markShopInstalled } from "../../app/services/shops/shops.server";
import { BENCH_SHOP } from "./payloads";

await markShopInstalled(db, {
  domain: BENCH_SHOP,
  scopes: appScopes.join(","),
  name: "Roost Bench Store",
  timezone: "America/New_York",
  currency: "USD",
});
await db.$disconnect();
process.exit(0);
