-- The job queue takes over: queued and failed metafield writes become outbox jobs (key
-- "<shopId>:<customerGid>"), unfinished program catch-ups become catch-up jobs (key: the
-- ProgramJob id), each with its attempts and next attempt.
INSERT INTO "Job" ("id", "shopId", "queue", "key", "payload", "status", "attempts", "maxAttempts", "runAt", "lastError", "createdAt", "updatedAt", "finishedAt")
SELECT 'metafields:' || "id", "shopId", 'metafields', "shopId" || ':' || "customerGid",
  json_object('customerGid', "customerGid", 'balance', "balance", 'tier', "tier"), "status", "attempts", 6, "nextAttemptAt", "lastError", "updatedAt", "updatedAt",
  CASE WHEN "status" = 'failed' THEN "updatedAt" ELSE NULL END
FROM "MetafieldSync" WHERE "status" IN ('pending', 'failed');

INSERT INTO "Job" ("id", "shopId", "queue", "key", "payload", "status", "attempts", "maxAttempts", "runAt", "lastError", "createdAt", "updatedAt")
SELECT 'catch-up:' || "id", "shopId", 'catch-up', "id", '{}', 'pending', "attempts", 5, "nextAttemptAt", "lastError", "createdAt", "createdAt"
FROM "ProgramJob" WHERE "status" IN ('pending', 'running');

-- DropIndex
DROP INDEX "MetafieldSync_status_nextAttemptAt_idx";

-- DropIndex
DROP INDEX "MetafieldSync_shopId_customerGid_key";

-- DropTable
PRAGMA foreign_keys=off;
DROP TABLE "MetafieldSync";
PRAGMA foreign_keys=on;

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_ProgramJob" (
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
    "lastError" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" DATETIME,
    "finishedAt" DATETIME
);
INSERT INTO "new_ProgramJob" ("awardBackfilled", "awardBeforeDay", "awarded", "createdAt", "cursor", "finishedAt", "generation", "id", "kind", "lastError", "phase", "processed", "recompute", "recomputed", "shopId", "startedAt", "status", "total") SELECT "awardBackfilled", "awardBeforeDay", "awarded", "createdAt", "cursor", "finishedAt", "generation", "id", "kind", "lastError", "phase", "processed", "recompute", "recomputed", "shopId", "startedAt", "status", "total" FROM "ProgramJob";
DROP TABLE "ProgramJob";
ALTER TABLE "new_ProgramJob" RENAME TO "ProgramJob";
CREATE INDEX "ProgramJob_shopId_createdAt_idx" ON "ProgramJob"("shopId", "createdAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

