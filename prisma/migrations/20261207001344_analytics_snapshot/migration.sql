-- CreateTable
CREATE TABLE "AnalyticsSnapshot" (
    "shopId" TEXT NOT NULL PRIMARY KEY,
    "timezone" TEXT NOT NULL,
    "day" TEXT NOT NULL,
    "transitionsBefore" INTEGER NOT NULL,
    "cohorts" TEXT NOT NULL,
    "repeatPurchase" TEXT NOT NULL,
    "repeatAt" DATETIME NOT NULL,
    "updatedAt" DATETIME NOT NULL
);

