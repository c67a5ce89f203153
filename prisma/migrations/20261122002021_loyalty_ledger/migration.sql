-- CreateTable
CREATE TABLE "Member" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "customerGid" TEXT,
    "externalId" TEXT,
    "email" TEXT,
    "firstName" TEXT,
    "lastName" TEXT,
    "balance" INTEGER NOT NULL DEFAULT 0,
    "tier" TEXT NOT NULL DEFAULT 'Bronze',
    "redactedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "LedgerEntry" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "points" INTEGER NOT NULL,
    "balanceAfter" INTEGER NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "awardKey" TEXT,
    "orderGid" TEXT,
    "refundGid" TEXT,
    "eligibleAmount" INTEGER,
    "rate" TEXT,
    "tier" TEXT,
    "multiplier" TEXT,
    "withheld" INTEGER NOT NULL DEFAULT 0,
    "shortfall" INTEGER NOT NULL DEFAULT 0,
    "capDay" TEXT,
    "occurredAt" DATETIME NOT NULL,
    "reason" TEXT,
    "actor" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "UnmatchedOrder" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "orderKey" TEXT NOT NULL,
    "email" TEXT,
    "occurredAt" DATETIME NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "JourneyEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "data" TEXT NOT NULL DEFAULT '{}',
    "dedupeKey" TEXT NOT NULL,
    "occurredAt" DATETIME NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "AuditLog" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "details" TEXT NOT NULL DEFAULT '{}',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "ApiToken" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" DATETIME,
    "revokedAt" DATETIME
);

-- CreateTable
CREATE TABLE "ApiIdempotency" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "requestHash" TEXT NOT NULL,
    "status" INTEGER NOT NULL,
    "response" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "MetafieldSync" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "customerGid" TEXT NOT NULL,
    "balance" INTEGER NOT NULL,
    "tier" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "nextAttemptAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "Member_shopId_email_idx" ON "Member"("shopId", "email");

-- CreateIndex
CREATE UNIQUE INDEX "Member_shopId_customerGid_key" ON "Member"("shopId", "customerGid");

-- CreateIndex
CREATE UNIQUE INDEX "Member_shopId_externalId_key" ON "Member"("shopId", "externalId");

-- CreateIndex
CREATE INDEX "LedgerEntry_shopId_memberId_createdAt_idx" ON "LedgerEntry"("shopId", "memberId", "createdAt");

-- CreateIndex
CREATE INDEX "LedgerEntry_shopId_awardKey_idx" ON "LedgerEntry"("shopId", "awardKey");

-- CreateIndex
CREATE INDEX "LedgerEntry_shopId_kind_createdAt_idx" ON "LedgerEntry"("shopId", "kind", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "LedgerEntry_shopId_idempotencyKey_key" ON "LedgerEntry"("shopId", "idempotencyKey");

-- CreateIndex
CREATE UNIQUE INDEX "UnmatchedOrder_shopId_orderKey_key" ON "UnmatchedOrder"("shopId", "orderKey");

-- CreateIndex
CREATE INDEX "JourneyEvent_shopId_memberId_occurredAt_idx" ON "JourneyEvent"("shopId", "memberId", "occurredAt");

-- CreateIndex
CREATE UNIQUE INDEX "JourneyEvent_shopId_dedupeKey_key" ON "JourneyEvent"("shopId", "dedupeKey");

-- CreateIndex
CREATE INDEX "AuditLog_shopId_createdAt_idx" ON "AuditLog"("shopId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "ApiToken_tokenHash_key" ON "ApiToken"("tokenHash");

-- CreateIndex
CREATE INDEX "ApiToken_shopId_idx" ON "ApiToken"("shopId");

-- CreateIndex
CREATE UNIQUE INDEX "ApiIdempotency_shopId_key_key" ON "ApiIdempotency"("shopId", "key");

-- CreateIndex
CREATE INDEX "MetafieldSync_status_nextAttemptAt_idx" ON "MetafieldSync"("status", "nextAttemptAt");

-- CreateIndex
CREATE UNIQUE INDEX "MetafieldSync_shopId_customerGid_key" ON "MetafieldSync"("shopId", "customerGid");

