-- AlterTable
ALTER TABLE "JourneyEvent" ADD COLUMN     "dispatchedAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "Endpoint" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "secret" TEXT NOT NULL,
    "events" TEXT NOT NULL DEFAULT '[]',
    "personalData" BOOLEAN NOT NULL DEFAULT false,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Endpoint_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EndpointDelivery" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "endpointId" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "eventType" TEXT NOT NULL,
    "memberId" TEXT,
    "body" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "responseCode" INTEGER,
    "latencyMs" INTEGER,
    "error" TEXT,
    "lastAttemptAt" TIMESTAMP(3),
    "deliveredAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "EndpointDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FlowTrigger" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "handle" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "FlowTrigger_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Endpoint_shopId_idx" ON "Endpoint"("shopId");

-- CreateIndex
CREATE INDEX "EndpointDelivery_shopId_endpointId_createdAt_idx" ON "EndpointDelivery"("shopId", "endpointId", "createdAt");

-- CreateIndex
CREATE INDEX "EndpointDelivery_shopId_memberId_idx" ON "EndpointDelivery"("shopId", "memberId");

-- CreateIndex
CREATE UNIQUE INDEX "EndpointDelivery_endpointId_eventId_key" ON "EndpointDelivery"("endpointId", "eventId");

-- CreateIndex
CREATE UNIQUE INDEX "FlowTrigger_shopId_handle_key" ON "FlowTrigger"("shopId", "handle");

-- CreateIndex
CREATE INDEX "JourneyEvent_dispatchedAt_createdAt_idx" ON "JourneyEvent"("dispatchedAt", "createdAt");


-- Events written before outward delivery existed are not sent now.
UPDATE "JourneyEvent" SET "dispatchedAt" = "createdAt";
