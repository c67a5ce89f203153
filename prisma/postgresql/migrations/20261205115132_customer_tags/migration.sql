-- CreateTable
CREATE TABLE "CustomerTag" (
    "id" TEXT NOT NULL,
    "shopId" TEXT NOT NULL,
    "customerGid" TEXT NOT NULL,
    "tag" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "error" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CustomerTag_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "CustomerTag_shopId_tag_state_idx" ON "CustomerTag"("shopId", "tag", "state");

-- CreateIndex
CREATE UNIQUE INDEX "CustomerTag_shopId_customerGid_tag_key" ON "CustomerTag"("shopId", "customerGid", "tag");

