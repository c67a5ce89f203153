-- AlterTable
ALTER TABLE "Shop" ADD COLUMN "firstShopperVisitAt" DATETIME;

