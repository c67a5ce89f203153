-- AlterTable
ALTER TABLE "RuleTagCount" ADD COLUMN "chart" TEXT;
ALTER TABLE "RuleTagCount" ADD COLUMN "chartKey" TEXT;

