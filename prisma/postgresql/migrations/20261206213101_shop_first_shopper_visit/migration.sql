-- AlterTable
ALTER TABLE "Shop" ADD COLUMN     "firstShopperVisitAt" TIMESTAMP(3);

