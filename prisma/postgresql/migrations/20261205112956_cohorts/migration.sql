-- AlterTable
ALTER TABLE "Shop" ADD COLUMN     "cohortRulesEnabled" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "CohortRule" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "template" TEXT NOT NULL,
    "params" TEXT NOT NULL DEFAULT '{}',
    "enabled" BOOLEAN NOT NULL DEFAULT false,
    "size" INTEGER NOT NULL DEFAULT 0,
    "lastEvaluatedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CohortRule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CohortMembership" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "ruleId" TEXT NOT NULL,
    "subjectKey" TEXT NOT NULL,
    "memberId" TEXT,
    "clientId" TEXT,
    "transitionId" TEXT NOT NULL,
    "enteredAt" TIMESTAMP(3) NOT NULL,
    "eventId" TEXT,
    "eventAt" TIMESTAMP(3),
    "variantGid" TEXT,
    "stock" INTEGER,
    "orderGid" TEXT,
    "value" BIGINT,

    CONSTRAINT "CohortMembership_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CohortTransition" (
    "id" TEXT NOT NULL,
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
    "eventAt" TIMESTAMP(3),
    "variantGid" TEXT,
    "stock" INTEGER,
    "orderGid" TEXT,
    "value" BIGINT,
    "occurredAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CohortTransition_pkey" PRIMARY KEY ("id")
);

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

