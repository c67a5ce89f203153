-- AlterTable
ALTER TABLE "Shop" ADD COLUMN "webPixelGid" TEXT;

-- CreateTable
CREATE TABLE "PixelEvent" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "eventId" TEXT NOT NULL,
    "clientId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "occurredAt" DATETIME NOT NULL,
    "receivedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "pagePath" TEXT,
    "productGid" TEXT,
    "variantGid" TEXT,
    "quantity" INTEGER,
    "price" INTEGER,
    "currency" TEXT,
    "stockAtIngest" INTEGER,
    "lowStockAtIngest" BOOLEAN,
    "cartToken" TEXT,
    "checkoutToken" TEXT,
    "orderGid" TEXT
);

-- CreateTable
CREATE TABLE "PixelEventRollup" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "hour" DATETIME NOT NULL,
    "name" TEXT NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0
);

-- CreateTable
CREATE TABLE "CheckoutToken" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "clientId" TEXT,
    "pixelSeenAt" DATETIME,
    "customerGid" TEXT,
    "signedAt" DATETIME
);

-- CreateTable
CREATE TABLE "VisitorLink" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "clientId" TEXT NOT NULL,
    "customerGid" TEXT NOT NULL,
    "checkoutToken" TEXT NOT NULL,
    "linkedAt" DATETIME NOT NULL
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

