-- CreateTable
CREATE TABLE "CustomerTag" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "shopId" TEXT NOT NULL,
    "customerGid" TEXT NOT NULL,
    "tag" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "error" TEXT,
    "updatedAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "CustomerTag_shopId_tag_state_idx" ON "CustomerTag"("shopId", "tag", "state");

-- CreateIndex
CREATE UNIQUE INDEX "CustomerTag_shopId_customerGid_tag_key" ON "CustomerTag"("shopId", "customerGid", "tag");

