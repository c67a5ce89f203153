-- AlterTable
ALTER TABLE "Shop" ADD COLUMN     "primaryDomain" TEXT,
ADD COLUMN     "shopifyGid" TEXT;

-- AlterTable
ALTER TABLE "WebhookDelivery" ADD COLUMN     "payloadDroppedAt" TIMESTAMP(3),
ALTER COLUMN "payload" DROP NOT NULL;

-- AlterTable
ALTER TABLE "Member" ADD COLUMN     "ledgerSeq" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "LedgerEntry" ADD COLUMN     "seq" INTEGER NOT NULL DEFAULT 0;

-- Number every member's existing entries 1, 2, 3… in the order they were written, an
-- award's earn (or release) before the capped sibling written in the same millisecond.
UPDATE "LedgerEntry" SET "seq" = "numbered"."n"
FROM (
  SELECT "id", ROW_NUMBER() OVER (
    PARTITION BY "memberId"
    ORDER BY "createdAt", CASE "kind" WHEN 'capped' THEN 1 ELSE 0 END, "id"
  ) AS "n"
  FROM "LedgerEntry"
) AS "numbered"
WHERE "numbered"."id" = "LedgerEntry"."id";
UPDATE "Member" SET "ledgerSeq" = COALESCE((SELECT MAX("seq") FROM "LedgerEntry" WHERE "LedgerEntry"."memberId" = "Member"."id"), 0);

-- CreateIndex
CREATE UNIQUE INDEX "LedgerEntry_memberId_seq_key" ON "LedgerEntry"("memberId", "seq");

-- Money and points as 64-bit integers (fields marked int64).
ALTER TABLE "Variant" ALTER COLUMN "price" SET DATA TYPE BIGINT;
ALTER TABLE "Customer" ALTER COLUMN "totalSpent" SET DATA TYPE BIGINT;
ALTER TABLE "Order" ALTER COLUMN "linesAmount" SET DATA TYPE BIGINT;
ALTER TABLE "Order" ALTER COLUMN "shippingAmount" SET DATA TYPE BIGINT;
ALTER TABLE "Order" ALTER COLUMN "eligibleAmount" SET DATA TYPE BIGINT;
ALTER TABLE "OrderLine" ALTER COLUMN "unitPrice" SET DATA TYPE BIGINT;
ALTER TABLE "OrderLine" ALTER COLUMN "discount" SET DATA TYPE BIGINT;
ALTER TABLE "OrderLine" ALTER COLUMN "tax" SET DATA TYPE BIGINT;
ALTER TABLE "OrderLine" ALTER COLUMN "eligible" SET DATA TYPE BIGINT;
ALTER TABLE "Refund" ALTER COLUMN "eligibleAmount" SET DATA TYPE BIGINT;
ALTER TABLE "Member" ALTER COLUMN "balance" SET DATA TYPE BIGINT;
ALTER TABLE "LedgerEntry" ALTER COLUMN "points" SET DATA TYPE BIGINT;
ALTER TABLE "LedgerEntry" ALTER COLUMN "balanceAfter" SET DATA TYPE BIGINT;
ALTER TABLE "LedgerEntry" ALTER COLUMN "eligibleAmount" SET DATA TYPE BIGINT;
ALTER TABLE "LedgerEntry" ALTER COLUMN "withheld" SET DATA TYPE BIGINT;
ALTER TABLE "LedgerEntry" ALTER COLUMN "shortfall" SET DATA TYPE BIGINT;
ALTER TABLE "MetafieldSync" ALTER COLUMN "balance" SET DATA TYPE BIGINT;
