-- CreateTable
CREATE TABLE "CohortRule" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "template" TEXT NOT NULL,
    "params" TEXT NOT NULL DEFAULT '{}',
    "enabled" BOOLEAN NOT NULL DEFAULT false,
    "size" INTEGER NOT NULL DEFAULT 0,
    "lastEvaluatedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "CohortMembership" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "ruleId" TEXT NOT NULL,
    "subjectKey" TEXT NOT NULL,
    "memberId" TEXT,
    "clientId" TEXT,
    "transitionId" TEXT NOT NULL,
    "enteredAt" DATETIME NOT NULL,
    "eventId" TEXT,
    "eventAt" DATETIME,
    "variantGid" TEXT,
    "stock" INTEGER,
    "orderGid" TEXT,
    "value" INTEGER
);

-- CreateTable
CREATE TABLE "CohortTransition" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "ruleId" TEXT NOT NULL,
    "ruleKey" TEXT NOT NULL,
    "evaluationId" TEXT NOT NULL,
    "subjectKey" TEXT NOT NULL,
    "memberId" TEXT,
    "clientId" TEXT,
    "customerGid" TEXT,
    "direction" TEXT NOT NULL,
    "cause" TEXT NOT NULL,
    "eventId" TEXT,
    "eventAt" DATETIME,
    "variantGid" TEXT,
    "stock" INTEGER,
    "orderGid" TEXT,
    "value" INTEGER,
    "occurredAt" DATETIME NOT NULL
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Shop" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "domain" TEXT NOT NULL,
    "orgId" TEXT NOT NULL,
    "name" TEXT,
    "shopifyGid" TEXT,
    "primaryDomain" TEXT,
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "currency" TEXT NOT NULL DEFAULT 'USD',
    "settings" TEXT NOT NULL DEFAULT '{}',
    "webPixelGid" TEXT,
    "cohortRulesEnabled" INTEGER NOT NULL DEFAULT 0,
    "installed" BOOLEAN NOT NULL DEFAULT true,
    "scopes" TEXT,
    "installedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "uninstalledAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_Shop" ("createdAt", "currency", "domain", "id", "installed", "installedAt", "name", "orgId", "primaryDomain", "scopes", "settings", "shopifyGid", "timezone", "uninstalledAt", "updatedAt", "webPixelGid") SELECT "createdAt", "currency", "domain", "id", "installed", "installedAt", "name", "orgId", "primaryDomain", "scopes", "settings", "shopifyGid", "timezone", "uninstalledAt", "updatedAt", "webPixelGid" FROM "Shop";
DROP TABLE "Shop";
ALTER TABLE "new_Shop" RENAME TO "Shop";
CREATE UNIQUE INDEX "Shop_domain_key" ON "Shop"("domain");
CREATE UNIQUE INDEX "Shop_orgId_key" ON "Shop"("orgId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "CohortRule_shopId_key_key" ON "CohortRule"("shopId", "key");

-- CreateIndex
CREATE INDEX "CohortMembership_shopId_memberId_idx" ON "CohortMembership"("shopId", "memberId");

-- CreateIndex
CREATE INDEX "CohortMembership_shopId_clientId_idx" ON "CohortMembership"("shopId", "clientId");

-- CreateIndex
CREATE UNIQUE INDEX "CohortMembership_ruleId_subjectKey_key" ON "CohortMembership"("ruleId", "subjectKey");

-- CreateIndex
CREATE INDEX "CohortTransition_shopId_ruleId_occurredAt_idx" ON "CohortTransition"("shopId", "ruleId", "occurredAt");

-- CreateIndex
CREATE INDEX "CohortTransition_shopId_memberId_occurredAt_idx" ON "CohortTransition"("shopId", "memberId", "occurredAt");

-- CreateIndex
CREATE INDEX "CohortTransition_shopId_clientId_idx" ON "CohortTransition"("shopId", "clientId");

-- CreateIndex
CREATE INDEX "CohortTransition_evaluationId_idx" ON "CohortTransition"("evaluationId");

-- CreateIndex
CREATE INDEX "PixelEvent_shopId_name_occurredAt_idx" ON "PixelEvent"("shopId", "name", "occurredAt");

