-- AlterTable
ALTER TABLE "BackfillRun" ADD COLUMN     "recordsDone" INTEGER DEFAULT 0;


-- Runs imported before this column: their records were not counted.
UPDATE "BackfillRun" SET "recordsDone" = NULL WHERE "linesDone" > 0;
