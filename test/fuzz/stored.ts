import db from "../../app/db.server";

/** Row counts of every table an unauthenticated request could write to: equal before and after. */
export const storedCounts = async () => ({
  webhookDeliveries: await db.webhookDelivery.count(),
  ledgerEntries: await db.ledgerEntry.count(),
  members: await db.member.count(),
  idempotencyKeys: await db.apiIdempotency.count(),
  shops: await db.shop.count(),
});
