-- AlterTable
ALTER TABLE "CohortRule" ADD COLUMN     "sweptAt" TIMESTAMP(3);

