-- The job queue takes over: queued and failed metafield writes become outbox jobs (key
-- "<shopId>:<customerGid>"), unfinished program catch-ups become catch-up jobs (key: the
-- ProgramJob id), each with its attempts and next attempt.
INSERT INTO "Job" ("id", "shopId", "queue", "key", "payload", "status", "attempts", "maxAttempts", "runAt", "lastError", "createdAt", "updatedAt", "finishedAt")
SELECT 'metafields:' || "id", "shopId", 'metafields', "shopId" || ':' || "customerGid",
  json_build_object('customerGid', "customerGid", 'balance', "balance", 'tier', "tier")::text, "status", "attempts", 6, "nextAttemptAt", "lastError", "updatedAt", "updatedAt",
  CASE WHEN "status" = 'failed' THEN "updatedAt" ELSE NULL END
FROM "MetafieldSync" WHERE "status" IN ('pending', 'failed');

INSERT INTO "Job" ("id", "shopId", "queue", "key", "payload", "status", "attempts", "maxAttempts", "runAt", "lastError", "createdAt", "updatedAt")
SELECT 'catch-up:' || "id", "shopId", 'catch-up', "id", '{}', 'pending', "attempts", 5, "nextAttemptAt", "lastError", "createdAt", "createdAt"
FROM "ProgramJob" WHERE "status" IN ('pending', 'running');

-- DropIndex
DROP INDEX "ProgramJob_status_nextAttemptAt_idx";

-- AlterTable
ALTER TABLE "ProgramJob" DROP COLUMN "attempts",
DROP COLUMN "lockedBy",
DROP COLUMN "lockedUntil",
DROP COLUMN "nextAttemptAt";

-- DropTable
DROP TABLE "MetafieldSync";

