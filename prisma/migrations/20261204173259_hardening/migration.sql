-- AlterTable
ALTER TABLE "Shop" ADD COLUMN "primaryDomain" TEXT;
ALTER TABLE "Shop" ADD COLUMN "shopifyGid" TEXT;

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_WebhookDelivery" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopDomain" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "webhookId" TEXT NOT NULL,
    "eventId" TEXT,
    "apiVersion" TEXT NOT NULL,
    "triggeredAt" DATETIME,
    "payload" TEXT,
    "payloadDroppedAt" DATETIME,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "nextAttemptAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lockedUntil" DATETIME,
    "receivedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processedAt" DATETIME
);
INSERT INTO "new_WebhookDelivery" ("apiVersion", "attempts", "eventId", "id", "lastError", "lockedUntil", "nextAttemptAt", "payload", "processedAt", "receivedAt", "shopDomain", "status", "topic", "triggeredAt", "webhookId") SELECT "apiVersion", "attempts", "eventId", "id", "lastError", "lockedUntil", "nextAttemptAt", "payload", "processedAt", "receivedAt", "shopDomain", "status", "topic", "triggeredAt", "webhookId" FROM "WebhookDelivery";
DROP TABLE "WebhookDelivery";
ALTER TABLE "new_WebhookDelivery" RENAME TO "WebhookDelivery";
CREATE UNIQUE INDEX "WebhookDelivery_webhookId_key" ON "WebhookDelivery"("webhookId");
CREATE INDEX "WebhookDelivery_status_nextAttemptAt_idx" ON "WebhookDelivery"("status", "nextAttemptAt");
CREATE INDEX "WebhookDelivery_shopDomain_receivedAt_idx" ON "WebhookDelivery"("shopDomain", "receivedAt");
CREATE UNIQUE INDEX "WebhookDelivery_shopDomain_topic_eventId_key" ON "WebhookDelivery"("shopDomain", "topic", "eventId");
CREATE TABLE "new_Member" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "customerGid" TEXT,
    "externalId" TEXT,
    "email" TEXT,
    "firstName" TEXT,
    "lastName" TEXT,
    "balance" INTEGER NOT NULL DEFAULT 0,
    "ledgerSeq" INTEGER NOT NULL DEFAULT 0,
    "tier" TEXT NOT NULL DEFAULT 'Bronze',
    "redactedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_Member" ("balance", "createdAt", "customerGid", "email", "externalId", "firstName", "id", "lastName", "redactedAt", "shopId", "tier", "updatedAt") SELECT "balance", "createdAt", "customerGid", "email", "externalId", "firstName", "id", "lastName", "redactedAt", "shopId", "tier", "updatedAt" FROM "Member";
DROP TABLE "Member";
ALTER TABLE "new_Member" RENAME TO "Member";
CREATE INDEX "Member_shopId_email_idx" ON "Member"("shopId", "email");
CREATE UNIQUE INDEX "Member_shopId_customerGid_key" ON "Member"("shopId", "customerGid");
CREATE UNIQUE INDEX "Member_shopId_externalId_key" ON "Member"("shopId", "externalId");
CREATE TABLE "new_LedgerEntry" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL DEFAULT 0,
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
INSERT INTO "new_LedgerEntry" ("actor", "awardKey", "balanceAfter", "capDay", "createdAt", "eligibleAmount", "id", "idempotencyKey", "kind", "memberId", "multiplier", "occurredAt", "orderGid", "points", "rate", "reason", "refundGid", "shopId", "shortfall", "tier", "withheld") SELECT "actor", "awardKey", "balanceAfter", "capDay", "createdAt", "eligibleAmount", "id", "idempotencyKey", "kind", "memberId", "multiplier", "occurredAt", "orderGid", "points", "rate", "reason", "refundGid", "shopId", "shortfall", "tier", "withheld" FROM "LedgerEntry";
DROP TABLE "LedgerEntry";
ALTER TABLE "new_LedgerEntry" RENAME TO "LedgerEntry";
CREATE INDEX "LedgerEntry_shopId_memberId_createdAt_idx" ON "LedgerEntry"("shopId", "memberId", "createdAt");
CREATE INDEX "LedgerEntry_shopId_awardKey_idx" ON "LedgerEntry"("shopId", "awardKey");
CREATE INDEX "LedgerEntry_shopId_kind_createdAt_idx" ON "LedgerEntry"("shopId", "kind", "createdAt");
CREATE UNIQUE INDEX "LedgerEntry_shopId_idempotencyKey_key" ON "LedgerEntry"("shopId", "idempotencyKey");
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
CREATE UNIQUE INDEX "LedgerEntry_memberId_seq_key" ON "LedgerEntry"("memberId", "seq");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

