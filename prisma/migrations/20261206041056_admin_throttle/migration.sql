-- CreateTable
CREATE TABLE "AdminThrottle" (
    "shopDomain" TEXT NOT NULL PRIMARY KEY,
    "available" REAL NOT NULL,
    "maximumAvailable" REAL NOT NULL,
    "restoreRate" REAL NOT NULL,
    "atMs" REAL NOT NULL,
    "learned" INTEGER NOT NULL DEFAULT 0
);

