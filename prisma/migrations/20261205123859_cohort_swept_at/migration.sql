-- AlterTable
ALTER TABLE "CohortRule" ADD COLUMN "sweptAt" DATETIME;

