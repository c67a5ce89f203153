-- CreateTable
CREATE TABLE "ProgramJob" (
    "id" TEXT NOT NULL PRIMARY KEY,
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
    "nextAttemptAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lockedBy" TEXT,
    "lockedUntil" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" DATETIME,
    "finishedAt" DATETIME
);

-- CreateIndex
CREATE INDEX "ProgramJob_shopId_createdAt_idx" ON "ProgramJob"("shopId", "createdAt");

-- CreateIndex
CREATE INDEX "ProgramJob_status_nextAttemptAt_idx" ON "ProgramJob"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "Order_shopId_processedAt_idx" ON "Order"("shopId", "processedAt");

