-- CreateTable
CREATE TABLE "LedgerDayRollup" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "credit" INTEGER NOT NULL DEFAULT 0,
    "debit" INTEGER NOT NULL DEFAULT 0
);

-- CreateTable
CREATE TABLE "LedgerRollupState" (
    "shopId" TEXT NOT NULL PRIMARY KEY,
    "timezone" TEXT NOT NULL,
    "through" DATETIME NOT NULL,
    "updatedAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE UNIQUE INDEX "LedgerDayRollup_shopId_day_kind_key" ON "LedgerDayRollup"("shopId", "day", "kind");

-- CreateIndex
CREATE INDEX "LedgerEntry_shopId_createdAt_idx" ON "LedgerEntry"("shopId", "createdAt");

