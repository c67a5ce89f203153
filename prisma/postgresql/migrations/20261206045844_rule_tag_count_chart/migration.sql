-- AlterTable
ALTER TABLE "RuleTagCount" ADD COLUMN     "chart" TEXT,
ADD COLUMN     "chartKey" TEXT;

