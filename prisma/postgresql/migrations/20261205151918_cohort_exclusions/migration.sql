-- CreateTable
CREATE TABLE "CohortExclusion" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "ruleId" TEXT NOT NULL,
    "memberId" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CohortExclusion_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "CohortExclusion_shopId_memberId_idx" ON "CohortExclusion"("shopId", "memberId");

-- CreateIndex
CREATE UNIQUE INDEX "CohortExclusion_ruleId_memberId_key" ON "CohortExclusion"("ruleId", "memberId");

