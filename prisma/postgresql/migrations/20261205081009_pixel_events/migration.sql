-- AlterTable
ALTER TABLE "Shop" ADD COLUMN     "webPixelGid" TEXT;

-- CreateTable
CREATE TABLE "PixelEvent" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "clientId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "occurredAt" TIMESTAMP(3) NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "pagePath" TEXT,
    "productGid" TEXT,
    "variantGid" TEXT,
    "quantity" INTEGER,
    "price" BIGINT,
    "currency" TEXT,
    "stockAtIngest" INTEGER,
    "lowStockAtIngest" BOOLEAN,
    "cartToken" TEXT,
    "checkoutToken" TEXT,
    "orderGid" TEXT,

    CONSTRAINT "PixelEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PixelEventRollup" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "hour" TIMESTAMP(3) NOT NULL,
    "name" TEXT NOT NULL,
    "count" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "PixelEventRollup_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CheckoutToken" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "clientId" TEXT,
    "pixelSeenAt" TIMESTAMP(3),
    "customerGid" TEXT,
    "signedAt" TIMESTAMP(3),

    CONSTRAINT "CheckoutToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VisitorLink" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "clientId" TEXT NOT NULL,
    "customerGid" TEXT NOT NULL,
    "checkoutToken" TEXT NOT NULL,
    "linkedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "VisitorLink_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "PixelEvent_shopId_clientId_occurredAt_idx" ON "PixelEvent"("shopId", "clientId", "occurredAt");

-- CreateIndex
CREATE INDEX "PixelEvent_shopId_checkoutToken_idx" ON "PixelEvent"("shopId", "checkoutToken");

-- CreateIndex
CREATE INDEX "PixelEvent_shopId_receivedAt_idx" ON "PixelEvent"("shopId", "receivedAt");

-- CreateIndex
CREATE UNIQUE INDEX "PixelEvent_shopId_eventId_key" ON "PixelEvent"("shopId", "eventId");

-- CreateIndex
CREATE UNIQUE INDEX "PixelEventRollup_shopId_hour_name_key" ON "PixelEventRollup"("shopId", "hour", "name");

-- CreateIndex
CREATE INDEX "CheckoutToken_shopId_customerGid_idx" ON "CheckoutToken"("shopId", "customerGid");

-- CreateIndex
CREATE UNIQUE INDEX "CheckoutToken_shopId_token_key" ON "CheckoutToken"("shopId", "token");

-- CreateIndex
CREATE INDEX "VisitorLink_shopId_customerGid_idx" ON "VisitorLink"("shopId", "customerGid");

-- CreateIndex
CREATE UNIQUE INDEX "VisitorLink_shopId_clientId_key" ON "VisitorLink"("shopId", "clientId");

