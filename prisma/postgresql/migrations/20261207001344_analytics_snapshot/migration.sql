-- CreateTable
CREATE TABLE "AnalyticsSnapshot" (
    "shopId" TEXT NOT NULL,
    "timezone" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "transitionsBefore" INTEGER NOT NULL,
    "cohorts" TEXT NOT NULL,
    "repeatPurchase" TEXT NOT NULL,
    "repeatAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AnalyticsSnapshot_pkey" PRIMARY KEY ("shopId")
);

