-- AlterTable
ALTER TABLE "Member" ADD COLUMN     "lastOrderAt" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX "Member_shopId_lastOrderAt_idx" ON "Member"("shopId", "lastOrderAt");


-- Members who already earned on an order: the latest such order's time.
UPDATE "Member" SET "lastOrderAt" = (
  SELECT MAX("occurredAt") FROM "LedgerEntry"
  WHERE "LedgerEntry"."memberId" = "Member"."id" AND "LedgerEntry"."kind" IN ('earn', 'capped', 'held')
);
