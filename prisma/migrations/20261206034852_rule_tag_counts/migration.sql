-- CreateTable
CREATE TABLE "RuleTagCount" (
    "ruleId" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "applied" INTEGER NOT NULL,
    "pending" INTEGER NOT NULL,
    "failed" INTEGER NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "countMs" INTEGER NOT NULL,
    "countedAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "RuleTagCount_shopId_idx" ON "RuleTagCount"("shopId");

-- CreateIndex
CREATE INDEX "CustomerTag_shopId_updatedAt_idx" ON "CustomerTag"("shopId", "updatedAt");

-- CreateIndex
CREATE INDEX "CohortTransition_shopId_occurredAt_idx" ON "CohortTransition"("shopId", "occurredAt");

