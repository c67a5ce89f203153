-- CreateTable
CREATE TABLE "Product" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "gid" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "handle" TEXT,
    "status" TEXT,
    "shopifyUpdatedAt" TIMESTAMP(3) NOT NULL,
    "deletedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Product_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Variant" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "gid" TEXT NOT NULL,
    "productGid" TEXT NOT NULL,
    "title" TEXT,
    "sku" TEXT,
    "price" INTEGER NOT NULL,
    "inventoryItemGid" TEXT,
    "available" INTEGER NOT NULL DEFAULT 0,
    "lowStock" BOOLEAN NOT NULL DEFAULT false,
    "shopifyUpdatedAt" TIMESTAMP(3) NOT NULL,
    "deletedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Variant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "InventoryLevel" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "inventoryItemGid" TEXT NOT NULL,
    "locationGid" TEXT NOT NULL,
    "available" INTEGER NOT NULL,
    "shopifyUpdatedAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "InventoryLevel_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Customer" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "gid" TEXT NOT NULL,
    "email" TEXT,
    "firstName" TEXT,
    "lastName" TEXT,
    "tags" TEXT NOT NULL DEFAULT '[]',
    "ordersCount" INTEGER NOT NULL DEFAULT 0,
    "totalSpent" INTEGER NOT NULL DEFAULT 0,
    "shopifyUpdatedAt" TIMESTAMP(3) NOT NULL,
    "deletedAt" TIMESTAMP(3),
    "redactedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Customer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Order" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "gid" TEXT NOT NULL,
    "name" TEXT,
    "customerGid" TEXT,
    "email" TEXT,
    "checkoutToken" TEXT,
    "financialStatus" TEXT,
    "fulfillmentStatus" TEXT,
    "processedAt" TIMESTAMP(3) NOT NULL,
    "cancelledAt" TIMESTAMP(3),
    "test" BOOLEAN NOT NULL DEFAULT false,
    "sourceName" TEXT,
    "currency" TEXT NOT NULL,
    "taxesIncluded" BOOLEAN NOT NULL DEFAULT false,
    "linesAmount" INTEGER NOT NULL,
    "shippingAmount" INTEGER NOT NULL DEFAULT 0,
    "eligibleAmount" INTEGER NOT NULL,
    "backfilled" BOOLEAN NOT NULL DEFAULT false,
    "shopifyUpdatedAt" TIMESTAMP(3) NOT NULL,
    "deletedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Order_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OrderLine" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "gid" TEXT NOT NULL,
    "variantGid" TEXT,
    "productGid" TEXT,
    "title" TEXT,
    "quantity" INTEGER NOT NULL,
    "unitPrice" INTEGER NOT NULL,
    "discount" INTEGER NOT NULL DEFAULT 0,
    "tax" INTEGER NOT NULL DEFAULT 0,
    "giftCard" BOOLEAN NOT NULL DEFAULT false,
    "eligible" INTEGER NOT NULL,

    CONSTRAINT "OrderLine_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Refund" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "gid" TEXT NOT NULL,
    "orderGid" TEXT NOT NULL,
    "lines" TEXT NOT NULL,
    "eligibleAmount" INTEGER,
    "processedAt" TIMESTAMP(3) NOT NULL,
    "appliedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Refund_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BackfillRun" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "resource" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "operationGid" TEXT,
    "url" TEXT,
    "objectCount" INTEGER,
    "linesDone" INTEGER NOT NULL DEFAULT 0,
    "since" TIMESTAMP(3),
    "error" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "BackfillRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ReconcileRun" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "since" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'running',
    "repaired" TEXT NOT NULL DEFAULT '{}',
    "error" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "ReconcileRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DataRequest" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "requestId" TEXT,
    "customerGid" TEXT,
    "email" TEXT,
    "export" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DataRequest_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Product_shopId_gid_key" ON "Product"("shopId", "gid");

-- CreateIndex
CREATE INDEX "Variant_shopId_inventoryItemGid_idx" ON "Variant"("shopId", "inventoryItemGid");

-- CreateIndex
CREATE INDEX "Variant_shopId_productGid_idx" ON "Variant"("shopId", "productGid");

-- CreateIndex
CREATE UNIQUE INDEX "Variant_shopId_gid_key" ON "Variant"("shopId", "gid");

-- CreateIndex
CREATE UNIQUE INDEX "InventoryLevel_shopId_inventoryItemGid_locationGid_key" ON "InventoryLevel"("shopId", "inventoryItemGid", "locationGid");

-- CreateIndex
CREATE INDEX "Customer_shopId_email_idx" ON "Customer"("shopId", "email");

-- CreateIndex
CREATE UNIQUE INDEX "Customer_shopId_gid_key" ON "Customer"("shopId", "gid");

-- CreateIndex
CREATE INDEX "Order_shopId_checkoutToken_idx" ON "Order"("shopId", "checkoutToken");

-- CreateIndex
CREATE INDEX "Order_shopId_customerGid_idx" ON "Order"("shopId", "customerGid");

-- CreateIndex
CREATE INDEX "Order_shopId_email_idx" ON "Order"("shopId", "email");

-- CreateIndex
CREATE UNIQUE INDEX "Order_shopId_gid_key" ON "Order"("shopId", "gid");

-- CreateIndex
CREATE INDEX "OrderLine_shopId_variantGid_idx" ON "OrderLine"("shopId", "variantGid");

-- CreateIndex
CREATE UNIQUE INDEX "OrderLine_orderId_gid_key" ON "OrderLine"("orderId", "gid");

-- CreateIndex
CREATE INDEX "Refund_shopId_orderGid_idx" ON "Refund"("shopId", "orderGid");

-- CreateIndex
CREATE UNIQUE INDEX "Refund_shopId_gid_key" ON "Refund"("shopId", "gid");

-- CreateIndex
CREATE INDEX "BackfillRun_shopId_startedAt_idx" ON "BackfillRun"("shopId", "startedAt");

-- CreateIndex
CREATE INDEX "ReconcileRun_shopId_startedAt_idx" ON "ReconcileRun"("shopId", "startedAt");

-- CreateIndex
CREATE INDEX "DataRequest_shopId_createdAt_idx" ON "DataRequest"("shopId", "createdAt");

-- AddForeignKey
ALTER TABLE "OrderLine" ADD CONSTRAINT "OrderLine_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "Order"("id") ON DELETE CASCADE ON UPDATE CASCADE;

