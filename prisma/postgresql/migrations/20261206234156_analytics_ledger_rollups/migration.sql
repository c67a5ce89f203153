-- CreateTable
CREATE TABLE "LedgerDayRollup" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "credit" BIGINT NOT NULL DEFAULT 0,
    "debit" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "LedgerDayRollup_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LedgerRollupState" (
    "shopId" TEXT NOT NULL,
    "timezone" TEXT NOT NULL,
    "through" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "LedgerRollupState_pkey" PRIMARY KEY ("shopId")
);

-- CreateIndex
CREATE UNIQUE INDEX "LedgerDayRollup_shopId_day_kind_key" ON "LedgerDayRollup"("shopId", "day", "kind");

-- CreateIndex
CREATE INDEX "LedgerEntry_shopId_createdAt_idx" ON "LedgerEntry"("shopId", "createdAt");

