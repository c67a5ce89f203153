-- CreateTable
CREATE TABLE "AdminThrottle" (
    "shopDomain" TEXT NOT NULL,
    "available" DOUBLE PRECISION NOT NULL,
    "maximumAvailable" DOUBLE PRECISION NOT NULL,
    "restoreRate" DOUBLE PRECISION NOT NULL,
    "atMs" DOUBLE PRECISION NOT NULL,
    "learned" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "AdminThrottle_pkey" PRIMARY KEY ("shopDomain")
);

