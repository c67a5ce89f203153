-- CreateTable
CREATE TABLE "ProgramJob" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "kind" TEXT NOT NULL DEFAULT 'catch-up',
    "status" TEXT NOT NULL DEFAULT 'pending',
    "recompute" BOOLEAN NOT NULL DEFAULT false,
    "awardBackfilled" BOOLEAN NOT NULL DEFAULT false,
    "awardBeforeDay" TEXT,
    "phase" TEXT NOT NULL DEFAULT 'recompute',
    "cursor" TEXT,
    "total" INTEGER NOT NULL DEFAULT 0,
    "processed" INTEGER NOT NULL DEFAULT 0,
    "recomputed" INTEGER NOT NULL DEFAULT 0,
    "awarded" INTEGER NOT NULL DEFAULT 0,
    "generation" INTEGER NOT NULL DEFAULT 0,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lockedBy" TEXT,
    "lockedUntil" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "ProgramJob_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ProgramJob_shopId_createdAt_idx" ON "ProgramJob"("shopId", "createdAt");

-- CreateIndex
CREATE INDEX "ProgramJob_status_nextAttemptAt_idx" ON "ProgramJob"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "Order_shopId_processedAt_idx" ON "Order"("shopId", "processedAt");

