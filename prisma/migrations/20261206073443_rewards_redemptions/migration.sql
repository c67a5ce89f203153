-- AlterTable
ALTER TABLE "Member" ADD COLUMN "birthday" TEXT;

-- CreateTable
CREATE TABLE "Reward" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "pointsCost" INTEGER NOT NULL,
    "value" INTEGER,
    "minimumSubtotal" INTEGER,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "Redemption" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "rewardId" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "points" INTEGER NOT NULL,
    "rewardType" TEXT NOT NULL,
    "rewardName" TEXT NOT NULL,
    "value" INTEGER,
    "minimumSubtotal" INTEGER,
    "currency" TEXT NOT NULL,
    "code" TEXT,
    "discountGid" TEXT,
    "creditGid" TEXT,
    "failureReason" TEXT,
    "actor" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "issuedAt" DATETIME,
    "failedAt" DATETIME
);

-- CreateIndex
CREATE INDEX "Reward_shopId_createdAt_idx" ON "Reward"("shopId", "createdAt");

-- CreateIndex
CREATE INDEX "Redemption_shopId_memberId_createdAt_idx" ON "Redemption"("shopId", "memberId", "createdAt");

-- CreateIndex
CREATE INDEX "Redemption_shopId_createdAt_idx" ON "Redemption"("shopId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Redemption_shopId_idempotencyKey_key" ON "Redemption"("shopId", "idempotencyKey");

